/**
 * What a command needs from the process it runs in, injected so that the
 * commands hold no runtime-specific call (the entry point builds it from
 * `node:process`, which Deno, Node.js and Bun all provide) and tests can
 * give fakes (a fetch that never answers, timers they fire themselves).
 */
export interface CliIo {
  /** Writes to standard output. */
  stdout(text: string): void;
  /** Writes to standard error. */
  stderr(text: string): void;
  /**
   * Reads one environment variable; `undefined` when unset. May throw when
   * the runtime does not permit it (Deno without `--allow-env`).
   */
  env(name: string): string | undefined;
  /** The working directory, against which relative paths resolve. */
  cwd(): string;
  /** Makes HTTP requests. */
  fetch: typeof fetch;
  /** Calls `callback` after `ms` milliseconds; returns a handle. */
  setTimeout(callback: () => void, ms: number): unknown;
  /** Cancels a `setTimeout` handle. */
  clearTimeout(handle: unknown): void;
}
