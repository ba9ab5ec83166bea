import type { Logger } from "@logtape/logtape";
import { logName } from "./render.ts";
import type { ReloadResult } from "./result.ts";
import { HookStatus, ReloadStatus } from "./status.ts";

/**
 * Logs a finished pass or dry run (whose records say "Dry run", at most
 * warnings, as it changed nothing): one record with its outcome, one per failed hook and
 * one per field that needs a restart. Results hold no value from the config,
 * so neither do the records; hook and trigger names are logged with their
 * control characters escaped, so a name cannot start a forged log line.
 *
 * @param log The coordinator's logger.
 * @param path The config file.
 * @param result The result of the pass.
 */
export function logResult(
  log: Logger,
  path: string,
  result: ReloadResult,
): void {
  const dry = result.dry_run === true;
  // A pass that went well is an info record, with nothing else to say:
  // when nothing takes info records, its fields need not be built.
  if (
    (result.status === ReloadStatus.FullSuccess ||
      result.status === ReloadStatus.WouldApply) &&
    result.requires_restart === undefined && !log.isEnabledFor("info")
  ) return;
  const props = {
    path,
    status: result.status,
    trigger: logName(result.trigger),
    ...(result.triggers !== undefined &&
      { triggers: logNames(result.triggers) }),
    generation: result.generation,
    durationMs: Date.parse(result.ended_at) - Date.parse(result.started_at),
    ...(dry && { dryRun: true }),
  };
  // A dry run says so first; what it would have done is a warning at most:
  // nothing changed, and an operator asked for the verdict.
  const pass = dry ? "Dry run" : "Reload pass";
  const fail = (message: string, properties: Record<string, unknown>) =>
    dry ? log.warn(message, properties) : log.error(message, properties);
  switch (result.status) {
    case ReloadStatus.WouldApply:
      log.info(
        "Dry run would apply, nothing changed: generation {generation}",
        props,
      );
      break;
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
      fail(
        `${pass} rejected by a check, config unchanged: generation {generation}`,
        props,
      );
      break;
    case ReloadStatus.LoadFailed: {
      // One problem a line: their list, rather than one string of lines.
      const [error, ...problems] = (result.load_error ?? "").split("\n");
      if (problems.length === 0) {
        fail(`${pass} failed to load {path}: {error}`, {
          ...props,
          error,
        });
      } else {
        fail(`${pass} failed to load {path}: {error} {problems}`, {
          ...props,
          error,
          problems: problems.map((p) => p.trim()),
        });
      }
      break;
    }
  }
  for (const o of result.outcomes) {
    if (o.status === HookStatus.Failed) {
      fail(
        dry
          ? "Dry run: hook {hook} failed: {error}"
          : "Hook {hook} failed: {error}",
        {
          ...props,
          hook: logName(o.name),
          error: o.error,
        },
      );
    }
  }
  for (const field of result.requires_restart ?? []) {
    log.warn(
      dry
        ? "Dry run: field {field} would change but takes effect only after a restart"
        : "Field {field} changed but takes effect only after a restart",
      { ...props, field },
    );
  }
}

/** Counts by trigger, each trigger's name as logged. */
export function logNames(
  counts: Readonly<Record<string, number>>,
): Record<string, number> {
  // fromEntries defines own properties: a trigger named __proto__ stays one.
  return Object.fromEntries(
    Object.entries(counts).map(([name, n]) => [logName(name), n]),
  );
}
