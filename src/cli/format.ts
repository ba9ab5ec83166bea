import type { ReloadResult } from "../result.ts";
import { escapeControls, truncate } from "../render.ts";

/** The longest piece of text from a response shown as is, in code units. */
const MAX_SHOWN = 4096;
/** How many failed hooks a readable result lists. */
const MAX_FAILED_SHOWN = 50;

/**
 * Text from elsewhere (a response, a path) made safe to print: at most 4
 * KiB, control characters and bidi overrides shown as `\u{..}` escapes so
 * they cannot move the cursor, recolour or reorder the terminal.
 *
 * @param text The text.
 * @param keepNewlines Whether line breaks stay (indented by the caller).
 * @returns The text to print.
 */
export function printable(text: string, keepNewlines = false): string {
  return escapeControls(truncate(text, MAX_SHOWN), keepNewlines);
}

/**
 * A pass's result for people: its status and generation on the first line,
 * then what failed (each failed hook with its error, the load error), what
 * needs a restart, what changed and the digest, one indented line each. A
 * dry run's say "would change", "would require a restart", and count its
 * checks (`passed`, `failed`).
 *
 * @param result The result.
 * @returns The lines, without final newlines.
 */
export function formatResult(result: ReloadResult): string[] {
  const ms = Date.parse(result.ended_at) - Date.parse(result.started_at);
  const extra: string[] = [`trigger ${printable(result.trigger)}`];
  if (result.triggers !== undefined) {
    const counts = Object.entries(result.triggers).map(([name, n]) =>
      `${n} ${printable(name)}`
    );
    extra.push(`answered ${counts.join(", ")}`);
  }
  if (Number.isFinite(ms) && ms >= 0) extra.push(`${ms} ms`);
  const swapped = result.status === "full_success" ||
    result.status === "partial_applied";
  // A dry run's outcomes are its checks': `skipped` is one that passed.
  const dry = result.dry_run === true;
  const lines = [
    `${result.status}, generation ${result.generation}${
      swapped ? "" : " (unchanged)"
    } (${extra.join(", ")})`,
  ];
  if (result.outcomes.length > 0) {
    const counts = new Map<string, number>();
    for (const o of result.outcomes) {
      const status = dry && o.status === "skipped" ? "passed" : o.status;
      counts.set(status, (counts.get(status) ?? 0) + 1);
    }
    lines.push(
      `  ${dry ? "checks" : "hooks"}: ${
        [...counts].map(([status, n]) => `${n} ${printable(status)}`).join(
          ", ",
        )
      }`,
    );
    const failed = result.outcomes.filter((o) => o.status === "failed");
    for (const o of failed.slice(0, MAX_FAILED_SHOWN)) {
      lines.push(
        `  failed: ${printable(o.name)}: ${
          printable(o.error ?? "no error given")
        }`,
      );
    }
    if (failed.length > MAX_FAILED_SHOWN) {
      lines.push(`  failed: and ${failed.length - MAX_FAILED_SHOWN} more`);
    }
  }
  if (result.load_error !== undefined) {
    lines.push(
      `  load error: ${
        printable(result.load_error, true).replaceAll("\n", "\n  ")
      }`,
    );
  }
  if (result.requires_restart !== undefined) {
    lines.push(
      `  ${dry ? "would require a restart" : "requires restart"}: ${
        result.requires_restart.map((p) => printable(p)).join(", ")
      }`,
    );
  }
  if (result.changed !== undefined) {
    const more = result.changed_omitted
      ? ` and ${result.changed_omitted} more`
      : "";
    lines.push(
      `  ${dry ? "would change" : "changed"}: ${
        result.changed.length === 0
          ? "nothing"
          : result.changed.map((p) => printable(p)).join(", ") + more
      }`,
    );
  }
  if (result.config_digest !== undefined) {
    lines.push(`  config: ${printable(result.config_digest)}`);
  }
  return lines;
}
