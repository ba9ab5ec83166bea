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

/** The facts about an opened file that the loader checks. */
export interface FileInfo {
  /** `file`, `directory` or `other` (device, pipe, socket). */
  kind: "file" | "directory" | "other";
  /** Size in bytes. */
  size: number;
  /** Last modification time in milliseconds since the epoch, if known. */
  mtimeMs: number | null;
  /** Last status change time in milliseconds since the epoch, if known. */
  ctimeMs: number | null;
  /**
   * Which file this is, `<device>:<inode>`, if known: a file renamed over
   * the path is another one than the file read before.
   */
  id?: string;
}

/** What {@linkcode Runtime.readRegularFile} found and read. */
export interface FileRead {
  /** The opened file, as it was right after it was opened. */
  before: FileInfo;
  /**
   * Its bytes, read from the same open file: only when `before` is a
   * regular file of at most `maxBytes` bytes and `ready(before)` said yes.
   * At most `maxBytes + 1` bytes, so a file that grew is seen to have grown.
   */
  bytes?: Uint8Array;
  /**
   * The same open file once read, to tell whether it changed during the
   * read; only when asked for (`recheck`), and set with `bytes`.
   */
  after?: FileInfo;
}

/** How {@linkcode Runtime.readRegularFile} reads. */
export interface ReadRegularFileOptions {
  /**
   * Whether to read, given the open file's facts.
   *
   * @default {always}
   */
  ready?: (before: FileInfo) => boolean;
  /**
   * Whether to look at the open file again once read (`after`), for a
   * caller that keeps a read only if the file did not change during it.
   *
   * @default {false}
   */
  recheck?: boolean;
}

/**
 * What the module needs from the runtime it runs on. Deno, Node.js and Bun
 * all give it through `node:process` and `node:fs`, so there is one
 * implementation; `name` is for the few places where they behave apart.
 */
export interface Runtime extends SignalSource {
  /** `deno`, `node` or `bun`. */
  readonly name: "deno" | "node" | "bun";
  /**
   * Opens `path` (following links) once, without ever blocking (a FIFO
   * with no writer opens at once), looks at the open file and reads it
   * only if it is a regular file of at most `maxBytes` bytes and
   * `ready(before)` returns true; then, if asked to, looks at it again;
   * and closes it.
   * Every check is made on the file that is read, not on the path, so a
   * path swapped to a pipe or device between the checks cannot block or
   * feed a pass without end.
   *
   * @param path The file's path.
   * @param maxBytes The most bytes wanted; one more is read at most.
   * @param options Whether to read, given the open file's facts, and
   *   whether to look at it again once read.
   * @returns What was found and read.
   */
  readRegularFile(
    path: string,
    maxBytes: number,
    options?: ReadRegularFileOptions,
  ): Promise<FileRead>;
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
