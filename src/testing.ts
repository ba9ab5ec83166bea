import { mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Coordinator } from "./coordinator.ts";
import type { ReloadEvent } from "./events.ts";
import type { ApplyContext, Hook } from "./hook.ts";
import type { ReloadResult } from "./result.ts";
import type { SignalSource } from "./runtime/types.ts";
import { HookStatus } from "./status.ts";

/**
 * A {@linkcode SignalSource} that a test fires by hand: pass it as
 * `signals` in `Deps`, call `watch()`, then `fire("SIGHUP")`.
 *
 * @example Usage
 * ```ts
 * import { ManualSignals } from "@hup/reload/testing";
 * import assert from "node:assert/strict";
 *
 * const signals = new ManualSignals();
 * let n = 0;
 * signals.addSignalListener("SIGHUP", () => n++);
 * signals.fire("SIGHUP");
 * assert.equal(n, 1);
 * assert.equal(signals.listenerCount("SIGHUP"), 1);
 * ```
 */
export class ManualSignals implements SignalSource {
  readonly #listeners = new Map<string, Set<() => void>>();

  /**
   * Adds a listener.
   *
   * @param signal The signal.
   * @param listener Called on every {@linkcode ManualSignals.fire}.
   */
  addSignalListener(signal: "SIGHUP", listener: () => void): void {
    const set = this.#listeners.get(signal) ?? new Set();
    set.add(listener);
    this.#listeners.set(signal, set);
  }

  /**
   * Removes a listener.
   *
   * @param signal The signal.
   * @param listener The listener.
   */
  removeSignalListener(signal: "SIGHUP", listener: () => void): void {
    this.#listeners.get(signal)?.delete(listener);
  }

