import { isLoopbackHost } from "../http_common.ts";
import { readArgs, readTimeout, readUrl, usageError } from "./args.ts";
import { printable } from "./format.ts";
import type { CliIo } from "./io.ts";
import { findToken, type Token } from "./token.ts";

/** The options `reload` and `status` share. */
export const CLIENT_OPTIONS = {
  url: { type: "string" },
  "token-file": { type: "string" },
  "token-env": { type: "string" },
  timeout: { type: "string" },
  json: { type: "boolean" },
  insecure: { type: "boolean" },
} as const;

/** What `reload` and `status` were asked, read and checked. */
export interface ClientArgs {
  /** The handler's URL. */
  url: URL;
  /** The bearer token, and where it came from. */
  token: Token;
  /** How long to wait for the answer. */
  timeoutMs: number;
  /** Whether to print JSON. */
  json: boolean;
  /** `reload` only: whether to ask for a dry run. */
  dryRun: boolean;
}

/**
 * Reads the command line of a command that talks to the handler: its URL,
 * token (from a file or a variable, never the command line), timeout and
 * output format, and for `reload`, `--dry-run`.
 *
 * A token is never sent in clear across a network: with a token (from any
 * source), an `http:` URL must name a loopback host (`localhost`,
 * `127.0.0.0/8`, `[::1]`) unless `--insecure` is given. Without a token,
 * plain `http:` goes anywhere.
 *
 * @param command `reload` or `status`, for messages.
 * @param args The arguments after the command.
 * @param io The process.
 * @param defaultTimeout The timeout when none is given, in seconds.
 * @returns The arguments, or `"help"` when `--help` was asked.
 * @throws {CliError} For a bad command line or token; with exit code 64
 *   (usage) for a token that would go in clear to a host that is not
 *   loopback.
 */
export async function readClientArgs(
  command: "reload" | "status",
  args: readonly string[],
  io: CliIo,
  defaultTimeout: number,
): Promise<ClientArgs | "help"> {
  const options = command === "reload"
    ? { ...CLIENT_OPTIONS, "dry-run": { type: "boolean" } } as const
    : CLIENT_OPTIONS;
  const { values, help } = readArgs(command, args, options, {
    min: 0,
    max: 0,
    name: "argument",
  });
  if (help) return "help";
  const url = readUrl(command, values.url as string | undefined);
  const timeoutMs = readTimeout(
    command,
    values.timeout as string | undefined,
    defaultTimeout,
  );
  const token = await findToken(
    command,
    io,
    values["token-file"] as string | undefined,
    values["token-env"] as string | undefined,
    timeoutMs,
  );
  if (
    token.value !== undefined && url.protocol === "http:" &&
    !isLoopbackHost(url.hostname) && values.insecure !== true
  ) {
    throw usageError(
      command,
      `--url is http: to ${
        printable(url.host)
      }, which is not a loopback host, so the token from ${token.source} would cross the network in clear (use https:, or give --insecure to send it anyway)`,
    );
  }
  return {
    url,
    token,
    timeoutMs,
    json: values.json === true,
    dryRun: values["dry-run"] === true,
  };
}
