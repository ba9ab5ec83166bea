// Many services from one command: the bounded fan-out, the rolling order,
// one line per service, the summary and the exit code that reports them all.
import { escapeControls, renderError, truncate } from "../render.ts";
import { CliError } from "./errors.ts";
import { ExitCode } from "./exit_codes.ts";
import { printable } from "./format.ts";
import type { CliIo } from "./io.ts";

/** The default of `--parallel`: how many services are asked at once. */
export const DEFAULT_PARALLEL = 8;
/** The most `--parallel` accepts. */
export const MAX_PARALLEL = 64;
/** The longest URL shown on a service's line, in code units. */
const MAX_URL_SHOWN = 256;
/** The longest error shown on a service's line, in code units. */
const MAX_ERROR_SHOWN = 512;
/** The longest digest, time or outcome shown, in code units. */
const MAX_FIELD_SHOWN = 128;

/** A field a service answered, made safe and short to print. */
function field(text: string): string {
  return escapeControls(truncate(text, MAX_FIELD_SHOWN));
}

/** What became of one service: its line, and its entry in `--json`. */
export interface Outcome {
  /** The handler's URL. */
  url: string;
  /** The exit code the command would have exited with for this one alone. */
  exit_code: ExitCode;
  /**
   * The pass's status (`full_success`, ...), `none` for a status before any
   * pass, `not_asked` for a service a rolling reload did not reach, or what
   * kept a verdict from coming: `unavailable`, `timeout`, `protocol`,
   * `refused`, `no_input`, `error`.
   */
  outcome: string;
  /** The generation in effect, when the service answered. */
  generation: number | null;
  /** The digest of its config, when it answered with one. */
  config_digest: string | null;
  /** `status` only: since when its sources differ, and what they hold. */
  drift: { since: string; digest: string | null } | null;
  /** How long asking it took, in milliseconds. */
  ms: number;
  /** Why there is no verdict: the error, as one service's command prints it. */
  error?: string;
  /** What the service answered: the result, or the status. */
  answer?: unknown;
}

const ERROR_WORDS: Readonly<Record<number, string>> = {
  [ExitCode.NoInput]: "no_input",
  [ExitCode.Unavailable]: "unavailable",
  [ExitCode.Software]: "error",
  [ExitCode.Timeout]: "timeout",
  [ExitCode.Protocol]: "protocol",
  [ExitCode.NoPermission]: "refused",
};

/**
 * The exit code that reports several services: the largest of theirs.
 * The codes are ordered so that the largest is the worst: 0 (done) below
 * a pass's failures (10 to 12, each leaving the service on a config that
 * is known), below every code that means no verdict came (69 to 77: the
 * service's state is unknown), and among those the ones an operator must
 * fix (76, a wrong address; 77, a refused token) above the passing ones
 * (69, 75).
 *
 * @param codes Each service's exit code.
 * @returns The worst, or 0 for none.
 */
export function worstExitCode(codes: Iterable<ExitCode>): ExitCode {
  let worst: ExitCode = ExitCode.Ok;
  for (const code of codes) if (code > worst) worst = code;
  return worst;
}

/**
 * Asks one service, turning its failure into its outcome: one service's
 * error never stops the others.
 *
 * @param url The handler's URL.
 * @param ask Asks it; throws a {@linkcode CliError} for no verdict.
 * @returns Its outcome.
 */
export async function askOne(
  url: URL,
  ask: () => Promise<Omit<Outcome, "url" | "ms">>,
): Promise<Outcome> {
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  try {
    const got = await ask();
    return { url: url.href, ...got, ms: ms() };
  } catch (error) {
    const code = error instanceof CliError ? error.code : ExitCode.Software;
    const message = error instanceof CliError
      ? error.message
      : `Cannot finish as the command failed unexpectedly: ${
        renderError(error)
      }`;
    return {
      url: url.href,
      exit_code: code,
      outcome: ERROR_WORDS[code] ?? "error",
      generation: null,
      config_digest: null,
      drift: null,
      ms: ms(),
      error: message,
    };
  }
}

/**
 * Asks every service, at most `parallel` at a time, and keeps their order.
 *
 * @param urls The services.
 * @param parallel How many at once (`--parallel`).
 * @param ask Asks one; never throws (see {@linkcode askOne}).
 * @returns Their outcomes, in the order of `urls`.
 */
export async function askEach(
  urls: readonly URL[],
  parallel: number,
  ask: (url: URL) => Promise<Outcome>,
): Promise<Outcome[]> {
  const outcomes: Outcome[] = new Array(urls.length);
  let next = 0;
  const worker = async () => {
    while (next < urls.length) {
      const i = next++;
      outcomes[i] = await ask(urls[i]);
    }
  };
  await Promise.all(
    Array.from({ length: Math.min(parallel, urls.length) }, worker),
  );
  return outcomes;
}

/**
 * Asks the services `batch` at a time, in order, and stops after the first
 * batch in which one did not end with 0: the rest are not asked at all.
 *
 * @param urls The services.
 * @param batch How many at a time (`--batch`).
 * @param parallel How many of a batch are asked at once (`--parallel`).
 * @param ask Asks one; never throws.
 * @returns Every service's outcome, `not_asked` for those never reached,
 *   and whether it stopped early.
 */
