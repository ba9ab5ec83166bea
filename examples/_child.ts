// What the example tests share: an example run as a child process, its
// stdout read as it comes.
import { copyFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository's root, where the examples run from. */
export const root: string = fileURLToPath(new URL("../", import.meta.url));

/** A child's stdout, read as it comes. */
export interface Output {
  /** Reads until `pattern` matches all that was printed; its match. */
  readUntil(pattern: RegExp): Promise<RegExpMatchArray>;
  /** Reads until the child closes its stdout; all that was printed. */
  readToEnd(): Promise<string>;
  /** Stops reading. */
  cancel(): Promise<void>;
}

/**
 * Reads `child`'s stdout; a child that exits before printing what is
 * waited for fails the wait, naming `what` and showing its output.
 */
export function outputOf(child: Deno.ChildProcess, what: string): Output {
  const reader = child.stdout.pipeThrough(new TextDecoderStream())
    .getReader();
  let output = "";
  return {
    async readUntil(pattern) {
      while (!pattern.test(output)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`${what} exited early: ${output}`);
        output += value;
      }
      return output.match(pattern)!;
    },
    async readToEnd() {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return output;
        output += value;
      }
    },
    cancel: () => reader.cancel().catch(() => {}),
  };
}

/** An example started by {@linkcode startExample}. */
export interface Example extends Output {
  readonly child: Deno.ChildProcess;
  /** Its config file, a copy it may edit. */
  readonly config: string;
  /** What it serves, and its admin (reload) address, as it printed them. */
  readonly url: string;
  readonly admin: string;
  /** Ends it (SIGTERM, if it still runs) and removes its config's copy. */
  stop(): Promise<void>;
}

/**
 * Starts an example on a copy of the bundled config `bundled`, with
 * `DEMO_PORT=0` and `env`, and waits for its `serving:` and `admin:` lines.
 */
export async function startExample(
  command: string,
  args: (config: string) => string[],
  bundled: string,
  env: Record<string, string> = {},
): Promise<Example> {
  const dir = await mkdtemp(join(tmpdir(), "hup-example-"));
  const config = join(dir, "config.yaml");
  await copyFile(bundled, config);
  const child = new Deno.Command(command, {
    args: args(config),
    cwd: root,
    env: { DEMO_PORT: "0", ...env },
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const output = outputOf(child, "example");
  const stop = async () => {
    try {
      child.kill("SIGTERM");
    } catch {
      // Already exited.
    }
    await child.status;
    await output.cancel();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const [, url] = await output.readUntil(/serving:\s+(\S+)/);
    const [, admin] = await output.readUntil(/admin:\s+(\S+)/);
    return { ...output, child, config, url, admin, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
