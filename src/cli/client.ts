import { isLoopbackHost } from "../http_common.ts";
import { readArgs, readTimeout, readUrl, usageError } from "./args.ts";
import { CliError } from "./errors.ts";
import { ExitCode } from "./exit_codes.ts";
import { DEFAULT_PARALLEL, MAX_PARALLEL } from "./fleet.ts";
import { printable } from "./format.ts";
import type { CliIo } from "./io.ts";
import { MAX_TARGETS, readTargetDefaults, readTargets } from "./targets.ts";
import { findToken, type Token } from "./token.ts";

/** The options `reload` and `status` share. */
export const CLIENT_OPTIONS = {
  url: { type: "string", multiple: true },
  targets: { type: "string" },
  scheme: { type: "string" },
  path: { type: "string" },
  parallel: { type: "string" },
  "token-file": { type: "string" },
  "token-env": { type: "string" },
  timeout: { type: "string" },
  json: { type: "boolean" },
  insecure: { type: "boolean" },
} as const;

const RELOAD_OPTIONS = {
  ...CLIENT_OPTIONS,
  "dry-run": { type: "boolean" },
  rolling: { type: "boolean" },
  batch: { type: "string" },
} as const;

const STATUS_OPTIONS = {
  ...CLIENT_OPTIONS,
  "wait-digest": { type: "string" },
  "wait-converged": { type: "boolean" },
  interval: { type: "string" },
} as const;

/** How long `status --wait-...` waits by default, in seconds. */
export const WAIT_TIMEOUT = 60;
/** How often `status --wait-...` asks by default, in seconds. */
export const WAIT_INTERVAL = 1;

