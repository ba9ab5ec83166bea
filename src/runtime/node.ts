import { readFile } from "node:fs/promises";
import { readRegularFile } from "./file.ts";
import { noSighup, type Runtime } from "./types.ts";

// Just the members of `process` used here.
interface NodeProcess {
  env: Record<string, string | undefined>;
  platform: string;
  versions: Record<string, string | undefined>;
  on(signal: "SIGHUP", listener: () => void): unknown;
  off(signal: "SIGHUP", listener: () => void): unknown;
}

/**
 * The Node.js and Bun runtime adapter.
 *
 * @param process The `process` global.
 * @returns The adapter.
 */
export function nodeRuntime(process: unknown): Runtime {
  const p = process as NodeProcess;
  return {
    name: p.versions.bun === undefined ? "node" : "bun",
    readFile: (path) => readFile(path),
    readRegularFile,
    getEnv: (name) => p.env[name],
    addSignalListener(signal, listener) {
      if (p.platform === "win32") noSighup(p.platform);
      p.on(signal, listener);
    },
    removeSignalListener(signal, listener) {
      p.off(signal, listener);
    },
  };
}
