import { parseArgs } from "node:util";
import { CliError } from "./errors.ts";
import { ExitCode } from "./exit_codes.ts";

/** One option a command takes. */
export interface OptionSpec {
  /** `string` takes a value (`--url U` or `--url=U`); `boolean` takes none. */
  type: "string" | "boolean";
  /** Whether it may be given more than once (values kept in order). */
  multiple?: boolean;
  /** A one-letter alias, without the dash. */
  short?: string;
}

/** What a command line holds once read against a command's options. */
export interface ParsedArgs {
  /** Each option given, by name: a string, strings, or `true`. */
  values: Record<string, string | string[] | true | undefined>;
  /** The arguments that are not options, in order. */
  positionals: string[];
  /** Whether `--help` or `-h` was given (the rest is then not checked). */
  help: boolean;
}

// Options people reach for that would put a secret on the command line.
const SECRET_HINT: Readonly<Record<string, string>> = {
  token:
    " (the token is read from --token-file or an environment variable, never from the command line, where ps shows it)",
};

/**
 * Reads a command line against a command's options with `node:util`'s
 * `parseArgs`, which Deno, Node.js and Bun all provide, and checks it
 * here: `parseArgs`'s own errors differ between runtimes and may quote a
 * value given inline (`--token=...`), these name the option only.
 *
 * @param command The command's name, for messages (`reload`).
 * @param args The arguments after the command's name.
 * @param options The options it takes (`help` is added).
 * @param positionals How many arguments that are not options it takes,
 *   and what one is called: `config file`.
 * @returns The options and arguments.
 * @throws {CliError} With {@linkcode ExitCode.Usage} for an unknown
 *   option, a missing or unexpected value, an option given twice, or the
 *   wrong number of arguments.
 */
export function readArgs(
  command: string,
  args: readonly string[],
  options: Readonly<Record<string, OptionSpec>>,
  positionals: { min: number; max: number; name: string },
): ParsedArgs {
  const specs: Record<string, OptionSpec> = {
    ...options,
    help: { type: "boolean", short: "h" },
  };
  const { tokens } = parseArgs({
    args: [...args],
    options: specs,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const usage = (problem: string) => usageError(command, problem);
  if (tokens.some((t) => t.kind === "option" && t.name === "help")) {
    return { values: {}, positionals: [], help: true };
  }
  const values: ParsedArgs["values"] = {};
  const rest: string[] = [];
  for (const token of tokens) {
    if (token.kind === "positional") {
      rest.push(token.value);
      continue;
    }
    if (token.kind !== "option") continue;
    const spec = Object.hasOwn(specs, token.name)
      ? specs[token.name]
      : undefined;
    if (spec === undefined) {
      throw usage(
        `${token.rawName} is not one of its options${
          SECRET_HINT[token.name] ?? ""
        }`,
      );
    }
    let value: string | true;
    if (spec.type === "boolean") {
      if (token.value !== undefined) {
        throw usage(`${token.rawName} takes no value`);
      }
      value = true;
    } else {
      // parseArgs takes the next argument as the value even when it is an
      // option: `--timeout --json` is a forgotten value, not a timeout.
      if (
        token.value === undefined ||
        (!token.inlineValue && token.value.startsWith("-"))
      ) {
        throw usage(`${token.rawName} needs a value`);
      }
      value = token.value;
    }
    const previous = values[token.name];
    if (spec.multiple) {
      values[token.name] = [
        ...(previous as string[] | undefined) ?? [],
        value as string,
      ];
    } else if (previous !== undefined) {
      throw usage(`${token.rawName} is given more than once`);
    } else {
      values[token.name] = value;
    }
  }
  if (rest.length < positionals.min) {
    throw usage(`the ${positionals.name} is missing`);
  }
  if (rest.length > positionals.max) {
    throw usage(
      positionals.max === 0
        ? "it takes no arguments besides its options"
        : `it takes one ${positionals.name} only`,
    );
  }
  return { values, positionals: rest, help: false };
}

/**
 * Reads `--timeout` as seconds.
 *
 * @param command The command, for messages.
 * @param value What was given, or `undefined` for the default.
 * @param fallback The default, in seconds.
 * @returns The timeout in milliseconds.
 * @throws {CliError} With {@linkcode ExitCode.Usage} unless it is a
 *   positive number of seconds no longer than a timer can wait.
 */
export function readTimeout(
  command: string,
  value: string | undefined,
  fallback: number,
): number {
  if (value === undefined) return fallback * 1000;
  const seconds = /^\s*\d+(\.\d+)?\s*$/.test(value) ? Number(value) : NaN;
  // 2147483647 ms is the longest any runtime's timer waits.
  if (!(seconds > 0) || seconds * 1000 > 2_147_483_647) {
    throw usageError(
      command,
      "--timeout is not a number of seconds above 0 and at most 2147483",
    );
  }
  return Math.max(1, Math.round(seconds * 1000));
}

/**
 * Reads `--url` as the reload handler's address.
 *
 * @param command The command, for messages.
 * @param value What was given.
 * @returns The URL.
 * @throws {CliError} With {@linkcode ExitCode.Usage} when it is missing,
 *   not an `http:` or `https:` URL, or carries a user name or password.
 */
export function readUrl(command: string, value: string | undefined): URL {
  const usage = (problem: string) => usageError(command, problem);
  if (value === undefined) {
    throw usage(
      "--url is missing (the reload handler's address, such as http://127.0.0.1:9090/-/reload)",
    );
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw usage("--url is not a URL");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw usage("--url is not an http: or https: URL");
  }
  if (url.username !== "" || url.password !== "") {
    throw usage(
      "--url holds a user name or password, which ps shows (give the token with --token-file)",
    );
  }
  return url;
}

/**
 * The error for a bad command line.
 *
 * @param command The command (`reload`), or `hup-reload` itself.
 * @param problem What is wrong, naming the option or argument, never its
 *   value.
 * @returns The error, with {@linkcode ExitCode.Usage}.
 */
export function usageError(command: string, problem: string): CliError {
  const help = command === "hup-reload"
    ? "hup-reload --help"
    : `hup-reload ${command} --help`;
  return new CliError(
    ExitCode.Usage,
    `Cannot run ${command} as ${problem}: run ${help} for its usage`,
  );
}
