import { getLogger } from "@logtape/logtape";
import { type Timers, withDeadline } from "./deadline.ts";
import { CheckCall } from "./hook_context.ts";
import { readLastGood } from "./last_good.ts";
import type { LoadOptions } from "./load/options.ts";
import { ConfigLoader, DEFAULT_MAX_BYTES } from "./load/pipeline.ts";
import { hookErrorRenderer, type Loaded, type RegisteredHook } from "./pass.ts";
import { renderError } from "./render.ts";

/** Where the config in effect came from at start-up. */
export type RunningFrom = "source" | "last_good";

/** What {@linkcode loadAtStart} needs. */
export interface StartPlan<C> {
  /** The loader of the config's sources (the one reloads use). */
  loader: ConfigLoader<C>;
  /** How the config is loaded: schema, environment, limits. */
  options: LoadOptions<C>;
  hooks: readonly RegisteredHook<C>[];
  timers: Timers;
  /** The last known-good file, if the start may fall back on it. */
  lastGood?: string;
}

/**
 * Loads the start-up config from the sources and runs every hook's check
 * on it; when either fails and a last known-good file is given, loads and
 * checks that instead, and says so loudly. A last known-good file that
 * cannot be used is logged and the sources' error thrown.
 *
 * @param plan The loader, hooks and last known-good file.
 * @returns The config and where it came from.
 * @throws {LoadError} If the sources do not load (and no last known-good
 *   config can be used).
 * @throws {Error} If a hook's check refuses the config (and no last
 *   known-good config can be used).
 */
export async function loadAtStart<C>(
  plan: StartPlan<C>,
): Promise<{ loaded: Loaded<C>; from: RunningFrom }> {
  const { loader, lastGood } = plan;
  let failure: unknown;
  try {
    const loaded = await loader.load();
    await checkAtStart(plan.hooks, loaded, loader.name, plan.timers);
    return { loaded, from: "source" };
  } catch (error) {
    if (lastGood === undefined) throw error;
    failure = error;
  }
  const log = getLogger(["hup-reload", "coordinator"]);
  let loaded: Loaded<C>;
  try {
    const sources = await readLastGood(
      lastGood,
      loader.sources,
      plan.options.maxBytes ?? DEFAULT_MAX_BYTES,
    );
    // Parsed on the event loop: nothing else runs yet, and the worker is
    // the sources' loader's.
    const stored = new ConfigLoader<C>(sources, plan.options, false);
    loaded = await stored.load();
    await checkAtStart(plan.hooks, loaded, stored.name, plan.timers);
  } catch (problem) {
    log.warn(
      "Cannot start from the last known-good config either, as it cannot be used: {lastGood}: {error}",
      { path: loader.name, lastGood, error: renderError(problem) },
    );
    throw failure;
  }
  log.warn(
    "Started from the last known-good config {lastGood}, as the config's sources cannot be used: {error}. It stays in effect until a pass from the sources succeeds: {path}",
    { path: loader.name, lastGood, error: renderError(failure) },
  );
  return { loaded, from: "last_good" };
}

/**
 * Runs every hook's `check(undefined, config)` on a start-up config, but
 * those with `checkOnStart: false`; every refusal is reported, each hook
 * error redacted as a pass redacts it.
 *
 * @param hooks The hooks, in order.
 * @param loaded The start-up config.
 * @param name How the config is named in messages.
 * @param timers For the hooks' deadlines.
 * @throws {Error} If a check throws, rejects or passes its deadline:
 *   naming each hook and its error.
 */
export async function checkAtStart<C>(
  hooks: readonly RegisteredHook<C>[],
  loaded: Loaded<C>,
  name: string,
  timers: Timers,
): Promise<void> {
  const config = loaded.config;
  const hookError = hookErrorRenderer(undefined, config, loaded.secrets ?? []);
  const refusals: string[] = [];
  for (const { hook, name: hookName, timeout } of hooks) {
    if (hook.checkOnStart === false) continue;
    try {
      await withDeadline(
        // No config is in effect yet: everything is new.
        (deadline) =>
          hook.check(
            undefined as C,
            config,
            new CheckCall(deadline, () => true),
          ),
        { ms: timeout, timers, what: "check" },
      );
    } catch (error) {
      refusals.push(`hook "${hookName.slice(0, 64)}": ${hookError(error)}`);
    }
  }
  if (refusals.length === 0) return;
  throw new Error(
    `Cannot start as ${
      refusals.length === 1
        ? "a hook's check refuses"
        : `${refusals.length} hooks' checks refuse`
    } the config: ${name}\n  ${refusals.join("\n  ")}`,
  );
}
