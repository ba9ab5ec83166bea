import { getLogger, type Logger } from "@logtape/logtape";
import { AtomicConfig, type ConfigReader } from "./atomic.ts";
import { safeClock } from "./clock.ts";
import type {
  CreateOptions,
  Deps,
  PassInProgress,
  ReloadOptions,
} from "./coordinator_options.ts";
import { realTimers, type Timers } from "./deadline.ts";
import type { ReloadEventListener } from "./events.ts";
import { deepFreeze } from "./freeze.ts";
import { callListener } from "./listeners.ts";
import type { ConfigObject } from "./load/options.ts";
import type { ConfigLoader } from "./load/pipeline.ts";
import type { ConfigSource } from "./load/source.ts";
import { type NonReloadable, requiresRestart } from "./non_reloadable.ts";
import {
  checkTimeout,
  insidePass,
  type Loaded,
  MAX_LOAD_ERROR,
  type RegisteredHook,
  registerHooks,
  runPass,
} from "./pass.ts";
import { type LoaderOptions, PassLoader } from "./pass_loader.ts";
import { logNames } from "./pass_log.ts";
import { cutName, logName, renderError, truncate } from "./render.ts";
import { type PassFields, PassRecorder } from "./recorder.ts";
import type { ReloadResult } from "./result.ts";
import { SafeListeners } from "./safe_listeners.ts";
import type { ConfigSchema } from "./schema.ts";
import { sighup } from "./sighup.ts";
import type { ReloadStats } from "./stats.ts";
import type { RunningFrom } from "./startup.ts";
import { ReloadStatus } from "./status.ts";
import type { ReloadTrigger, TriggerContext } from "./trigger.ts";
import { type Drift, SourceVerifier, type VerifyResult } from "./verify.ts";

export type {
  CoordinatorOptions,
  CreateOptions,
  Deps,
  PassInProgress,
  ReloadOptions,
} from "./coordinator_options.ts";

// A pass or dry run asked for while another runs: it starts once the work
// before it ends, and answers every request that joined it meanwhile.
interface Waiting {
  readonly requests: Map<string, number>;
  readonly promise: Promise<ReloadResult>;
}

// Where Coordinator.create() puts, in the options it gives the
// constructor, the loader that loaded the start-up config: the passes load
// with it (and its worker) from then on. Nobody else can name the key.
const GIVEN_LOADER: unique symbol = Symbol("loader");

// The hooks' deadline when neither the coordinator nor the hook sets one.
const HOOK_TIMEOUT = 10_000;

// What a call from inside the running pass (a hook), which would wait for
// that pass, is refused with: the error, and the warning logged.
const REFUSED_RELOAD = [
  'Cannot reload from inside the running reload pass, as the pass would wait for itself: ask for a pass from a "reload" event listener or a config subscriber instead',
  "Refused a reload asked for from inside the running pass: {path}",
] as const;
const REFUSED_WAIT = [
  'Cannot wait for the passes from inside the running reload pass, as the pass would wait for itself: wait from a "reload" event listener or a config subscriber instead',
  "Refused a wait for the passes from inside the running pass: {path}",
] as const;

/**
 * Runs reload passes: load, check every hook, apply every hook, swap the
 * config. Passes never overlap: a reload asked for during a pass runs once
 * right after it, however many were asked for. Dispatches a
 * {@linkcode ReloadEvent} (`"reload"`) after every pass; a listener that
 * throws or rejects is logged, never allowed to break a pass or end the
 * process.
 *
 * @example Creating it, reloading, reading the config
 * ```ts
 * import { Coordinator, HookStatus } from "@hup/reload";
 * import assert from "node:assert/strict";
 * import { mkdtemp, writeFile } from "node:fs/promises";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 *
 * const configPath = join(await mkdtemp(join(tmpdir(), "hup-")), "config.yaml");
 * await writeFile(configPath, "greeting: hello\n");
 *
 * const coordinator = await Coordinator.create({
 *   configPath,
 *   hooks: [{ name: "noop", check() {}, apply: () => HookStatus.Applied }],
 * });
 * assert.equal(coordinator.config.load().greeting, "hello");
 *
 * await writeFile(configPath, "greeting: hi\n");
 * const result = await coordinator.reload(); // or kill -HUP after watch()
 * assert.equal(result.status, "full_success");
 * assert.equal(result.generation, 1);
 * assert.equal(coordinator.config.load().greeting, "hi");
 * ```
 *
 * @typeParam C The config type.
 */
