// Prometheus for the tests of the shipped rules and of a fleet: `promtool`
// and `prometheus` found as HUP_PROMTOOL and HUP_PROMETHEUS, else on the
// PATH (Debian's `prometheus` package has both); a server started on
// 127.0.0.1 with a free port, its data in a temp directory, and asked
// through its HTTP API.

import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtemp, readFile, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { dump, load } from "js-yaml";
import { findBinary, freePorts } from "./_etcd.ts";

/** The line printed, once, when the promtool tests cannot run. */
export const NO_PROMTOOL =
  "promtool tests of examples/prometheus did not run: no promtool binary (install Debian's prometheus, or set HUP_PROMTOOL)";

/** The line printed, once, when the fleet test cannot run. */
export const NO_PROMETHEUS =
  "fleet test did not run: no prometheus binary (install Debian's prometheus, or set HUP_PROMETHEUS)";

/** The repository's root, from the sources or from the build. */
export const ROOT: string = fileURLToPath(
  new URL(import.meta.url.endsWith(".ts") ? "../" : "../../", import.meta.url),
);

/** The shipped scrape config, rules and their unit tests. */
export const EXAMPLES: string = join(ROOT, "examples/prometheus");

/** How long a server may take to answer after it starts. */
const START_WAIT = 20_000;

// Found as etcd is: the file a variable names, else on the PATH.
export { findBinary };

/**
 * Runs a program to its end: its exit code and its output, stdout and
 * stderr in the order written (through one pipe, by way of `sh`).
 */
export function run(
  binary: string,
  args: string[],
  cwd: string,
): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      "/bin/sh",
      ["-c", 'exec "$0" "$@" 2>&1', binary, ...args],
      { cwd },
      (error, stdout) => {
        const code = error === null
          ? 0
          : typeof error.code === "number"
          ? error.code
          : 1;
        resolve({ code, output: stdout });
      },
    );
  });
}

/** One result of an instant query: its labels and value. */
export interface Sample {
  metric: Record<string, string>;
  value: number;
}

/**
 * A Prometheus server scraping one job, `fleet`, at 1 s from a file_sd
 * targets file, with the shipped rules, evaluated every second.
 */
export class PrometheusServer implements AsyncDisposable {
  /** The server's URL: `http://127.0.0.1:<port>`. */
  readonly url: string;
  readonly #dir: string;
  readonly #child: ChildProcess;
  readonly #exited: Promise<void>;
  #stderr = "";

  private constructor(dir: string, url: string, child: ChildProcess) {
    this.#dir = dir;
    this.url = url;
    this.#child = child;
    child.stderr!.setEncoding("utf8");
    child.stderr!.on("data", (chunk: string) => {
      this.#stderr = (this.#stderr + chunk).slice(-8192);
    });
    this.#exited = new Promise((resolve) => {
      child.on("error", () => resolve());
      child.on("exit", () => resolve());
    });
  }

  /**
   * Starts a server from the shipped scrape config, made to scrape every
   * second the targets of a file this server's `targets()` writes;
   * resolves once it is ready.
   */
  static async start(binary: string): Promise<PrometheusServer> {
    const dir = await mkdtemp(join(tmpdir(), "hup-prometheus-"));
    const shipped = load(
      await readFile(join(EXAMPLES, "prometheus.yml"), "utf8"),
    ) as {
      global: Record<string, string>;
      rule_files: string[];
      scrape_configs: {
        job_name: string;
        file_sd_configs: { files: string[] }[];
      }[];
    };
    const [job] = shipped.scrape_configs;
    const config = {
      ...shipped,
      global: { scrape_interval: "1s", evaluation_interval: "1s" },
      rule_files: shipped.rule_files.map((f) => join(EXAMPLES, f)),
      scrape_configs: [{
        ...job,
        job_name: "fleet",
        scrape_interval: "1s",
        scrape_timeout: "1s",
        file_sd_configs: [{ files: [join(dir, "targets.json")] }],
      }],
    };
    await writeFile(join(dir, "targets.json"), "[]");
    await writeFile(join(dir, "prometheus.yml"), dump(config));
    const [port] = await freePorts(1);
    const child = spawn(binary, [
      `--config.file=${join(dir, "prometheus.yml")}`,
      `--storage.tsdb.path=${join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--log.level=warn",
    ], { stdio: ["ignore", "ignore", "pipe"] });
    const server = new PrometheusServer(dir, `http://127.0.0.1:${port}`, child);
    const deadline = Date.now() + START_WAIT;
    let exited = false;
    void server.#exited.then(() => (exited = true));
    while (!exited && Date.now() < deadline) {
      try {
        const ready = await fetch(`${server.url}/-/ready`);
        await ready.body?.cancel();
        if (ready.ok) return server;
      } catch {
        // not yet listening
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await server[Symbol.asyncDispose]();
    throw new Error(
      `Cannot start prometheus as it ${
        exited ? "exited" : `did not answer within ${START_WAIT} ms`
      }:\n${server.#stderr}`,
    );
  }

  /** Makes `hosts` (`127.0.0.1:<port>`) the job's targets, as file_sd. */
  async targets(hosts: string[]): Promise<void> {
    const path = join(this.#dir, "targets.json");
    // Written whole, then renamed: Prometheus never reads half a file.
    await writeFile(`${path}.tmp`, JSON.stringify([{ targets: hosts }]));
    await rename(`${path}.tmp`, path);
  }

  /** An instant query, now. */
  async query(expr: string): Promise<Sample[]> {
    const url = `${this.url}/api/v1/query?query=${encodeURIComponent(expr)}`;
    const response = await fetch(url);
    const answer = await response.json() as {
      status: string;
      error?: string;
      data?: {
        result: { metric: Record<string, string>; value: [number, string] }[];
      };
    };
    if (answer.status !== "success") {
      throw new Error(`Prometheus refused ${expr}: ${answer.error}`);
    }
    return answer.data!.result.map(({ metric, value }) => ({
      metric,
      value: Number(value[1]),
    }));
  }

  /**
   * Polls `expr` until `done` holds for its result (every 100 ms, for at
   * most `timeout` ms); resolves with that result, or throws with the last
   * one.
   */
  async until(
    expr: string,
    done: (samples: Sample[]) => boolean,
    timeout = 30_000,
  ): Promise<Sample[]> {
    const deadline = Date.now() + timeout;
    let last: Sample[] = [];
    while (Date.now() < deadline) {
      last = await this.query(expr);
      if (done(last)) return last;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(
      `Prometheus did not give what was waited for within ${timeout} ms: ${expr} = ${
        JSON.stringify(last)
      }`,
    );
  }

  /** Stops the server and removes its directory. */
  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#child.exitCode === null && this.#child.signalCode === null) {
      this.#child.kill("SIGTERM");
      const late = setTimeout(() => this.#child.kill("SIGKILL"), 10_000);
      await this.#exited;
      clearTimeout(late);
    }
    await rm(this.#dir, { recursive: true, force: true });
  }
}
