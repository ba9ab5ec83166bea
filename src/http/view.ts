// What the operator surface reads of a coordinator, and the one thing it
// may ask of it. A `Coordinator` is both; a test, or an application that
// keeps its results elsewhere, can hand the handler an object of its own.

import type { PassInProgress, ReloadOptions } from "../coordinator.ts";
import type { SourceStats } from "../load/source.ts";
import type { ReloadResult } from "../result.ts";
import type { ReloadStats } from "../stats.ts";
import type { Drift } from "../verify.ts";

/**
 * What {@linkcode reloadHandler} and {@linkcode metricsText} read: the
 * state a coordinator reports, and nothing that changes it. Every
 * `Coordinator` is one; so is any object with these members, which is how
 * the handler is served without a coordinator (from results kept
 * elsewhere, or in a test).
 *
 * @example Serving the read routes from a hand-made view
 * ```ts
 * import type { ReloadView } from "@hup/reload/http";
 * import { reloadHandler } from "@hup/reload/http";
 * import assert from "node:assert/strict";
 *
 * const view: ReloadView = {
 *   configPath: "/etc/app/config.yaml",
 *   sources: [],
 *   generation: () => 3,
 *   digest: () => null,
 *   runningFrom: () => "source",
 *   startedAt: () => "2026-01-01T00:00:00.000Z",
 *   inProgress: () => null,
 *   lastResult: () => null,
 *   history: () => [],
 *   stats: () => ({
 *     passes: { full_success: 0, partial_applied: 0, validation_failed: 0, load_failed: 0 },
 *     dry_runs: { would_apply: 0, validation_failed: 0, load_failed: 0 },
 *     hook_failures: {},
 *     last_success_at: null,
 *     last_duration_ms: null,
 *     requires_restart: [],
 *   }),
 *   verification: () => ({ drift: null, checked_at: null }),
 * };
 * const handler = reloadHandler(view);
 * const status = await (await handler(new Request("http://localhost/-/reload"))).json();
 * assert.equal(status.generation, 3);
 * // Without a reload() method, nothing can run a pass.
 * const post = await handler(new Request("http://localhost/-/reload", { method: "POST" }));
 * assert.equal(post.status, 405);
 * ```
 */
export interface ReloadView {
  /** How the config is named (`Coordinator.configPath`). */
  readonly configPath: string;
  /** The config's sources, for their counters in the metrics. */
  readonly sources: readonly ViewSource[];
  /**
   * The generation in effect (`Coordinator.generation()`).
   *
   * @returns The generation.
   */
  generation(): number;
  /**
   * The digest of the config in effect, when known (`Coordinator.digest()`).
   *
   * @returns `sha256:<hex>`, or `null`.
   */
  digest(): string | null;
  /**
   * Where the config in effect came from (`Coordinator.runningFrom()`).
   *
   * @returns `"source"`, or `"last_good"`.
   */
  runningFrom(): "source" | "last_good";
  /**
   * When the service started (`Coordinator.startedAt()`).
   *
   * @returns An ISO 8601 time.
   */
  startedAt(): string;
  /**
   * The pass or dry run running now (`Coordinator.inProgress()`).
   *
   * @returns It, or `null`.
   */
  inProgress(): PassInProgress | null;
  /**
   * The result of the last pass (`Coordinator.lastResult()`).
   *
   * @returns It, or `null` before the first pass.
   */
  lastResult(): ReloadResult | null;
  /**
   * The recent results (`Coordinator.history()`).
   *
   * @returns The results, newest first.
   */
  history(): readonly ReloadResult[];
  /**
   * The pass counters (`Coordinator.stats()`).
   *
   * @returns A snapshot.
   */
  stats(): ReloadStats;
  /**
   * What the last comparison of the sources with the config in effect
   * found (`Coordinator.verification()`).
   *
   * @returns The drift (`null` while in sync) and when they were compared
   *   (`null`: never).
   */
  verification(): { drift: Drift | null; checked_at: string | null };
}

/**
 * A source as {@linkcode ReloadView.sources} lists it: its name and, for a
 * remote source, its request counters.
 *
 * @example Usage
 * ```ts
 * import type { ViewSource } from "@hup/reload/http";
 *
 * const source: ViewSource = { name: "/etc/app/config.yaml" };
 * ```
 */
export interface ViewSource {
  /** The source's name. */
  readonly name: string;
  /**
   * The source's request counters (remote sources).
   *
   * @returns A snapshot.
   */
  stats?(): SourceStats;
}

/**
 * What `POST <prefix>` asks of the coordinator: a pass (or a dry run). A
 * view without it serves the read routes only, and answers `POST` with 405.
 *
 * @example Usage
 * ```ts
 * import { AtomicConfig, Coordinator } from "@hup/reload";
 * import type { ReloadControl } from "@hup/reload/http";
 *
 * const control: ReloadControl = new Coordinator({ configPath: "c.yaml", config: new AtomicConfig({}), load: () => ({}) });
 * ```
 */
export interface ReloadControl {
  /**
   * Runs a pass, or a dry run (`Coordinator.reload()`).
   *
   * @param options What asks for it, and whether it is a dry run.
   * @returns Its result.
   */
  reload(options?: ReloadOptions): Promise<ReloadResult>;
}
