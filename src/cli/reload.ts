import { POST_STATUS } from "../http_common.ts";
import type { ReloadResult } from "../result.ts";
import { readAnswer } from "./answer.ts";
import { type ClientArgs, readClientArgs } from "./client.ts";
import { CliError } from "./errors.ts";
import { ExitCode, exitCodeOf } from "./exit_codes.ts";
import { askEach, askOne, type Outcome, printFleet, rolling } from "./fleet.ts";
import { formatResult, printable } from "./format.ts";
import { RELOAD_HELP } from "./help.ts";
import type { CliIo } from "./io.ts";
import { type Ask, exchange } from "./request.ts";
import { isReloadResult, isStatusBody } from "./result_shape.ts";

/** How long `reload` waits for the verdict by default, in seconds. */
export const RELOAD_TIMEOUT = 60;

/**
 * `hup-reload reload --url <admin url>`: POSTs to the reload handler, which
 * runs a pass and answers when it ends, and reports the result; the exit
 * code says how the pass ended, or why there is no verdict. It agrees with
 * the HTTP status: 200 `full_success` exits 0, 500 `partial_applied` 10,
 * 422 `validation_failed` 11 and `load_failed` 12, and a result whose
 * status does not go with the HTTP one exits 76 (protocol).
 *
 * With `--dry-run` it first reads the status, to make sure the service
 * knows dry runs (one that does not would run a pass for `?dry_run=1`),
 * then POSTs with `?dry_run=1`: a dry run, which applies nothing, exits 0
 * for 200 `would_apply`, and 11 or 12 as a reload would for the failures;
 * an answer that is not a dry run's (or, without `--dry-run`, one that is)
 * exits 76. Both requests together are bounded by `--timeout`.
 *
 * @param args The arguments after `reload`.
 * @param io The process.
 * @returns The exit code of the pass's status.
 * @throws {CliError} For a bad command line or token, an unreachable
 *   service, a refusal, a timeout, an answer that is not a result, or
 *   `--dry-run` to a service that does not know dry runs.
 */
export async function reload(
  args: readonly string[],
  io: CliIo,
): Promise<ExitCode> {
  const asked = await readClientArgs("reload", args, io, RELOAD_TIMEOUT);
  if (asked === "help") {
    io.stdout(RELOAD_HELP);
    return ExitCode.Ok;
  }
  if (asked.fleet) return await reloadFleet(asked, io);
  const { dryRun } = asked;
  const result = await reloadOnce(io, asked, dryRun);
  io.stdout(
    asked.json
      ? `${JSON.stringify(result, null, 2)}\n`
      : `${dryRun ? "dry run" : "reload"}: ${
        formatResult(result).join("\n")
      }\n`,
  );
  return exitCodeOf(result.status);
}

/**
 * Asks one service for a pass (or, with `dryRun`, a dry run) and reads its
 * result, with every check `reload` makes: a dry run only of a service that
 * knows them, the answer's kind and HTTP status agreeing with the result.
 *
 * @param io The process.
 * @param target The handler's URL, the token, and how long both requests
 *   together may take.
 * @param dryRun Whether to ask for a dry run.
 * @returns The result.
 * @throws {CliError} As {@linkcode reload} does for one service.
 */
export async function reloadOnce(
  io: CliIo,
  target: Pick<Ask, "url" | "token" | "timeoutMs">,
  dryRun: boolean,
): Promise<ReloadResult> {
  const { token } = target;
  let { url, timeoutMs } = target;
  if (dryRun) {
    const started = Date.now();
    await checkDryRuns(io, { url, token, timeoutMs });
    timeoutMs = Math.max(1, timeoutMs - (Date.now() - started));
    url = new URL(url);
    url.searchParams.set("dry_run", "1");
  }
  const ask = {
    method: "POST",
    url,
    token,
    timeoutMs,
    doing: dryRun ? "run a dry run" : "reload",
  } as const;
  const answer = await exchange(io, ask);
  const result: ReloadResult = readAnswer(
    answer,
    ask,
    [200, 422, 500],
    isReloadResult,
    "a reload result",
  );
  // The exit code agrees with the HTTP status: a body that says
  // full_success under a 500 (a proxy's rewrite, another server) is not the
  // handler's answer, and neither verdict can be trusted.
  if ((result.dry_run === true) !== dryRun) {
    throw new CliError(
      ExitCode.Protocol,
      `Cannot ${ask.doing} as the answer is ${
        dryRun ? "not a dry run's" : "a dry run's, not a pass's"
      } result (status ${result.status}), so it is not the answer to this request: ${
        printable(url.href)
      }`,
    );
  }
  const expected = POST_STATUS[result.status];
  if (answer.status !== expected) {
    throw new CliError(
      ExitCode.Protocol,
      `Cannot reload as the answer's HTTP status ${answer.status} does not agree with the result it holds (${result.status}, which the handler answers with ${expected}), so the outcome is unknown; see hup-reload status: ${
        printable(url.href)
      }`,
    );
  }
  return result;
}

// A service that predates dry runs ignores `?dry_run=1` and runs a pass:
// its status, which has no `in_progress`, gives it away before anything is
// asked of it.
async function checkDryRuns(
  io: CliIo,
  ask: Pick<Ask, "url" | "token" | "timeoutMs">,
): Promise<void> {
  const read = { ...ask, method: "GET", doing: "run a dry run" } as const;
  const body = readAnswer(
    await exchange(io, read),
    read,
    [200],
    isStatusBody,
    "a reload status",
  );
  if (body.in_progress === undefined) {
    throw new CliError(
      ExitCode.Protocol,
      `Cannot run a dry run as the service does not offer them (its status has no in_progress): it would run a real pass instead; nothing was asked of it: ${
        printable(ask.url.href)
      }`,
    );
  }
}

/**
 * `reload` of many services: each asked as one would be, at most
 * `--parallel` at a time, or with `--rolling`, `--batch` at a time in
 * order, stopping after the first batch in which one did not end
 * `full_success` (or, with `--dry-run`, `would_apply`).
 */
async function reloadFleet(
  asked: ClientArgs,
  io: CliIo,
): Promise<ExitCode> {
  const startedAt = performance.now();
  const { token, timeoutMs, dryRun } = asked;
  const ask = (url: URL): Promise<Outcome> =>
    askOne(url, async () => {
      const result = await reloadOnce(io, { url, token, timeoutMs }, dryRun);
      return {
        exit_code: exitCodeOf(result.status),
        outcome: result.status,
        generation: result.generation,
        config_digest: result.config_digest ?? null,
        drift: null,
        answer: result,
      };
    });
  const command = dryRun ? "dry run" : "reload";
  if (asked.rolling !== undefined) {
    const { outcomes, stopped } = await rolling(
      asked.urls,
      asked.rolling,
      asked.parallel,
      ask,
    );
    return printFleet(io, command, outcomes, asked.json, startedAt, {
      stopped,
    });
  }
  const outcomes = await askEach(asked.urls, asked.parallel, ask);
  return printFleet(io, command, outcomes, asked.json, startedAt);
}
