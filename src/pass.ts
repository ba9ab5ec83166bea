import type { AtomicConfig } from "./atomic.ts";
import { type Timers, withDeadline } from "./deadline.ts";
import { type Changes, diffConfigsSliced } from "./diff.ts";
import { discardChecked } from "./discard.ts";
import { deepFreezeSliced, isDeeplyFrozen } from "./freeze.ts";
import type { Hook } from "./hook.ts";
import { ApplyCall, CheckCall } from "./hook_context.ts";
import { insidePass, type PassScope, runInPass } from "./pass_scope.ts";
import { type KeyShower, keyShower, Redactor, stringsIn } from "./redact.ts";
import { cutName, logName, MAX_HOOK_ERROR, renderError } from "./render.ts";
import type { HookOutcome } from "./result.ts";
import { runSliced, shortTurn } from "./slices.ts";
import { HookStatus, isHookStatus, ReloadStatus } from "./status.ts";
import { unchangedSteps } from "./unchanged.ts";

export { insidePass };

// What a pass that loaded the config in effect again reports.
const NO_CHANGES: Changes = Object.freeze({
  shown: [],
  omitted: 0,
  compared: 0,
  changed: () => false,
});

/** What a loader gives a pass: the config, and the digest of its sources. */
export interface Loaded<C> {
  /** The config. */
  config: C;
  /** The digest of the sources it was loaded from, when it came from them. */
  digest?: string;
  /** Whether a key of the config may be shown in a field path. */
  showKey?: KeyShower;
  /** Values from secret files in the config: never shown, whatever their length. */
  secrets?: readonly string[];
  /**
   * Whether the config came from the module's own loader (parsed sources,
   * maybe through a schema): data whose size the loader bounded, which the
   * pass first compares with a quick walk.
   */
  fromSources?: boolean;
}

/** A hook as registered: its name and deadline read once. */
export interface RegisteredHook<C> {
  hook: Hook<C>;
  name: string;
  timeout: number;
}

/** Everything one pass reads and changes. */
export interface PassPlan<C> {
  /** The coordinator running the pass (for the re-entrancy scope). */
  owner: object;
  /** How the config is named, for messages. */
  name: string;
  load(): Loaded<C> | Promise<Loaded<C>>;
  /** Values from secret files in the config in effect. */
  secrets: readonly string[];
  /**
   * Whether a key of the config in effect may be shown (for a key the new
   * config removed); without it, the new config's decides.
   */
  showKey?: (key: string) => boolean;
  hooks: readonly RegisteredHook<C>[];
  holder: AtomicConfig<C>;
  /** The non-reloadable fields that differ in `next`; may throw. */
  requiresRestart(next: C): string[] | Promise<string[]>;
  lookup: ((name: string) => unknown) | undefined;
  timers: Timers;
  /**
   * A dry run: load and check as a pass does, then discard what every
   * check built (nothing will be applied) and end `would_apply`, without
   * an `apply` or a swap.
   */
  dryRun?: boolean;
}

/** What a pass did, for the result. */
export interface PassReport {
  status: ReloadStatus;
  outcomes?: HookOutcome[];
  /** The paths that differ from the config in effect, when the file loaded. */
  changed?: string[];
  changedOmitted?: number;
  requiresRestart?: string[];
  loadError?: string;
  /** The digest of the sources loaded, when they loaded. */
  digest?: string;
  /** Values from secret files in the config swapped in, when one was. */
  secrets?: readonly string[];
  /** Whether a key of the config swapped in may be shown, when one was. */
  showKey?: (key: string) => boolean;
}

// Timers fire at once for a delay above 2^31 - 1 ms (about 24.8 days) on
// every runtime: such a deadline would be no deadline at all.
const MAX_TIMEOUT = 2 ** 31 - 1;

/** The longest `load_error` of a result, in UTF-16 code units. */
export const MAX_LOAD_ERROR = 4096;

// How much of a hook error is rendered before values are removed from it.
const MAX_RENDERED = 1024 * 1024;

/**
 * Checks the hooks and reads each one's name and deadline once, so a getter
 * cannot change them, or throw, in the middle of a pass.
 *
 * @param hooks The hooks, in order.
 * @param defaultTimeout The deadline of a hook without its own.
 * @param what Where the hooks were given, for messages.
 * @returns The registered hooks.
 * @throws {TypeError} If a hook has no name, no `check` or `apply`
 *   function, a `discard` that is not a function, or a timeout is not a
 *   positive number.
 * @throws {RangeError} If a timeout is finite and above 2147483647 ms.
 */
