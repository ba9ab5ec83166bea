/**
 * The outcome of one hook's `apply` in a reload pass.
 *
 * - `applied`: the hook ran and changed its subsystem.
 * - `skipped`: the subsystem is not configured or not registered.
 * - `failed`: `check` or `apply` threw, or `apply` reported a failure.
 *
 * @example Usage
 * ```ts
 * import { HookStatus } from "@hup/reload";
 * import assert from "node:assert/strict";
 *
 * const status: HookStatus = HookStatus.Applied;
 * assert.equal(status, "applied");
 * ```
 */
export const HookStatus = {
  /** The hook ran and changed its subsystem. */
  Applied: "applied",
  /** The subsystem is not configured or not registered. */
  Skipped: "skipped",
  /** The hook's `check` or `apply` failed. */
  Failed: "failed",
} as const;

/**
 * One of the values of {@linkcode HookStatus}.
 *
 * @example Usage
 * ```ts
 * import type { HookStatus } from "@hup/reload";
 *
 * const status: HookStatus = "skipped";
 * ```
 */
export type HookStatus = typeof HookStatus[keyof typeof HookStatus];

/**
 * The overall outcome of one reload pass.
 *
 * - `full_success`: every hook returned `applied` or `skipped`; the new config
 *   is in effect and the generation advanced by one.
 * - `partial_applied`: the checks passed but at least one `apply` failed; the
 *   new config is in effect all the same and the generation advanced by one.
 * - `validation_failed`: at least one `check` failed; no `apply` ran, nothing
 *   changed, the generation is unchanged.
 * - `load_failed`: the file could not be read, expanded, parsed or validated;
 *   no hook ran, nothing changed, the generation is unchanged.
 * - `would_apply`: only for a dry run (`reload({ dryRun: true })`): it
 *   loaded and every `check` passed, so a pass would apply it; no `apply`
 *   ran, nothing changed. A dry run's other outcomes are `load_failed` and
 *   `validation_failed`; a real pass never ends `would_apply`.
 *
 * @example Usage
 * ```ts
 * import { ReloadStatus } from "@hup/reload";
 * import assert from "node:assert/strict";
 *
 * assert.equal(ReloadStatus.FullSuccess, "full_success");
 * ```
 */
export const ReloadStatus = {
  /** Every hook returned `applied` or `skipped`. */
  FullSuccess: "full_success",
  /** The checks passed, at least one `apply` failed; the config was swapped. */
  PartialApplied: "partial_applied",
  /** At least one `check` failed; nothing changed. */
  ValidationFailed: "validation_failed",
  /** The file failed to load or validate; nothing changed. */
  LoadFailed: "load_failed",
  /** A dry run only: it loaded and every `check` passed; nothing changed. */
  WouldApply: "would_apply",
} as const;

/**
 * One of the values of {@linkcode ReloadStatus}.
 *
 * @example Usage
 * ```ts
 * import type { ReloadStatus } from "@hup/reload";
 *
 * const status: ReloadStatus = "load_failed";
 * ```
 */
export type ReloadStatus = typeof ReloadStatus[keyof typeof ReloadStatus];

const HOOK_STATUSES: ReadonlySet<unknown> = new Set(Object.values(HookStatus));

/** Whether `value` is one of the {@linkcode HookStatus} strings. */
export function isHookStatus(value: unknown): value is HookStatus {
  return HOOK_STATUSES.has(value);
}
