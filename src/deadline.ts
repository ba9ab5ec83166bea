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

// A call's deadline: its signal is made when first read (most hooks never
// read it, and an AbortController per hook and pass is a cost on every
// pass), aborted at once if the deadline has already passed.
class CallDeadline implements Deadline {
  #controller: AbortController | undefined;
  #reason: Error | undefined;

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#reason !== undefined) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  expire(reason: Error): void {
    this.#reason = reason;
    this.#controller?.abort(reason);
  }
}

/**
 * Runs `task` with an `AbortSignal`, giving up after `ms` milliseconds: the
 * signal is then aborted and the returned promise rejects, while a late
 * settlement of `task` is absorbed (never an unhandled rejection).
 *
 * @param task The work. A task that returns a plain (non-promise) value is
 *   done at once: that value is returned as it is, with no timer and no
 *   promise, and a synchronous throw is thrown; callers `await` the result
 *   either way.
 * @param options `ms` (`Infinity` for none), `timers`, and `what` for the
 *   message.
 * @returns What `task` returns: its plain value, or a promise of it.
 */
export function withDeadline<T>(
  task: (deadline: Deadline) => T | Promise<T>,
  options: { ms: number; timers: Timers; what: string },
): T | Promise<T> {
  const { ms, timers, what } = options;
  // Not `AbortSignal.timeout(ms)`: it runs on the platform's clock, so the
  // injected `timers` (fake time in tests) cannot drive it; it cannot be
  // cleared, so every hook call would leave a timer pending until `ms`
  // passes (on Deno one that keeps the process alive); and it must exist
  // before the hook runs, where ours arms a timer only for a hook that
  // returned a promise. On Node.js it cost 2-20x ours per hook call and
  // held about 1 KB until it fired (bench/platform_tools.mjs).
  const deadline = new CallDeadline();
  const returned = task(deadline);
  // A task that returned a plain value is done: no deadline to keep, and
  // no promise to make (most hooks are synchronous; a promise and its
  // `await` per hook were most of a pass's cost of its hooks).
  if (!isThenable(returned)) return returned;
  const work = Promise.resolve(returned);
  if (ms === Infinity) return work;
  let handle: unknown;
  const expired = new Promise<never>((_, reject) => {
    handle = timers.setTimeout(() => {
      const error = new Error(
        `${what} did not finish within ${ms} ms (the pass went on without it; its signal is aborted)`,
      );
      error.name = "TimeoutError";
      deadline.expire(error);
      reject(error);
    }, ms);
  });
  return Promise.race([work, expired]).finally(() =>
    timers.clearTimeout(handle)
  );
}
