import type { ReloadStats } from "./stats.ts";

/** What the metrics are rendered from. */
export interface MetricsInput {
  generation: number;
  stats: ReloadStats;
  lastStatus: string | null;
  requiresRestart: number;
}

/**
 * Renders the reload metrics in the Prometheus text exposition format
 * (version 0.0.4), every family with `# HELP` and `# TYPE`.
 *
 * @param input The coordinator's state.
 * @returns The text, ending with a newline.
 */
export function renderMetrics(input: MetricsInput): string {
  const { generation, stats, lastStatus, requiresRestart } = input;
  const lines: string[] = [];
  const family = (
    name: string,
    type: "gauge" | "counter",
    help: string,
    samples: [labels: Record<string, string>, value: number][],
  ) => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of samples) {
      const rendered = Object.entries(labels)
        .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
        .join(",");
      lines.push(`${name}${rendered === "" ? "" : `{${rendered}}`} ${value}`);
    }
  };
  family(
    "hup_reload_generation",
    "gauge",
    "Generation of the config in effect; advances on every pass that swaps a config in.",
    [[{}, generation]],
  );
  family(
    "hup_reload_passes_total",
    "counter",
    "Finished reload passes by status.",
    Object.entries(stats.passes).map(([status, n]) => [{ status }, n]),
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
    "When the last fully successful pass ended, in seconds since the epoch; 0 if none.",
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
  return lines.join("\n") + "\n";
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(
    /"/g,
    '\\"',
  );
}
