import { readRegularFile } from "./file.ts";
import { noSighup, type Runtime } from "./types.ts";

// Just the members of the Deno namespace used here, so the npm build
// type-checks without Deno's types.
interface DenoNamespace {
  readFile(path: string): Promise<Uint8Array>;
  env: { get(name: string): string | undefined };
  build: { os: string };
  addSignalListener(signal: "SIGHUP", handler: () => void): void;
  removeSignalListener(signal: "SIGHUP", handler: () => void): void;
}

/**
 * The Deno runtime adapter.
 *
 * @param deno The `Deno` namespace.
 * @returns The adapter.
 */
export function denoRuntime(deno: unknown): Runtime {
  const d = deno as DenoNamespace;
  return {
    name: "deno",
    readFile: (path) => d.readFile(path),
    readRegularFile,
    getEnv: (name) => d.env.get(name),
    addSignalListener(signal, listener) {
      if (d.build.os === "windows") noSighup(d.build.os);
      d.addSignalListener(signal, listener);
    },
    removeSignalListener(signal, listener) {
      if (d.build.os === "windows") return;
      d.removeSignalListener(signal, listener);
    },
  };
}