export function registerHooks<C>(
  hooks: readonly Hook<C>[],
  defaultTimeout: number,
  what: string,
): RegisteredHook<C>[] {
  return hooks.map((hook, i) => {
    const name = hook?.name;
    if (typeof name !== "string" || name === "") {
      throw new TypeError(
        `Cannot create the coordinator as hook ${i} has no name: ${what}[${i}].name`,
      );
    }
    for (const method of ["check", "apply"] as const) {
      if (typeof hook[method] !== "function") {
        throw new TypeError(
          `Cannot create the coordinator as hook "${
            logName(cutName(name))
          }" has no ${method} function: ${what}[${i}].${method}`,
        );
      }
    }
    if (hook.discard !== undefined && typeof hook.discard !== "function") {
      throw new TypeError(
        `Cannot create the coordinator as hook "${
          name.slice(0, 64)
        }" has a discard that is not a function: ${what}[${i}].discard`,
      );
    }
    const timeout = hook.timeout;
    checkTimeout(timeout, `${what}[${i}].timeout`);
    return { hook, name, timeout: timeout ?? defaultTimeout };
  });
}

/**
 * Throws unless `ms` is a usable deadline: `undefined`, a positive number of
 * milliseconds a timer can wait, or `Infinity`.
 *
 * @param ms The timeout.
 * @param field Where it was given, for the message.
 * @throws {TypeError} If it is not a positive number.
 * @throws {RangeError} If it is finite and above 2147483647 ms.
 */
