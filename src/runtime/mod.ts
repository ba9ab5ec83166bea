// The platform layer: what the module needs from the runtime it runs on.
// Deno 2, Node.js and Bun all provide `node:process` (signals, the
// environment) and `node:fs` with the flags the bounded read needs, so one
// implementation serves the three; the runtime's name is kept for the few
// places where they behave apart (how a long walk gives the event loop a
// turn). Everything else in `src/` uses `node:` modules directly, as the
// three runtimes share them.
import process from "node:process";
import { readRegularFile } from "./file.ts";
import { noSighup, type Runtime } from "./types.ts";

export type {
  FileInfo,
  FileRead,
  ReadRegularFileOptions,
  Runtime,
  SignalSource,
} from "./types.ts";

let current: Runtime | undefined;

/**
 * Returns the platform layer, made once on first use.
 *
 * @returns The layer.
 */
export function runtime(): Runtime {
  return current ??= processRuntime(process);
}

// Just the members of `process` used here.
interface ProcessLike {
  env: Record<string, string | undefined>;
  platform: string;
  versions: Record<string, string | undefined>;
  on(signal: "SIGHUP", listener: () => void): unknown;
  off(signal: "SIGHUP", listener: () => void): unknown;
}

/**
 * The layer over a `process` object: the real one, or a fake in tests.
 *
 * @param process `node:process`, or an object with its members used here.
 * @returns The layer.
 */
export function processRuntime(process: ProcessLike): Runtime {
  return {
    name: "Deno" in globalThis
      ? "deno"
      : process.versions.bun !== undefined
      ? "bun"
      : "node",
    readRegularFile,
    getEnv: (name) => process.env[name],
    addSignalListener(signal, listener) {
      if (process.platform === "win32") noSighup(process.platform);
      process.on(signal, listener);
    },
    removeSignalListener(signal, listener) {
      if (process.platform === "win32") return;
      process.off(signal, listener);
    },
  };
}
