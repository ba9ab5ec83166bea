// Where a finished pass goes: the last result, the history, the counters,
// the digest of the config in effect, the log, the verification, the
// "reload" event and the triggers' pass listeners. The coordinator
// schedules passes and hands each one's fields here; this file is the one
// place that decides who hears of a pass, and that a dry run is heard of by
// its counter and the log only.

import { getLogger, type Logger } from "@logtape/logtape";
import { ReloadEvent } from "./events.ts";
import { Ring } from "./history.ts";
import { callListener } from "./listeners.ts";
import { logResult } from "./pass_log.ts";
import { buildResult, type ReloadResult, type ResultFields } from "./result.ts";
import { type ReloadStats, StatsRecorder } from "./stats.ts";

/** What a {@linkcode PassRecorder} needs to know of its coordinator. */
export interface RecorderPlan {
  /** How the config is named in logs. */
  readonly name: string;
  /** How many results the history keeps (`historySize`). */
  readonly historySize: number;
  /** Where `"reload"` events are dispatched: the coordinator. */
  readonly target: EventTarget;
  /** The generation in effect, as the holder counts it; it may throw. */
  readonly generation: () => number;
  /** The clock for `ended_at`; it never throws. */
  readonly now: () => Date;
  /** Hears of every pass first (the verification), before any listener. */
  readonly passed: (result: ReloadResult) => void;
}

/** The fields of a pass's result that the scheduler knows. */
export type PassFields = Omit<ResultFields, "generation" | "endedAt">;

/**
 * Records finished passes and dry runs, and says who hears of them.
 * Nothing it does when recording throws: a sink, a listener or a holder
 * that fails costs no pass its result.
 */
export class PassRecorder {
  readonly #plan: RecorderPlan;
  readonly #log: Logger = getLogger(["hup-reload", "coordinator"]);
  readonly #history: Ring<ReloadResult>;
  readonly #passListeners = new Set<() => void>();
  #stats = new StatsRecorder();
  #last: ReloadResult | null = null;
  #digest: string | null = null;

  /**
   * Creates an empty record.
   *
   * @param plan The coordinator's name, history size, event target,
   *   generation, clock and verification.
   * @throws {RangeError} If `plan.historySize` is not a whole number from 1.
   */
  constructor(plan: RecorderPlan) {
    this.#plan = plan;
    this.#history = new Ring(plan.historySize);
  }

  /** The result of the last finished pass, or `null`. */
  get last(): ReloadResult | null {
    return this.#last;
  }

  /** The digest of the config in effect, when known, or `null`. */
  get digest(): string | null {
    return this.#digest;
  }

  /**
   * Records that a config is in effect now, loaded at start-up or swapped
   * in by a pass.
   *
   * @param digest The digest of what it was loaded from, if known.
   */
  inEffect(digest: string | undefined): void {
    this.#digest = digest ?? null;
  }

  /**
   * Starts the counters again from a start-up config loaded at `loadedAt`.
   *
   * @param loadedAt When it loaded.
   */
  startedAt(loadedAt: Date): void {
    this.#stats = new StatsRecorder(loadedAt);
  }

  /**
   * The recent results, newest first.
   *
   * @returns A new array of the (frozen) results.
   */
  history(): ReloadResult[] {
    return this.#history.newestFirst();
  }

  /**
   * The counters.
   *
   * @returns A copy.
   */
  stats(): ReloadStats {
    return this.#stats.snapshot();
  }

  /**
   * Calls `listener` after every pass, until the listener is removed or
   * {@linkcode PassRecorder.clearPassListeners} runs; one that fails is
   * logged.
   *
   * @param listener What to call.
   * @returns A function that stops calling it.
   */
  onPass(listener: () => void): () => void {
    const call = () =>
      callListener(listener, {
        category: ["coordinator"],
        message: "A trigger's pass listener failed: {error}",
        properties: { path: this.#plan.name },
      });
    this.#passListeners.add(call);
    return () => this.#passListeners.delete(call);
  }

  /** Stops calling every pass listener (the triggers have stopped). */
  clearPassListeners(): void {
    this.#passListeners.clear();
  }

  /**
   * Records a finished pass everywhere it is read: last result, history,
   * counters, log, verification, the `"reload"` event, the triggers' pass
   * listeners, in that order.
   *
   * @param fields What the pass found.
   * @returns Its result.
   */
  pass(fields: PassFields): ReloadResult {
    const result = this.#build(fields);
    this.#last = result;
    this.#history.push(result);
    this.#stats.record(result);
    this.#logResult(result);
    this.#plan.passed(result);
    this.#plan.target.dispatchEvent(new ReloadEvent(result));
    for (const listener of this.#passListeners) listener();
    return result;
  }

  /**
   * Records a finished dry run where it is read: its counter and the log.
   * Nothing a pass records (last result, history, pass counters,
   * verification, events, pass listeners) hears of it.
   *
   * @param fields What the dry run found.
   * @returns Its result.
   */
  dryRun(fields: Omit<PassFields, "dryRun">): ReloadResult {
    const result = this.#build({ ...fields, dryRun: true });
    this.#stats.recordDryRun(result.status);
    this.#logResult(result);
    return result;
  }

  #build(fields: PassFields): ReloadResult {
    return buildResult({
      ...fields,
      generation: this.#generation(),
      endedAt: this.#plan.now(),
    });
  }

  #logResult(result: ReloadResult): void {
    try {
      logResult(this.#log, this.#plan.name, result);
    } catch {
      // A sink that throws must not cost the pass its result.
    }
  }

  // The generation in effect, even from a holder whose snapshot throws.
  #generation(): number {
    try {
      return this.#plan.generation();
    } catch {
      return this.#last?.generation ?? 0;
    }
  }
}
