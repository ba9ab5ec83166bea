import { denoRuntime } from "./deno.ts";
import { nodeRuntime } from "./node.ts";
import type { Runtime } from "./types.ts";

export type { FileInfo, FileRead, Runtime, SignalSource } from "./types.ts";

let current: Runtime | undefined;

/**
 * Returns the adapter for the runtime this module runs on, chosen once by
 * feature check on first use.
 *
 * @returns The adapter.
 * @throws {Error} On a runtime that is neither Deno, Node.js nor Bun.
 */
export function runtime(): Runtime {
  return current ??= detect();
}

function detect(): Runtime {
  const g = globalThis as Record<string, unknown>;
  if ("Deno" in g) return denoRuntime(g.Deno);
  const process = g.process as { on?: unknown } | undefined;
  if (typeof process?.on === "function") return nodeRuntime(process);
  throw new Error(
    "Cannot find a supported runtime: hup-reload runs on Deno, Node.js and Bun",
  );
}