export class Coordinator<C> extends EventTarget {
  readonly #name: string;
  readonly #holder: AtomicConfig<C>;
  readonly #hooks: readonly RegisteredHook<C>[];
  // Loads the config for passes and dry runs; owns the parsers' workers
  // and the last known-good file.
  readonly #loader: PassLoader<C>;
  readonly #startup: C;
  readonly #nonReloadable: NonReloadable<C> | undefined;
  readonly #lookup: ((name: string) => unknown) | undefined;
  // The triggers watch() starts: its own (SIGHUP), then those given.
  readonly #ownTriggers: readonly ReloadTrigger[];
  readonly #triggers: readonly ReloadTrigger[];
  readonly #timers: Timers;
  // The clock for `started_at` and `ended_at`; it never throws.
  readonly #now: () => Date;
  readonly #log: Logger = getLogger(["hup-reload", "coordinator"]);
  // Where finished passes go: last result, history, counters, digest,
  // log, events.
  readonly #recorder: PassRecorder;
  readonly #listeners = new SafeListeners(this);
  // When the coordinator started: its generation counts from 0 then.
  #startedAt: Date;
  // Values from secret files in the config in effect: hidden from messages.
  #secrets: readonly string[] = [];
  // Which keys of the config in effect may be shown, when it was loaded
  // here: a key the next config removes is shown as this allows.
  #showKey: ((key: string) => boolean) | undefined;
  // The last pass or dry run asked for (running or waiting); null when
  // none is: the next one waits for it, so that none overlap.
  #tail: Promise<ReloadResult> | null = null;
  // The pass and the dry run that wait, if any, with the requests each will
  // answer, by trigger, in order of the first of each kind.
  #waitingPass: Waiting | null = null;
  #waitingDry: Waiting | null = null;
  #current: PassInProgress | null = null;
  #watching = false;
  #stops: (() => void)[] = [];
  readonly #verifier: SourceVerifier;
  readonly #verifyEvery: number;
  #runningFrom: RunningFrom = "source";

  /**
   * Loads the start-up config through the very loader, schema and
   * environment that every reload uses, and returns a coordinator holding
   * it in {@linkcode Coordinator.config}: the way to start a service. Every
   * hook's `check` runs on it (as `check(undefined, config)`; not those
   * with `checkOnStart: false`). A file that does not load, or that a check
   * refuses, stops the start, as a service must not start on a bad config,
   * unless `lastGood` holds a config that loads and passes the checks: the
   * service then starts from that one, and says so.
   *
   * @example Usage
   * ```ts
   * import { Coordinator, LoadError } from "@hup/reload";
   * import assert from "node:assert/strict";
   *
   * await assert.rejects(
   *   Coordinator.create({ configPath: "/nonexistent/config.yaml" }),
   *   LoadError,
   * );
   * ```
   *
   * @param options The config file, how to load it and how to run passes.
   * @returns The coordinator, holding the start-up config at generation 0.
   * @throws {LoadError} If the file cannot be read, expanded, parsed or
   *   validated.
   * @throws {Error} If a hook's check refuses the config: naming each hook
   *   and its error.
   * @throws {TypeError} As `new Coordinator()` for bad options, or if
   *   `lastGood` is not a path.
   */
  static create(
    options: CreateOptions<ConfigObject> & { schema?: undefined },
  ): Promise<Coordinator<ConfigObject>>;
  /**
   * Loads the start-up config with `schema` and returns a coordinator typed
   * from it.
   *
   * @example With a schema
   * ```ts ignore
   * import { Coordinator } from "@hup/reload";
   * import { z } from "zod";
   *
   * const coordinator = await Coordinator.create({
   *   configPath: "config.yaml",
   *   schema: z.object({ port: z.number() }),
   * });
   * coordinator.config.load().port; // number
   * ```
   *
   * @typeParam C The config type, inferred from `schema`.
   * @param options The config file, its schema, how to load it and how to
   *   run passes.
   * @returns The coordinator, holding the start-up config at generation 0.
   * @throws {LoadError} If the file does not load or match the schema.
   * @throws {Error} If a hook's check refuses the config.
   */
  static create<C>(
    options: CreateOptions<C> & { schema: ConfigSchema<C> },
  ): Promise<Coordinator<C>>;
  static async create<C>(options: CreateOptions<C>): Promise<Coordinator<C>> {
    // The passes' loader: the start-up load already parses a large file
    // in the worker that the reloads will use.
    const loader = PassLoader.of<C>(
      { ...options, load: undefined },
      "options",
      options?.lastGood,
    );
    let loaded: Loaded<C>;
    let from: RunningFrom;
    try {
      // Checked before anything is read; the constructor reads them again.
      checkTimeout(options.hookTimeout, "deps.hookTimeout");
      const hooks = registerHooks(
        options.hooks ?? [],
        options.hookTimeout ?? HOOK_TIMEOUT,
        "deps.hooks",
      );
      ({ loaded, from } = await loader.atStart(
        hooks,
        options.timers ?? realTimers,
      ));
    } catch (error) {
      loader.close();
      throw error;
    }
    let coordinator: Coordinator<C>;
    try {
      coordinator = new Coordinator<C>({
        ...options,
        config: new AtomicConfig(loaded.config),
        [GIVEN_LOADER]: loader,
      } as Deps<C>);
    } catch (error) {
      loader.close();
      throw error;
    }
    coordinator.#recorder.inEffect(loaded.digest);
    coordinator.#secrets = loaded.secrets ?? [];
    coordinator.#showKey = loaded.showKey;
    coordinator.#runningFrom = from;
    const startedAt = coordinator.#now();
    coordinator.#startedAt = startedAt;
    coordinator.#recorder.startedAt(startedAt);
    if (from === "source") {
      coordinator.#verifier.loaded(startedAt);
      await loader.keepLastGood();
    } else {
      // The sources hold something else than what runs: that is drift,
      // shown from the start. Only compared: no pass is started from here.
      await coordinator.#verifier.verify({ reload: false });
    }
    return coordinator;
  }

