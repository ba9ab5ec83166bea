import { resolve } from "node:path";
import { describeFileError } from "../file_errors.ts";
import { readUrl, usageError } from "./args.ts";
import { CliError } from "./errors.ts";
import { ExitCode } from "./exit_codes.ts";
import { printable } from "./format.ts";
import { readBounded } from "./read_bounded.ts";

/** The most targets one command takes: a fleet, not a crawl. */
export const MAX_TARGETS = 1000;
/** The largest `--targets` file read, in bytes. */
export const MAX_TARGETS_FILE: number = 1024 * 1024;
/** The handler's path for a `file_sd` target without `__hup_reload_path__`. */
export const DEFAULT_PATH = "/-/reload";

/** How a `file_sd` target (`host:port`) becomes a handler's URL. */
export interface TargetDefaults {
  /** `http` or `https`, unless the group's `__scheme__` label says. */
  scheme: "http" | "https";
  /** The handler's path, unless `__hup_reload_path__` says. */
  path: string;
}

/**
 * Reads a `--targets` file: one handler URL a line (blank lines and lines
 * starting with `#` skipped), or, when the file starts with `[`,
 * Prometheus' `file_sd` JSON (`[{"targets": ["host:port"], "labels":
 * {...}}]`), each `host:port` made a URL with the group's `__scheme__`
 * label (else `defaults.scheme`) and its `__hup_reload_path__` label (else
 * `defaults.path`): both start with `__`, so Prometheus drops them after
 * relabelling and the scrape config can share the file.
 *
 * @param command The command, for messages.
 * @param cwd The directory a relative path resolves against.
 * @param path The file.
 * @param defaults The scheme and path for `file_sd` targets.
 * @returns The URLs, in the file's order.
 * @throws {CliError} With {@linkcode ExitCode.NoInput} when the file cannot
 *   be read, is larger than 1 MiB, or holds something that is not a target
 *   (naming the line or the group and the entry, never more of the file).
 */
export async function readTargets(
  command: string,
  cwd: string,
  path: string,
  defaults: TargetDefaults,
): Promise<URL[]> {
  const where = printable(path);
  const fail = (problem: string) =>
    new CliError(
      ExitCode.NoInput,
      `Cannot read the targets as ${problem}: --targets ${where}`,
    );
  let bytes: Uint8Array | undefined;
  try {
    bytes = await readBounded(resolve(cwd, path), MAX_TARGETS_FILE);
  } catch (error) {
    throw fail(`the file ${describeFileError(error)}`);
  }
  if (bytes === undefined) {
    throw fail(`the file is larger than ${MAX_TARGETS_FILE} bytes`);
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw fail("the file is not UTF-8 text");
  }
  const urls = text.trimStart().startsWith("[")
    ? fileSd(command, text, defaults, fail)
    : plainLines(command, text, fail);
  if (urls.length > MAX_TARGETS) {
    throw fail(`it names more than ${MAX_TARGETS} targets`);
  }
  return urls;
}

function plainLines(
  command: string,
  text: string,
  fail: (problem: string) => CliError,
): URL[] {
  const urls: URL[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === "" || line.startsWith("#")) continue;
    if (urls.length >= MAX_TARGETS) {
      throw fail(`it names more than ${MAX_TARGETS} targets`);
    }
    urls.push(asUrl(command, line, `line ${i + 1}`, fail));
  }
  return urls;
}

function fileSd(
  command: string,
  text: string,
  defaults: TargetDefaults,
  fail: (problem: string) => CliError,
): URL[] {
  let groups: unknown;
  try {
    groups = JSON.parse(text);
  } catch {
    throw fail("the file starts with [ but is not JSON (Prometheus' file_sd)");
  }
  if (!Array.isArray(groups)) {
    throw fail("the file_sd JSON is not a list of target groups");
  }
  const urls: URL[] = [];
  for (const [g, group] of groups.entries()) {
    const at = `group ${g + 1}`;
    if (typeof group !== "object" || group === null || Array.isArray(group)) {
      throw fail(`${at} is not an object`);
    }
    const { targets, labels = {} } = group as Record<string, unknown>;
    if (!Array.isArray(targets)) {
      throw fail(`${at} has no "targets" list`);
    }
    if (
      typeof labels !== "object" || labels === null || Array.isArray(labels)
    ) {
      throw fail(`${at}'s "labels" is not an object`);
    }
    const label = (name: string): string | undefined => {
      const value = Object.hasOwn(labels, name)
        ? (labels as Record<string, unknown>)[name]
        : undefined;
      if (value !== undefined && typeof value !== "string") {
        throw fail(`${at}'s label ${name} is not a string`);
      }
      return value;
    };
    const scheme = label("__scheme__") ?? defaults.scheme;
    if (scheme !== "http" && scheme !== "https") {
      throw fail(`${at}'s label __scheme__ is not http or https`);
    }
    const path = label("__hup_reload_path__") ?? defaults.path;
    if (!path.startsWith("/")) {
      throw fail(`${at}'s label __hup_reload_path__ does not start with /`);
    }
    for (const [t, target] of targets.entries()) {
      const entry = `${at}, target ${t + 1}`;
      // host:port only, as file_sd holds: a path, a user or a query there
      // is a mistake, not something to join into the URL.
      if (
        typeof target !== "string" ||
        !/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+)(:\d{1,5})?$/.test(target)
      ) {
        throw fail(`${entry} is not a host or host:port`);
      }
      if (urls.length >= MAX_TARGETS) {
        throw fail(`it names more than ${MAX_TARGETS} targets`);
      }
      urls.push(asUrl(command, `${scheme}://${target}${path}`, entry, fail));
    }
  }
  return urls;
}

function asUrl(
  command: string,
  text: string,
  at: string,
  fail: (problem: string) => CliError,
): URL {
  try {
    return readUrl(command, text);
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    // readUrl's words, less its usage advice: "--url is not a URL".
    const reason = /as --url (.*?): run /.exec(error.message)?.[1] ??
      "is not a handler's URL";
    throw fail(`${at} ${reason}`);
  }
}

/**
 * Reads `--scheme` and `--path`, the defaults for `file_sd` targets.
 *
 * @param command The command, for messages.
 * @param scheme `--scheme`, if given.
 * @param path `--path`, if given.
 * @returns The defaults.
 * @throws {CliError} With {@linkcode ExitCode.Usage} for a scheme other
 *   than `http` or `https`, or a path that does not start with `/`.
 */
export function readTargetDefaults(
  command: string,
  scheme: string | undefined,
  path: string | undefined,
): TargetDefaults {
  if (scheme !== undefined && scheme !== "http" && scheme !== "https") {
    throw usageError(command, "--scheme is not http or https");
  }
  if (path !== undefined && !path.startsWith("/")) {
    throw usageError(command, "--path does not start with /");
  }
  return { scheme: scheme ?? "http", path: path ?? DEFAULT_PATH };
}
