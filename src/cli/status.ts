import { readAnswer } from "./answer.ts";
import { type ClientArgs, readClientArgs } from "./client.ts";
import { ExitCode, exitCodeOf } from "./exit_codes.ts";
import {
  askEach,
  askOne,
  type Outcome,
  printFleet,
  worstExitCode,
} from "./fleet.ts";
import { formatResult, printable } from "./format.ts";
import { STATUS_HELP } from "./help.ts";
import type { CliIo } from "./io.ts";
import { type Ask, exchange } from "./request.ts";
import { isStatusBody, type StatusBody } from "./result_shape.ts";

/** How long `status` waits by default, in seconds. */
export const STATUS_TIMEOUT = 10;

/**
 * `hup-reload status --url <admin url>`: GETs the handler's status and
 * reports the generation, the pass in progress, the drift and the last
 * pass. Exits as a reload
 * ending with the last pass's status would (0 before the first pass), and
 * 12 while the sources differ from the config in effect, so a monitoring
 * check fails exactly while the last reload has failed or the service runs
 * a config that is not its source's.
 *
 * @param args The arguments after `status`.
 * @param io The process.
 * @returns The exit code of the last pass's status.
 * @throws {CliError} For a bad command line or token, an unreachable
 *   service, a refusal, a timeout or an answer that is not a status.
 */
export async function status(
  args: readonly string[],
  io: CliIo,
): Promise<ExitCode> {
  const asked = await readClientArgs("status", args, io, STATUS_TIMEOUT);
  if (asked === "help") {
    io.stdout(STATUS_HELP);
    return ExitCode.Ok;
  }
  if (asked.fleet) return await statusFleet(asked, io);
  const body = await readStatus(io, asked);
  const last = body.last_result;
  if (asked.json) {
    io.stdout(`${JSON.stringify(body, null, 2)}\n`);
  } else {
    const digest = body.config_digest === null
      ? ""
      : `, config ${printable(body.config_digest)}`;
    const drift = body.drift ?? null;
    const running = body.in_progress ?? null;
    io.stdout(
      `generation ${body.generation}${digest}\n${
        running === null
          ? ""
          : `in progress: ${
            running.dry_run ? "a dry run" : "a reload pass"
          }, triggered by ${printable(running.trigger)}, since ${
            printable(running.started_at)
          }\n`
      }${
        drift === null
          ? ""
          : `drift: the source differs from the running config since ${
            printable(drift.since)
          }: ${
            drift.digest === null
              ? "a source cannot be read"
              : `the source holds ${printable(drift.digest)}`
          }\n`
      }last reload: ${
        last === null
          ? "none since start-up"
          : `${formatResult(last).join("\n")}\n  ended: ${
            printable(last.ended_at)
          }`
      }\n`,
    );
  }
  return statusExitCode(body);
}

/**
 * GETs one service's status.
 *
 * @param io The process.
 * @param target The handler's URL, the token, and how long it may take.
 * @returns The status.
 * @throws {CliError} As {@linkcode status} does.
 */
export async function readStatus(
  io: CliIo,
  target: Pick<Ask, "url" | "token" | "timeoutMs">,
): Promise<StatusBody> {
  const ask = { ...target, method: "GET", doing: "read the status" } as const;
  return readAnswer(
    await exchange(io, ask),
    ask,
    [200],
    isStatusBody,
    "a reload status",
  );
}

/**
 * The exit code a status reports: the last pass's, 0 before the first,
 * and 12 while drifting.
 *
 * @param body The status.
 * @returns The code.
 */
export function statusExitCode(body: StatusBody): ExitCode {
  // A service running a config that is not its source's fails the check,
  // as a load_failed pass would, whatever the last pass said.
  if (body.drift !== undefined && body.drift !== null) {
    return ExitCode.LoadFailed;
  }
  const last = body.last_result;
  return last === null ? ExitCode.Ok : exitCodeOf(last.status);
}

/**
 * `status` of many services: each read as one would be, at most
 * `--parallel` at a time. With `--wait-digest` or `--wait-converged`, read
 * again every `--interval` until the condition holds or `--timeout` ends
 * the wait (75).
 */
async function statusFleet(asked: ClientArgs, io: CliIo): Promise<ExitCode> {
  const startedAt = performance.now();
  const { token, wait } = asked;
  const deadline = startedAt + asked.timeoutMs;
  const readAll = () =>
    askEach(asked.urls, asked.parallel, (url) =>
      askOne(url, async () => {
        // Each read within what is left of the wait; 1 ms at least, so a
        // round at the deadline still ends.
        const timeoutMs = wait === undefined
          ? asked.timeoutMs
          : Math.max(1, Math.round(deadline - performance.now()));
        const body = await readStatus(io, { url, token, timeoutMs });
        return {
          exit_code: statusExitCode(body),
          outcome: body.last_result?.status ?? "none",
          generation: body.generation,
          config_digest: body.config_digest,
          drift: body.drift ?? null,
          answer: body,
        };
      }));
  if (wait === undefined) {
    return printFleet(io, "status", await readAll(), asked.json, startedAt);
  }
  const what = wait.digest === undefined ? "converged" : `on ${wait.digest}`;
  // The last round that the deadline did not cut short, for the report.
  let whole: { outcomes: Outcome[]; rounds: number } | undefined;
  for (let rounds = 1;; rounds++) {
    const outcomes = await readAll();
    if (holds(outcomes, wait.digest)) {
      return printFleet(io, "status", outcomes, asked.json, startedAt, {
        wait: { for: what, met: true, rounds },
      });
    }
    if (performance.now() < deadline) {
      whole = { outcomes, rounds };
      await pause(io, Math.min(wait.intervalMs, deadline - performance.now()));
    }
    if (performance.now() >= deadline) {
      // A round that ran into the deadline holds reads cut short by it
      // (timeouts of a few ms): the whole round before says more.
      const shown = whole ?? { outcomes, rounds };
      return printFleet(
        io,
        "status",
        shown.outcomes,
        asked.json,
        startedAt,
        { wait: { for: what, met: false, rounds } },
        worstExitCode([
          ExitCode.Timeout,
          ...shown.outcomes.map((o) => o.exit_code),
        ]),
      );
    }
  }
}

/**
 * Whether every service answered with `digest` (or, without one, all with
 * one digest) and none drifts.
 */
function holds(outcomes: readonly Outcome[], digest?: string): boolean {
  const first = outcomes[0]?.config_digest ?? null;
  const want = digest ?? first;
  return want !== null &&
    outcomes.every((o) =>
      o.answer !== undefined && o.config_digest === want && o.drift === null
    );
}

function pause(io: CliIo, ms: number): Promise<void> {
  return new Promise((resolve) => io.setTimeout(resolve, ms));
}
