import type { ExitCode } from "./exit_codes.ts";

/**
 * An expected failure of a command: printed as its message alone (never a
 * stack trace), and the process exits with `code`.
 */
export class CliError extends Error {
  /** The exit code that reports this failure. */
  readonly code: ExitCode;

  /**
   * Creates the error.
   *
   * @param code The exit code.
   * @param message What went wrong, in the house style: `Cannot <do X> as
   *   <reason>: <where>`; never a secret or a value from a config file.
   */
  constructor(code: ExitCode, message: string) {
    super(message);
    this.name = "CliError";
    this.code = code;
  }
}
