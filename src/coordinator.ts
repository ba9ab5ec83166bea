import { getLogger, type Logger } from "@logtape/logtape";
import type { ConfigSchema } from "./schema.ts";
import { type AtomicConfig, storeAt } from "./atomic.ts";
import { certificateHook, type CertificateReloader } from "./certificate.ts";
import { realTimers, type Timers, withDeadline } from "./deadline.ts";
import { digestOf, sha256 } from "./digest.ts";
import { deepFreeze } from "./freeze.ts";
import {
  type ConfigFileWatcher,
  watchConfigFile,
  type WatchConfigFileOptions,
} from "./file_watch.ts";
import { ReloadEvent, SafeEventTarget } from "./events.ts";
import { Ring } from "./history.ts";
import { MAX_HOOK_ERROR, renderError } from "./render.ts";
import { Redactor, stringsIn } from "./redact.ts";
import { insidePass, type PassScope, runInPass } from "./pass_scope.ts";
import { type ReloadStats, StatsRecorder } from "./stats.ts";
import type { ApplyContext, Hook } from "./hook.ts";
import { readConfig } from "./load.ts";
import { logLevelHook, type LogLevelVar } from "./log_level.ts";
import { changedPaths } from "./paths.ts";
import type { HookOutcome, ReloadResult } from "./result.ts";
import { runtime, type SignalSource } from "./runtime/mod.ts";
import { HookStatus, isHookStatus, ReloadStatus } from "./status.ts";

/**
 * Everything a {@linkcode Coordinator} reads or changes on reload.
 *
 * @example Usage
 * ```ts
 * import { AtomicConfig, type Deps } from "@hup/reload";
 *
 * interface Config { server: { listen: string; log_level: string } }
 * const deps: Deps<Config> = {
 *   configPath: "/etc/app/config.yaml",
 *   config: new AtomicConfig<Config>({ server: { listen: ":8080", log_level: "info" } }),
 *   nonReloadable: ["server.listen"],
 * };
 * ```
 *
 * @typeParam C The config type.
 */
