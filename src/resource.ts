import { getLogger } from "@logtape/logtape";
import { realTimers, type Timers } from "./deadline.ts";
import { diffConfigs } from "./diff.ts";
import type {
  ApplyContext,
  CheckContext,
  DiscardContext,
  Hook,
} from "./hook.ts";
import { Redactor, stringsIn } from "./redact.ts";
import { MAX_HOOK_ERROR, renderError } from "./render.ts";
import { HookStatus } from "./status.ts";

// Timers fire at once for a delay above 2^31 - 1 ms on every runtime.
const MAX_DELAY = 2 ** 31 - 1;

/**
 * Options of {@linkcode resource}: where the section is, how a resource is
 * built from it and closed.
 *
 * @example An `http.Agent` per `upstream` section
 * ```ts
 * import { Agent } from "node:http";
 * import type { ResourceOptions } from "@hup/reload";
 *
 * interface Config { upstream: { max_sockets: number } }
 * const options: ResourceOptions<Config, Config["upstream"], Agent> = {
 *   name: "upstream_pool",
 *   select: (config) => config.upstream,
 *   build: (section) => new Agent({ keepAlive: true, maxSockets: section.max_sockets }),
 *   close: (agent) => agent.destroy(),
 *   drainMs: 30_000,
 * };
 * ```
 *
 * @typeParam C The config type.
 * @typeParam S The section a resource is built from.
 * @typeParam R The resource.
 */
export interface ResourceOptions<C, S, R> {
  /** The hook's name, in results and logs. */
  readonly name: string;
  /**
   * Reads the section a resource is built from. A new resource is built
   * only when it differs (by value, as a result's `changed` compares) from
   * the section of the resource in effect.
   */
  readonly select: (config: C) => S;
  /**
   * Builds a resource from a section: in the check phase, so a section it
   * cannot build from (throwing or rejecting) fails the pass
   * (`validation_failed`) before anything changes.
   */
  readonly build: (section: S, signal: AbortSignal) => R | Promise<R>;
  /** Frees a resource: it is called once for each one built. */
  readonly close: (resource: R) => void | Promise<void>;
  /**
   * Hands a new resource to whatever else holds one (a server's
   * `setSecureContext`), in the apply phase. Throwing or rejecting fails
   * the hook: the new resource is then closed and the old one stays.
   *
   * @default {undefined}
   */
  readonly swap?: (next: R, previous: R | undefined) => void | Promise<void>;
  /**
   * How long, in milliseconds, the resource that was swapped out keeps
   * working for what it already serves (requests in flight on its
   * sockets) before it is closed.
   *
   * @default {10000}
   */
  readonly drainMs?: number;
  /**
   * The hook's deadline for `check` (the build), `apply` and `discard`.
   *
   * @default {the coordinator's hookTimeout}
   */
  readonly timeout?: number;
  /**
   * The timers that wait `drainMs`; inject fake ones in tests.
   *
   * @default {globalThis.setTimeout and clearTimeout}
   */
  readonly timers?: Timers;
}

/**
 * A hook that owns one resource built from a config section (a connection
 * pool, a TLS context), made by {@linkcode resource}; the application reads
 * the one in effect with `get()`.
 *
 * @example Usage
 * ```ts
 * import { resource, type ResourceHook } from "@hup/reload";
 * import assert from "node:assert/strict";
 *
 * const pool: ResourceHook<{ size: number }, { size: number }> = resource({
 *   name: "pool",
 *   select: (config: { size: number }) => config.size,
 *   build: (size) => ({ size }),
 *   close: () => {},
 * });
 * await pool.init({ size: 4 });
 * assert.equal(pool.get().size, 4);
 * await pool.close();
 * ```
 *
 * @typeParam C The config type.
 * @typeParam R The resource.
 */
