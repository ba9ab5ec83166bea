import process from "node:process";
import { isBearerToken } from "../auth.ts";
import { describeFileError } from "../file_errors.ts";
import { usageError } from "./args.ts";
import { CliError } from "./errors.ts";
import { ExitCode } from "./exit_codes.ts";
import { printable } from "./format.ts";
import { type OpenedFile, readBounded, ReadTimeout } from "./read_bounded.ts";
import type { CliIo } from "./io.ts";

/** The variable the token is read from when no option names its source. */
export const TOKEN_ENV = "HUP_RELOAD_TOKEN";

/** The largest token file read, in bytes. */
const MAX_TOKEN_FILE = 64 * 1024;

/** The bearer token to send, and where it came from (for messages). */
export interface Token {
  /** The token, or `undefined` to send none. */
  value: string | undefined;
  /** Where it came from, or was looked for: `--token-file /etc/...`, ... */
  source: string;
  /** A hint for when the service wants a token and none was sent. */
  hint?: string;
}

/**
 * Finds the bearer token: the content of `--token-file` (less one final
 * newline), or the variable `--token-env` names, or else
 * `HUP_RELOAD_TOKEN`, or none. Never from the command line, where `ps`
 * shows it.
 *
 * Reading the file is bounded by `timeoutMs`: a FIFO (or a pipe such as
 * `<(command)`) is read as its writer writes, and one that nobody writes
 * to within it is an error rather than a wait for ever. A file that other
 * users may read (group or world read bits) gets a warning on stderr.
 *
 * @param command The command, for messages.
 * @param io The process.
 * @param file `--token-file`, if given.
 * @param envName `--token-env`, if given.
 * @param timeoutMs How long reading the file may take (`--timeout`).
 * @returns The token and its source.
 * @throws {CliError} With {@linkcode ExitCode.Usage} when both options are
 *   given; with {@linkcode ExitCode.NoInput} when the file cannot
 *   be read within `timeoutMs` or does not hold a bearer token, or the
 *   named variable is unset or not a bearer token; with
 *   {@linkcode ExitCode.NoPermission} when the runtime does not permit
 *   reading the named variable. The token itself is never in a message.
 */
export async function findToken(
  command: string,
  io: CliIo,
  file: string | undefined,
  envName: string | undefined,
  timeoutMs: number,
): Promise<Token> {
  if (file !== undefined && envName !== undefined) {
    throw usageError(
      command,
      "--token-file and --token-env are both given (the token comes from one place)",
    );
  }
  if (file !== undefined) {
    const source = `--token-file ${file}`;
    let bytes: Uint8Array | undefined;
    const deadline = new AbortController();
    const timer = io.setTimeout(() => deadline.abort(), timeoutMs);
    try {
      bytes = await readBounded(file, MAX_TOKEN_FILE, {
        signal: deadline.signal,
        opened: (opened) => warnIfShared(io, file, opened),
      });
    } catch (error) {
      throw new CliError(
        ExitCode.NoInput,
        error instanceof ReadTimeout
          ? `Cannot read the token as nothing wrote it to the file within ${
            timeoutMs / 1000
          } s (--timeout; a FIFO with no writer?): ${file}`
          : `Cannot read the token as the file ${
            describeFileError(error)
          }: ${file}`,
      );
    } finally {
      io.clearTimeout(timer);
    }
    if (bytes === undefined) throw notToken(source);
    const text = new TextDecoder().decode(bytes);
    return { value: checked(text.replace(/\r?\n$/, ""), source), source };
  }
  if (envName !== undefined) {
    const source = `the environment variable ${envName}`;
    let value: string | undefined;
    try {
      value = io.env(envName);
    } catch {
      throw new CliError(
        ExitCode.NoPermission,
        `Cannot read the token as ${source} is not readable (with Deno, allow it with --allow-env=${envName}): --token-env`,
      );
    }
    if (value === undefined || value === "") {
      throw new CliError(
        ExitCode.NoInput,
        `Cannot read the token as ${source} is not set: --token-env`,
      );
    }
    return { value: checked(value, source), source };
  }
  const source = `the environment variable ${TOKEN_ENV}`;
  let value: string | undefined;
  try {
    value = io.env(TOKEN_ENV);
  } catch {
    return {
      value: undefined,
      source,
      hint:
        `give --token-file, or set ${TOKEN_ENV} (with Deno, allow it with --allow-env=${TOKEN_ENV})`,
    };
  }
  if (value === undefined || value === "") {
    return {
      value: undefined,
      source,
      hint: `give --token-file, or set ${TOKEN_ENV}`,
    };
  }
  return { value: checked(value, source), source };
}

/**
 * Warns on stderr when users other than the owner may read the token file
 * (a regular file or a FIFO with a group or world read bit), as ssh does of
 * a private key: the fix is `chmod 600`. Not on Windows, whose files have
 * no such bits.
 */
function warnIfShared(io: CliIo, file: string, opened: OpenedFile): void {
  if (process.platform === "win32") return;
  if (!(opened.isFile || opened.isFifo) || (opened.mode & 0o044) === 0) return;
  const mode = (opened.mode & 0o777).toString(8).padStart(3, "0");
  io.stderr(
    `hup-reload: Warning: other users can read the token file (mode ${mode}); make it private with chmod 600 ${
      printable(file)
    }\n`,
  );
}

function checked(value: string, source: string): string {
  if (!isBearerToken(value)) throw notToken(source);
  return value;
}

function notToken(source: string): CliError {
  return new CliError(
    ExitCode.NoInput,
    `Cannot use the token as it is not a bearer token (one line of A-Z a-z 0-9 - . _ ~ + / then any =, as openssl rand -base64 32 prints): ${source}`,
  );
}
