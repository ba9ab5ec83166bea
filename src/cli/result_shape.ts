import type { ReloadResult } from "../result.ts";
import { ReloadStatus } from "../status.ts";

const STATUSES: ReadonlySet<unknown> = new Set(Object.values(ReloadStatus));
const DRY_RUN_STATUSES: ReadonlySet<unknown> = new Set([
  ReloadStatus.WouldApply,
  ReloadStatus.ValidationFailed,
  ReloadStatus.LoadFailed,
]);

/** What `GET <prefix>` answers. */
export interface StatusBody {
  /** The generation in effect. */
  generation: number;
  /** The digest of the file in effect, when known. */
  config_digest: string | null;
  /**
   * While the sources differ from the config in effect: since when, and
   * their digest (`null`: a source cannot be read). `null` when in sync;
   * absent from a service that does not verify its sources.
   */
  drift?: { since: string; digest: string | null } | null;
  /**
   * The pass or dry run running now, `null` when none is; absent from a
   * service that predates dry runs.
   */
  in_progress?:
    | { trigger: string; started_at: string; dry_run: boolean }
    | null;
  /** The last pass's result, `null` before the first. */
  last_result: ReloadResult | null;
}

/**
 * Whether a parsed response body is a {@linkcode ReloadResult}: every
 * field it must have, of its type, and the optional ones of theirs.
 *
 * @param value The parsed body.
 * @returns Whether it is a result.
 */
export function isReloadResult(value: unknown): value is ReloadResult {
  if (!isRecord(value)) return false;
  const r = value;
  return STATUSES.has(r.status) &&
    // would_apply is a dry run's status, and only a dry run's.
    (r.dry_run === true
      ? DRY_RUN_STATUSES.has(r.status)
      : r.dry_run === undefined && r.status !== ReloadStatus.WouldApply) &&
    isCount(r.generation) &&
    typeof r.trigger === "string" &&
    Array.isArray(r.outcomes) &&
    r.outcomes.every((o) =>
      isRecord(o) && typeof o.name === "string" &&
      typeof o.status === "string" &&
      (o.error === undefined || typeof o.error === "string")
    ) &&
    typeof r.started_at === "string" &&
    typeof r.ended_at === "string" &&
    (r.triggers === undefined ||
      (isRecord(r.triggers) && Object.values(r.triggers).every(isCount))) &&
    optionalStrings(r.changed) &&
    (r.changed_omitted === undefined || isCount(r.changed_omitted)) &&
    optionalStrings(r.requires_restart) &&
    (r.load_error === undefined || typeof r.load_error === "string") &&
    (r.config_digest === undefined || typeof r.config_digest === "string");
}

/**
 * Whether a parsed response body is the status `GET <prefix>` serves.
 *
 * @param value The parsed body.
 * @returns Whether it is one.
 */
export function isStatusBody(value: unknown): value is StatusBody {
  return isRecord(value) && isCount(value.generation) &&
    (value.config_digest === null ||
      typeof value.config_digest === "string") &&
    (value.drift === undefined || value.drift === null ||
      (isRecord(value.drift) && typeof value.drift.since === "string" &&
        (value.drift.digest === null ||
          typeof value.drift.digest === "string"))) &&
    (value.in_progress === undefined || value.in_progress === null ||
      (isRecord(value.in_progress) &&
        typeof value.in_progress.trigger === "string" &&
        typeof value.in_progress.started_at === "string" &&
        typeof value.in_progress.dry_run === "boolean")) &&
    (value.last_result === null ||
      (isReloadResult(value.last_result) &&
        value.last_result.dry_run === undefined));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isCount(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

function optionalStrings(value: unknown): boolean {
  return value === undefined ||
    (Array.isArray(value) && value.every((v) => typeof v === "string"));
}