/** What `reload` and `status` were asked, read and checked. */
export interface ClientArgs {
  /** The first handler's URL (the only one, unless `fleet`). */
  url: URL;
  /** Every handler's URL: `--url`s, then `--targets`', without repeats. */
  urls: URL[];
  /**
   * Whether to report per service with a summary: more than one target,
   * `--targets`, or an option only a fleet takes. Otherwise the output is
   * one service's, as it always was.
   */
  fleet: boolean;
  /** How many services are asked at once. */
  parallel: number;
  /** `reload --rolling`: how many at a time (`--batch`, 1 by default). */
  rolling?: number;
  /** `status --wait-digest` or `--wait-converged`: what to wait for. */
  wait?: { digest?: string; converged: boolean; intervalMs: number };
  /** The bearer token, and where it came from. */
  token: Token;
  /** How long to wait for the answer (for a wait: for the condition). */
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
 * plain `http:` goes anywhere. With many targets, one that breaks this
 * rule refuses the whole command before anything is sent.
 *
 * @param command `reload` or `status`, for messages.
 * @param args The arguments after the command.
 * @param io The process.
 * @param defaultTimeout The timeout when none is given, in seconds.
 * @returns The arguments, or `"help"` when `--help` was asked.
 * @throws {CliError} For a bad command line, targets file or token; with
 *   exit code 64 (usage) for a token that would go in clear to a host that
 *   is not loopback.
 */
export async function readClientArgs(
  command: "reload" | "status",
  args: readonly string[],
  io: CliIo,
  defaultTimeout: number,
): Promise<ClientArgs | "help"> {
  const options = command === "reload" ? RELOAD_OPTIONS : STATUS_OPTIONS;
  const { values, help } = readArgs(command, args, options, {
    min: 0,
    max: 0,
    name: "argument",
  });
  if (help) return "help";
  const usage = (problem: string) => usageError(command, problem);
  const given = (values.url as string[] | undefined) ?? [];
  const targetsFile = values.targets as string | undefined;
  if (given.length === 0 && targetsFile === undefined) {
    readUrl(command, undefined); // the message for a missing --url
  }
  if (given.length > MAX_TARGETS) {
    throw usage(`--url is given more than ${MAX_TARGETS} times`);
  }
  const fromUrl = given.map((u) => readUrl(command, u));
  const wait = values["wait-digest"] !== undefined ||
    values["wait-converged"] === true;
  const timeoutMs = readTimeout(
    command,
    values.timeout as string | undefined,
    wait ? WAIT_TIMEOUT : defaultTimeout,
  );
  const defaults = readTargetDefaults(
    command,
    values.scheme as string | undefined,
    values.path as string | undefined,
  );
  if (targetsFile === undefined) {
    for (const name of ["scheme", "path"]) {
      if (values[name] !== undefined) {
        throw usage(`--${name} is for the host:port targets of --targets`);
      }
    }
  }
  const parallel = readCount(
    command,
    "parallel",
    values.parallel as string | undefined,
    DEFAULT_PARALLEL,
    MAX_PARALLEL,
  );
  if (values.batch !== undefined && values.rolling !== true) {
    throw usage("--batch is for --rolling (how many at a time)");
  }
  const rolling = values.rolling === true
    ? readCount(
      command,
      "batch",
      values.batch as string | undefined,
      1,
      MAX_TARGETS,
    )
    : undefined;
  if (values["wait-digest"] !== undefined && values["wait-converged"]) {
    throw usage("--wait-digest and --wait-converged are both given");
  }
  const digest = values["wait-digest"] as string | undefined;
  if (digest !== undefined && !/^sha256:[0-9a-f]{64}$/.test(digest)) {
    throw usage("--wait-digest is not a digest such as sha256:<64 hex digits>");
  }
  if (values.interval !== undefined && !wait) {
    throw usage("--interval is for --wait-digest and --wait-converged");
  }
  const intervalMs = readInterval(
    command,
    values.interval as string | undefined,
  );
  const fromFile = targetsFile === undefined
    ? []
    : await readTargets(command, io.cwd(), targetsFile, defaults);
  // One service named twice is asked once.
  const seen = new Set<string>();
  const urls = [...fromUrl, ...fromFile].filter((u) =>
    !seen.has(u.href) && seen.add(u.href)
  );
  if (urls.length === 0) {
    throw new CliError(
      ExitCode.NoInput,
      `Cannot run ${command} as the targets file names no target: --targets ${
        printable(targetsFile ?? "")
      }`,
    );
  }
  if (urls.length > MAX_TARGETS) {
    throw usage(`--url and --targets name more than ${MAX_TARGETS} targets`);
  }
  const token = await findToken(
    command,
    io,
    values["token-file"] as string | undefined,
    values["token-env"] as string | undefined,
    timeoutMs,
  );
  if (token.value !== undefined && values.insecure !== true) {
    const exposed = urls.find((url) =>
      url.protocol === "http:" && !isLoopbackHost(url.hostname)
    );
    if (exposed !== undefined) {
      const named = fromUrl.some((u) => u.href === exposed.href)
        ? "--url is"
        : `--targets names ${printable(exposed.href)},`;
      throw usage(
        `${named} http: to ${
          printable(exposed.host)
        }, which is not a loopback host, so the token from ${token.source} would cross the network in clear (use https:, or give --insecure to send it anyway)`,
      );
    }
  }
  const fleet = urls.length > 1 || targetsFile !== undefined ||
    values.parallel !== undefined || rolling !== undefined || wait;
  return {
    url: urls[0],
    urls,
    fleet,
    parallel,
    ...(rolling === undefined ? {} : { rolling }),
    ...(wait
      ? {
        wait: { ...(digest ? { digest } : {}), converged: !digest, intervalMs },
      }
      : {}),
    token,
    timeoutMs,
    json: values.json === true,
    dryRun: values["dry-run"] === true,
  };
}

/** Reads a whole number from 1 to `max` (`--parallel`, `--batch`). */
function readCount(
  command: string,
  name: string,
  value: string | undefined,
  fallback: number,
  max: number,
): number {
  if (value === undefined) return fallback;
  const n = /^\d{1,7}$/.test(value) ? Number(value) : NaN;
  if (!(n >= 1 && n <= max)) {
    throw usageError(
      command,
      `--${name} is not a whole number from 1 to ${max}`,
    );
  }
  return n;
}

/** Reads `--interval`: from 0.05 to 60 seconds, so never a busy loop. */
function readInterval(command: string, value: string | undefined): number {
  if (value === undefined) return WAIT_INTERVAL * 1000;
  const seconds = /^\s*\d+(\.\d+)?\s*$/.test(value) ? Number(value) : NaN;
  if (!(seconds >= 0.05 && seconds <= 60)) {
    throw usageError(
      command,
      "--interval is not a number of seconds from 0.05 to 60",
    );
  }
  return Math.round(seconds * 1000);
}
