import { renderError } from "../render.ts";
import { readArgs, usageError } from "./args.ts";
import { check } from "./check.ts";
import { CliError } from "./errors.ts";
import { ExitCode } from "./exit_codes.ts";
import { printable } from "./format.ts";
import { MAIN_HELP } from "./help.ts";
import type { CliIo } from "./io.ts";
import { reload } from "./reload.ts";
import { status } from "./status.ts";
import { VERSION } from "./version.ts";

const COMMANDS: Readonly<
  Record<string, (args: readonly string[], io: CliIo) => Promise<ExitCode>>
> = { check, reload, status };

/**
 * Runs the `hup-reload` command line: picks the command, runs it, prints an
 * expected failure as one line on stderr (never a stack trace) and returns
 * the exit code.
 *
 * @param args The arguments after the program's name.
 * @param io The process.
 * @returns The exit code.
 */
export async function runCli(
  args: readonly string[],
  io: CliIo,
): Promise<ExitCode> {
  try {
    const [first, ...rest] = args;
    if (first !== undefined && Object.hasOwn(COMMANDS, first)) {
      return await COMMANDS[first](rest, io);
    }
    if (first === "help") {
      const [topic, ...extra] = rest;
      if (
        topic !== undefined && extra.length === 0 &&
        Object.hasOwn(COMMANDS, topic)
      ) {
        return await COMMANDS[topic](["--help"], io);
      }
      if (topic !== undefined) {
        throw usageError("hup-reload", "help takes one command's name");
      }
      io.stdout(MAIN_HELP);
      return ExitCode.Ok;
    }
    const { values, positionals, help } = readArgs("hup-reload", args, {
      version: { type: "boolean" },
    }, { min: 0, max: 1, name: "command" });
    if (values.version) {
      io.stdout(`hup-reload ${VERSION}\n`);
      return ExitCode.Ok;
    }
    if (help) {
      io.stdout(MAIN_HELP);
      return ExitCode.Ok;
    }
    if (args.length === 0) {
      io.stderr(MAIN_HELP);
      return ExitCode.Usage;
    }
    throw usageError(
      "hup-reload",
      `${
        printable(positionals[0] ?? "")
      } is not a command (check, reload or status)`,
    );
  } catch (error) {
    if (error instanceof CliError) {
      io.stderr(`hup-reload: ${printable(error.message, true)}\n`);
      return error.code;
    }
    io.stderr(
      `hup-reload: Cannot finish as the command failed unexpectedly: ${
        printable(renderError(error), true)
      }\n`,
    );
    return ExitCode.Software;
  }
}
