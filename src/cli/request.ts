import { fetchFailure } from "../fetch_errors.ts";
import { readBody } from "../http_body.ts";
import { renderError } from "../render.ts";
import { CliError } from "./errors.ts";
import { ExitCode } from "./exit_codes.ts";
import { printable } from "./format.ts";
import type { CliIo } from "./io.ts";
import type { Token } from "./token.ts";

/** The largest response body read, in bytes: a result is a few KiB. */
export const MAX_RESPONSE: number = 1024 * 1024;

/** What came back: the status, the content type and the body's text. */
export interface Answer {
  /** The HTTP status. */
  status: number;
  /** The `Content-Type`, or "". */
  contentType: string;
  /** The `Location` of a redirect, or "". */
  location: string;
  /** The body, at most {@linkcode MAX_RESPONSE} bytes, as UTF-8. */
  body: string;
}

/** What to ask. */
export interface Ask {
  /** `GET` (the status) or `POST` (a pass). */
  method: "GET" | "POST";
  /** The handler's address. */
  url: URL;
  /** The bearer token, if any. */
  token: Token;
  /** How long the whole exchange may take, in milliseconds. */
  timeoutMs: number;
  /** What the command does, for messages: `reload`, `read the status`. */
  doing: string;
}

/**
 * Sends one request and reads the whole answer, all within the deadline;
 * redirects are not followed (the token would go along).
 *
 * @param io The process (its fetch and timers).
 * @param ask The request.
 * @returns The answer.
 * @throws {CliError} {@linkcode ExitCode.Timeout} when the deadline passes,
 *   {@linkcode ExitCode.Unavailable} when the service cannot be reached,
 *   {@linkcode ExitCode.NoPermission} when Deno does not permit the
 *   connection, {@linkcode ExitCode.Protocol} when the body is too large.
 */
export async function exchange(io: CliIo, ask: Ask): Promise<Answer> {
  const controller = new AbortController();
  let timedOut = false;
  const timer = io.setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, ask.timeoutMs);
  const where = printable(ask.url.href);
  const headers: Record<string, string> = { accept: "application/json" };
  if (ask.token.value !== undefined) {
    headers.authorization = `Bearer ${ask.token.value}`;
  }
  try {
    const response = await io.fetch(ask.url, {
      method: ask.method,
      headers,
      redirect: "manual",
      signal: controller.signal,
    });
    const body = await readText(response, where, ask.doing);
    return {
      status: response.status,
      contentType: response.headers.get("content-type") ?? "",
      location: response.headers.get("location") ?? "",
      body,
    };
  } catch (error) {
    if (error instanceof CliError) throw error;
    if (timedOut) {
      const seconds = ask.timeoutMs / 1000;
      throw new CliError(
        ExitCode.Timeout,
        `Cannot ${ask.doing} as no answer came within ${seconds} s (--timeout)${
          ask.method === "POST"
            ? "; the pass may still be running, see hup-reload status"
            : ""
        }: ${where}`,
      );
    }
    throw unreachable(error, ask.url, ask.doing);
  } finally {
    io.clearTimeout(timer);
  }
}

async function readText(
  response: Response,
  where: string,
  doing: string,
): Promise<string> {
  const bytes = await readBody(response, MAX_RESPONSE);
  if (bytes === undefined) {
    throw new CliError(
      ExitCode.Protocol,
      `Cannot ${doing} as the answer is larger than ${MAX_RESPONSE} bytes, so not a reload result: ${where}`,
    );
  }
  return new TextDecoder().decode(bytes);
}

/** The error for a request that got no answer, by what the runtime said. */
function unreachable(error: unknown, url: URL, doing: string): CliError {
  const where = printable(url.href);
  const name = field(error, "name");
  if (name === "NotCapable" || name === "PermissionDenied") {
    return new CliError(
      ExitCode.NoPermission,
      `Cannot ${doing} as connecting is not permitted (with Deno, allow it with --allow-net=${
        printable(url.host)
      }): ${where}`,
    );
  }
  // The words for a known failure; otherwise its code, or what the runtime
  // said (of the operator's own URL).
  const failure = fetchFailure(error);
  const reason = failure.words ??
    `the connection failed (${
      failure.code ??
        printable(renderError(error, 256)).replace(/\s+/g, " ")
    })`;
  return new CliError(
    ExitCode.Unavailable,
    `Cannot ${doing} as ${reason} (is the service running?): ${where}`,
  );
}

function field(value: unknown, key: string): unknown {
  try {
    return typeof value === "object" && value !== null
      ? (value as Record<string, unknown>)[key]
      : undefined;
  } catch {
    return undefined;
  }
}