export interface ResourceHook<C, R> extends Hook<C> {
  /** The resource in effect; `undefined` before the first one is built. */
  readonly current: R | undefined;
  /**
   * The resource in effect, for the application to use on every request.
   *
   * @returns The resource.
   * @throws {Error} If none was built yet, or the hook was closed.
   */
  get(): R;
  /**
   * Builds the first resource from the start-up config, for a coordinator
   * made with `new Coordinator()`: `Coordinator.create()` checks the
   * start-up config, and that check builds it. Given the section the one
   * in effect was built from, it returns that one. (Without either, the
   * first pass builds one, whether the section changed or not.)
   *
   * @param config The config in effect.
   * @returns The resource, now in effect.
   * @throws {Error} If one built from another section is in effect
   *   already, the hook was closed, or `select` or `build` throws.
   */
  init(config: C): Promise<R>;
  /**
   * Builds a resource when the section differs from the one in effect;
   * throws (failing the pass) when it cannot be built.
   *
   * @param oldCfg The config in effect.
   * @param newCfg The config being loaded.
   * @param ctx The abort signal.
   */
  check(oldCfg: C, newCfg: C, ctx: CheckContext): Promise<void>;
  /**
   * Swaps in what `check` built, and closes the old one `drainMs` later.
   *
   * @param ctx The abort signal.
   * @param oldCfg The config in effect.
   * @param newCfg The config being swapped in.
   * @returns `applied`, or `skipped` when the section did not change.
   */
  apply(ctx: ApplyContext, oldCfg: C, newCfg: C): Promise<HookStatus>;
  /**
   * Closes what `check` built for a pass that swaps nothing.
   *
   * @param ctx The abort signal.
   * @param oldCfg The config in effect.
   * @param newCfg The config that will not be swapped in.
   */
  discard(ctx: DiscardContext, oldCfg: C, newCfg: C): Promise<void>;
  /**
   * Closes every resource at once: the one in effect, those still
   * draining, one built and not yet swapped in; for a service that shuts
   * down (stop serving, then `coordinator.shutdown()`, then this). Safe to
   * call more than once. Errors of `close` are logged.
   *
   * @returns A promise that settles once every `close` has.
   */
  close(): Promise<void>;
}

/**
 * Makes a hook that builds a resource (a connection pool, a TLS context)
 * from a config section in the check phase, swaps it in in the apply
 * phase, and closes the old one `drainMs` after the swap; a resource built
 * for a pass that swaps nothing (another hook's check failed) is closed by
 * `discard`, and so is one whose `swap` failed. A section equal to the one
 * of the resource in effect builds nothing (`skipped`). Every resource
 * built is closed exactly once, by `close()` at the latest; a close that
 * throws is logged (category `["hup-reload", "resource"]`, values of the
 * section removed). Give the hook to one coordinator.
 *
 * @example A pool rebuilt when its section changes
 * ```ts
 * import { AtomicConfig, Coordinator, resource } from "@hup/reload";
 * import assert from "node:assert/strict";
 *
 * interface Config { pool: { size: number }; name: string }
 * const closed: number[] = [];
 * let built = 0;
 * const pool = resource({
 *   name: "pool",
 *   select: (config: Config) => config.pool,
 *   build: (section) => ({ id: ++built, size: section.size }),
 *   close: (p) => void closed.push(p.id),
 *   drainMs: 0, // close the old one at once
 * });
 * let next: Config = { pool: { size: 2 }, name: "a" };
 * const config = new AtomicConfig<Config>({ pool: { size: 1 }, name: "a" });
 * await pool.init(config.load()!);
 * const coordinator = new Coordinator<Config>({
 *   configPath: "config.yaml",
 *   config,
 *   load: () => next,
 *   hooks: [pool, {
 *     name: "name",
 *     check(_old, cfg) { if (cfg.name === "") throw new Error("Cannot name the service as name is empty: name"); },
 *     apply: () => "skipped",
 *   }],
 * });
 *
 * assert.equal((await coordinator.reload()).status, "full_success");
 * assert.deepEqual(pool.get(), { id: 2, size: 2 });
 * assert.deepEqual(closed, [1]); // the old one
 *
 * next = { pool: { size: 3 }, name: "" }; // the other hook refuses it
 * assert.equal((await coordinator.reload()).status, "validation_failed");
 * assert.deepEqual(closed, [1, 3]); // built in check, closed by discard
 * assert.deepEqual(pool.get(), { id: 2, size: 2 });
 *
 * next = { pool: { size: 2 }, name: "b" }; // the pool section is the same
 * assert.deepEqual((await coordinator.reload()).outcomes[0], { name: "pool", status: "skipped" });
 * await pool.close();
 * assert.deepEqual(closed, [1, 3, 2]);
 * ```
 *
 * @typeParam C The config type.
 * @typeParam S The section a resource is built from.
 * @typeParam R The resource.
 * @param options The name, `select`, `build`, `close`, `swap`, `drainMs`.
 * @returns The hook, which also holds the resource in effect.
 * @throws {TypeError} If the name is empty, or `select`, `build`, `close`
 *   or a given `swap` is not a function.
 * @throws {RangeError} If `drainMs` is not a number of milliseconds from 0
 *   to 2147483647.
 */
export function resource<C, S, R>(
  options: ResourceOptions<C, S, R>,
): ResourceHook<C, R> {
  return new Resource(options);
}