export interface Deps<C> {
  /** The YAML file a pass reloads. */
  configPath: string;
  /**
   * The holder the rest of the process reads; it must already hold the
   * config loaded at start-up (see `loadConfig()`).
   */
  config: AtomicConfig<C>;
  /**
   * The hooks a pass runs, in order; replaces the default set (`log_level`,
   * `tls_certificate`, built from `logLevel` and `certificates`).
   *
   * @default {the default hook set}
   */
  hooks?: readonly Hook<C>[];
  /**
   * Validation for the default loader.
   *
   * @default {undefined}
   */
  schema?: ConfigSchema<C>;
  /**
   * Replaces the default loader (`loadConfig()` with `schema` and
   * `env`). Throwing makes the pass `load_failed`.
   *
   * @default {loadConfig}
   */
  load?: (path: string) => C | Promise<C>;
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
   * The log level the `log_level` hook updates; the hook skips without it.
   *
   * @default {undefined}
   */
  logLevel?: LogLevelVar;
  /**
   * Reads the log level name from a config, for the `log_level` hook.
   *
   * @default {(config) => config.server?.log_level}
   */
  logLevelOf?: (config: C) => unknown;
  /**
   * Rotates the TLS certificate; the `tls_certificate` hook skips without it.
   *
   * @default {undefined}
   */
  certificates?: CertificateReloader<C>;
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
   * Reads environment variables for the default loader.
   *
   * @default {the process environment}
   */
  env?: (name: string) => string | undefined;
  /**
   * Also reload when the config file changes: `watch()` then starts a
   * {@linkcode watchConfigFile} watch of `configPath` (editor saves, in-place
   * writes, the Kubernetes ConfigMap `..data` swap), and `shutdown()` stops
   * it. `true` for the default options.
   *
   * @default {false}
   */
  watchFile?: boolean | WatchConfigFileOptions;
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
   * The timers for hook deadlines; inject fake ones in tests.
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

const DEFAULT_LEVEL_FIELD = "server.log_level";
const defaultLogLevelOf = (config: unknown): unknown =>
  (config as { server?: { log_level?: unknown } } | null)?.server?.log_level;

/**
 * Runs reload passes: load, check every hook, apply every hook, swap the
 * config. Passes never overlap: a reload asked for during a pass runs once
 * right after it, however many were asked for.
 *
 * @example Reloading from a test, without signals
 * ```ts
 * import { AtomicConfig, Coordinator, HookStatus } from "@hup/reload";
 * import assert from "node:assert/strict";
 *
 * const config = new AtomicConfig({ greeting: "hello" });
 * const coordinator = new Coordinator({
 *   configPath: "config.yaml",
 *   config,
 *   load: () => ({ greeting: "hi" }),
 *   hooks: [{ name: "noop", check() {}, apply: () => HookStatus.Applied }],
 * });
 * const result = await coordinator.reload();
 * assert.equal(result.status, "full_success");
 * assert.equal(result.generation, 1);
 * assert.equal(config.load()?.greeting, "hi");
 * ```
 *
 * @example Reloading on SIGHUP
 * ```ts ignore
 * import { AtomicConfig, Coordinator, loadConfig } from "@hup/reload";
 *
 * const path = "config.yaml";
 * const config = new AtomicConfig(await loadConfig(path));
 * const coordinator = new Coordinator({ configPath: path, config });
 * coordinator.watch(); // kill -HUP <pid> now reloads
 * ```
 *
 * @typeParam C The config type.
 */
export class Coordinator<C> extends SafeEventTarget<ReloadEvent> {
  readonly #deps: Deps<C>;
  readonly #hooks: readonly RegisteredHook<C>[];
  readonly #load: (path: string) => C | Promise<C>;
  readonly #startup: C;
  readonly #signals: SignalSource | undefined;
  readonly #now: () => Date;
  readonly #log: Logger = getLogger(["hup-reload", "coordinator"]);
  #generation = 0;
  #last: ReloadResult | null = null;
  #digest: string | null;
  readonly #history: Ring<ReloadResult>;
  readonly #stats = new StatsRecorder();
  #running: Promise<ReloadResult> | null = null;
  #queued: Promise<ReloadResult> | null = null;
  #listener: (() => void) | null = null;
  #fileWatcher: ConfigFileWatcher | null = null;

