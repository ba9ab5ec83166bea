import { describeFileError } from "../file_errors.ts";
import { CliError } from "./errors.ts";
import { ExitCode } from "./exit_codes.ts";
import { readBounded } from "./read_bounded.ts";

/** The largest env file read, in bytes. */
export const MAX_ENV_FILE: number = 1024 * 1024;

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Reads an env file, the variables a service gets from systemd's
 * `EnvironmentFile=` or Docker's `--env-file`: one `NAME=value` a line
 * (`export NAME=value` too), blank lines and `#` or `;` comments ignored.
 * A value is taken as written (surrounding blanks removed), or quoted:
 * `'...'` as is, `"..."` with `\"`, `\\`, `\$`, `\n` and `\t` escapes.
 *
 * Written here rather than with `node:util`'s `parseEnv`, which Node.js
 * 20 and Deno do not read alike (Node.js 20 folds a malformed line into the
 * next variable's name) and which reports no error at all.
 *
 * @param path The file.
 * @returns The variables, later lines winning.
 * @throws {CliError} With {@linkcode ExitCode.NoInput} when the file cannot
 *   be read, is larger than 1 MiB, is not UTF-8, or has a line that is not
 *   a variable; the message names the file and line, never its text.
 */
export async function readEnvFile(path: string): Promise<Map<string, string>> {
  const fail = (reason: string) =>
    new CliError(
      ExitCode.NoInput,
      `Cannot read the env file as ${reason}: ${path}`,
    );
  let bytes: Uint8Array | undefined;
  try {
    bytes = await readBounded(path, MAX_ENV_FILE);
  } catch (error) {
    throw fail(`it ${describeFileError(error)}`);
  }
  if (bytes === undefined) {
    throw fail(`it is larger than ${MAX_ENV_FILE} bytes`);
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw fail("it is not UTF-8 text");
  }
  const vars = new Map<string, string>();
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const variable = parseLine(line);
    if (typeof variable === "string") {
      throw new CliError(
        ExitCode.NoInput,
        `Cannot read the env file as ${variable}: ${path} line ${i + 1}`,
      );
    }
    vars.set(variable[0], variable[1]);
  }
  return vars;
}

/** A line's name and value, or what is wrong with it. */
function parseLine(line: string): [string, string] | string {
  const body = /^export\s/.test(line) ? line.slice(6).trimStart() : line;
  const eq = body.indexOf("=");
  if (eq < 0) return "the line is not NAME=value";
  const name = body.slice(0, eq).trimEnd();
  if (!NAME.test(name)) {
    return "the line does not start with a variable name (letters, digits and _)";
  }
  const raw = body.slice(eq + 1).trimStart();
  const quote = raw[0];
  if (quote !== "'" && quote !== '"') return [name, raw.trimEnd()];
  let value = "";
  for (let i = 1; i < raw.length; i++) {
    const c = raw[i];
    if (c === quote) {
      return raw.slice(i + 1).trim() === ""
        ? [name, value]
        : "the line has text after its closing quote";
    }
    if (c === "\\" && quote === '"' && i + 1 < raw.length) {
      const next = raw[++i];
      value += next === "n" ? "\n" : next === "t" ? "\t" : next;
      continue;
    }
    value += c;
  }
  return "the line has a quote that is not closed (a value spans one line)";
}