interface Built<S, R> {
  readonly value: R;
  readonly section: S;
}

class Resource<C, S, R> implements ResourceHook<C, R> {
  readonly name: string;
  readonly timeout?: number;
  readonly #options: ResourceOptions<C, S, R>;
  readonly #drainMs: number;
  readonly #timers: Timers;
  #current: Built<S, R> | undefined;
  // What the check of the pass under way built for its config (`built` is
  // undefined when the section did not change), until apply or discard.
  #pending: { config: C; built: Built<S, R> | undefined } | undefined;
  // Resources swapped out, waiting for their drain timer.
  readonly #draining = new Map<Built<S, R>, unknown>();
  readonly #closing = new Set<Promise<void>>();
  #closed = false;

  constructor(options: ResourceOptions<C, S, R>) {
    const name = options?.name;
    if (typeof name !== "string" || name === "") {
      throw new TypeError(
        "Cannot create the resource hook as it has no name: options.name",
      );
    }
    for (const key of ["select", "build", "close"] as const) {
      if (typeof options[key] !== "function") {
        throw new TypeError(
          `Cannot create the resource hook "${
            name.slice(0, 64)
          }" as ${key} is not a function: options.${key}`,
        );
      }
    }
    if (options.swap !== undefined && typeof options.swap !== "function") {
      throw new TypeError(
        `Cannot create the resource hook "${
          name.slice(0, 64)
        }" as swap is not a function: options.swap`,
      );
    }
    const drainMs = options.drainMs ?? 10_000;
    if (
      typeof drainMs !== "number" || !(drainMs >= 0 && drainMs <= MAX_DELAY)
    ) {
      throw new RangeError(
        `Cannot create the resource hook "${
          name.slice(0, 64)
        }" as drainMs is not a number of milliseconds from 0 to ${MAX_DELAY}: options.drainMs`,
      );
    }
    this.name = name;
    if (options.timeout !== undefined) this.timeout = options.timeout;
    this.#options = options;
    this.#drainMs = drainMs;
    this.#timers = options.timers ?? realTimers;
  }

  get current(): R | undefined {
    return this.#current?.value;
  }

  get(): R {
    if (this.#current === undefined) {
      throw new Error(
        this.#closed
          ? `Cannot use the ${this.name} resource as it was closed`
          : `Cannot use the ${this.name} resource as none was built yet: call init(config) at start-up`,
      );
    }
    return this.#current.value;
  }

  async init(config: C): Promise<R> {
    this.#refuseClosed();
    // Built by the start-up check already (Coordinator.create), for this
    // very section.
    const current = this.#current;
    if (
      current !== undefined &&
      sameSection(current.section, this.#select(config))
    ) {
      return current.value;
    }
    if (current !== undefined) {
      throw new Error(
        `Cannot build the first ${this.name} resource as one is in effect already: init() is for start-up, reloads build the next ones`,
      );
    }
    const built = await this.#build(
      this.#select(config),
      new AbortController().signal,
    );
    // A pass, or close(), got there while it was being built.
    if (this.#current !== undefined || this.#closed) {
      await this.#closeLogged(built);
      this.#refuseClosed();
      throw new Error(
        `Cannot build the first ${this.name} resource as a reload built one meanwhile`,
      );
    }
    this.#current = built;
    return built.value;
  }

  async check(oldCfg: C, newCfg: C, ctx: CheckContext): Promise<void> {
    this.#refuseClosed();
    // A pass that ended with neither apply nor discard left its build.
    const stale = this.#pending?.built;
    this.#pending = undefined;
    if (stale !== undefined) this.#closeLater(stale);
    const section = this.#select(newCfg);
    const current = this.#current;
    if (oldCfg === undefined) {
      await this.#startUp(section, current, ctx);
      return;
    }
    if (current !== undefined && sameSection(current.section, section)) {
      this.#pending = { config: newCfg, built: undefined };
      return;
    }
    const built = await this.#build(section, ctx.signal);
    // The pass gave up on this check (its deadline passed), or the hook
    // was closed: nobody will apply or discard what it built.
    if (ctx.signal.aborted || this.#closed) {
      await this.#closeLogged(built);
      this.#refuseClosed();
      throw ctx.signal.reason;
    }
    this.#pending = { config: newCfg, built };
  }

