import { noSighup, type Runtime } from "./types.ts";

// Just the members of the Deno namespace used here, so the npm build
// type-checks without Deno's types.
interface DenoNamespace {
  readFile(path: string): Promise<Uint8Array>;
  statSync(path: string): {
    isFile: boolean;
    isDirectory: boolean;
    size: number;
    mtime: Date | null;
  };
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
    statSync(path) {
      const info = d.statSync(path);
      return {
        kind: info.isFile ? "file" : info.isDirectory ? "directory" : "other",
        size: info.size,
        mtimeMs: info.mtime?.getTime() ?? null,
      };
    },
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
