import { getLogger } from "@logtape/logtape";
import { renderError } from "./render.ts";
import { isThenable } from "./_util.ts";

/** Where and how a failing listener is logged. */
export interface ListenerFailure {
  /** The LogTape category, under `hup-reload`. */
  readonly category: readonly string[];
  /** The message; `{error}` stands for the rendered error. */
  readonly message: string;
  /** More properties for the record. */
  readonly properties?: Readonly<Record<string, unknown>>;
}

/**
 * Calls `listener`, so that nothing it does can hurt the caller: a throw, or
 * a returned promise that rejects, is logged (never an uncaught error, which
 * would end the process on Node.js and Deno, nor an unhandled rejection).
 *
 * @param listener The listener call.
 * @param failure How a failure is logged.
 */
export function callListener(
  listener: () => unknown,
  failure: ListenerFailure,
): void {
  try {
    const returned = listener();
    if (isThenable(returned)) {
      Promise.resolve(returned).catch((error) => logFailure(failure, error));
    }
  } catch (error) {
    logFailure(failure, error);
  }
}

/**
 * Calls every listener with `args`, each through {@linkcode callListener}:
 * one that fails is logged and the others still run. Listeners added or
 * removed meanwhile take effect from the next call.
 *
 * @param listeners The listeners.
 * @param args What each is called with.
 * @param failure How a failure is logged.
 */
export function notifyAll<A extends unknown[]>(
  listeners: Iterable<(...args: A) => unknown>,
  args: A,
  failure: ListenerFailure,
): void {
  for (const listener of [...listeners]) {
    callListener(() => listener(...args), failure);
  }
}

function logFailure(failure: ListenerFailure, error: unknown): void {
  try {
    getLogger(["hup-reload", ...failure.category]).error(failure.message, {
      ...failure.properties,
      error: renderError(error),
    });
  } catch {
    // A logging sink that throws cannot be told about it either.
  }
}
