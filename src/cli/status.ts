import { readAnswer } from "./answer.ts";
import { readClientArgs } from "./client.ts";
import { ExitCode, exitCodeOf } from "./exit_codes.ts";
import { formatResult, printable } from "./format.ts";
import { STATUS_HELP } from "./help.ts";
import type { CliIo } from "./io.ts";
import { exchange } from "./request.ts";
import { isStatusBody } from "./result_shape.ts";

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
  const { url, token, timeoutMs } = asked;
  const ask = {
    method: "GET",
    url,
    token,
    timeoutMs,
    doing: "read the status",
  } as const;
  const body = readAnswer(
    await exchange(io, ask),
    ask,
    [200],
    isStatusBody,
    "a reload status",
  );
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
  // A service running a config that is not its source's fails the check,
  // as a load_failed pass would, whatever the last pass said.
  if (body.drift !== undefined && body.drift !== null) {
    return ExitCode.LoadFailed;
  }
  return last === null ? ExitCode.Ok : exitCodeOf(last.status);
}
