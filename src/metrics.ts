import { sha256Hex } from "./digest.ts";
import type { Coordinator } from "./coordinator.ts";
import type { ReloadView } from "./http/view.ts";
import type { SourceStats } from "./load/source.ts";
import { truncate } from "./render.ts";
import type { ReloadStats } from "./stats.ts";

/** What the metrics are rendered from. */
export interface MetricsInput {
  generation: number;
  /** The digest of the file of the config in effect, when known. */
  digest: string | null;
  /**
   * The digest of what the sources hold, when known: the config in effect
   * while in sync, the drift's otherwise.
   */
  sourceDigest?: string | null;
  /** When the coordinator started (ISO 8601), when known. */
  startedAt?: string | null;
  stats: ReloadStats;
  lastStatus: string | null;
  requiresRestart: number;
  /** The request counters of the sources that keep some (remote ones). */
  sources?: readonly { name: string; stats: SourceStats }[];
  /** The last comparison of the sources with the config in effect. */
  verification?: { drift: unknown; checked_at: string | null };
  /** Whether the config in effect came from the last known-good file. */
  runningFromLastGood?: boolean;
  /** Whether a pass or a dry run is running now. */
  inProgress?: boolean;
}

/**
 * The longest label value, in UTF-16 code units. Hook names are user data:
 * a longer one is cut and given a hash of the whole name, so that a scrape
 * with a `label_value_length_limit` is not refused, and two long names that
 * start alike stay two series.
 */
export const MAX_LABEL_VALUE = 128;

type Sample = [labels: Record<string, string>, value: number];

/**
 * Renders the reload metrics in the Prometheus text exposition format
 * (version 0.0.4), every family with `# HELP` and `# TYPE`.
 *
 * Total and bounded: label values are escaped (`\\`, `\"`, `\n`), made
 * well-formed (a lone surrogate becomes U+FFFD) and cut to
 * {@linkcode MAX_LABEL_VALUE}; samples whose labels come out the same are
 * added up, so no series appears twice.
 *
 * @param input The coordinator's state.
 * @returns The text, ending with a newline.
 */
