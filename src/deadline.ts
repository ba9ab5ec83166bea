import { isThenable } from "./_util.ts";

/**
 * The timer functions the coordinator uses for hook deadlines; inject fake
 * ones to test deadlines without waiting.
 *
 * @example Fake timers that fire on demand
 * ```ts
 * import type { Timers } from "@hup/reload";
 *
 * const pending = new Map<number, () => void>();
 * let next = 0;
 * const timers: Timers = {
 *   setTimeout: (callback) => (pending.set(++next, callback), next),
 *   clearTimeout: (handle) => void pending.delete(handle as number),
 * };
 * // Later, in a test: for (const fire of pending.values()) fire();
 * ```
 */
export interface Timers {
  /** Calls `callback` once after `ms` milliseconds; returns a handle. */
  setTimeout(callback: () => void, ms: number): unknown;
  /** Cancels a pending `setTimeout` by its handle. */
  clearTimeout(handle: unknown): void;
}

/** The runtime's own timers. */
export const realTimers: Timers = {
  setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
  clearTimeout: (handle) =>
    globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** What a task run by {@linkcode withDeadline} is given. */
export interface Deadline {
  /** Aborted once the deadline has passed; made when first read. */
  readonly signal: AbortSignal;
}

/**
 * What a hook is given: `fields`, and the deadline's `signal`, read from
 * the deadline only when the hook reads it (so that no signal is made for
 * a hook that never looks at it).
 *
 * @param deadline The deadline of the hook's call.
 * @param fields The rest of the context.
 * @returns The context.
 */
export function hookContext<T extends object>(
  deadline: Deadline,
  fields: T,
): T & { readonly signal: AbortSignal } {
  return {
    ...fields,
    get signal() {
      return deadline.signal;
    },
  };
}

/**
 * Runs `task` with an `AbortSignal`, giving up after `ms` milliseconds: the
 * signal is then aborted and the returned promise rejects, while a late
 * settlement of `task` is absorbed (never an unhandled rejection).
 *
 * @param task The work; a synchronous throw counts as a rejection, and a
 *   plain (non-promise) return value is done at once, with no timer.
 * @param options `ms` (`Infinity` for none), `timers`, and `what` for the
 *   message.
 * @returns What `task` returns.
 */
export function withDeadline<T>(
  task: (deadline: Deadline) => T | Promise<T>,
  options: { ms: number; timers: Timers; what: string },
): Promise<T> {
  const { ms, timers, what } = options;
  // Not `AbortSignal.timeout(ms)`: it runs on the platform's clock, so the
  // injected `timers` (fake time in tests) cannot drive it; it cannot be
  // cleared, so every hook call would leave a timer pending until `ms`
  // passes (on Deno one that keeps the process alive); and it must exist
  // before the hook runs, where ours arms a timer only for a hook that
  // returned a promise. On Node.js it cost 2-20x ours per hook call and
  // held about 1 KB until it fired (bench/platform_tools.mjs).
  // The signal is made when the task first reads it: most hooks never do,
  // and an AbortController per hook and pass is a cost on every pass.
  let controller: AbortController | undefined;
  let reason: Error | undefined;
  const deadline: Deadline = {
    get signal() {
      if (controller === undefined) {
        controller = new AbortController();
        if (reason !== undefined) controller.abort(reason);
      }
      return controller.signal;
    },
  };
  let returned: T | Promise<T>;
  try {
    returned = task(deadline);
  } catch (error) {
    return Promise.reject(error);
  }
  // A task that returned a plain value is done: no deadline to keep.
  if (!isThenable(returned)) return Promise.resolve(returned);
  const work = Promise.resolve(returned);
  if (ms === Infinity) return work;
  let handle: unknown;
  const expired = new Promise<never>((_, reject) => {
    handle = timers.setTimeout(() => {
      const error = new Error(
        `${what} did not finish within ${ms} ms (the pass went on without it; its signal is aborted)`,
      );
      error.name = "TimeoutError";
      reason = error;
      controller?.abort(error);
      reject(error);
    }, ms);
  });
  return Promise.race([work, expired]).finally(() =>
    timers.clearTimeout(handle)
  );
}
