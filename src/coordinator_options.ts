// The options of a coordinator, in one place: how passes run
// (`CoordinatorOptions`), how `Coordinator.create()` loads the config
// (`CreateOptions`), what `new Coordinator()` is given (`Deps`, whose
// union keeps a typed config from being reloaded unchecked), and what a
// caller gives `reload()` and reads of the running pass.

import type { AtomicConfig } from "./atomic.ts";
import type { Timers } from "./deadline.ts";
import type { Hook } from "./hook.ts";
import type { ConfigObject, LoadOptions } from "./load/options.ts";
import type { ConfigPaths } from "./load/pipeline.ts";
import type { ConfigSource } from "./load/source.ts";
import type { SignalSource } from "./runtime/mod.ts";
import type { ConfigSchema } from "./schema.ts";
import type { ReloadTrigger } from "./trigger.ts";

/**
 * How a {@linkcode Coordinator} runs passes, whichever way it was built.
 *
 * @example Usage
 * ```ts
 * import type { CoordinatorOptions } from "@hup/reload";
 *
 * const options: CoordinatorOptions<{ port: number }> = {
 *   configPath: "/etc/app/config.yaml",
 *   nonReloadable: ["port"],
 *   hookTimeout: 5_000,
 * };
 * ```
 *
 * @typeParam C The config type.
 */
export interface CoordinatorOptions<C> {
  /**
   * The config file a pass reloads, or its layers, base first: each a path
   * or `{ path, optional, format, settle }`. Later layers override earlier
   * ones, mapping by mapping; sequences and scalars replace. Give this or
   * `source`, not both.
   *
   * @default {undefined}
   */
  configPath?: ConfigPaths;
  /**
   * Where a pass reads the config from, instead of `configPath`: a
   * {@linkcode ConfigSource} (`fileSource()`, `httpSource()` from
   * `@hup/reload/remote`, `etcdSource()` from `@hup/reload/etcd`, your
   * own), or a list of them as layers, base first.
   *
   * @default {undefined}
   */
  source?: ConfigSource | readonly ConfigSource[];
  /**
   * The hooks a pass runs, in order. A result lists exactly these.
   *
   * @default {[]}
   */
  hooks?: readonly Hook<C>[];
  /**
   * Fields (dotted paths, `a.b.0.c`) that a reload cannot change, or a
   * function that lists the changed ones given the start-up config and the
   * new one. Those that differ from start-up are reported in
   * `requires_restart`.
   *
   * @default {[]}
   */
  nonReloadable?: readonly string[] | ((oldCfg: C, newCfg: C) => string[]);
  /**
   * Looks up optional subsystems by name for hooks
   * ({@linkcode ApplyContext.lookup}).
   *
   * @default {() => undefined}
   */
  lookup?: (name: string) => unknown;
  /**
   * Where `watch()` listens for SIGHUP; inject a fake in tests.
   *
   * @default {the runtime's signals}
   */
  signals?: SignalSource;
  /**
   * What else asks for reloads once `watch()` is called (and stops at
   * `shutdown()`), e.g. `fileChanges()` to reload when the file changes.
   *
   * @default {[]}
   */
  triggers?: readonly ReloadTrigger[];
  /**
   * How many results {@linkcode Coordinator.history} keeps.
   *
   * @default {32}
   */
  historySize?: number;
  /**
   * How long one hook's `check` or `apply` may take, in milliseconds, before
   * the pass gives up on it (the outcome is `failed`, the apply signal is
   * aborted) and goes on; `Infinity` for no limit. A hook's own `timeout`
   * takes precedence.
   *
   * @default {10000}
   */
  hookTimeout?: number;
  /**
   * How often, in milliseconds, the sources are compared with the config in
   * effect once `watch()` is called (see {@linkcode Coordinator.verify}):
   * a difference is the drift that status, metrics and the page show, and
   * a change that no pass has read starts one (trigger `verify`), so a lost
   * file event costs at most this long. `0` turns it off.
   *
   * @default {30000}
   */
  verifyEvery?: number;
  /**
   * The timers for hook deadlines and the verification; inject fake ones
   * in tests.
   *
   * @default {globalThis.setTimeout and clearTimeout}
   */
  timers?: Timers;
  /**
   * The clock for `started_at` and `ended_at`.
   *
   * @default {() => new Date()}
   */
  now?: () => Date;
}

/**
 * Options of {@linkcode Coordinator.reload}.
 *
 * @example Usage
 * ```ts
 * import type { ReloadOptions } from "@hup/reload";
 *
 * const options: ReloadOptions = { trigger: "deploy" };
 * ```
 */
