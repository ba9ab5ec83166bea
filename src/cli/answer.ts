import { CliError } from "./errors.ts";
import { ExitCode } from "./exit_codes.ts";
import { printable } from "./format.ts";
import type { Answer, Ask } from "./request.ts";

/**
 * Reads the answer to a request as the JSON body the handler sends, or
 * says why it is not one: the token refused (401), the request not allowed
 * (403), or something that is not the reload handler (another status, a
 * redirect, a body that is not JSON of the expected shape), or the host
 * name not served (421, the handler's defence against DNS rebinding).
 *
 * @param answer What came back.
 * @param ask What was asked.
 * @param accepts The statuses whose body must be the expected JSON.
 * @param isExpected Whether a parsed body has the expected shape.
 * @param what What the body should be, for messages: `a reload result`.
 * @returns The parsed body and the raw text.
 * @throws {CliError} {@linkcode ExitCode.NoPermission} on 401, 403 and 421,
 *   {@linkcode ExitCode.Protocol} for anything else unexpected.
 */
export function readAnswer<T>(
  answer: Answer,
  ask: Ask,
  accepts: readonly number[],
  isExpected: (value: unknown) => value is T,
  what: string,
): T {
  const where = printable(ask.url.href);
  if (answer.status === 401) {
    const { token } = ask;
    throw new CliError(
      ExitCode.NoPermission,
      token.value === undefined
        ? `Cannot ${ask.doing} as the service wants a token and none was given (${token.hint}) (HTTP 401): ${where}`
        : `Cannot ${ask.doing} as the service refused the token from ${token.source} (HTTP 401): ${where}`,
    );
  }
  if (answer.status === 403) {
    throw new CliError(
      ExitCode.NoPermission,
      `Cannot ${ask.doing} as the service does not allow it (HTTP 403: ${
        firstLine(answer.body)
      }): ${where}`,
    );
  }
  if (answer.status === 421) {
    throw new CliError(
      ExitCode.NoPermission,
      `Cannot ${ask.doing} as the service does not answer to the host name in --url (HTTP 421); use a loopback address, or one of the handler's allowedHosts: ${where}`,
    );
  }
  if (answer.status >= 300 && answer.status < 400) {
    throw new CliError(
      ExitCode.Protocol,
      `Cannot ${ask.doing} as the URL redirects (HTTP ${answer.status}${
        answer.location === "" ? "" : ` to ${printable(answer.location)}`
      }); give the reload handler's own address: ${where}`,
    );
  }
  let parsed: unknown;
  let isJson = false;
  try {
    parsed = JSON.parse(answer.body);
    isJson = true;
  } catch {
    // not JSON: reported below
  }
  if (accepts.includes(answer.status) && isJson && isExpected(parsed)) {
    return parsed;
  }
  const type = answer.contentType === ""
    ? "no content type"
    : printable(answer.contentType.split(";")[0]);
  throw new CliError(
    ExitCode.Protocol,
    `Cannot ${ask.doing} as the answer is not ${what} (HTTP ${answer.status}, ${type}${
      isJson ? "" : `: ${firstLine(answer.body)}`
    }); check that --url is the reload handler's prefix, such as http://127.0.0.1:9090/-/reload: ${where}`,
  );
}

/** The start of a body's first line, safe to print. */
function firstLine(body: string): string {
  const line = body.trimStart().split("\n", 1)[0].trimEnd();
  if (line === "") return "empty body";
  return printable(line.length > 200 ? `${line.slice(0, 199)}…` : line);
}