  /**
   * Delivers `signal` to every listener, as the process receiving it would.
   *
   * @param signal The signal.
   * @returns How many listeners it reached (0: nobody watches, so a real
   *   SIGHUP would have ended the process).
   */
  fire(signal: "SIGHUP" = "SIGHUP"): number {
    const listeners = [...(this.#listeners.get(signal) ?? [])];
    for (const listener of listeners) listener();
    return listeners.length;
  }

  /**
   * How many listeners `signal` has.
   *
   * @param signal The signal.
   * @returns The count.
   */
  listenerCount(signal: "SIGHUP" = "SIGHUP"): number {
    return this.#listeners.get(signal)?.size ?? 0;
  }
}

/**
 * One call a {@linkcode RecordingHook} received.
 *
 * @example Usage
 * ```ts
 * import type { HookCall } from "@hup/reload/testing";
 *
 * const call: HookCall<{ a: number }> = { phase: "check", oldCfg: { a: 1 }, newCfg: { a: 2 } };
 * ```
 *
 * @typeParam C The config type.
 */
export interface HookCall<C> {
  /** `check` or `apply`. */
  phase: "check" | "apply";
  /** The config in effect. */
  oldCfg: C;
  /** The config being loaded. */
  newCfg: C;
  /** The apply context, for `apply` calls. */
  ctx?: ApplyContext;
}

/**
 * A hook that records its calls and does what the test says: set
 * `failCheck` / `failApply` to a value to throw it, `hangCheck` /
 * `hangApply` to `true` to never settle (until the coordinator's deadline
 * aborts the apply signal), `status` for what `apply` returns.
 *
 * @example Usage
 * ```ts
 * import { AtomicConfig, Coordinator } from "@hup/reload";
 * import { RecordingHook } from "@hup/reload/testing";
 * import assert from "node:assert/strict";
 *
 * const hook = new RecordingHook<{ a: number }>("cache");
 * hook.failCheck = new Error("Cannot resize the cache: cache.size");
 * const coordinator = new Coordinator({ configPath: "c.yaml", config: new AtomicConfig({ a: 1 }), load: () => ({ a: 2 }), hooks: [hook] });
 * const result = await coordinator.reload();
 * assert.equal(result.status, "validation_failed");
 * assert.equal(hook.calls.length, 1);
 * assert.deepEqual(hook.calls[0].newCfg, { a: 2 });
 * ```
 *
 * @typeParam C The config type.
 */
export class RecordingHook<C> implements Hook<C> {
  /** The hook's name. */
  readonly name: string;
  /**
   * This hook's deadline in milliseconds, overriding the coordinator's
   * `hookTimeout`.
   *
   * @default {undefined}
   */
  timeout?: number;
  /** Every call, in order. */
  readonly calls: HookCall<C>[] = [];
  /**
   * Thrown by `check` when set.
   *
   * @default {undefined}
   */
  failCheck: unknown = undefined;
  /**
   * Thrown by `apply` when set.
   *
   * @default {undefined}
   */
  failApply: unknown = undefined;
  /**
   * Makes `check` never settle.
   *
   * @default {false}
   */
  hangCheck = false;
  /**
   * Makes `apply` settle only when its signal aborts (rejecting with the
   * abort reason).
   *
   * @default {false}
   */
  hangApply = false;
  /**
   * What `apply` returns.
   *
   * @default {"applied"}
   */
  status: HookStatus = HookStatus.Applied;

  /**
   * Creates the hook.
   *
   * @param name The hook's name.
   */
  constructor(name = "recording") {
    this.name = name;
  }

  /**
   * Records the call, then fails or hangs as told.
   *
   * @param oldCfg The config in effect.
   * @param newCfg The config being loaded.
   */
  check(oldCfg: C, newCfg: C): Promise<void> {
    this.calls.push({ phase: "check", oldCfg, newCfg });
    if (this.failCheck !== undefined) return Promise.reject(this.failCheck);
    if (this.hangCheck) return new Promise(() => {});
    return Promise.resolve();
  }

  /**
   * Records the call, then fails, hangs or returns `status` as told.
   *
   * @param ctx The apply context.
   * @param oldCfg The config in effect.
   * @param newCfg The config being swapped in.
   * @returns `status`.
   */
  apply(ctx: ApplyContext, oldCfg: C, newCfg: C): Promise<HookStatus> {
    this.calls.push({ phase: "apply", oldCfg, newCfg, ctx });
    if (this.failApply !== undefined) return Promise.reject(this.failApply);
    if (this.hangApply) {
      return new Promise((_, reject) => {
        ctx.signal.addEventListener(
          "abort",
          () => reject(ctx.signal.reason),
          { once: true },
        );
      });
    }
    return Promise.resolve(this.status);
  }
}

/**
 * A config file in a fresh temp directory, removed with `await using`.
 *
 * @example Usage
 * ```ts
 * import { tempConfig } from "@hup/reload/testing";
 * import { readFile } from "node:fs/promises";
 * import assert from "node:assert/strict";
 *
 * await using file = await tempConfig("a: 1\n");
 * await file.replace("a: 2\n");
 * assert.equal(await readFile(file.path, "utf8"), "a: 2\n");
 * ```
 */
export interface TempConfig {
  /** The temp directory. */
  readonly dir: string;
  /** The config file, `config.yaml` in `dir`. */
  readonly path: string;
  /** Rewrites the file in place. */
  write(text: string | Uint8Array): Promise<void>;
  /** Replaces the file atomically (write beside it, then rename over it). */
  replace(text: string | Uint8Array): Promise<void>;
  /** Removes the directory. */
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Creates a config file in a fresh temp directory.
 *
 * @example Usage
 * ```ts
 * import { loadConfig } from "@hup/reload";
 * import { tempConfig } from "@hup/reload/testing";
 * import assert from "node:assert/strict";
 *
 * await using file = await tempConfig("port: 8080\n");
 * assert.deepEqual(await loadConfig(file.path), { port: 8080 });
 * ```
 *
 * @param text The file's first content.
 * @returns The file; dispose of it to remove the directory.
 */
export async function tempConfig(
  text: string | Uint8Array = "",
): Promise<TempConfig> {
  const dir = await mkdtemp(join(tmpdir(), "hup-reload-"));
  const path = join(dir, "config.yaml");
  let n = 0;
  const file: TempConfig = {
    dir,
    path,
    write: (t) => writeFile(path, t),
    async replace(t) {
      const tmp = join(dir, `.config.yaml.${++n}.tmp`);
      await writeFile(tmp, t);
      await rename(tmp, path);
    },
    [Symbol.asyncDispose]: () => rm(dir, { recursive: true, force: true }),
  };
  await file.write(text);
  return file;
}

/**
 * A promise for the result of the next pass the coordinator finishes (that
 * matches `filter`, when given).
 *
 * @example Usage
 * ```ts
 * import { AtomicConfig, Coordinator } from "@hup/reload";
 * import { nextReload } from "@hup/reload/testing";
 * import assert from "node:assert/strict";
 *
 * const coordinator = new Coordinator({ configPath: "c.yaml", config: new AtomicConfig({}), load: () => ({}), hooks: [] });
 * const next = nextReload(coordinator);
 * void coordinator.reload();
 * assert.equal((await next).generation, 1);
 * ```
 *
 * @typeParam C The config type.
 * @param coordinator The coordinator.
 * @param filter Which result to wait for.
 * @returns The result.
 */
export function nextReload<C>(
  coordinator: Coordinator<C>,
  filter: (result: ReloadResult) => boolean = () => true,
): Promise<ReloadResult> {
  return new Promise((resolve) => {
    const listener = (event: ReloadEvent) => {
      if (!filter(event.result)) return;
      coordinator.removeEventListener("reload", listener);
      resolve(event.result);
    };
    coordinator.addEventListener("reload", listener);
  });
}
