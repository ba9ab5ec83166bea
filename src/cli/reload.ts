import { POST_STATUS } from "../http_common.ts";
import type { ReloadResult } from "../result.ts";
import { readAnswer } from "./answer.ts";
import { readClientArgs } from "./client.ts";
import { CliError } from "./errors.ts";
import { ExitCode, exitCodeOf } from "./exit_codes.ts";
import { formatResult, printable } from "./format.ts";
import { RELOAD_HELP } from "./help.ts";
import type { CliIo } from "./io.ts";
import { exchange } from "./request.ts";
import { isReloadResult } from "./result_shape.ts";

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
 * @param args The arguments after `reload`.
 * @param io The process.
 * @returns The exit code of the pass's status.
 * @throws {CliError} For a bad command line or token, an unreachable
 *   service, a refusal, a timeout or an answer that is not a result.
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
  const { url, token, timeoutMs } = asked;
  const ask = {
    method: "POST",
    url,
    token,
    timeoutMs,
    doing: "reload",
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
  const expected = POST_STATUS[result.status];
  if (answer.status !== expected) {
    throw new CliError(
      ExitCode.Protocol,
      `Cannot reload as the answer's HTTP status ${answer.status} does not agree with the result it holds (${result.status}, which the handler answers with ${expected}), so the outcome is unknown; see hup-reload status: ${
        printable(url.href)
      }`,
    );
  }
  io.stdout(
    asked.json
      ? `${JSON.stringify(result, null, 2)}\n`
      : `reload: ${formatResult(result).join("\n")}\n`,
  );
  return exitCodeOf(result.status);
}
