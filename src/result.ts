import { deepFreeze } from "./freeze.ts";
import type { HookStatus, ReloadStatus } from "./status.ts";

/**
 * One hook's contribution to a reload pass, as it appears in
 * {@linkcode ReloadResult.outcomes}.
 *
 * @example Usage
 * ```ts
 * import type { HookOutcome } from "@hup/reload";
 *
 * const outcome: HookOutcome = {
 *   name: "log_level",
 *   status: "failed",
 *   error: "Cannot set the log level as it is not one of trace, debug, info, warning, error, fatal: server.log_level",
 * };
 * ```
 */
export interface HookOutcome {
  /** The hook's {@linkcode Hook.name}. */
  name: string;
  /** What the hook did in this pass. */
  status: HookStatus;
  /**
   * The rendered error when `status` is `failed`; absent otherwise. A string
   * (not an `Error`) so the result stays plain JSON.
   */
  error?: string;
}

/**
 * The report of one reload pass: plain JSON, so
 * `JSON.parse(JSON.stringify(result))` deep-equals `result`.
 *
 * The wire names are those of the Go package this module ports, so existing
 * dashboards and scripts keep working.
 *
 * @example Reading a result
 * ```ts
 * import type { ReloadResult } from "@hup/reload";
 * import assert from "node:assert/strict";
 *
 * const result: ReloadResult = {
 *   generation: 3,
 *   status: "partial_applied",
 *   trigger: "signal",
 *   triggers: { signal: 2, http: 1 },
 *   outcomes: [
 *     { name: "log_level", status: "applied" },
 *     { name: "cache", status: "failed", error: "Cannot resize the cache: out of memory" },
 *   ],
 *   changed: ["cache.size", "log_level"],
 *   requires_restart: ["server.listen"],
 *   started_at: "2026-01-01T00:00:00.000Z",
 *   ended_at: "2026-01-01T00:00:00.012Z",
 * };
 * assert.deepEqual(JSON.parse(JSON.stringify(result)), result);
 * ```
 */
export interface ReloadResult {
  /**
   * The generation in effect after the pass: advanced by one on
   * `full_success` and `partial_applied`, unchanged otherwise.
   */
  generation: number;
  /** The overall outcome of the pass. */
  status: ReloadStatus;
  /**
   * `true` on the result of a dry run (`reload({ dryRun: true })`, `POST
   * <prefix>?dry_run=1`), which loaded and checked but applied and swapped
   * nothing: its status is `would_apply`, `validation_failed` or
   * `load_failed`, and `generation` the one in effect. Absent on a pass.
   * Not in the Go package's wire format.
   */
  dry_run?: true;
  /**
   * What asked for the pass first: `signal` (SIGHUP), `http` (a POST or PUT
   * to the handler), `file` (the `fileChanges()` trigger), `call` (a direct
   * `reload()`), or another trigger's name. Not in the Go package's wire
   * format.
   */
  trigger: string;
  /**
   * When the pass answered several requests (a burst of signals, a POST
   * during a pass, ...): how many of each kind; absent for one request.
   */
  triggers?: Record<string, number>;
  /**
   * Every hook the pass considered, in order: on `validation_failed` and
   * `would_apply` the outcome of each `check` (`skipped`: it passed and
   * nothing was applied; `failed` with its error), otherwise the outcome of
   * each `apply`. Empty on `load_failed`.
   */
  outcomes: HookOutcome[];
  /**
   * The dotted paths whose values differ from the config in effect before
   * the pass (the deepest ones: `server.port`, `routes.3`), at most 100, in
   * the order of the config; names only, never values, and a key from the
   * environment or one that is not a name shows as "…". Present when the
   * file loaded, whatever the status; empty when nothing changed.
   */
  changed?: string[];
  /** How many changed paths `changed` leaves out; absent when none. */
  changed_omitted?: number;
  /**
   * Non-reloadable fields (dotted paths) whose value differs from the one in
   * effect since start-up; absent when none. Present whatever the status, as
   * long as the file loaded, so the warning stays visible until a restart.
   */
  requires_restart?: string[];
  /** Why the file failed to load, when `status` is `load_failed`; absent otherwise. */
  load_error?: string;
  /**
   * The SHA-256 of the file bytes this pass loaded, as `sha256:<hex>`, when
   * it loaded them with the default loader; absent otherwise. Not in the Go
   * package's wire format.
   */
  config_digest?: string;
  /** When the pass started, as an ISO 8601 string. */
  started_at: string;
  /** When the pass ended, as an ISO 8601 string. */
  ended_at: string;
}

/** What a {@linkcode ReloadResult} is built from, by name. */
export interface ResultFields {
  /** The generation in effect after the pass. */
  generation: number;
  /** The outcome of the pass. */
  status: ReloadStatus;
  /** Whether it was a dry run. */
  dryRun?: boolean;
  /** What asked for the pass first. */
  trigger: string;
  /** How many requests of each kind the pass answered. */
  requests?: ReadonlyMap<string, number>;
  /** The changed paths, when the file loaded. */
  changed?: string[];
  /** How many changed paths are left out. */
  changedOmitted?: number;
  /** When the pass started. */
  startedAt: Date;
  /** When it ended. */
  endedAt: Date;
  /** Each hook's outcome; none by default. */
  outcomes?: HookOutcome[];
  /** Non-reloadable fields that changed; none by default. */
  requiresRestart?: string[];
  /** Why the file did not load. */
  loadError?: string;
  /** The digest of the bytes loaded. */
  digest?: string;
}

/**
 * Builds the frozen result of a pass, with its keys in the order of the
 * wire format (for people reading the JSON) and empty optional fields left
 * out.
 *
 * @param fields The parts of the result.
 * @returns The result.
 */
export function buildResult(fields: ResultFields): ReloadResult {
  const { outcomes = [], requiresRestart = [], loadError, digest } = fields;
  const { requests, changed, changedOmitted } = fields;
  let total = 0;
  for (const n of requests?.values() ?? []) total += n;
  const result: ReloadResult = {
    generation: fields.generation,
    status: fields.status,
    ...(fields.dryRun === true && { dry_run: true as const }),
    trigger: fields.trigger,
    ...(total > 1 && { triggers: Object.fromEntries(requests!) }),
    outcomes,
    ...(changed !== undefined && { changed }),
    ...(changedOmitted !== undefined && { changed_omitted: changedOmitted }),
    ...(requiresRestart.length > 0 && { requires_restart: requiresRestart }),
    ...(loadError !== undefined && { load_error: loadError }),
    ...(digest !== undefined && { config_digest: digest }),
    started_at: fields.startedAt.toISOString(),
    ended_at: fields.endedAt.toISOString(),
  };
  deepFreeze(result);
  return result;
}