export function checkTimeout(ms: unknown, field: string): void {
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

/**
 * Runs one reload pass: load, then every hook's `check`, then every hook's
 * `apply`, then the swap into the holder (a dry run stops after the
 * checks). What user code throws ends up in
 * the report; while the pass waits for user code, a `reload()` from that
 * code is refused (see {@linkcode insidePass}) rather than left waiting for
 * this very pass.
 *
 * @param plan What the pass reads and changes.
 * @returns What the pass did.
 */
export async function runPass<C>(plan: PassPlan<C>): Promise<PassReport> {
  const scope: PassScope = { owner: plan.owner, open: true };
  try {
    return await runInPass(scope, () => run(plan, scope));
  } finally {
    scope.open = false;
  }
}

async function run<C>(
  plan: PassPlan<C>,
  scope: PassScope,
): Promise<PassReport> {
  let loaded: Loaded<C>;
  let requiresRestart: string[];
  let changes: Changes;
  let showKey: (key: string) => boolean;
  // One turn first, so that passes awaited back to back leave room for
  // everything else (timers, I/O) even when a pass would finish without
  // waiting for anything.
  await shortTurn();
  const old = plan.holder.load() as C;
  try {
    loaded = await plan.load();
    if (loaded.config === undefined) {
      throw new TypeError(
        `Cannot load config as the loader returned undefined: ${plan.name}`,
      );
    }
    // Each walks the whole config: in slices, so that a large one never
    // holds the event loop for long.
    requiresRestart = await plan.requiresRestart(loaded.config);
    const showAfter = loaded.showKey ?? keyShower([]);
    showKey = showAfter;
    // Most passes load what is in effect: one walk finds it equal, and the
    // pass keeps the config in effect, frozen already, instead of freezing
    // a copy of it (the copy is left to the garbage collector while it is
    // young). Otherwise (or when it cannot tell), the freeze and the full
    // comparison follow.
    if (
      loaded.fromSources === true && isDeeplyFrozen(old) &&
      await runSliced(unchangedSteps(old, loaded.config))
    ) {
      loaded = { ...loaded, config: old };
      changes = NO_CHANGES;
    } else {
      await deepFreezeSliced(loaded.config);
      // A key the new config holds is shown as its sources allow; a key it
      // removed, as those of the config in effect allowed, unless it holds
      // a value the new config substitutes.
      const showBefore = plan.showKey;
      changes = await diffConfigsSliced(
        old,
        loaded.config,
        showAfter,
        showBefore === undefined
          ? showAfter
          : (key) => showBefore(key) && !showAfter.holdsValue(key),
      );
    }
  } catch (error) {
    return {
      status: ReloadStatus.LoadFailed,
      loadError: renderError(error, MAX_LOAD_ERROR),
    };
  }
  const { config: next, digest } = loaded;
  const hookError = hookErrorRenderer(old, next, [
    ...plan.secrets,
    ...(loaded.secrets ?? []),
  ]);
  const changed = (path: string) => changes.changed(path);
  const loadedFields = {
    changed: changes.shown,
    ...(changes.omitted > 0 && { changedOmitted: changes.omitted }),
    requiresRestart,
    ...(digest !== undefined && { digest }),
  };

  const checks: (string | undefined)[] = [];
  for (const { hook, timeout } of plan.hooks) {
    try {
      const checked = withDeadline(
        (deadline) => hook.check(old, next, new CheckCall(deadline, changed)),
        {
          ms: timeout,
          timers: plan.timers,
          what: "check",
        },
      );
      // A synchronous hook is not awaited: no promise, no turn.
      if (checked instanceof Promise) await checked;
      checks.push(undefined);
    } catch (error) {
      checks.push(hookError(error));
    }
  }
  if (checks.some((error) => error !== undefined)) {
    // What the passing checks built will not be swapped in: free it.
    await discardChecked({
      name: plan.name,
      passed: plan.hooks.filter((_, i) => checks[i] === undefined),
      old,
      next,
      changed,
      status: ReloadStatus.ValidationFailed,
      timers: plan.timers,
      render: hookError,
    });
    return {
      status: ReloadStatus.ValidationFailed,
      outcomes: plan.hooks.map(({ name }, i) =>
        outcome(
          name,
          checks[i] === undefined ? HookStatus.Skipped : HookStatus.Failed,
          checks[i],
        )
      ),
      ...loadedFields,
    };
  }

  if (plan.dryRun === true) {
    // Nothing will be applied: every check's work is freed, as when a
    // check fails.
    await discardChecked({
      name: plan.name,
      passed: plan.hooks,
      old,
      next,
      changed,
      status: ReloadStatus.WouldApply,
      timers: plan.timers,
      render: hookError,
    });
    return {
      status: ReloadStatus.WouldApply,
      outcomes: plan.hooks.map(({ name }) => outcome(name, HookStatus.Skipped)),
      ...loadedFields,
    };
  }

  const generation = plan.holder.snapshot().generation + 1;
  const lookup = plan.lookup;
  const find = <T>(name: string) => lookup?.(name) as T | undefined;
  const outcomes: HookOutcome[] = [];
  for (const { hook, name, timeout } of plan.hooks) {
    try {
      const returned: unknown = withDeadline(
        (deadline) =>
          hook.apply(
            new ApplyCall(deadline, changed, generation, find),
            old,
            next,
          ),
        { ms: timeout, timers: plan.timers, what: "apply" },
      );
      const status = returned instanceof Promise ? await returned : returned;
      outcomes.push(applied(name, status));
    } catch (error) {
      outcomes.push(outcome(name, HookStatus.Failed, hookError(error)));
    }
  }
  // Subscribers of the holder run once the pass no longer waits for them.
  scope.open = false;
  plan.holder.store(next);
  return {
    status: outcomes.some((o) => o.status === HookStatus.Failed)
      ? ReloadStatus.PartialApplied
      : ReloadStatus.FullSuccess,
    outcomes,
    ...loadedFields,
    secrets: loaded.secrets ?? [],
    showKey,
  };
}

function applied(name: string, status: unknown): HookOutcome {
  if (!isHookStatus(status)) {
    return outcome(
      name,
      HookStatus.Failed,
      `Cannot tell what the hook did as apply returned ${
        describe(status)
      }, not "applied", "skipped" or "failed"`,
    );
  }
  return status === HookStatus.Failed
    ? outcome(name, status, "apply reported failed")
    : outcome(name, status);
}

// Hook errors may quote the config: every string of the config in effect
// and of the new one, of 8 characters or more, is removed from them, and
// every value from a secret file, whatever its length. The redactors are
// built on the first failure of a pass, if any.
export function hookErrorRenderer(
  old: unknown,
  next: unknown,
  secrets: readonly string[],
): (error: unknown) => string {
  let redactor: Redactor | undefined;
  let secret: Redactor | undefined;
  return (error) => {
    redactor ??= new Redactor(
      [...stringsIn(old, 8, false), ...stringsIn(next, 8, false)],
      8,
    );
    secret ??= new Redactor(secrets, 1);
    // Render generously first, so a value that starts inside the part kept
    // is seen whole and removed, never cut in half.
    return secret.scrub(
      redactor.scrub(renderError(error, MAX_RENDERED), MAX_RENDERED),
      MAX_HOOK_ERROR,
    );
  };
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