export async function rolling(
  urls: readonly URL[],
  batch: number,
  parallel: number,
  ask: (url: URL) => Promise<Outcome>,
): Promise<{ outcomes: Outcome[]; stopped: boolean }> {
  const outcomes: Outcome[] = [];
  for (let at = 0; at < urls.length; at += batch) {
    const done = await askEach(urls.slice(at, at + batch), parallel, ask);
    outcomes.push(...done);
    if (done.some((o) => o.exit_code !== ExitCode.Ok)) {
      for (const url of urls.slice(at + batch)) {
        outcomes.push({
          url: url.href,
          exit_code: ExitCode.Ok,
          outcome: "not_asked",
          generation: null,
          config_digest: null,
          drift: null,
          ms: 0,
        });
      }
      return { outcomes, stopped: at + batch < urls.length };
    }
  }
  return { outcomes, stopped: false };
}

/** A URL from the operator's list, made safe and short to print. */
export function shownUrl(href: string): string {
  return escapeControls(truncate(href, MAX_URL_SHOWN));
}

/**
 * One service's line: its URL, outcome (and exit code when not 0),
 * generation, digest, drift and time, then the error, if any.
 *
 * @param o The outcome.
 * @returns The line, without a newline.
 */
export function formatOutcome(o: Outcome): string {
  const parts = [
    o.exit_code === ExitCode.Ok
      ? field(o.outcome)
      : `${field(o.outcome)} (${o.exit_code})`,
  ];
  if (o.outcome === "not_asked") {
    return `${
      shownUrl(o.url)
    }: not asked (the rolling reload stopped before it)`;
  }
  if (o.generation !== null) parts.push(`generation ${o.generation}`);
  if (o.config_digest !== null) {
    parts.push(`config ${field(o.config_digest)}`);
  }
  if (o.drift !== null) {
    parts.push(
      `drift since ${field(o.drift.since)} (${
        o.drift.digest === null
          ? "a source cannot be read"
          : `the source holds ${field(o.drift.digest)}`
      })`,
    );
  }
  parts.push(`${o.ms} ms`);
  const error = o.error === undefined ? "" : `: ${
    // The error ends with the URL the line starts with.
    escapeControls(
      truncate(
        o.error.endsWith(`: ${printable(o.url)}`)
          ? o.error.slice(0, -(printable(o.url).length + 2))
          : o.error,
        MAX_ERROR_SHOWN,
      ),
    )}`;
  return `${shownUrl(o.url)}: ${parts.join(", ")}${error}`;
}

/** What the summary adds to the counts. */
export interface SummaryNote {
  /** A rolling reload that stopped early. */
  stopped?: boolean;
  /** A wait: what for, whether it was met, and after how many rounds. */
  wait?: { for: string; met: boolean; rounds: number };
}

/**
 * Prints every service's line (or, with `json`, one JSON document holding
 * the outcomes and the summary) and returns the exit code.
 *
 * @param io The process.
 * @param command `reload`, `dry run` or `status`, for the summary.
 * @param outcomes Every service's outcome, in order.
 * @param json Whether to print JSON.
 * @param startedAt When the command started asking (`performance.now()`).
 * @param note What a rolling reload or a wait adds.
 * @param exitCode The exit code, when not the worst of the outcomes'.
 * @returns The exit code.
 */
export function printFleet(
  io: CliIo,
  command: string,
  outcomes: readonly Outcome[],
  json: boolean,
  startedAt: number,
  note: SummaryNote = {},
  exitCode: ExitCode = worstExitCode(outcomes.map((o) => o.exit_code)),
): ExitCode {
  const counts: Record<string, number> = {};
  for (const o of outcomes) counts[o.outcome] = (counts[o.outcome] ?? 0) + 1;
  const ms = Math.round(performance.now() - startedAt);
  if (json) {
    const summary = {
      targets: outcomes.length,
      exit_code: exitCode,
      outcomes: counts,
      ms,
      ...(note.stopped === undefined ? {} : { stopped: note.stopped }),
      ...(note.wait === undefined ? {} : { wait: note.wait }),
    };
    io.stdout(`${JSON.stringify({ targets: outcomes, summary }, null, 2)}\n`);
    return exitCode;
  }
  const lines = outcomes.map(formatOutcome);
  const tally = Object.entries(counts).map(([outcome, n]) =>
    `${n} ${printable(outcome)}`
  ).join(", ");
  let extra = "";
  if (note.stopped) extra += "; stopped at the first failure";
  if (note.wait !== undefined) {
    extra += note.wait.met
      ? `; ${note.wait.for} after ${note.wait.rounds} round${
        note.wait.rounds === 1 ? "" : "s"
      }`
      : `; not ${note.wait.for} within --timeout (${note.wait.rounds} round${
        note.wait.rounds === 1 ? "" : "s"
      })`;
  }
  lines.push(
    `${command}: ${outcomes.length} target${
      outcomes.length === 1 ? "" : "s"
    }: ${tally}${extra}; exit ${exitCode}; ${ms} ms`,
  );
  io.stdout(`${lines.join("\n")}\n`);
  return exitCode;
}
