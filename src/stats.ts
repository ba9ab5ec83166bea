import type { ReloadResult } from "./result.ts";
import { ReloadStatus } from "./status.ts";

/**
 * Counters over every pass since start-up, for metrics: unlike the history,
 * they never drop a pass.
 *
 * @example Usage
 * ```ts
 * import { AtomicConfig, Coordinator } from "@hup/reload";
 * import assert from "node:assert/strict";
 *
 * const coordinator = new Coordinator({ configPath: "c.yaml", config: new AtomicConfig({}), load: () => ({}), hooks: [] });
 * await coordinator.reload();
 * await coordinator.reload({ dryRun: true });
 * const stats = coordinator.stats();
 * assert.equal(stats.passes.full_success, 1);
 * assert.equal(stats.passes.load_failed, 0);
 * assert.equal(stats.dry_runs.would_apply, 1);
 * ```
 */
export interface ReloadStats {
  /** Finished passes by status (dry runs are not passes). */
  passes: Record<Exclude<ReloadStatus, "would_apply">, number>;
  /**
   * Finished dry runs by status; they count here only, never in `passes`
   * nor anywhere else.
   */
  dry_runs: Record<
    "would_apply" | "validation_failed" | "load_failed",
    number
  >;
  /** Failed outcomes (check or apply) by hook name. */
  hook_failures: Record<string, number>;
  /**
   * When the config in effect last loaded in full: the last `full_success`
   * pass, or start-up until there is one (ISO 8601), as Prometheus counts
   * its own start-up load as a successful reload; `null` when the
   * coordinator was built around a holder filled elsewhere and no pass has
   * succeeded yet.
   */
  last_success_at: string | null;
  /** How long the last pass took, in milliseconds, or `null`. */
  last_duration_ms: number | null;
  /**
   * The `nonReloadable` fields that differ from the start-up config, per
   * the last pass that loaded the config: a `load_failed` pass leaves them
   * as they were, as the restart they call for is still owed.
   */
  requires_restart: string[];
}

/**
 * The statuses a pass ends with: every {@linkcode ReloadStatus} but
 * `would_apply`, which only a dry run gives.
 */
type PassStatus = Exclude<ReloadStatus, "would_apply">;

/** The statuses a dry run ends with. */
type DryRunStatus = "would_apply" | "validation_failed" | "load_failed";

/** Keeps {@linkcode ReloadStats} up to date, one result at a time. */
export class StatsRecorder {
  readonly #passes: Record<PassStatus, number> = {
    full_success: 0,
    partial_applied: 0,
    validation_failed: 0,
    load_failed: 0,
  };
  readonly #dryRuns: Record<DryRunStatus, number> = {
    would_apply: 0,
    validation_failed: 0,
    load_failed: 0,
  };
  readonly #hookFailures = new Map<string, number>();
  #lastSuccessAt: string | null;
  #lastDurationMs: number | null = null;
  #requiresRestart: readonly string[] = [];

  /**
   * Creates the counters.
   *
   * @param loadedAt When the start-up config loaded, if it did here.
   */
  constructor(loadedAt?: Date) {
    this.#lastSuccessAt = loadedAt?.toISOString() ?? null;
  }

  /** Counts one finished pass. */
  record(result: ReloadResult): void {
    if (result.status === ReloadStatus.WouldApply) return;
    this.#passes[result.status]++;
    for (const outcome of result.outcomes) {
      if (outcome.status === "failed") {
        this.#hookFailures.set(
          outcome.name,
          (this.#hookFailures.get(outcome.name) ?? 0) + 1,
        );
      }
    }
    if (result.status === ReloadStatus.FullSuccess) {
      this.#lastSuccessAt = result.ended_at;
    }
    if (result.status !== ReloadStatus.LoadFailed) {
      this.#requiresRestart = result.requires_restart ?? [];
    }
    this.#lastDurationMs = Date.parse(result.ended_at) -
      Date.parse(result.started_at);
  }

  /** Counts one finished dry run, and nothing else. */
  recordDryRun(status: ReloadStatus): void {
    if (Object.hasOwn(this.#dryRuns, status)) {
      this.#dryRuns[status as DryRunStatus]++;
    }
  }

  /** A copy of the counters, as plain data. */
  snapshot(): ReloadStats {
    return {
      passes: { ...this.#passes },
      dry_runs: { ...this.#dryRuns },
      hook_failures: Object.fromEntries(this.#hookFailures),
      last_success_at: this.#lastSuccessAt,
      last_duration_ms: this.#lastDurationMs,
      requires_restart: [...this.#requiresRestart],
    };
  }
}
