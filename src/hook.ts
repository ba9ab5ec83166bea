import type { HookStatus, ReloadStatus } from "./status.ts";

/**
 * What a {@linkcode Hook.check} call gets besides the two configs.
 *
 * @example Skipping a check when the section did not change
 * ```ts
 * import type { CheckContext } from "@hup/reload";
 *
 * function needsCheck(ctx: CheckContext): boolean {
 *   return ctx.changed("database") && !ctx.signal.aborted;
 * }
 * ```
 */
export interface CheckContext {
  /**
   * Aborted when the hook should give up, because its deadline passed.
   */
  readonly signal: AbortSignal;
  /**
   * Whether the value at `path` (dotted: `server.tls`, `routes.0.target`)
   * differs between the config in effect and the new one: it changed, or
   * something under it did, or a value above it was added, removed or
   * replaced. A hook can skip its work when its section did not change.
   *
   * @param path A dotted path.
   * @returns Whether it changed.
   */
  changed(path: string): boolean;
}

/**
 * What an {@linkcode Hook.apply} call gets besides the two configs.
 *
 * @example Usage
 * ```ts
 * import type { ApplyContext } from "@hup/reload";
 *
 * function describe(ctx: ApplyContext): string {
 *   return `applying generation ${ctx.generation}, cache changed: ${ctx.changed("cache")}`;
 * }
 * ```
 */
export interface ApplyContext extends CheckContext {
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
 * What a {@linkcode Hook.discard} call gets besides the two configs.
 *
 * @example Usage
 * ```ts
 * import type { DiscardContext } from "@hup/reload";
 *
 * function why(ctx: DiscardContext): string {
 *   return `the pass ended ${ctx.status}; pool changed: ${ctx.changed("pool")}`;
 * }
 * ```
 */
export interface DiscardContext extends CheckContext {
  /**
   * Aborted when the hook should give up, because its deadline (the same
   * one as for `check` and `apply`) passed.
   */
  readonly signal: AbortSignal;
  /**
   * How the pass ends, since it swaps nothing: `validation_failed` (a
   * check threw, or overran its deadline), or `would_apply` (a dry run,
   * which applies nothing).
   */
  readonly status: ReloadStatus;
}

/**
 * A reloadable subsystem: the contract every hook implements.
 *
 * A pass first runs `check` on every hook; if any throws, the pass stops
 * there (`validation_failed`) and nothing changes, and every hook whose
 * check passed gets `discard`, to free what its check prepared. Otherwise
 * it runs `apply` on every hook in order; one that throws is marked
 * `failed` and the others still run. A dry run stops after the checks:
 * every hook whose check passed gets `discard`. `Coordinator.create` runs
 * every `check` on the start-up config too, with `undefined` as the old
 * config.
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
   * Whether `Coordinator.create` runs `check(undefined, config)` on the
   * start-up config. Leave it on: a config that a reload would refuse must
   * not start a service either. Set `false` only for a check that cannot
   * judge a config without one in effect, and say why beside it.
   *
   * @default {true}
   */
  readonly checkOnStart?: boolean;
  /**
   * Validates the new config against the old one without changing anything.
   * Throwing (or rejecting) aborts the pass before any `apply` runs.
   *
   * `Coordinator.create` also calls it once on the start-up config, as
   * `check(undefined, config)`: no config is in effect yet, so `oldCfg` is
   * `undefined` and `ctx.changed()` is true for every path. Throwing there
   * stops the start (or starts from the last known-good config, with
   * `lastGood`), unless the hook sets `checkOnStart: false`.
   *
   * @param oldCfg The config in effect; `undefined` at start-up.
   * @param newCfg The config being loaded.
   * @param ctx The abort signal and what changed.
   */
  check(oldCfg: C, newCfg: C, ctx: CheckContext): void | Promise<void>;
  /**
   * Changes the live subsystem. Returns `applied` when it did, `skipped` when
   * the subsystem is not configured or not registered. Throwing (or
   * rejecting, or returning `failed`) marks this hook failed; the pass goes
   * on with the other hooks.
   *
   * @param ctx The abort signal, what changed, the new generation,
   *   subsystem lookup.
   * @param oldCfg The config in effect.
   * @param newCfg The config being swapped in.
   */
  apply(
    ctx: ApplyContext,
    oldCfg: C,
    newCfg: C,
  ): HookStatus | Promise<HookStatus>;
  /**
   * Frees what `check` prepared for `newCfg` (a connection pool, a TLS
   * context) when the pass will not swap it in. Called once for every hook
   * whose `check` passed, when the pass then swaps nothing: another hook's
   * check threw or overran its deadline, or the pass is a dry run
   * (`reload({ dryRun: true })`), which applies nothing. Never called after `apply` (a
   * pass that swaps hands `apply` what `check` built), nor when the config
   * did not load (no check ran), nor for the hook whose own check failed
   * (it frees its own work before throwing). Hooks are discarded one at a
   * time, the last one first, each within its deadline; a throw, a
   * rejection or an overrun is logged (category
   * `["hup-reload", "coordinator"]`) and changes nothing in the result.
   *
   * @param ctx The abort signal, what changed, how the pass ends.
   * @param oldCfg The config in effect, which stays.
   * @param newCfg The config that will not be swapped in.
   */
  discard?(
    ctx: DiscardContext,
    oldCfg: C,
    newCfg: C,
  ): void | Promise<void>;
}
