import type { ReloadResult } from "../result.ts";
import { readAnswer } from "./answer.ts";
import { readClientArgs } from "./client.ts";
import { ExitCode, exitCodeOf } from "./exit_codes.ts";
import { formatResult } from "./format.ts";
import { RELOAD_HELP } from "./help.ts";
import type { CliIo } from "./io.ts";
import { exchange } from "./request.ts";
import { isReloadResult } from "./result_shape.ts";

/** How long `reload` waits for the verdict by default, in seconds. */
export const RELOAD_TIMEOUT = 60;

/**
 * `hup-reload reload --url <admin url>`: POSTs to the reload handler, which
 * runs a pass and answers when it ends, and reports the result; the exit
 * code says how the pass ended, or why there is no verdict.
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
  const result: ReloadResult = readAnswer(
    await exchange(io, ask),
    ask,
    [200, 422, 500],
    isReloadResult,
    "a reload result",
  );
  io.stdout(
    asked.json
      ? `${JSON.stringify(result, null, 2)}\n`
      : `reload: ${formatResult(result).join("\n")}\n`,
  );
  return exitCodeOf(result.status);
}