export interface ReloadOptions {
  /**
   * What asks for the pass, as the result's `trigger` and the logs say:
   * `signal`, `http`, `file`, or a name of the caller's: a longer one is
   * cut to 64 UTF-16 code units, never inside a surrogate pair, and logs
   * show its control characters escaped (`\u{a}`).
   *
   * @default {"call"}
   */
  trigger?: string;
  /**
   * Runs a dry run instead of a pass: load and validate the sources, run
   * every hook's `check` with the config in effect as the old one, then
   * give every hook whose check passed `discard`; no `apply`, no swap. The
   * result has `dry_run: true` and the status `would_apply`,
   * `validation_failed` or `load_failed`, with `changed` and
   * `requires_restart` as a pass would report them. It changes nothing a
   * pass records: not the generation, the last result, the history, the
   * pass counters, the digest or the verification's view of the sources;
   * it dispatches no `"reload"` event. Dry runs wait in line with passes
   * (never two at once); those asked for while one waits share it, and
   * never share a pass's.
   *
   * @default {false}
   */
  dryRun?: boolean;
}

/**
 * The pass (or dry run) running now, as {@linkcode Coordinator.inProgress}
 * and GET status (`in_progress`) show it.
 *
 * @example Usage
 * ```ts
 * import type { PassInProgress } from "@hup/reload";
 *
 * const running: PassInProgress = {
 *   trigger: "signal",
 *   started_at: "2026-12-06T03:00:00.000Z",
 *   dry_run: false,
 * };
 * ```
 */
export interface PassInProgress {
  /** What asked for it first, as its result will say. */
  readonly trigger: string;
  /** When it started (ISO 8601). */
  readonly started_at: string;
  /** Whether it is a dry run. */
  readonly dry_run: boolean;
}

/**
 * Options of {@linkcode Coordinator.create}: how to load the config (the
 * same for the start-up config and every reload) and how to run passes.
 *
 * @example Usage
 * ```ts
 * import type { CreateOptions } from "@hup/reload";
 *
 * const options: CreateOptions = {
 *   configPath: "/etc/app/config.yaml",
 *   env: (name) => ({ PORT: "8080" })[name],
 *   lastGood: "/var/lib/app/config.last-good",
 * };
 * ```
 *
 * @typeParam C The config type, inferred from `schema`.
 */
export interface CreateOptions<C = ConfigObject>
  extends CoordinatorOptions<C>, LoadOptions<C> {
  /**
   * A file for the last known-good config: after start-up and after every
   * pass that swaps a config in, the exact texts of every layer that gave
   * it are written there (atomically, mode 0600; references such as
   * `${VAR}` and `${file:...}` as written, never their values). When the
   * sources cannot start the service (they do not load, or a hook's check
   * refuses them), `create()` starts from this file instead, if it loads
   * and passes the checks, and says so: a warning, `runningFrom()`
   * `"last_good"`, on GET status, metrics and the page, until a pass from
   * the sources succeeds. Without it nothing is written.
   *
   * @default {undefined}
   */
  lastGood?: string;
}

/**
 * Everything a coordinator built with `new Coordinator()` reads or changes:
 * the holder, filled at start-up by the caller, and how a pass loads the
 * config: from `configPath` or `source` with the default loader (`schema`,
 * `env` and the limits of {@linkcode LoadOptions}), or with a custom `load`
 * (which `configPath` or `source` then only names). A typed config needs
 * one of `schema` or `load`, so a reload can never swap in an unchecked
 * one.
 *
 * @example Usage
 * ```ts
 * import { AtomicConfig, type Deps } from "@hup/reload";
 *
 * interface Config { server: { listen: string } }
 * const deps: Deps<Config> = {
 *   configPath: "/etc/app/config.yaml",
 *   config: new AtomicConfig<Config>({ server: { listen: ":8080" } }),
 *   load: () => ({ server: { listen: ":8080" } }),
 *   nonReloadable: ["server.listen"],
 * };
 * ```
 *
 * @typeParam C The config type.
 */
export type Deps<C> =
  & CoordinatorOptions<C>
  & {
    /**
     * The holder the rest of the process reads; it must already hold the
     * config in effect.
     */
    config: AtomicConfig<C>;
  }
  & (
    | (LoadOptions<C> & {
      /** Validates (and may transform) every reloaded file. */
      schema: ConfigSchema<C>;
      load?: undefined;
    })
    | {
      /**
       * Replaces the default loader: called with the config's name (its
       * `configPath`); throwing makes a pass `load_failed`.
       */
      load: (path: string) => C | Promise<C>;
      schema?: undefined;
    }
    | (
      & LoadOptions<ConfigObject>
      & { schema?: undefined; load?: undefined }
      & (ConfigObject extends C ? unknown : { schema: ConfigSchema<C> })
    )
  );
