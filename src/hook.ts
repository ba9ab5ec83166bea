import type { HookStatus } from "./status.ts";

/**
 * What an {@linkcode Hook.apply} call gets besides the two configs.
 *
 * @example Usage
 * ```ts
 * import type { ApplyContext } from "@hup/reload";
 *
 * function describe(ctx: ApplyContext): string {
 *   return `applying generation ${ctx.generation}, aborted: ${ctx.signal.aborted}`;
 * }
 * ```
 */
export interface ApplyContext {
  /**
   * Aborted when the hook should give up, because its deadline passed: pass
   * it to `fetch`, timers and anything else that takes an `AbortSignal`.
   */
  readonly signal: AbortSignal;
  /** The generation the new config will have once the pass swaps it in. */
  readonly generation: number;
  /**
   * Looks up an optional subsystem by name (the `lookup` of `Deps`), for
   * hooks whose subsystem may not be registered in every mode.
   *
   * @returns The subsystem, or `undefined` when it is not registered.
   */
  lookup<T = unknown>(name: string): T | undefined;
}

/**
 * A reloadable subsystem: the contract every hook implements.
 *
 * A pass first runs `check` on every hook; if any throws, the pass stops
 * there (`validation_failed`) and nothing changes. Then it runs `apply` on
 * every hook in order; one that throws is marked `failed` and the others
 * still run.
 *
 * @example A hook that resizes a cache
 * ```ts
 * import { HookStatus, type Hook } from "@hup/reload";
 *
 * interface Config { cache: { size: number } }
 * const cache = { size: 100 };
 *
 * const cacheHook: Hook<Config> = {
 *   name: "cache",
 *   check(_old, next) {
 *     if (!(next.cache.size > 0)) {
 *       throw new RangeError("Cannot resize the cache as the size is not positive: cache.size");
 *     }
 *   },
 *   apply(_ctx, old, next) {
 *     if (old.cache.size === next.cache.size) return HookStatus.Skipped;
 *     cache.size = next.cache.size;
 *     return HookStatus.Applied;
 *   },
 * };
 * ```
 *
 * @typeParam C The config type.
 */
export interface Hook<C> {
  /** A short stable identifier used in logs and outcomes. */
  readonly name: string;
  /**
   * How long this hook's `check` or `apply` may take, in milliseconds;
   * overrides the coordinator's `hookTimeout`.
   *
   * @default {the coordinator's hookTimeout}
   */
  readonly timeout?: number;
  /**
   * Validates the new config against the old one without changing anything.
   * Throwing (or rejecting) aborts the pass before any `apply` runs.
   *
   * @param oldCfg The config in effect.
   * @param newCfg The config being loaded.
   */
  check(oldCfg: C, newCfg: C): void | Promise<void>;
  /**
   * Changes the live subsystem. Returns `applied` when it did, `skipped` when
   * the subsystem is not configured or not registered. Throwing (or
   * rejecting, or returning `failed`) marks this hook failed; the pass goes
   * on with the other hooks.
   *
   * @param ctx The abort signal, the new generation, subsystem lookup.
   * @param oldCfg The config in effect.
   * @param newCfg The config being swapped in.
   */
  apply(
    ctx: ApplyContext,
    oldCfg: C,
    newCfg: C,
  ): HookStatus | Promise<HookStatus>;
}