  // The start-up check (`Coordinator.create`, no old config): no apply
  // follows, so what it builds is the first resource. One built before for
  // another start-up config (a source refused, then the last known-good
  // tried) was never used: closed.
  async #startUp(
    section: S,
    current: Built<S, R> | undefined,
    ctx: CheckContext,
  ): Promise<void> {
    if (current !== undefined && sameSection(current.section, section)) return;
    const built = await this.#build(section, ctx.signal);
    if (ctx.signal.aborted || this.#closed) {
      await this.#closeLogged(built);
      this.#refuseClosed();
      throw ctx.signal.reason;
    }
    this.#current = built;
    if (current !== undefined) this.#closeLater(current);
  }

  async apply(_ctx: ApplyContext, _oldCfg: C, newCfg: C): Promise<HookStatus> {
    const pending = this.#take(newCfg);
    if (pending === undefined) {
      throw new Error(
        `Cannot swap in the ${this.name} resource as no check prepared one for this config`,
      );
    }
    const built = pending.built;
    if (built === undefined) return HookStatus.Skipped;
    const previous = this.#current;
    let failure: Error | undefined;
    try {
      if (!this.#closed) {
        await this.#options.swap?.(built.value, previous?.value);
      }
    } catch (error) {
      failure = new Error(
        `Cannot swap in the ${this.name} resource as swap failed: ${
          renderError(error)
        }`,
        { cause: error },
      );
    }
    failure ??= this.#closed
      ? new Error(
        `Cannot swap in the ${this.name} resource as the hook was closed`,
      )
      : undefined;
    if (failure !== undefined) {
      // Not swapped in: nothing will use it.
      await this.#closeLogged(built);
      throw failure;
    }
    this.#current = built;
    if (previous !== undefined) this.#drain(previous);
    return HookStatus.Applied;
  }

  async discard(
    _ctx: DiscardContext,
    _oldCfg: C,
    newCfg: C,
  ): Promise<void> {
    const built = this.#take(newCfg)?.built;
    // Never used: closed at once. A throw is logged by the pass.
    if (built !== undefined) await this.#options.close(built.value);
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const [built, handle] of this.#draining) {
      this.#timers.clearTimeout(handle);
      this.#closeLater(built);
    }
    this.#draining.clear();
    for (const built of [this.#pending?.built, this.#current]) {
      if (built !== undefined) this.#closeLater(built);
    }
    this.#pending = undefined;
    this.#current = undefined;
    while (this.#closing.size > 0) await Promise.all(this.#closing);
  }

  #refuseClosed(): void {
    if (this.#closed) {
      throw new Error(
        `Cannot build a ${this.name} resource as the hook was closed`,
      );
    }
  }

  #select(config: C): S {
    try {
      return this.#options.select(config);
    } catch (error) {
      throw new Error(
        `Cannot read the ${this.name} resource's section as select failed: ${
          renderError(error)
        }`,
        { cause: error },
      );
    }
  }

  async #build(section: S, signal: AbortSignal): Promise<Built<S, R>> {
    try {
      return { value: await this.#options.build(section, signal), section };
    } catch (error) {
      throw new Error(
        `Cannot build the ${this.name} resource as build failed: ${
          renderError(error)
        }`,
        { cause: error },
      );
    }
  }

  // The pass's config, matched by identity: the same object goes to check,
  // apply and discard.
  #take(config: C): { built: Built<S, R> | undefined } | undefined {
    const pending = this.#pending;
    if (pending === undefined || pending.config !== config) return undefined;
    this.#pending = undefined;
    return pending;
  }

  #drain(built: Built<S, R>): void {
    if (this.#drainMs === 0) return this.#closeLater(built);
    const handle = this.#timers.setTimeout(() => {
      if (!this.#draining.delete(built)) return;
      this.#closeLater(built);
    }, this.#drainMs);
    this.#draining.set(built, handle);
  }

  // Closes in the background; close() waits for it.
  #closeLater(built: Built<S, R>): void {
    const closing = this.#closeLogged(built).finally(() =>
      this.#closing.delete(closing)
    );
    this.#closing.add(closing);
  }

  async #closeLogged(built: Built<S, R>): Promise<void> {
    try {
      await this.#options.close(built.value);
    } catch (error) {
      try {
        // A close error may quote the section (a URL with its password).
        const text = new Redactor(stringsIn(built.section, 8, false), 8)
          .scrub(renderError(error, 1024 * 1024), MAX_HOOK_ERROR);
        getLogger(["hup-reload", "resource"]).error(
          "Cannot close a {resource} resource: {error}",
          { resource: this.name, error: text },
        );
      } catch {
        // A logging sink that throws cannot be told about it either.
      }
    }
  }
}

/** Whether two sections hold the same values, as a pass compares configs. */
function sameSection(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  const changes = diffConfigs(a, b, () => false);
  return changes.shown.length === 0 && changes.omitted === 0 &&
    !changes.changed("");
}