  /**
   * Creates a coordinator around a holder the caller filled: use it when the
   * start-up config comes from elsewhere. {@linkcode Coordinator.create}
   * loads it for you. Call {@linkcode Coordinator.watch} to reload on
   * SIGHUP, or {@linkcode Coordinator.reload} from any other trigger.
   *
   * @example Reloading from a test, without files or signals
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
   * assert.equal(config.load()?.greeting, "hi");
   * ```
   *
   * @param deps What the coordinator reads and changes.
   * @throws {TypeError} If `deps.config` is empty, neither or both of
   *   `deps.configPath` and `deps.source` name the config, a hook has no
   *   name, `check` or `apply`, or `deps.hookTimeout` or a hook's `timeout`
   *   is not a positive number.
   * @throws {RangeError} If `deps.historySize` is not a whole number from 1,
   *   or `deps.hookTimeout` or a hook's `timeout` is finite and above
   *   2147483647 ms, the longest a timer can wait.
   */
  constructor(deps: Deps<C>) {
    super();
    // The loader Coordinator.create() loaded the start-up config with, or
    // one for `deps` (it reads nothing, and starts no worker, until a pass).
    const loader = (deps as { [GIVEN_LOADER]?: PassLoader<C> } | undefined)?.[
      GIVEN_LOADER
    ] ?? PassLoader.of<C>(deps as LoaderOptions<C>, "deps");
    const startup = deps.config?.load();
    if (startup === undefined) {
      throw new TypeError(
        "Cannot create the coordinator as deps.config holds no config: load the start-up config first, or use Coordinator.create()",
      );
    }
    checkTimeout(deps.hookTimeout, "deps.hookTimeout");
    this.#hooks = registerHooks(
      deps.hooks ?? [],
      deps.hookTimeout ?? HOOK_TIMEOUT,
      "deps.hooks",
    );
    this.#name = loader.name;
    this.#recorder = new PassRecorder({
      name: this.#name,
      historySize: deps.historySize ?? 32,
      target: this,
      generation: () => this.generation(),
      now: () => this.#now(),
      passed: (result) => this.#verifier.passed(result),
    });
    // Readers and hooks share the start-up config: nobody may change it.
    deepFreeze(startup);
    this.#holder = deps.config;
    this.#startup = startup;
    this.#nonReloadable = deps.nonReloadable;
    this.#lookup = deps.lookup;
    this.#ownTriggers = [sighup(deps.signals)];
    this.#triggers = [...(deps.triggers ?? [])];
    this.#timers = deps.timers ?? realTimers;
    this.#now = safeClock(deps.now);
    this.#verifyEvery = checkVerifyEvery(deps.verifyEvery);
    this.#loader = loader;
    this.#verifier = new SourceVerifier({
      loader: this.#loader.pipeline as ConfigLoader<unknown> | undefined,
      name: this.#name,
      running: () => this.#recorder.digest,
      busy: () => this.#tail,
      reload: (trigger) => this.reload({ trigger }),
      now: () => this.#now(),
      timers: this.#timers,
    });
    // Coordinator.create() sets it from `now` once the start-up config is
    // in. Here the runtime's clock: a `now` that tests step through is
    // read by passes only.
    this.#startedAt = new Date();
  }

  /**
   * The holder of the config in effect, for readers: `config.load()` on
   * every request, `config.snapshot()` for the config with its generation.
   *
   * @example Usage
   * ```ts
   * import { AtomicConfig, Coordinator } from "@hup/reload";
   * import assert from "node:assert/strict";
   *
   * const holder = new AtomicConfig({ port: 8080 });
   * const coordinator = new Coordinator({ configPath: "c.yaml", config: holder, load: () => ({ port: 9090 }) });
   * assert.equal(coordinator.config, holder);
   * ```
   */
  get config(): ConfigReader<C> {
    // A holder built with a config never becomes empty again.
    return this.#holder as ConfigReader<C>;
  }

  /**
   * How the config is named in messages and logs: the absolute path of its
   * file, or its sources' names joined by ` + `.
   *
   * @example Usage
   * ```ts
   * import { AtomicConfig, Coordinator } from "@hup/reload";
   * import assert from "node:assert/strict";
   *
   * const coordinator = new Coordinator({ configPath: "/etc/app.yaml", config: new AtomicConfig({}) });
   * assert.equal(coordinator.configPath, "/etc/app.yaml");
   * ```
   */
  get configPath(): string {
    return this.#name;
  }

  /**
   * The sources of the config's layers, base first: a file source for each
   * file of `configPath`, or the `source` given.
   *
   * @example Usage
   * ```ts
   * import { AtomicConfig, Coordinator } from "@hup/reload";
   * import assert from "node:assert/strict";
   *
   * const coordinator = new Coordinator({ configPath: ["/etc/app/base.yaml", "/etc/app/prod.yaml"], config: new AtomicConfig({}) });
   * assert.deepEqual(coordinator.sources.map((s) => s.name), ["/etc/app/base.yaml", "/etc/app/prod.yaml"]);
   * ```
   */
  get sources(): readonly ConfigSource[] {
    return this.#loader.sources;
  }

  /**
   * Starts reloading on SIGHUP, and starts the `triggers`. Calling it again
   * does nothing. A SIGHUP during a pass causes one more pass after it; a
   * burst of them, one pass.
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
    if (this.#watching) return;
    // The coordinator's own triggers first: one that cannot start (no
    // SIGHUP on Windows) makes watch() throw, with nothing left running.
    const own: (() => void)[] = [];
    try {
      for (const trigger of this.#ownTriggers) {
        own.push(trigger.start(this.#triggerContext(trigger)));
      }
    } catch (error) {
      for (const stop of own) stop();
      throw error;
    }
    this.#watching = true;
    this.#stops.push(...own, this.#verifier.start(this.#verifyEvery));
    // The triggers given: one that cannot start is logged, the others run.
    for (const trigger of this.#triggers) {
      try {
        this.#stops.push(trigger.start(this.#triggerContext(trigger)));
      } catch (error) {
        this.#log.error("Cannot start the {trigger} trigger: {error}", {
          // As its passes' results will name it (see reload()).
          trigger: typeof trigger.name === "string" && trigger.name !== ""
            ? logName(cutName(trigger.name))
            : "call",
          path: this.#name,
          error: renderError(error),
        });
      }
    }
  }

  // What a trigger is given: the config's name, what it depends on, and a
  // way to ask for passes under the trigger's name.
  #triggerContext(trigger: ReloadTrigger): TriggerContext {
    const loader = this.#loader;
    return {
      configPath: this.#name,
      digest: () => this.#recorder.digest,
      reload: () => this.reload({ trigger: trigger.name }),
      sources: () => loader.dependencies(),
      digestOf: (source) => loader.digestOf(source),
      onPass: (listener) => this.#recorder.onPass(listener),
      // A pass asked for later is not waited for, so a steady stream of
      // passes cannot hold it; from inside the running pass, refused as
      // reload() is there.
      settled: () =>
        insidePass(this)
          ? this.#refuseReentry(REFUSED_WAIT)
          : (this.#tail ?? Promise.resolve()).then(() => {}, () => {}),
    };
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
   * });
   * const result = await coordinator.reload();
   * assert.equal(result.status, "load_failed");
   * assert.equal(result.load_error, "Cannot read config.yaml: gone");
   * assert.equal(coordinator.generation(), 0);
   * ```
   *
   * @example A dry run: what a pass would do, changing nothing
   * ```ts
   * import { AtomicConfig, Coordinator } from "@hup/reload";
   * import assert from "node:assert/strict";
   *
   * const coordinator = new Coordinator({
   *   configPath: "config.yaml",
   *   config: new AtomicConfig({ port: 8080, greeting: "hello" }),
   *   load: () => ({ port: 9090, greeting: "hi" }),
   *   nonReloadable: ["port"],
   * });
   * const result = await coordinator.reload({ dryRun: true });
   * assert.equal(result.status, "would_apply");
   * assert.equal(result.dry_run, true);
   * assert.deepEqual(result.changed, ["port", "greeting"]);
   * assert.deepEqual(result.requires_restart, ["port"]);
   * assert.equal(coordinator.generation(), 0);
   * assert.equal(coordinator.lastResult(), null);
   * assert.equal(coordinator.config.load().greeting, "hello");
   * ```
   *
   * @param options What asks for the pass (`trigger`, `"call"` by
   *   default), as the result and the logs will say, and whether it is a
   *   dry run (`dryRun`).
   * @returns The result of the pass.
   */
  reload(options?: ReloadOptions): Promise<ReloadResult> {
    if (insidePass(this)) return this.#refuseReentry();
    const trigger = typeof options?.trigger === "string" &&
        options.trigger !== ""
      ? cutName(options.trigger)
      : "call";
    const dry = options?.dryRun === true;
    // A waiting pass (or dry run) has not started yet, so it will see this
    // caller's file: join it. A dry run never joins a pass, nor a pass a
    // dry run: neither may answer the other's caller.
    const waiting = dry ? this.#waitingDry : this.#waitingPass;
    if (waiting !== null) {
      const { requests } = waiting;
      requests.set(trigger, (requests.get(trigger) ?? 0) + 1);
      return waiting.promise;
    }
    const requests = new Map([[trigger, 1]]);
    // Between the end of a pass and the start of the one waiting for it,
    // nothing runs, yet starting another would overlap: the tail says
    // whether anything is asked for.
    const before = this.#tail;
    let promise: Promise<ReloadResult>;
    if (before === null) {
      promise = this.#start(requests, dry);
    } else {
      const next = () => {
        if (dry) this.#waitingDry = null;
        else this.#waitingPass = null;
        return this.#start(requests, dry);
      };
      // A pass never rejects; should one ever, the line goes on.
      promise = before.then(next, next);
      if (dry) this.#waitingDry = { requests, promise };
      else this.#waitingPass = { requests, promise };
    }
    this.#tail = promise;
    const done = () => {
      if (this.#tail === promise) this.#tail = null;
    };
    promise.then(done, done);
    return promise;
  }

  /**
   * The pass or dry run running now, if any: what asked for it first and
   * when it started, as GET status shows it (`in_progress`) while a slow
   * pass has not ended yet.
   *
   * @example Usage
   * ```ts
   * import { AtomicConfig, Coordinator } from "@hup/reload";
   * import assert from "node:assert/strict";
   *
   * let release = () => {};
   * const released = new Promise<void>((resolve) => release = resolve);
   * const coordinator = new Coordinator({
   *   configPath: "c.yaml",
   *   config: new AtomicConfig({ n: 1 }),
   *   load: () => released.then(() => ({ n: 2 })),
   * });
   * assert.equal(coordinator.inProgress(), null);
   * const pass = coordinator.reload({ trigger: "deploy" });
   * assert.equal(coordinator.inProgress()?.trigger, "deploy");
   * assert.equal(coordinator.inProgress()?.dry_run, false);
   * release();
   * await pass;
   * assert.equal(coordinator.inProgress(), null);
   * ```
   *
   * @returns The pass running now, or `null` when none is.
   */
  inProgress(): PassInProgress | null {
    return this.#current;
  }

  /**
   * The result of the most recent finished pass.
   *
   * @example Usage
   * ```ts
   * import { AtomicConfig, Coordinator } from "@hup/reload";
   * import assert from "node:assert/strict";
   *
   * const coordinator = new Coordinator({ configPath: "c.yaml", config: new AtomicConfig({}) });
   * assert.equal(coordinator.lastResult(), null);
   * ```
   *
   * @returns The result, or `null` before the first pass has finished.
   */
  lastResult(): ReloadResult | null {
    return this.#recorder.last;
  }

  /**
   * The generation of the config in effect: the number of passes that
   * swapped a config in (`full_success` or `partial_applied`), as the
   * holder counts them.
   *
   * @example Usage
   * ```ts
   * import { AtomicConfig, Coordinator } from "@hup/reload";
   * import assert from "node:assert/strict";
   *
   * const coordinator = new Coordinator({ configPath: "c.yaml", config: new AtomicConfig({}) });
   * assert.equal(coordinator.generation(), 0);
   * ```
   *
   * @returns The generation; 0 until the first successful pass.
   */
  generation(): number {
    return this.#holder.snapshot().generation;
  }

  /**
   * The results of the most recent passes, newest first: at most
   * `historySize` of them.
   *
   * @example Usage
   * ```ts
   * import { AtomicConfig, Coordinator } from "@hup/reload";
   * import assert from "node:assert/strict";
   *
   * const coordinator = new Coordinator({ configPath: "c.yaml", config: new AtomicConfig({}), load: () => ({}), historySize: 2 });
   * for (let i = 0; i < 3; i++) await coordinator.reload();
   * assert.deepEqual(coordinator.history().map((r) => r.generation), [3, 2]);
   * ```
   *
   * @returns A new array of the (frozen) results.
   */
  history(): ReloadResult[] {
    return this.#recorder.history();
  }

  /**
   * The SHA-256 of the file bytes the config in effect was loaded from, as
   * `sha256:<hex>`, so a fleet can confirm every instance runs the same file.
   * Known when the config in effect came from the default loader (at
   * {@linkcode Coordinator.create} or in a pass); `null` otherwise.
   *
   * @example Usage
   * ```ts
   * import { AtomicConfig, Coordinator } from "@hup/reload";
   * import assert from "node:assert/strict";
   *
   * const coordinator = new Coordinator({ configPath: "c.yaml", config: new AtomicConfig({}) });
   * assert.equal(coordinator.digest(), null);
   * ```
   *
   * @returns The digest, or `null`.
   */
  digest(): string | null {
    return this.#recorder.digest;
  }

  /**
   * When the coordinator started (ISO 8601): when
   * {@linkcode Coordinator.create} had loaded the start-up config (by its
   * `now`), or when the constructor ran (by the runtime's clock). The
   * generation counts from 0 then, so a fleet tells
   * a restarted instance from one that is behind
   * (`hup_reload_start_time_seconds`).
   *
   * @example Usage
   * ```ts
   * import { AtomicConfig, Coordinator } from "@hup/reload";
   * import assert from "node:assert/strict";
   *
   * const before = Date.now();
   * const coordinator = new Coordinator({ configPath: "c.yaml", config: new AtomicConfig({}) });
   * assert.ok(Date.parse(coordinator.startedAt()) >= before);
   * ```
   *
   * @returns When it started.
   */
  startedAt(): string {
    return this.#startedAt.toISOString();
  }

  /**
   * Where the config in effect came from: `"source"`, or `"last_good"`
   * when {@linkcode Coordinator.create} could not start from the sources
   * and started from the `lastGood` file instead, until a pass from the
   * sources swaps a config in.
   *
   * @example Usage
   * ```ts
   * import { AtomicConfig, Coordinator } from "@hup/reload";
   * import assert from "node:assert/strict";
   *
   * const coordinator = new Coordinator({ configPath: "c.yaml", config: new AtomicConfig({}) });
   * assert.equal(coordinator.runningFrom(), "source");
   * ```
   *
   * @returns `"source"` or `"last_good"`.
   */
  runningFrom(): "source" | "last_good" {
    return this.#runningFrom;
  }

  /**
   * Counters over every pass since start-up, for metrics; dry runs are
   * counted apart, in `dry_runs`.
   *
   * @example Usage
   * ```ts
   * import { AtomicConfig, Coordinator } from "@hup/reload";
   * import assert from "node:assert/strict";
   *
   * const coordinator = new Coordinator({ configPath: "c.yaml", config: new AtomicConfig({}) });
   * assert.equal(coordinator.stats().last_success_at, null);
   * ```
   *
   * @returns A copy of the counters.
   */
  stats(): ReloadStats {
    return this.#recorder.stats();
  }

  /**
   * Compares the config's sources with the config in effect now, as
   * `watch()` does every `verifyEvery` ms: files by their identity
   * (device, inode, size, mtime, ctime), their bytes hashed when it changed
   * and at least every tenth time; other sources read again. When the
   * sources hold something no pass has read (a change whose event never
   * came), it runs a pass (trigger `verify`) and reports after it. A
   * difference that remains (a bad edit refused, a source that cannot be
   * read) is the drift, until a pass swaps in what the sources hold. A
   * config from a custom `load`, or a holder filled by the caller before
   * any pass, has nothing to compare: always in sync.
   *
   * @example A change that no event reported
   * ```ts
   * import { Coordinator } from "@hup/reload";
   * import assert from "node:assert/strict";
   * import { mkdtemp, writeFile } from "node:fs/promises";
   * import { tmpdir } from "node:os";
   * import { join } from "node:path";
   *
   * const configPath = join(await mkdtemp(join(tmpdir(), "hup-")), "config.yaml");
   * await writeFile(configPath, "greeting: hello\n");
   * const coordinator = await Coordinator.create({ configPath });
   * assert.equal((await coordinator.verify()).in_sync, true);
   *
   * await writeFile(configPath, "greeting: hi\n");
   * const verified = await coordinator.verify();
   * assert.equal(verified.pass?.trigger, "verify");
   * assert.equal(verified.in_sync, true);
   * assert.equal(coordinator.config.load().greeting, "hi");
   *
   * await writeFile(configPath, "greeting: [\n"); // does not load
   * await coordinator.reload();
   * const drifting = await coordinator.verify();
   * assert.equal(drifting.in_sync, false);
   * assert.equal(drifting.drift?.digest, drifting.digest);
   * ```
   *
   * @returns What it found.
   */
  verify(): Promise<VerifyResult> {
    return this.#verifier.verify();
  }

  /**
   * Whether the sources held the config in effect when last compared (by
   * {@linkcode Coordinator.verify}, or by a pass that swapped), and when
   * that was: what GET status, metrics and the page show.
   *
   * @example Usage
   * ```ts
   * import { AtomicConfig, Coordinator } from "@hup/reload";
   * import assert from "node:assert/strict";
   *
   * const coordinator = new Coordinator({ configPath: "c.yaml", config: new AtomicConfig({}) });
   * assert.deepEqual(coordinator.verification(), { drift: null, checked_at: null });
   * ```
   *
   * @returns The drift (`null` when in sync) and when the sources were
   *   compared (ISO 8601; `null` before the first time).
   */
  verification(): { drift: Drift | null; checked_at: string | null } {
    return {
      drift: this.#verifier.drift,
      checked_at: this.#verifier.checkedAt?.toISOString() ?? null,
    };
  }

  /**
   * Adds a listener, wrapped so that one that throws, or returns a promise
   * that rejects, is logged (category `["hup-reload", "events"]`) instead of
   * reaching the runtime's uncaught-error handling, which would end the
   * process on Node.js and Deno.
   *
   * @example Listening for reloads
   * ```ts
   * import { AtomicConfig, Coordinator, type ReloadEvent } from "@hup/reload";
   * import assert from "node:assert/strict";
   *
   * const coordinator = new Coordinator({ configPath: "c.yaml", config: new AtomicConfig({}), load: () => ({}) });
   * const seen: string[] = [];
   * coordinator.addEventListener("reload", () => { throw new Error("a broken listener"); });
   * coordinator.addEventListener("reload", (event) => {
   *   seen.push((event as ReloadEvent).result.status);
   * });
   * await coordinator.reload(); // logs the broken listener's error
   * assert.deepEqual(seen, ["full_success"]);
   * ```
   *
   * @param type The event type: `"reload"`.
   * @param listener A function or an object with `handleEvent`.
   * @param options As for `EventTarget.addEventListener`.
   */
  override addEventListener(
    type: string,
    listener: ReloadEventListener | null,
    options?: boolean | AddEventListenerOptions,
  ): void {
    if (listener === null) return;
    super.addEventListener(type, this.#listeners.wrap(listener), options);
  }

  /**
   * Removes a listener added with {@linkcode Coordinator.addEventListener}.
   *
   * @example Usage
   * ```ts
   * import { AtomicConfig, Coordinator } from "@hup/reload";
   * import assert from "node:assert/strict";
   *
   * const coordinator = new Coordinator({ configPath: "c.yaml", config: new AtomicConfig({}), load: () => ({}) });
   * let calls = 0;
   * const listener = () => void calls++;
   * coordinator.addEventListener("reload", listener);
   * coordinator.removeEventListener("reload", listener);
   * await coordinator.reload();
   * assert.equal(calls, 0);
   * ```
   *
   * @param type The event type.
   * @param listener The listener as it was added.
   * @param options As for `EventTarget.removeEventListener`.
   */
  override removeEventListener(
    type: string,
    listener: ReloadEventListener | null,
    options?: boolean | EventListenerOptions,
  ): void {
    if (listener === null) return;
    super.removeEventListener(type, this.#listeners.wrapped(listener), options);
  }

  /**
   * Stops listening for SIGHUP, stops the triggers, waits for the
   * running pass (and those waiting after it, dry runs too) to finish, and ends the
   * parser's worker, if one runs. Safe to call more
   * than once. Afterwards a SIGHUP has its default effect again (it ends the
   * process) unless the application listens for it too;
   * {@linkcode Coordinator.reload} still works.
   *
   * @example Usage
   * ```ts
   * import { AtomicConfig, Coordinator } from "@hup/reload";
   *
   * const coordinator = new Coordinator({ configPath: "c.yaml", config: new AtomicConfig({}), load: () => ({}) });
   * const pass = coordinator.reload();
   * await coordinator.shutdown(); // waits for `pass`
   * await coordinator.shutdown(); // does nothing
   * await pass;
   * ```
   *
   * @returns A promise that settles once no pass is running.
   */
  async shutdown(): Promise<void> {
    this.#watching = false;
    const stops = this.#stops;
    this.#stops = [];
    this.#recorder.clearPassListeners();
    for (const stop of stops) {
      callListener(stop, {
        category: ["coordinator"],
        message: "Cannot stop a trigger: {error}",
        properties: { path: this.#name },
      });
    }
    while (this.#tail !== null) await this.#tail;
    // Ends the parsers' workers; a later reload() starts new ones.
    this.#loader.close();
  }

  #refuseReentry(
    [message, logged]: readonly [string, string] = REFUSED_RELOAD,
  ): Promise<never> {
    const error = new Error(message);
    this.#log.warn(logged, { path: this.#name });
    const refused = Promise.reject(error);
    refused.catch(() => {});
    return refused;
  }

  #start(requests: Map<string, number>, dry: boolean): Promise<ReloadResult> {
    const startedAt = this.#now();
    const trigger = requests.keys().next().value ?? "call";
    this.#current = Object.freeze({
      trigger,
      started_at: startedAt.toISOString(),
      dry_run: dry,
    });
    if (this.#log.isEnabledFor("info")) {
      this.#log.info(
        dry
          ? "Dry run started for {path}, asked for by {trigger}"
          : "Reload pass started for {path}, asked for by {trigger}",
        {
          path: this.#name,
          trigger: logName(trigger),
          requests: logNames(Object.fromEntries(requests)),
          ...(dry && { dryRun: true }),
        },
      );
    }
    const plan = {
      owner: this,
      name: this.#name,
      secrets: this.#secrets,
      ...(this.#showKey !== undefined && { showKey: this.#showKey }),
      hooks: this.#hooks,
      holder: this.#holder,
      requiresRestart: (next: C) =>
        requiresRestart(this.#nonReloadable, this.#startup, next),
      lookup: this.#lookup,
      timers: this.#timers,
    };
    if (dry) {
      return runPass<C>({
        ...plan,
        load: () => this.#loader.dryLoad(),
        dryRun: true,
      })
        .then(({ secrets: _s, showKey: _k, ...fields }) =>
          this.#finishDry({ ...fields, startedAt, trigger, requests })
        )
        .catch((error) => {
          this.#log.fatal("Dry run failed unexpectedly: {error}", {
            path: this.#name,
            error: renderError(error),
          });
          return this.#finishDry({
            status: ReloadStatus.LoadFailed,
            startedAt,
            trigger,
            requests,
            loadError: truncate(
              `The dry run failed unexpectedly: ${renderError(error)}`,
              MAX_LOAD_ERROR,
            ),
          });
        });
    }
    const pass: Promise<ReloadResult> = runPass<C>({
      ...plan,
      load: () => this.#loader.load(),
    })
      .then(async (report) => {
        if (
          report.status === ReloadStatus.FullSuccess ||
          report.status === ReloadStatus.PartialApplied
        ) {
          this.#recorder.inEffect(report.digest);
          this.#secrets = report.secrets ?? [];
          this.#showKey = report.showKey;
          if (this.#runningFrom === "last_good") {
            this.#runningFrom = "source";
            this.#log.info(
              "Running from the config's sources again, no longer from the last known-good config: {path}",
              { path: this.#name, lastGood: this.#loader.lastGood },
            );
          }
          await this.#loader.keepLastGood();
        }
        const { secrets: _secrets, showKey: _showKey, ...fields } = report;
        return this.#finish({ ...fields, startedAt, trigger, requests });
      })
      // Only a fault in the coordinator itself gets here (every stage
      // catches what user code throws); the pass still ends with a result.
      .catch((error) => {
        this.#log.fatal("Reload pass failed unexpectedly: {error}", {
          path: this.#name,
          error: renderError(error),
        });
        return this.#finish({
          status: ReloadStatus.LoadFailed,
          startedAt,
          trigger,
          requests,
          loadError: truncate(
            `The reload pass failed unexpectedly: ${renderError(error)}`,
            MAX_LOAD_ERROR,
          ),
        });
      });
    return pass;
  }

  // The pass has ended: the recorder says who hears of it.
  #finish(fields: PassFields): ReloadResult {
    this.#current = null;
    return this.#recorder.pass(fields);
  }

  #finishDry(fields: Omit<PassFields, "dryRun">): ReloadResult {
    this.#current = null;
    return this.#recorder.dryRun(fields);
  }
}

// The verification's period: a whole number of ms that a timer can wait.
function checkVerifyEvery(ms: unknown): number {
  if (ms === undefined) return 30_000;
  if (
    typeof ms !== "number" || !Number.isInteger(ms) || ms < 0 ||
    ms > 2_147_483_647
  ) {
    throw new RangeError(
      `Cannot create the coordinator as deps.verifyEvery is not a whole number of milliseconds from 0 to 2147483647 (0 turns it off): ${
        String(ms).slice(0, 40)
      }`,
    );
  }
  return ms;
}