  /**
   * Creates a coordinator. Call {@linkcode Coordinator.watch} to reload on
   * SIGHUP, or {@linkcode Coordinator.reload} from any other trigger.
   *
   * @param deps What the coordinator reads and changes.
   * @throws {TypeError} If `deps.config` is empty, `deps.configPath` is not
   *   a non-empty string or a hook has no name.
   * @throws {RangeError} If `deps.historySize` is not a whole number from 1.
   * @throws {TypeError} If `deps.hookTimeout` or a hook's `timeout` is not a
   *   positive number.
   * @throws {RangeError} If `deps.hookTimeout` or a hook's `timeout` is
   *   finite and above 2147483647 ms, the longest a timer can wait.
   */
  constructor(deps: Deps<C>) {
    super();
    if (typeof deps?.configPath !== "string" || deps.configPath === "") {
      throw new TypeError(
        "Cannot create the coordinator as deps.configPath is not a non-empty string",
      );
    }
    const startup = deps.config?.load();
    if (startup === undefined) {
      throw new TypeError(
        "Cannot create the coordinator as deps.config holds no config: load the start-up config first, e.g. new AtomicConfig(await loadConfig(path))",
      );
    }
    this.#deps = deps;
    // Readers and hooks share the start-up config: nobody may change it.
    deepFreeze(startup);
    this.#startup = startup;
    this.#digest = digestOf(startup) ?? null;
    this.#history = new Ring(deps.historySize ?? 32);
    this.#signals = deps.signals;
    this.#now = deps.now ?? (() => new Date());
    const hooks = deps.hooks ? [...deps.hooks] : [
      logLevelHook<C>(
        deps.logLevel,
        deps.logLevelOf ?? defaultLogLevelOf,
        {
          field: deps.logLevelOf === undefined
            ? DEFAULT_LEVEL_FIELD
            : "log level",
        },
      ),
      certificateHook<C>(deps.certificates),
    ];
    checkTimeout(deps.hookTimeout, "deps.hookTimeout");
    const defaultTimeout = deps.hookTimeout ?? 10_000;
    // Name and deadline are read once: a getter cannot change them, or
    // throw, in the middle of a pass.
    this.#hooks = hooks.map((hook, i) => {
      const name = hook?.name;
      if (typeof name !== "string" || name === "") {
        throw new TypeError(
          `Cannot create the coordinator as hook ${i} has no name: deps.hooks[${i}].name`,
        );
      }
      const timeout = hook.timeout;
      checkTimeout(timeout, `deps.hooks[${i}].timeout`);
      return { hook, name, timeout: timeout ?? defaultTimeout };
    });
    this.#load = deps.load ?? ((path) =>
      readConfig<C>(path, {
        ...(deps.schema && { schema: deps.schema }),
        ...(deps.env && { env: deps.env }),
      }));
  }

  /**
   * The config file this coordinator reloads (`deps.configPath`).
   *
   * @example Usage
   * ```ts
   * import { AtomicConfig, Coordinator } from "@hup/reload";
   * import assert from "node:assert/strict";
   *
   * const coordinator = new Coordinator({ configPath: "/etc/app.yaml", config: new AtomicConfig({}), hooks: [] });
   * assert.equal(coordinator.configPath, "/etc/app.yaml");
   * ```
   */
  get configPath(): string {
    return this.#deps.configPath;
  }

  /**
   * Starts reloading on SIGHUP, and on file changes with `deps.watchFile`.
   * Calling it again does nothing. A SIGHUP during a pass causes one more
   * pass after it; a burst of them, one pass.
   *
   * @example Usage
   * ```ts
   * import { AtomicConfig, Coordinator, type SignalSource } from "@hup/reload";
   * import assert from "node:assert/strict";
   *
   * const listeners = new Set<() => void>();
   * const signals: SignalSource = {
   *   addSignalListener: (_s, l) => void listeners.add(l),
   *   removeSignalListener: (_s, l) => void listeners.delete(l),
   * };
   * const coordinator = new Coordinator({
   *   configPath: "config.yaml",
   *   config: new AtomicConfig({}),
   *   load: () => ({}),
   *   hooks: [],
   *   signals,
   * });
   * coordinator.watch();
   * assert.equal(listeners.size, 1);
   * await coordinator.shutdown();
   * assert.equal(listeners.size, 0);
   * ```
   *
   * @throws {Error} If the platform has no SIGHUP (Windows).
   */
  watch(): void {
    if (this.#listener !== null) return;
    const listener = () => {
      this.#log.info("Received SIGHUP: reloading {path}", {
        path: this.#deps.configPath,
      });
      this.#fireAndForget();
    };
    (this.#signals ?? runtime()).addSignalListener("SIGHUP", listener);
    this.#listener = listener;
    const { watchFile } = this.#deps;
    if (watchFile) {
      const watcher = watchConfigFile(
        this.#deps.configPath,
        () => {
          this.#log.info("The config file changed: reloading {path}", {
            path: this.#deps.configPath,
          });
          return this.reload();
        },
        watchFile === true ? {} : watchFile,
      );
      this.#fileWatcher = watcher;
      void watcher.ready.then(() => this.#catchUp(watcher));
    }
  }

  // A change made after the config in effect was loaded but before the
  // watch took its first look would otherwise go unseen until the next one.
  async #catchUp(watcher: ConfigFileWatcher): Promise<void> {
    const known = this.#digest;
    if (this.#fileWatcher !== watcher || known === null) return;
    try {
      const current = sha256(await runtime().readFile(this.#deps.configPath));
      if (current !== known && this.#fileWatcher === watcher) {
        this.#log.info(
          "The config file changed before the watch started: reloading {path}",
          { path: this.#deps.configPath },
        );
        this.#fireAndForget();
      }
    } catch {
      // Unreadable now: the next change or signal reports why.
    }
  }

  /**
   * Runs one reload pass, or joins the one that will run next: if a pass is
   * running, the returned promise settles with the pass that starts right
   * after it (shared by every call made meanwhile), so the caller's change
   * to the file is always seen. Whatever hooks, loaders and listeners
   * throw, the promise resolves with a result, and the next pass still runs.
   *
   * The one exception: called from code the running pass is waiting for (a
   * hook's `check` or `apply`, `deps.load`, `deps.nonReloadable`), awaiting
   * the pass would wait for itself. There the promise rejects at once with
   * an `Error` saying so (it counts as handled: a call that is not awaited
   * leaves no unhandled rejection, and is logged). Ask for a pass from a
   * `"reload"` event listener or a config subscriber instead: a call from
   * there runs right after the current pass.
   *
   * @example Usage
   * ```ts
   * import { AtomicConfig, Coordinator } from "@hup/reload";
   * import assert from "node:assert/strict";
   *
   * const coordinator = new Coordinator({
   *   configPath: "config.yaml",
   *   config: new AtomicConfig({ n: 0 }),
   *   load: () => { throw new Error("Cannot read config.yaml: gone"); },
   *   hooks: [],
   * });
   * const result = await coordinator.reload();
   * assert.equal(result.status, "load_failed");
   * assert.equal(result.load_error, "Cannot read config.yaml: gone");
   * assert.equal(coordinator.generation(), 0);
   * ```
   *
   * @returns The result of the pass.
   */
  reload(): Promise<ReloadResult> {
    if (insidePass(this)) return this.#refuseReentry();
    // A queued pass has not started yet, so it will see this caller's file;
    // check it first: between the end of a pass and the start of the queued
    // one, nothing is running, yet starting another pass would overlap.
    if (this.#queued !== null) return this.#queued;
    if (this.#running === null) return this.#start();
    const next = () => {
      this.#queued = null;
      return this.#start();
    };
    // A running pass never rejects; should one ever, the queue goes on.
    this.#queued = this.#running.then(next, next);
    return this.#queued;
  }

  // For triggers nobody awaits (SIGHUP, the file watch's catch-up).
  #fireAndForget(): void {
    this.reload().catch((error) =>
      this.#log.error("A reload could not be started: {error}", {
        path: this.#deps.configPath,
        error: renderError(error),
      })
    );
  }

  #refuseReentry(): Promise<never> {
    const error = new Error(
      'Cannot reload from inside the running reload pass, as the pass would wait for itself: ask for a pass from a "reload" event listener or a config subscriber instead',
    );
    this.#log.warn(
      "Refused a reload asked for from inside the running pass: {path}",
      { path: this.#deps.configPath },
    );
    const refused = Promise.reject(error);
    refused.catch(() => {});
    return refused;
  }

  /**
   * The result of the most recent finished pass.
   *
   * @example Usage
   * ```ts
   * import { AtomicConfig, Coordinator } from "@hup/reload";
   * import assert from "node:assert/strict";
   *
   * const coordinator = new Coordinator({ configPath: "c.yaml", config: new AtomicConfig({}), hooks: [] });
   * assert.equal(coordinator.lastResult(), null);
   * ```
   *
   * @returns The result, or `null` before the first pass has finished.
   */
  lastResult(): ReloadResult | null {
    return this.#last;
  }

  /**
   * The number of passes that swapped a config in (`full_success` or
   * `partial_applied`).
   *
   * @example Usage
   * ```ts
   * import { AtomicConfig, Coordinator } from "@hup/reload";
   * import assert from "node:assert/strict";
   *
   * const coordinator = new Coordinator({ configPath: "c.yaml", config: new AtomicConfig({}), hooks: [] });
   * assert.equal(coordinator.generation(), 0);
   * ```
   *
   * @returns The generation; 0 until the first successful pass.
   */
  generation(): number {
    return this.#generation;
  }

  /**
   * The results of the most recent passes, newest first: at most
   * `deps.historySize` of them.
   *
   * @example Usage
   * ```ts
   * import { AtomicConfig, Coordinator } from "@hup/reload";
   * import assert from "node:assert/strict";
   *
   * const coordinator = new Coordinator({ configPath: "c.yaml", config: new AtomicConfig({}), load: () => ({}), hooks: [], historySize: 2 });
   * for (let i = 0; i < 3; i++) await coordinator.reload();
   * assert.deepEqual(coordinator.history().map((r) => r.generation), [3, 2]);
   * ```
   *
   * @returns A new array of the (frozen) results.
   */
  history(): ReloadResult[] {
    return this.#history.newestFirst();
  }

  /**
   * The SHA-256 of the file bytes the config in effect was loaded from, as
   * `sha256:<hex>`, so a fleet can confirm every instance runs the same file.
   * Known when the config in effect came from `loadConfig()` (at start-up or
   * in a pass); `null` otherwise, e.g. with a custom `deps.load`.
   *
   * @example Usage
   * ```ts
   * import { AtomicConfig, Coordinator } from "@hup/reload";
   * import assert from "node:assert/strict";
   *
   * const coordinator = new Coordinator({ configPath: "c.yaml", config: new AtomicConfig({}), hooks: [] });
   * assert.equal(coordinator.digest(), null);
   * ```
   *
   * @returns The digest, or `null`.
   */
  digest(): string | null {
    return this.#digest;
  }

  /**
   * Counters over every pass since start-up, for metrics.
   *
   * @example Usage
   * ```ts
   * import { AtomicConfig, Coordinator } from "@hup/reload";
   * import assert from "node:assert/strict";
   *
   * const coordinator = new Coordinator({ configPath: "c.yaml", config: new AtomicConfig({}), hooks: [] });
   * assert.equal(coordinator.stats().last_success_at, null);
   * ```
   *
   * @returns A copy of the counters.
   */
  stats(): ReloadStats {
    return this.#stats.snapshot();
  }

  /**
   * Stops listening for SIGHUP (and file changes) and waits for the running pass (and the one
   * queued after it) to finish. Safe to call more than once. Afterwards a
   * SIGHUP has its default effect again (it ends the process) unless the
   * application listens for it too; {@linkcode Coordinator.reload} still
   * works.
   *
   * @example Usage
   * ```ts
   * import { AtomicConfig, Coordinator } from "@hup/reload";
   *
   * const coordinator = new Coordinator({ configPath: "c.yaml", config: new AtomicConfig({}), load: () => ({}), hooks: [] });
   * const pass = coordinator.reload();
   * await coordinator.shutdown(); // waits for `pass`
   * await coordinator.shutdown(); // does nothing
   * await pass;
   * ```
   *
   * @returns A promise that settles once no pass is running.
   */
  async shutdown(): Promise<void> {
    const listener = this.#listener;
    if (listener !== null) {
      this.#listener = null;
      (this.#signals ?? runtime()).removeSignalListener("SIGHUP", listener);
    }
    this.#fileWatcher?.close();
    this.#fileWatcher = null;
    while (this.#running !== null || this.#queued !== null) {
      await (this.#queued ?? this.#running);
    }
  }

  #start(): Promise<ReloadResult> {
    const startedAt = this.#safeNow();
    const pass: Promise<ReloadResult> = this.#pass(startedAt)
      .catch((error) => this.#passFailed(startedAt, error))
      .finally(() => {
        if (this.#running === pass) this.#running = null;
      });
    this.#running = pass;
    return pass;
  }

  // Only a fault in the coordinator itself gets here (every stage catches
  // what user code throws); the pass still ends with a result.
  #passFailed(startedAt: Date, error: unknown): ReloadResult {
    this.#log.fatal("Reload pass failed unexpectedly: {error}", {
      path: this.#deps.configPath,
      error: renderError(error),
    });
    return this.#finish({
      status: ReloadStatus.LoadFailed,
      startedAt,
      loadError: `The reload pass failed unexpectedly: ${renderError(error)}`,
    });
  }

  async #pass(startedAt: Date): Promise<ReloadResult> {
    const path = this.#deps.configPath;
    this.#log.info("Reload pass started for {path}", { path });
    // While the pass waits for user code, a reload() from that code is
    // refused rather than left waiting for this very pass.
    const scope: PassScope = { owner: this, open: true };
    try {
      return await runInPass(scope, () => this.#run(startedAt, scope));
    } finally {
      scope.open = false;
    }
  }

  async #run(startedAt: Date, scope: PassScope): Promise<ReloadResult> {
    const path = this.#deps.configPath;
    let next: C;
    let requiresRestart: string[];
    try {
      next = await this.#load(path);
      if (next === undefined) {
        throw new TypeError(
          `Cannot load config as the loader returned undefined: ${path}`,
        );
      }
      requiresRestart = this.#requiresRestart(next);
      deepFreeze(next);
    } catch (error) {
      scope.open = false;
      return this.#finish({
        status: ReloadStatus.LoadFailed,
        startedAt,
        loadError: renderError(error, MAX_LOAD_ERROR),
      });
    }
    const digest = digestOf(next);
    const old = this.#deps.config.load() as C;
    const hookError = hookErrorRenderer(old, next);

    const checks: (string | undefined)[] = [];
    for (const entry of this.#hooks) {
      try {
        await withDeadline(() => entry.hook.check(old, next), {
          ms: entry.timeout,
          timers: this.#timers,
          what: "check",
        });
        checks.push(undefined);
      } catch (error) {
        checks.push(hookError(error));
      }
    }
    if (checks.some((error) => error !== undefined)) {
      scope.open = false;
      return this.#finish({
        status: ReloadStatus.ValidationFailed,
        startedAt,
        outcomes: this.#hooks.map(({ name }, i) =>
          outcome(
            name,
            checks[i] === undefined ? HookStatus.Skipped : HookStatus.Failed,
            checks[i],
          )
        ),
        requiresRestart,
        digest,
      });
    }

    const generation = this.#generation + 1;
    const lookup = this.#deps.lookup;
    const outcomes: HookOutcome[] = [];
    for (const { hook, name, timeout } of this.#hooks) {
      try {
        const status: unknown = await withDeadline(
          (signal) => {
            const ctx: ApplyContext = {
              signal,
              generation,
              lookup: <T>(name: string) => lookup?.(name) as T | undefined,
            };
            return hook.apply(ctx, old, next);
          },
          { ms: timeout, timers: this.#timers, what: "apply" },
        );
        if (!isHookStatus(status)) {
          outcomes.push(outcome(
            name,
            HookStatus.Failed,
            `Cannot tell what the hook did as apply returned ${
              describe(status)
            }, not "applied", "skipped" or "failed"`,
          ));
        } else if (status === HookStatus.Failed) {
          outcomes.push(outcome(name, status, "apply reported failed"));
        } else {
          outcomes.push(outcome(name, status));
        }
      } catch (error) {
        outcomes.push(outcome(name, HookStatus.Failed, hookError(error)));
      }
    }
    scope.open = false;
    storeAt(this.#deps.config, next, generation);
    this.#generation = generation;
    this.#digest = digest ?? null;
    return this.#finish({
      status: outcomes.some((o) => o.status === HookStatus.Failed)
        ? ReloadStatus.PartialApplied
        : ReloadStatus.FullSuccess,
      startedAt,
      outcomes,
      requiresRestart,
      digest,
    });
  }

  // Records a finished pass everywhere it is read; nothing here throws.
  #finish(fields: {
    status: ReloadStatus;
    startedAt: Date;
    outcomes?: HookOutcome[];
    requiresRestart?: string[];
    loadError?: string;
    digest?: string;
  }): ReloadResult {
    const { status, startedAt, outcomes = [], requiresRestart = [] } = fields;
    // Keys in the order of the wire format, for people reading the JSON.
    const result: ReloadResult = {
      generation: this.#generation,
      status,
      outcomes,
      ...(requiresRestart.length > 0 && { requires_restart: requiresRestart }),
      ...(fields.loadError !== undefined && { load_error: fields.loadError }),
      ...(fields.digest !== undefined && { config_digest: fields.digest }),
      started_at: startedAt.toISOString(),
      ended_at: this.#safeNow().toISOString(),
    };
    deepFreeze(result);
    this.#last = result;
    this.#history.push(result);
    this.#stats.record(result);
    try {
      this.#logResult(result);
    } catch {
      // A sink that throws must not cost the pass its result.
    }
    this.dispatchEvent(new ReloadEvent(result));
    return result;
  }

  // The injected clock may fail; a pass still needs its times.
  #safeNow(): Date {
    try {
      const now = this.#now();
      if (now instanceof Date && !Number.isNaN(now.getTime())) return now;
    } catch {
      // Fall through to the runtime's clock.
    }
    return new Date();
  }

  get #timers(): Timers {
    return this.#deps.timers ?? realTimers;
  }

  #requiresRestart(next: C): string[] {
    const rule = this.#deps.nonReloadable;
    if (rule === undefined) return [];
    if (typeof rule === "function") {
      const paths = rule(this.#startup, next);
      if (!Array.isArray(paths) || paths.some((p) => typeof p !== "string")) {
        throw new TypeError(
          "Cannot compare non-reloadable fields as deps.nonReloadable did not return an array of strings",
        );
      }
      return [...paths];
    }
    return changedPaths(rule, this.#startup, next);
  }

  #logResult(result: ReloadResult): void {
    const log = this.#log;
    const ms = Date.parse(result.ended_at) - Date.parse(result.started_at);
    const props = {
      path: this.#deps.configPath,
      status: result.status,
      generation: result.generation,
      durationMs: ms,
    };
    switch (result.status) {
      case ReloadStatus.FullSuccess:
        log.info("Reload pass succeeded: generation {generation}", props);
        break;
      case ReloadStatus.PartialApplied:
        log.warn(
          "Reload pass applied with failed hooks: generation {generation}",
          props,
        );
        break;
      case ReloadStatus.ValidationFailed:
        log.error(
          "Reload pass rejected by a check, config unchanged: generation {generation}",
          props,
        );
        break;
      case ReloadStatus.LoadFailed:
        log.error("Reload pass failed to load {path}: {error}", {
          ...props,
          error: result.load_error,
        });
        break;
    }
    for (const o of result.outcomes) {
      if (o.status === HookStatus.Failed) {
        log.error("Hook {hook} failed: {error}", {
          ...props,
          hook: o.name,
          error: o.error,
        });
      }
    }
    for (const field of result.requires_restart ?? []) {
      log.warn("Field {field} changed but takes effect only after a restart", {
        ...props,
        field,
      });
    }
  }
}

