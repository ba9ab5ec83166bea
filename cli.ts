/**
 * The `hup-reload` command line, for operators and for systemd's
 * `ExecReload=`:
 *
 * - `hup-reload check <file> [--schema <module>#<export>] [--env-file F]`
 *   loads the file as a reload pass would and exits 1 with the load error
 *   when it does not load (as `nginx -t`).
 * - `hup-reload reload --url <admin url> [--token-file F] [--timeout S]`
 *   POSTs to the service's reload handler, waits for the pass to end, prints
 *   its result and exits with a code for its status: `systemctl reload`
 *   then waits for the verdict and fails when the reload fails.
 * - `hup-reload status --url <admin url>` prints the generation and the last
 *   pass, and exits as that pass's reload would have.
 *
 * Installed with the npm package as the `hup-reload` command
 * (`npx hup-reload ...`); on Deno,
 * `deno run --allow-net=127.0.0.1:9090 --allow-read=/etc/app/reload-token jsr:@hup/reload/cli reload ...`.
 * The exit codes are {@linkcode ExitCode}.
 *
 * @example Checking a config file from a program
 * ```ts
 * import { ExitCode, main } from "@hup/reload/cli";
 * import assert from "node:assert/strict";
 * import { mkdtemp, writeFile } from "node:fs/promises";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 *
 * const path = join(await mkdtemp(join(tmpdir(), "hup-")), "config.yaml");
 * await writeFile(path, "greeting: hello\n");
 * assert.equal(await main(["check", path]), ExitCode.Ok); // prints "<path>: OK (sha256:...)"
 * ```
 *
 * @module
 */
import process from "node:process";
import type { ExitCode } from "./src/cli/exit_codes.ts";
import type { CliIo } from "./src/cli/io.ts";
import { runCli } from "./src/cli/main.ts";

export { ExitCode } from "./src/cli/exit_codes.ts";

/**
 * Runs the `hup-reload` command line in this process, as the installed
 * command does: prints to its standard output and error, reads its
 * environment, and returns the exit code (it never exits the process).
 *
 * @example Reading the exit code of a check
 * ```ts
 * import { ExitCode, main } from "@hup/reload/cli";
 * import assert from "node:assert/strict";
 *
 * // A missing file does not load: the load error goes to stderr.
 * assert.equal(await main(["check", "/nonexistent/config.yaml"]), ExitCode.CheckFailed);
 * ```
 *
 * @param args The arguments after the program's name, such as
 *   `["reload", "--url", "http://127.0.0.1:9090/-/reload"]`.
 * @returns The exit code: one of {@linkcode ExitCode}.
 */
export function main(args: readonly string[]): Promise<ExitCode> {
  return runCli(args, processIo());
}

/** The process this command runs in, through `node:process`. */
function processIo(): CliIo {
  return {
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    env: (name) => process.env[name],
    cwd: () => process.cwd(),
    fetch: (input, init) => globalThis.fetch(input, init),
    setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
    clearTimeout: (handle) =>
      globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
  };
}

// `deno run jsr:@hup/reload/cli ...` and `bun cli.ts ...`; the npm package's
// bin/hup-reload.js calls main() itself (Node.js 20 has no import.meta.main).
if (import.meta.main) process.exitCode = await main(process.argv.slice(2));