export function renderMetrics(input: MetricsInput): string {
  const { generation, digest, stats, lastStatus, requiresRestart } = input;
  const sources = input.sources ?? [];
  const lines: string[] = [];
  const family = (
    name: string,
    type: "gauge" | "counter",
    help: string,
    samples: Sample[],
  ) => {
    lines.push(
      `# HELP ${name} ${escapeHelp(help)}`,
      `# TYPE ${name} ${type}`,
    );
    const series = new Map<string, number>();
    for (const [labels, value] of samples) {
      const rendered = Object.entries(labels)
        .map(([k, v]) => `${k}="${escapeLabel(boundLabel(v))}"`)
        .join(",");
      const key = rendered === "" ? name : `${name}{${rendered}}`;
      series.set(key, (series.get(key) ?? 0) + value);
    }
    for (const [key, value] of series) {
      lines.push(`${key} ${formatValue(value)}`);
    }
  };
  family(
    "hup_reload_generation",
    "gauge",
    "Generation of the config in effect; advances on every pass that swaps a config in.",
    [[{}, generation]],
  );
  family(
    "hup_reload_start_time_seconds",
    "gauge",
    "When the coordinator started, in seconds since the epoch: the generation counts from 0 then; 0 if unknown.",
    [[{}, seconds(input.startedAt)]],
  );
  family(
    "hup_reload_config_info",
    "gauge",
    "The config in effect: always 1, labelled with the SHA-256 of its file (no label when the file was not loaded by the default loader), so count by (digest) shows whether a fleet converged.",
    [[digest === null ? {} : { digest }, 1]],
  );
  const sourceDigest = input.sourceDigest ?? null;
  family(
    "hup_reload_source_info",
    "gauge",
    "What the config's sources held when last compared (the config meant to be in effect): always 1, labelled with its digest (no label when unknown: a source that cannot be read, a custom load), so a refused change shows as config_info and source_info disagreeing.",
    [[sourceDigest === null ? {} : { digest: sourceDigest }, 1]],
  );
  family(
    "hup_reload_passes_total",
    "counter",
    "Finished reload passes by status.",
    Object.entries(stats.passes).map(([status, n]) => [{ status }, n]),
  );
  family(
    "hup_reload_dry_runs_total",
    "counter",
    "Finished dry runs (which apply nothing) by status: would_apply, validation_failed, load_failed.",
    Object.entries(stats.dry_runs).map(([status, n]) => [{ status }, n]),
  );
  family(
    "hup_reload_pass_in_progress",
    "gauge",
    "Whether a reload pass or a dry run is running now (1) or not (0).",
    [[{}, input.inProgress === true ? 1 : 0]],
  );
  family(
    "hup_reload_config_last_reload_successful",
    "gauge",
    "Whether the last reload pass was a full success (1) or not (0); 1 before any pass.",
    [[{}, lastStatus === null || lastStatus === "full_success" ? 1 : 0]],
  );
  family(
    "hup_reload_last_success_timestamp_seconds",
    "gauge",
    "When the config in effect last loaded in full (the last fully successful pass, or start-up), in seconds since the epoch; 0 if unknown.",
    [[
      {},
      stats.last_success_at === null
        ? 0
        : Date.parse(stats.last_success_at) / 1000,
    ]],
  );
  family(
    "hup_reload_last_duration_seconds",
    "gauge",
    "How long the last reload pass took, in seconds; 0 if none.",
    [[{}, (stats.last_duration_ms ?? 0) / 1000]],
  );
  family(
    "hup_reload_hook_failures_total",
    "counter",
    "Failed hook outcomes (check or apply) by hook.",
    Object.entries(stats.hook_failures).map(([hook, n]) => [{ hook }, n]),
  );
  family(
    "hup_reload_requires_restart",
    "gauge",
    "Non-reloadable fields that differ from the start-up config, per the last pass that loaded a file.",
    [[{}, requiresRestart]],
  );
  const verification = input.verification ??
    { drift: null, checked_at: null };
  family(
    "hup_reload_source_in_sync",
    "gauge",
    "Whether the config's sources held the config in effect when last compared (1) or not (0): a refused edit, a change no pass read yet, a source that cannot be read.",
    [[{}, verification.drift === null ? 1 : 0]],
  );
  family(
    "hup_reload_source_checked_timestamp_seconds",
    "gauge",
    "When the config's sources were last compared with the config in effect (or read by a pass that swapped it), in seconds since the epoch; 0 if never.",
    [[
      {},
      verification.checked_at === null
        ? 0
        : Date.parse(verification.checked_at) / 1000,
    ]],
  );
  family(
    "hup_reload_running_from_last_good",
    "gauge",
    "Whether the service started from the last known-good config (1), as its sources did not load or a check refused them, and no pass from the sources has succeeded since; 0 when the config in effect came from its sources.",
    [[{}, input.runningFromLastGood === true ? 1 : 0]],
  );
  if (sources.length > 0) {
    family(
      "hup_reload_source_requests_total",
      "counter",
      "Requests made to a remote config source (reads and change checks), by outcome: changed, unchanged (a 304 or the same bytes) or failed.",
      sources.flatMap(({ name, stats }) =>
        (["changed", "unchanged", "failed"] as const).map((
          outcome,
        ): Sample => [
          { source: name, outcome },
          count(stats.requests?.[outcome]),
        ])
      ),
    );
    family(
      "hup_reload_source_up",
      "gauge",
      "Whether the last request to a remote config source succeeded (1) or failed (0).",
      sources.map(({ name, stats }) => [
        { source: name },
        stats.consecutiveFailures === 0 ? 1 : 0,
      ]),
    );
    family(
      "hup_reload_source_last_success_timestamp_seconds",
      "gauge",
      "When a request to a remote config source last succeeded, in seconds since the epoch; 0 if never.",
      sources.map(({ name, stats }) => [
        { source: name },
        stats.lastSuccessAt === null
          ? 0
          : Date.parse(stats.lastSuccessAt) / 1000,
      ]),
    );
  }
  return lines.join("\n") + "\n";
}

