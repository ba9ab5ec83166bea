// Shared test helpers: deferreds, an env lookup, and the package's own
// testing helpers.

import { configure, type LogRecord, reset } from "@logtape/logtape";

// The package's own testing helpers, used by the suite as users would.
export { tempConfig } from "hup-reload/testing";

/**
 * Captures the LogTape records of `hup-reload` into `records` until
 * disposed (`await using logs = await captureLogs()`).
 */
export async function captureLogs(
  onRecord?: (record: LogRecord) => void,
): Promise<{ records: LogRecord[] } & AsyncDisposable> {
  const records: LogRecord[] = [];
  await configure({
    reset: true,
    sinks: {
      memory: (record) => {
        records.push(record);
        onRecord?.(record);
      },
    },
    loggers: [
      { category: ["hup-reload"], sinks: ["memory"], lowestLevel: "debug" },
      { category: ["logtape", "meta"], sinks: [], lowestLevel: "error" },
    ],
  });
  return { records, [Symbol.asyncDispose]: () => reset() };
}

export interface Deferred<T = void> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets every pending promise callback run (no timers involved). */
export async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await Promise.resolve();
}

/** An env lookup backed by a plain object. */
export function envOf(
  vars: Record<string, string>,
): (name: string) => string | undefined {
  return (name) => Object.hasOwn(vars, name) ? vars[name] : undefined;
}
