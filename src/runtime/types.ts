/**
 * A source of process signals. The coordinator listens to `SIGHUP` through
 * one; tests pass a fake to fire a reload without sending a real signal.
 *
 * @example A source that fires on demand
 * ```ts
 * import type { SignalSource } from "@hup/reload";
 *
 * const listeners = new Set<() => void>();
 * const signals: SignalSource = {
 *   addSignalListener: (_signal, listener) => void listeners.add(listener),
 *   removeSignalListener: (_signal, listener) => void listeners.delete(listener),
 * };
 * // Later, in a test: listeners.forEach((listener) => listener());
 * ```
 */
export interface SignalSource {
  /**
   * Calls `listener` whenever the process receives `signal`.
   *
   * @throws {Error} If the platform has no such signal.
   */
  addSignalListener(signal: "SIGHUP", listener: () => void): void;
  /** Stops calling `listener` for `signal`. */
  removeSignalListener(signal: "SIGHUP", listener: () => void): void;
}

/** The facts about a path that the loader checks before reading it. */
export interface FileInfo {
  /** `file`, `directory` or `other` (device, pipe, socket). */
  kind: "file" | "directory" | "other";
  /** Size in bytes. */
  size: number;
  /** Last modification time in milliseconds since the epoch, if known. */
  mtimeMs: number | null;
}

/**
 * What the module needs from the runtime it runs on; one implementation per
 * runtime, chosen once.
 */
export interface Runtime extends SignalSource {
  /** `deno`, `node` or `bun`. */
  readonly name: "deno" | "node" | "bun";
  /** Reads a whole file. */
  readFile(path: string): Promise<Uint8Array>;
  /**
   * What kind of file `path` is (following links), its size and mtime.
   * Synchronous: a local stat takes microseconds, far less than the
   * scheduling of an asynchronous one, and a pass makes two.
   */
  statSync(path: string): FileInfo;
  /** Reads one environment variable; `undefined` when unset. */
  getEnv(name: string): string | undefined;
}

/**
 * Throws the error for a platform without SIGHUP (Windows).
 *
 * @param platform The platform name, for the message.
 */
export function noSighup(platform: string): never {
  throw new Error(
    `Cannot listen for SIGHUP as this platform (${platform}) has no such signal: trigger reloads with coordinator.reload() instead`,
  );
}