/** A label value escaped as the text format wants: `\\`, `\"` and `\n`. */
function escapeLabel(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(
    /"/g,
    '\\"',
  );
}

/** A HELP text escaped as the text format wants: `\\` and `\n`. */
function escapeHelp(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

/**
 * `value` well-formed (the text format is UTF-8: a lone surrogate becomes
 * U+FFFD) and at most {@linkcode MAX_LABEL_VALUE} code units: a longer one
 * keeps its start, then "…" and 16 hex digits of the SHA-256 of the whole.
 */
function boundLabel(value: string): string {
  const text = value.replace(
    /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g,
    "\uFFFD",
  );
  if (text.length <= MAX_LABEL_VALUE) return text;
  const hash = sha256Hex(text).slice(0, 16);
  return `${truncate(text, MAX_LABEL_VALUE - hash.length)}${hash}`;
}

/** An ISO 8601 time in seconds since the epoch; 0 when absent. */
const seconds = (at: string | null | undefined) =>
  at === null || at === undefined ? 0 : Date.parse(at) / 1000;

/** A sample value as the text format spells it. */
function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}

/**
 * The reload metrics of a coordinator in the Prometheus text exposition
 * format (version 0.0.4), for an application that serves its own
 * `/metrics`: append it to the application's metrics. `reloadHandler`
 * serves the same text at `<prefix>/metrics`.
 *
 * @example Serving it beside the application's own metrics
 * ```ts
 * import { AtomicConfig, Coordinator } from "@hup/reload";
 * import { metricsText } from "@hup/reload/http";
 * import assert from "node:assert/strict";
 *
 * const coordinator = new Coordinator({ configPath: "c.yaml", config: new AtomicConfig({}), load: () => ({}) });
 * await coordinator.reload();
 * const body = "# HELP app_requests_total Requests.\n# TYPE app_requests_total counter\napp_requests_total 7\n" +
 *   metricsText(coordinator);
 * assert.match(body, /^hup_reload_generation 1$/m);
 * ```
 *
 * @typeParam C The config type of a coordinator passed as such; unused.
 * @param coordinator The coordinator, or any {@linkcode ReloadView}.
 * @returns The text, ending with a newline.
 */
export function metricsText<C = unknown>(coordinator: ReloadView): string {
  const last = coordinator.lastResult();
  const stats = coordinator.stats();
  const verification = coordinator.verification();
  return renderMetrics({
    generation: coordinator.generation(),
    digest: coordinator.digest(),
    sourceDigest: sourceDigest(coordinator.digest(), verification),
    startedAt: coordinator.startedAt(),
    stats,
    lastStatus: last?.status ?? null,
    // The last pass that loaded the config: a load_failed one owes the
    // same restart as before.
    requiresRestart: stats.requires_restart.length,
    sources: sourceStats(coordinator.sources),
    verification,
    runningFromLastGood: coordinator.runningFrom() === "last_good",
    inProgress: coordinator.inProgress() !== null,
  });
}

// What the sources held when last compared: the config in effect while in
// sync, the drift's digest otherwise (null: a source could not be read);
// unknown before any comparison.
function sourceDigest(
  running: string | null,
  verification: ReturnType<Coordinator<unknown>["verification"]>,
): string | null {
  if (verification.checked_at === null) return null;
  return verification.drift === null ? running : verification.drift.digest;
}

// A counter as a source gave it: anything but a number counts as 0.
const count = (n: unknown) => typeof n === "number" ? n : 0;

// The counters of the sources that keep some; a source whose stats() throws
// is left out rather than costing the scrape.
function sourceStats(
  sources: readonly { name: string; stats?(): SourceStats }[],
): { name: string; stats: SourceStats }[] {
  return sources.flatMap((source) => {
    if (typeof source.stats !== "function") return [];
    try {
      return [{ name: source.name, stats: source.stats() }];
    } catch {
      return [];
    }
  });
}