// Timers fire at once for a delay above 2^31 - 1 ms (about 24.8 days) on
// every runtime: such a deadline would be no deadline at all.
const MAX_TIMEOUT = 2 ** 31 - 1;

// The longest `load_error` of a result, in UTF-16 code units.
const MAX_LOAD_ERROR = 4096;

function checkTimeout(ms: unknown, field: string): void {
  if (ms === undefined) return;
  if (!(typeof ms === "number" && ms > 0)) {
    throw new TypeError(
      `Cannot create the coordinator as a timeout is not a positive number of milliseconds: ${field}`,
    );
  }
  if (ms > MAX_TIMEOUT && ms !== Infinity) {
    throw new RangeError(
      `Cannot create the coordinator as a timeout is longer than ${MAX_TIMEOUT} ms (about 24.8 days, the longest a timer can wait); use Infinity for no deadline: ${field}`,
    );
  }
}

// Hook errors may quote the config: every string of the config in effect
// and of the new one, of 8 characters or more, is removed from them. The
// redactor is built on the first failure of a pass, if any.
function hookErrorRenderer(
  old: unknown,
  next: unknown,
): (error: unknown) => string {
  let redactor: Redactor | undefined;
  return (error) => {
    redactor ??= new Redactor(
      [...stringsIn(old, 8, false), ...stringsIn(next, 8, false)],
      8,
    );
    // Render generously first, so a value that starts inside the part kept
    // is seen whole and removed, never cut in half.
    return redactor.scrub(renderError(error, MAX_RENDERED), MAX_HOOK_ERROR);
  };
}

// How much of a hook error is rendered before values are removed from it.
const MAX_RENDERED = 1024 * 1024;

// A hook as registered: its name and deadline read once, at construction.
interface RegisteredHook<C> {
  hook: Hook<C>;
  name: string;
  timeout: number;
}

function outcome(
  name: string,
  status: HookStatus,
  error?: string,
): HookOutcome {
  return error === undefined ? { name, status } : { name, status, error };
}

function describe(value: unknown): string {
  if (typeof value === "string") return "a string that is not a status";
  if (value === null || value === undefined) return String(value);
  return `a value of type ${typeof value}`;
}
