import type { ReloadStatus } from "../status.ts";

/**
 * The exit codes of the `hup-reload` command, one per outcome a script or
 * systemd may want to tell apart. A reload's own failures take codes that
 * systemd gives no name (its journal labels 2 to 7 with the LSB meanings,
 * "4/NOPERMISSION" for a bad config file would mislead); the others are
 * the BSD `sysexits.h` codes, which systemd names in the journal
 * (`status=69/UNAVAILABLE`).
 *
 * @example Telling outcomes apart in a script
 * ```ts
 * import { ExitCode } from "@hup/reload/cli";
 * import assert from "node:assert/strict";
 *
 * assert.equal(ExitCode.LoadFailed, 12);
 * assert.equal(ExitCode.Unavailable, 69);
 * ```
 */
export const ExitCode = {
  /**
   * The command did what it was asked: the file loads, the pass succeeded,
   * a dry run would apply.
   */
  Ok: 0,
  /** `check`: the config file does not load (as `nginx -t` or promtool). */
  CheckFailed: 1,
  /** The pass ended `partial_applied`: swapped in, a hook's apply failed. */
  PartialApplied: 10,
  /** The pass ended `validation_failed`: a hook's check refused the file. */
  ValidationFailed: 11,
  /** The pass ended `load_failed`: the file could not be read or validated. */
  LoadFailed: 12,
  /** Bad command line (EX_USAGE). */
  Usage: 64,
  /** A file an option names cannot be read or used (EX_NOINPUT). */
  NoInput: 66,
  /** The service cannot be reached: down, refused, reset (EX_UNAVAILABLE). */
  Unavailable: 69,
  /** A fault in the command itself (EX_SOFTWARE). */
  Software: 70,
  /** No verdict within `--timeout`; the pass may still end (EX_TEMPFAIL). */
  Timeout: 75,
  /** The answer is not a reload result: wrong URL, a proxy (EX_PROTOCOL). */
  Protocol: 76,
  /** The service refused the request (HTTP 401 or 403), or Deno refused a permission (EX_NOPERM). */
  NoPermission: 77,
} as const;

/**
 * One of the values of {@linkcode ExitCode}.
 *
 * @example Usage
 * ```ts
 * import type { ExitCode } from "@hup/reload/cli";
 *
 * const code: ExitCode = 0;
 * ```
 */
export type ExitCode = typeof ExitCode[keyof typeof ExitCode];

const OF_STATUS: Record<ReloadStatus, ExitCode> = {
  full_success: ExitCode.Ok,
  partial_applied: ExitCode.PartialApplied,
  validation_failed: ExitCode.ValidationFailed,
  load_failed: ExitCode.LoadFailed,
  would_apply: ExitCode.Ok,
};

/**
 * The exit code that reports a pass's status.
 *
 * @param status The status of the pass.
 * @returns 0 for `full_success` and a dry run's `would_apply`, else the
 *   status's own code.
 */
export function exitCodeOf(status: ReloadStatus): ExitCode {
  return OF_STATUS[status];
}
