// The hup-reload command line. Run as operators and systemd run it: a child
// process on Deno (the sources, with the least permissions docs/cli.md
// gives), Node.js (the npm package's bin, on the build) and Bun, against a
// service on 127.0.0.1. And its parts in this process, with a fake fetch and
// fake timers where the real ones would make the test wait.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { constants } from "node:fs";
import { chmod, open, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import {
  type ConfigObject,
  Coordinator,
  type Hook,
  HookStatus,
} from "hup-reload";
import { nodeListener, reloadHandler } from "hup-reload/http";
import { nextReload } from "hup-reload/testing";
import { type Deferred, deferred, tempConfig } from "./_helpers.ts";
import { ExitCode } from "../src/cli/exit_codes.ts";
import type { CliIo } from "../src/cli/io.ts";
import { runCli } from "../src/cli/main.ts";
import { VERSION } from "../src/cli/version.ts";

const isTs = import.meta.url.endsWith(".ts");
const root = fileURLToPath(new URL(isTs ? "../" : "../../", import.meta.url));
const bin = (name: string) => join(root, "node_modules/.bin", name);
const schemaModule = fileURLToPath(
  new URL(`./fixtures/cli_schema.${isTs ? "ts" : "js"}`, import.meta.url),
);
const TOKEN = "s3cret-T0ken_value";
const SECRET = "hunter2-do-not-print";

// ------------------------------------------------------------ helpers

type Runtime = "deno" | "node" | "bun";
const RUNTIMES: readonly Runtime[] = ["deno", "node", "bun"];

/**
 * The command line that runs the CLI on `runtime` as a user would: Deno on
 * the sources with `denoFlags` (and no other permission), Node.js on the
 * npm package's bin (which runs the build), Bun on the sources.
 */
function cli(runtime: Runtime, denoFlags: string[] = []): string[] {
  switch (runtime) {
    case "deno":
      // The npm-installed binary, also under Deno: Deno's node:child_process
      // passes its own permissions to a spawn of its own executable.
      return [
        bin("deno"),
        "run",
        "--no-prompt",
        ...denoFlags,
        join(root, "cli.ts"),
      ];
    case "node":
      return ["node", join(root, "bin/hup-reload.js")];
    case "bun":
      return [bin("bun"), join(root, "cli.ts")];
  }
}

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
  /** From spawn to exit, in milliseconds. */
  ms: number;
}

/**
 * Runs a command to its end, with the test's environment less any token;
 * killed after `killAfter` ms, so a command that would wait for ever ends
 * the test with a failure rather than holding it.
 */
function run(
  argv: string[],
  env: Record<string, string> = {},
  cwd = root,
  killAfter = 60_000,
): Promise<Ran> {
  const base = { ...process.env };
  delete base.HUP_RELOAD_TOKEN;
  delete base.DEMO_TOKEN;
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(argv[0], argv.slice(1), {
      cwd,
      env: { ...base, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout!.setEncoding("utf8").on("data", (d) => stdout += d);
    child.stderr!.setEncoding("utf8").on("data", (d) => stderr += d);
    const killer = setTimeout(() => child.kill("SIGKILL"), killAfter);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(killer);
      resolve({ code, stdout, stderr, ms: performance.now() - started });
    });
  });
}

/**
 * The words of a unit file's `KEY=` line, with `${NAME}` expanded from its
 * `Environment=NAME=value` lines, as systemd does.
 */
async function unitLine(key: string): Promise<string[]> {
  const unit = await readFile(
    join(root, "examples/systemd/hup-demo.service"),
    "utf8",
  );
  const lines = unit.split("\n");
  const vars = new Map(
    lines.filter((l) => l.startsWith("Environment="))
      .map((l) =>
        l.slice("Environment=".length).split("=") as [string, string]
      ),
  );
  const line = lines.find((l) => l.startsWith(`${key}=`));
  assert.ok(line !== undefined, `the unit has no ${key}=`);
  return line.slice(key.length + 1).trim().split(/\s+/).map((w) =>
    w.replace(/\$\{([A-Z_]+)\}/g, (_, name: string) => {
      assert.ok(vars.has(name), `the unit sets no ${name} for ${key}=`);
      return vars.get(name)!;
    })
  );
}

/**
 * The unit's `ExecReload=` split into the Deno permission flags and the
 * arguments after the CLI's path, with the port it names.
 */
async function execReload() {
  const words = await unitLine("ExecReload");
  const at = words.findIndex((w) => w.endsWith("/cli.ts"));
  assert.ok(at > 0, "ExecReload runs cli.ts");
  const flags = words.slice(words.indexOf("run") + 1, at);
  const args = words.slice(at + 1);
  const url = new URL(args[args.indexOf("--url") + 1]);
  return { words, flags, args, port: url.port };
}

/** A hook that fails or hangs as the config says. */
function greeter(control: { hanging?: Deferred; release?: Deferred }) {
  const hook: Hook<ConfigObject> = {
    name: "greeter",
    timeout: Infinity,
    check(_old, next) {
      if (next.refuse === true) {
        throw new Error("Cannot greet as refuse is set: refuse");
      }
    },
    async apply(_ctx, _old, next) {
      if (next.fail === true) {
        throw new Error("Cannot greet as fail is set: fail");
      }
      if (next.hang === true) {
        control.hanging?.resolve();
        await control.release?.promise;
      }
      return HookStatus.Applied;
    },
  };
  return hook;
}

/** A service on 127.0.0.1 port 0: a coordinator and its reload handler. */
async function startService(
  options: {
    token?: string;
    allowUnauthenticated?: boolean;
    protectReads?: boolean;
  } = {},
) {
  const file = await tempConfig("greeting: hello\n");
  const control: { hanging?: Deferred; release?: Deferred } = {};
  const coordinator = await Coordinator.create({
    configPath: file.path,
    hooks: [greeter(control)],
    env: (name) => name === "DB_PASSWORD" ? SECRET : undefined,
  });
  const server = createServer(
    nodeListener(reloadHandler(coordinator, options)),
  );
  await listen(server);
  const { port } = server.address() as AddressInfo;
  return {
    file,
    coordinator,
    control,
    port: String(port),
    url: `http://127.0.0.1:${port}/-/reload`,
    async [Symbol.asyncDispose]() {
      control.release?.resolve();
      await close(server);
      await coordinator.shutdown();
      await file[Symbol.asyncDispose]();
    },
  };
}

function listen(server: Server): Promise<void> {
  return new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<string> {
  const server = createServer();
  await listen(server);
  const { port } = server.address() as AddressInfo;
  await close(server);
  return String(port);
}

/** A {@linkcode CliIo} that records what the command prints. */
function memoryIo(
  env: Record<string, string> = {},
  overrides: Partial<CliIo> = {},
) {
  const out = { stdout: "", stderr: "" };
  const io: CliIo = {
    stdout: (text) => void (out.stdout += text),
    stderr: (text) => void (out.stderr += text),
    env: (name) => Object.hasOwn(env, name) ? env[name] : undefined,
    cwd: () => root,
    fetch: (input, init) => fetch(input, init),
    setTimeout: (callback, ms) => setTimeout(callback, ms),
    clearTimeout: (handle) =>
      clearTimeout(handle as ReturnType<typeof setTimeout>),
    ...overrides,
  };
  return { io, out };
}

const sha256 = (text: string) =>
  `sha256:${createHash("sha256").update(text).digest("hex")}`;

// ------------------------------------- as systemd and operators run it

for (const runtime of RUNTIMES) {
  test(
    `hup-reload reload on ${runtime}, as the unit's ExecReload= runs it, waits for the verdict and exits with its code`,
    { timeout: 120_000 },
    async () => {
      const unit = await execReload();
      await using service = await startService({ token: TOKEN });
      const live = (port: string) => ({
        argv: [
          ...cli(runtime, unit.flags.map((f) => f.replace(unit.port, port))),
          ...unit.args.map((a) => a.replace(`:${unit.port}/`, `:${port}/`)),
        ],
      });
      const { argv } = live(service.port);
      const env = { DEMO_TOKEN: TOKEN };

      // A dry run of a good file: exit 0, what would change, nothing
      // applied.
      await service.file.replace("greeting: howdy\n");
      const dry = await run([...argv, "--dry-run"], env);
      assert.equal(dry.code, ExitCode.Ok, dry.stderr);
      assert.match(
        dry.stdout,
        /^dry run: would_apply, generation 0 \(unchanged\) \(trigger http/,
      );
      assert.match(dry.stdout, /\n {2}would change: greeting\n/);
      assert.equal(service.coordinator.config.load().greeting, "hello");
      assert.equal(service.coordinator.lastResult(), null);

      // A good file: exit 0, the result on stdout, the config swapped.
      const good = await run(argv, env);
      assert.equal(good.code, ExitCode.Ok, good.stderr);
      assert.match(
        good.stdout,
        /^reload: full_success, generation 1 \(trigger http/,
      );
      assert.match(good.stdout, /changed: greeting/);
      assert.equal(service.coordinator.config.load().greeting, "howdy");

      // A bad file: load_failed's code, and the error names file and line
      // (where the bracket left open is).
      await service.file.replace("greeting: howdy\nport: [8080\n");
      const bad = await run(argv, env);
      assert.equal(bad.code, ExitCode.LoadFailed, bad.stderr);
      assert.match(bad.stdout, /load_failed, generation 1 \(unchanged\)/);
      assert.ok(
        bad.stdout.includes(
          `${service.file.path} line 2, column 7: a flow sequence ([) opened here is not closed`,
        ),
        bad.stdout,
      );

      // status reports that last pass, and fails as it did.
      const status = await run([
        ...cli(runtime, [`--allow-net=127.0.0.1:${service.port}`]),
        "status",
        "--url",
        service.url,
      ]);
      assert.equal(status.code, ExitCode.LoadFailed, status.stderr);
      assert.match(
        status.stdout,
        /^generation 1, config sha256:[0-9a-f]{64}\n/,
      );
      assert.match(status.stdout, /last reload: load_failed/);

      // A wrong token: refused, and the token is never printed.
      const refused = await run(argv, { DEMO_TOKEN: "wr0ng" });
      assert.equal(refused.code, ExitCode.NoPermission, refused.stderr);
      assert.match(
        refused.stderr,
        /refused the token .*DEMO_TOKEN \(HTTP 401\)/,
      );
      assert.ok(!refused.stderr.includes("wr0ng") && refused.stdout === "");

      // A hook that hangs past --timeout: the timeout's code, within about
      // the timeout (measured against a run that did not wait).
      await service.file.replace("greeting: howdy\nhang: true\n");
      service.control.hanging = deferred();
      service.control.release = deferred();
      const ended = nextReload(service.coordinator);
      const timeout = unit.args.indexOf("--timeout");
      const hung = await run(
        argv.map((a, i) =>
          i === argv.length - unit.args.length + timeout + 1 ? "1" : a
        ),
        env,
      );
      assert.equal(hung.code, ExitCode.Timeout, hung.stderr);
      assert.match(hung.stderr, /no answer came within 1 s/);
      assert.ok(hung.ms >= 1000, `ended after ${hung.ms} ms`);
      assert.ok(
        hung.ms < refused.ms + 1000 + 5000,
        `ended after ${hung.ms} ms, a run without waiting took ${refused.ms} ms`,
      );
      await service.control.hanging.promise;
      // status shows the pass that has not ended.
      const during = await run([
        ...cli(runtime, [`--allow-net=127.0.0.1:${service.port}`]),
        "status",
        "--url",
        service.url,
      ]);
      assert.match(
        during.stdout,
        /\nin progress: a reload pass, triggered by http, since \d{4}-[\d-]+T[\d:.]+Z\n(?:drift: .*\n)?last reload: load_failed/,
        during.stderr,
      );
      service.control.release.resolve();
      assert.equal((await ended).status, "full_success");

      // The service down: unavailable.
      const down = await run(live(await closedPort()).argv, env);
      assert.equal(down.code, ExitCode.Unavailable, down.stderr);
      assert.match(down.stderr, /Cannot reload as the connection was refused/);
    },
  );

  test(
    `hup-reload check on ${runtime} loads the file as a reload would and exits 1 with the load error`,
    { timeout: 120_000 },
    async () => {
      await using file = await tempConfig(
        "greeting: hello\nport: ${APP_PORT}\n",
      );
      const envFile = join(file.dir, "app.env");
      await writeFile(
        envFile,
        "# the service's EnvironmentFile\nAPP_PORT=8080\n",
      );
      const schema = runtime === "node"
        ? join(root, "build/tests/fixtures/cli_schema.js")
        : join(root, "tests/fixtures/cli_schema.ts");
      const flags = [`--allow-read=${file.path},${envFile},${schema}`];
      const argv = [...cli(runtime, flags), "check", file.path];

      const good = await run([
        ...argv,
        "--env-file",
        envFile,
        "--schema",
        `${schema}#configSchema`,
      ]);
      assert.equal(good.code, ExitCode.Ok, good.stderr);
      const text = await readFile(file.path, "utf8");
      assert.equal(good.stdout, `${file.path}: OK (${sha256(text)})\n`);

      // A value the schema refuses: the field and line, never the value.
      await writeFile(envFile, `APP_PORT=${SECRET}\n`);
      const refused = await run([
        ...argv,
        "--env-file",
        envFile,
        "--schema",
        schema,
      ]);
      assert.equal(refused.code, ExitCode.CheckFailed, refused.stderr);
      assert.match(
        refused.stderr,
        /^Cannot load config as it does not match the schema: .*config\.yaml line 2, column 1 field port: Invalid input: expected number, received string\n$/,
      );
      assert.ok(!`${refused.stdout}${refused.stderr}`.includes(SECRET));

      // Not YAML: the file and line, exit 1.
      await file.write("greeting: [hello\n");
      const bad = await run(argv);
      assert.equal(bad.code, ExitCode.CheckFailed);
      assert.equal(bad.stdout, "");
      assert.match(
        bad.stderr,
        new RegExp(
          `not valid YAML: ${
            file.path.replace(/[.\\]/g, "\\$&")
          } line 1, column 11: a flow sequence`,
        ),
      );
    },
  );
}

test(
  "hup-reload --help, a command's --help and a bad command line on each runtime",
  {
    timeout: 120_000,
  },
  async () => {
    for (const runtime of RUNTIMES) {
      const help = await run([...cli(runtime), "reload", "--help"]);
      assert.equal(help.code, 0, `${runtime}: ${help.stderr}`);
      assert.match(help.stdout, /^Usage: hup-reload reload --url URL/);
      const bad = await run([...cli(runtime), "reload", "--url"]);
      assert.equal(bad.code, ExitCode.Usage, runtime);
      assert.equal(
        bad.stderr,
        "hup-reload: Cannot run reload as --url needs a value: run hup-reload reload --help for its usage\n",
      );
      assert.equal(bad.stdout, "");
    }
  },
);

test(
  "examples/systemd/hup-demo.service: systemctl reload waits for the demo's verdict",
  {
    timeout: 120_000,
  },
  async () => {
    // ExecStart grants the demo what `deno task demo` does, and ExecReload
    // runs the CLI with the least it needs.
    const start = (await unitLine("ExecStart")).join(" ");
    const task = JSON.parse(await readFile(join(root, "deno.json"), "utf8"))
      .tasks.demo as string;
    for (const flag of task.match(/--allow-[a-z]+(=\S+)?/g)!) {
      assert.ok(start.includes(flag.split("=")[0]), `ExecStart lacks ${flag}`);
    }
    const reload = await execReload();
    assert.deepEqual(reload.flags, [
      `--allow-net=127.0.0.1:${reload.port}`,
      "--allow-env=DEMO_TOKEN",
    ]);
    assert.deepEqual(reload.words.slice(0, 2), ["/usr/local/bin/deno", "run"]);

    // The demo, as examples/examples_test.ts runs it, with the unit's token.
    await using file = await tempConfig(
      await readFile(join(root, "examples/config.yaml"), "utf8"),
    );
    const demo = spawn(bin("deno"), [
      "run",
      "--quiet",
      "--allow-net=127.0.0.1",
      `--allow-read=${file.path}`,
      "--allow-env=DEMO_PORT,DEMO_TOKEN",
      join(root, "examples/demo.ts"),
      file.path,
    ], {
      cwd: root,
      env: { ...process.env, DEMO_PORT: "0", DEMO_TOKEN: TOKEN },
      stdio: ["ignore", "pipe", "inherit"],
    });
    const exited = new Promise((resolve) => demo.on("exit", resolve));
    // ExecReload as systemd runs it: its words, without a shell, in
    // WorkingDirectory, with EnvironmentFile's variables.
    const execute = (token: string, port: string) =>
      run(
        reload.words.map((w) =>
          w.replace("/usr/local/bin/deno", bin("deno"))
            .replace("/opt/hup-demo", root)
            .replace(`127.0.0.1:${reload.port}`, `127.0.0.1:${port}`)
        ),
        { DEMO_TOKEN: token },
      );
    let port = "";
    try {
      let output = "";
      port = await new Promise<string>((resolve, reject) => {
        demo.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
          output += chunk;
          const found = /admin:\s+http:\/\/127\.0\.0\.1:(\d+)\//.exec(output);
          if (found) resolve(found[1]);
        });
        demo.on("exit", () => reject(new Error(`the demo exited: ${output}`)));
      });
      const text = await readFile(file.path, "utf8");
      await file.replace(text.replace("text: Hello", "text: Reloaded"));
      const good = await execute(TOKEN, port);
      assert.equal(good.code, 0, good.stderr);
      assert.match(good.stdout, /full_success, generation 1/);
      const served = await fetch(`http://127.0.0.1:${port}/`);
      assert.equal(await served.text(), "Reloaded, world.\n");

      await file.replace(text.replace("text: Hello", 'text: ""'));
      const bad = await execute(TOKEN, port);
      assert.equal(bad.code, ExitCode.LoadFailed, bad.stderr);
      assert.match(bad.stdout, /line \d+, column \d+ field greeting\.text/);

      const refused = await execute("wr0ng", port);
      assert.equal(refused.code, ExitCode.NoPermission, refused.stderr);
    } finally {
      demo.kill("SIGTERM");
      await exited;
    }
    const down = await execute(TOKEN, port);
    assert.equal(down.code, ExitCode.Unavailable, down.stderr);
  },
);

test(
  "the deno run commands of docs/cli.md work from the sources with exactly their permissions",
  {
    timeout: 120_000,
  },
  async () => {
    const doc = await readFile(join(root, "docs/cli.md"), "utf8");
    const commands = doc.split("\n").filter((l) =>
      l.startsWith("deno run ") && l.includes("jsr:@hup/reload/cli")
    );
    const kinds = commands.map((c) =>
      c.split(/\s+/)[c.split(/\s+/).indexOf("jsr:@hup/reload/cli") + 1]
    );
    assert.deepEqual(kinds.sort(), ["check", "reload", "status"]);

    await using service = await startService({
      token: TOKEN,
      protectReads: true,
    });
    await using tokenFile = await tempConfig(`${TOKEN}\n`);
    const config = service.file.path;
    await writeFile(config, "greeting: hello\npassword: ${DB_PASSWORD}\n");
    const env = { DB_PASSWORD: SECRET, HUP_RELOAD_TOKEN: TOKEN };
    for (const command of commands) {
      const words = command.split(/\s+/).map((w) =>
        w.replace("jsr:@hup/reload/cli", join(root, "cli.ts"))
          .replaceAll("127.0.0.1:9090", `127.0.0.1:${service.port}`)
          .replaceAll("/etc/app/reload-token", tokenFile.path)
          .replaceAll("/etc/app/config.yaml", config)
      );
      const [deno, run_, ...rest] = words;
      assert.deepEqual([deno, run_], ["deno", "run"]);
      const ran = await run([bin("deno"), "run", "--no-prompt", ...rest], env);
      assert.equal(ran.code, 0, `${command}\n${ran.stderr}`);
      assert.ok(!ran.stdout.includes(SECRET) && !ran.stderr.includes(SECRET));
      // Each permission is needed: without it, the command fails.
      for (const flag of rest.filter((w) => w.startsWith("--allow-"))) {
        const less = await run(
          [
            bin("deno"),
            "run",
            "--no-prompt",
            ...rest.filter((w) => w !== flag),
          ],
          env,
        );
        assert.notEqual(less.code, 0, `${command} without ${flag}`);
        assert.match(
          less.stderr,
          /--allow-(read|env|net)/,
          `${command} without ${flag}`,
        );
      }
    }
  },
);

// ------------------------------------------------- in this process

test("runCli() reload exits with each status's code and prints what failed", async () => {
  await using service = await startService({ token: TOKEN });
  const reload = async (config: string, ...extra: string[]) => {
    await service.file.replace(config);
    const { io, out } = memoryIo({ HUP_RELOAD_TOKEN: TOKEN });
    const code = await runCli(["reload", "--url", service.url, ...extra], io);
    return { code, ...out };
  };
  const ok = await reload("greeting: hi\n");
  assert.equal(ok.code, 0);
  assert.equal(ok.stderr, "");
  assert.match(
    ok.stdout,
    /^reload: full_success, generation 1 \(trigger http, \d+ ms\)\n {2}hooks: 1 applied\n {2}changed: greeting\n {2}config: sha256:[0-9a-f]{64}\n$/,
  );

  const partial = await reload("greeting: hi\nfail: true\n");
  assert.equal(partial.code, ExitCode.PartialApplied);
  assert.match(partial.stdout, /^reload: partial_applied, generation 2 /);
  assert.match(
    partial.stdout,
    /\n {2}failed: greeter: Cannot greet as fail is set: fail\n/,
  );

  const refused = await reload("greeting: hi\nrefuse: true\n");
  assert.equal(refused.code, ExitCode.ValidationFailed);
  assert.match(refused.stdout, /validation_failed, generation 2 \(unchanged\)/);
  assert.match(
    refused.stdout,
    /failed: greeter: Cannot greet as refuse is set/,
  );

  const broken = await reload("greeting: [hi\n");
  assert.equal(broken.code, ExitCode.LoadFailed);
  assert.match(
    broken.stdout,
    /\n {2}load error: Cannot load config as the file is not valid YAML: /,
  );

  const json = await reload("greeting: hey\n", "--json");
  assert.equal(json.code, 0);
  const result = JSON.parse(json.stdout);
  assert.deepEqual(result, service.coordinator.lastResult());
});

test("runCli() reload --dry-run prints what would change and needs a restart, exits as a reload would fail, and changes nothing", async () => {
  await using service = await startService({ token: TOKEN });
  const dryRun = async (config: string, ...extra: string[]) => {
    await service.file.replace(config);
    const { io, out } = memoryIo({ HUP_RELOAD_TOKEN: TOKEN });
    const code = await runCli(
      ["reload", "--url", service.url, "--dry-run", ...extra],
      io,
    );
    return { code, ...out };
  };
  const ok = await dryRun("greeting: hi\n");
  assert.equal(ok.code, ExitCode.Ok, ok.stderr);
  assert.match(
    ok.stdout,
    /^dry run: would_apply, generation 0 \(unchanged\) \(trigger http, \d+ ms\)\n {2}checks: 1 passed\n {2}would change: greeting\n {2}config: sha256:[0-9a-f]{64}\n$/,
  );
  const refused = await dryRun("greeting: hi\nrefuse: true\n");
  assert.equal(refused.code, ExitCode.ValidationFailed);
  assert.match(refused.stdout, /^dry run: validation_failed, generation 0/);
  assert.match(
    refused.stdout,
    /\n {2}checks: 1 failed\n {2}failed: greeter: Cannot greet as refuse is set/,
  );
  const broken = await dryRun("greeting: [hi\n");
  assert.equal(broken.code, ExitCode.LoadFailed);
  assert.match(
    broken.stdout,
    /\n {2}load error: Cannot load config as the file is not valid YAML: /,
  );
  const json = await dryRun("greeting: hey\n", "--json");
  assert.equal(json.code, ExitCode.Ok);
  assert.equal(JSON.parse(json.stdout).dry_run, true);
  assert.equal(service.coordinator.generation(), 0);
  assert.equal(service.coordinator.lastResult(), null);
  assert.deepEqual(service.coordinator.stats().dry_runs, {
    would_apply: 2,
    validation_failed: 1,
    load_failed: 1,
  });

  // What would need a restart, from a service that says so.
  const result = {
    generation: 4,
    status: "would_apply",
    dry_run: true,
    trigger: "http",
    outcomes: [],
    changed: ["port"],
    requires_restart: ["port"],
    started_at: "2026-12-06T03:00:00.000Z",
    ended_at: "2026-12-06T03:00:00.005Z",
  };
  const { io, out } = memoryIo({}, {
    fetch: (input) =>
      Promise.resolve(
        String(input).includes("dry_run=1")
          ? Response.json(result)
          : Response.json({
            generation: 4,
            config_digest: null,
            in_progress: null,
            last_result: null,
          }),
      ),
  });
  assert.equal(
    await runCli([
      "reload",
      "--url",
      "http://127.0.0.1:1/-/reload",
      "--dry-run",
    ], io),
    ExitCode.Ok,
  );
  assert.equal(
    out.stdout,
    "dry run: would_apply, generation 4 (unchanged) (trigger http, 5 ms)\n  would require a restart: port\n  would change: port\n",
  );
});

test("runCli() reload --dry-run asks nothing of a service that does not know dry runs, and takes no pass's answer for a dry run's", async () => {
  const pass = {
    generation: 1,
    status: "full_success",
    trigger: "http",
    outcomes: [],
    started_at: "2026-12-06T03:00:00.000Z",
    ended_at: "2026-12-06T03:00:00.005Z",
  };
  const serve = (status: Record<string, unknown>, posted: unknown) => {
    const asked: string[] = [];
    const { io, out } = memoryIo({}, {
      fetch: (input, init) => {
        asked.push(`${init?.method ?? "GET"} ${String(input)}`);
        return Promise.resolve(
          init?.method === "POST"
            ? Response.json(posted)
            : Response.json(status),
        );
      },
    });
    return { io, out, asked };
  };
  const url = "http://127.0.0.1:1/-/reload";
  const old = { generation: 1, config_digest: null, last_result: null };

  // A service that predates dry runs would run a pass: nothing is POSTed.
  const before = serve(old, pass);
  assert.equal(
    await runCli(["reload", "--url", url, "--dry-run"], before.io),
    ExitCode.Protocol,
  );
  assert.deepEqual(before.asked, [`GET ${url}`]);
  assert.match(
    before.out.stderr,
    /^hup-reload: Cannot run a dry run as the service does not offer them \(its status has no in_progress\): it would run a real pass instead; nothing was asked of it: /,
  );

  // A pass's result to a dry run, a dry run's to a reload: neither counts.
  const current = { ...old, in_progress: null };
  const mixed = serve(current, pass);
  assert.equal(
    await runCli(["reload", "--url", url, "--dry-run"], mixed.io),
    ExitCode.Protocol,
  );
  assert.deepEqual(mixed.asked, [`GET ${url}`, `POST ${url}?dry_run=1`]);
  assert.match(mixed.out.stderr, /the answer is not a dry run's result/);
  assert.equal(mixed.out.stdout, "");
  const dry = { ...pass, generation: 0, status: "would_apply", dry_run: true };
  const reversed = serve(current, dry);
  assert.equal(
    await runCli(["reload", "--url", url], reversed.io),
    ExitCode.Protocol,
  );
  assert.match(reversed.out.stderr, /a dry run's, not a pass's result/);
  // would_apply without dry_run is no result at all.
  const { dry_run: _, ...unmarked } = dry;
  const odd = serve(current, unmarked);
  assert.equal(
    await runCli(["reload", "--url", url], odd.io),
    ExitCode.Protocol,
  );
  assert.match(odd.out.stderr, /the answer is not a reload result/);
});

test("runCli() status shows the pass in progress", async () => {
  await using service = await startService();
  service.control.hanging = deferred();
  service.control.release = deferred();
  await service.file.replace("greeting: hi\nhang: true\n");
  const pass = service.coordinator.reload({ trigger: "deploy" });
  await service.control.hanging.promise;
  const { io, out } = memoryIo();
  assert.equal(await runCli(["status", "--url", service.url], io), 0);
  assert.match(
    out.stdout,
    /^generation 0, config sha256:[0-9a-f]{64}\nin progress: a reload pass, triggered by deploy, since \d{4}-[\d-]+T[\d:.]+Z\nlast reload: none since start-up\n$/,
  );
  service.control.release.resolve();
  assert.equal((await pass).status, "full_success");
  const after = memoryIo();
  await runCli(["status", "--url", service.url], after.io);
  assert.doesNotMatch(after.out.stdout, /in progress/);
});

test("runCli() status exits 0 before the first pass and as the last pass did after", async () => {
  await using service = await startService({ token: TOKEN });
  const status = async (...extra: string[]) => {
    const { io, out } = memoryIo();
    const code = await runCli(["status", "--url", service.url, ...extra], io);
    return { code, ...out };
  };
  const fresh = await status();
  assert.equal(fresh.code, 0, fresh.stderr);
  assert.match(
    fresh.stdout,
    /^generation 0, config sha256:[0-9a-f]{64}\nlast reload: none since start-up\n$/,
  );

  await service.file.replace("greeting: [\n");
  await service.coordinator.reload();
  const failed = await status("--json");
  assert.equal(failed.code, ExitCode.LoadFailed);
  assert.equal(JSON.parse(failed.stdout).last_result.status, "load_failed");

  await service.file.replace("greeting: fixed\n");
  await service.coordinator.reload();
  assert.equal((await status()).code, 0);

  // The last pass succeeded, but the file is gone: drift, exit 12.
  await rm(service.file.path);
  assert.equal((await service.coordinator.verify()).in_sync, false);
  const drifting = await status();
  assert.equal(drifting.code, ExitCode.LoadFailed);
  assert.match(
    drifting.stdout,
    /^generation 1, config sha256:[0-9a-f]{64}\ndrift: the source differs from the running config since \d{4}-\d\d-\d\dT[\d:.]+Z: a source cannot be read\nlast reload: full_success/,
  );
  await service.file.replace("greeting: fixed\n");
  assert.equal((await service.coordinator.verify()).in_sync, true);
  assert.equal((await status()).code, 0);
});

test("runCli() reload reads the token from a file less one newline, or a named variable, and never prints it", async () => {
  await using service = await startService({ token: TOKEN });
  await using tokenFile = await tempConfig(`${TOKEN}\n`);
  await chmod(tokenFile.path, 0o600); // else a warning on stderr
  const reload = async (env: Record<string, string>, ...extra: string[]) => {
    const { io, out } = memoryIo(env);
    const code = await runCli(["reload", "--url", service.url, ...extra], io);
    return { code, ...out };
  };
  assert.equal((await reload({}, "--token-file", tokenFile.path)).code, 0);
  assert.equal(
    (await reload({ APP_TOKEN: TOKEN }, "--token-env", "APP_TOKEN")).code,
    0,
  );

  await tokenFile.write(`${TOKEN}\n\n`);
  const twoLines = await reload({}, "--token-file", tokenFile.path);
  assert.equal(twoLines.code, ExitCode.NoInput);
  assert.equal(
    twoLines.stderr,
    `hup-reload: Cannot use the token as it is not a bearer token (one line of A-Z a-z 0-9 - . _ ~ + / then any =, as openssl rand -base64 32 prints): --token-file ${tokenFile.path}\n`,
  );
  // A file that never ends is refused after 64 KiB, not read whole.
  const endless = await reload({}, "--token-file", "/dev/zero");
  assert.equal(endless.code, ExitCode.NoInput);
  assert.match(
    endless.stderr,
    /is not a bearer token .*: --token-file \/dev\/zero\n$/,
  );
  const missing = await reload({}, "--token-file", join(tokenFile.dir, "nope"));
  assert.equal(missing.code, ExitCode.NoInput);
  assert.match(
    missing.stderr,
    /Cannot read the token as the file does not exist: /,
  );

  const none = await reload({});
  assert.equal(none.code, ExitCode.NoPermission);
  assert.match(
    none.stderr,
    /wants a token and none was given \(give --token-file, or set HUP_RELOAD_TOKEN\) \(HTTP 401\)/,
  );

  const wrong = await reload({ HUP_RELOAD_TOKEN: `${TOKEN}x` });
  assert.equal(wrong.code, ExitCode.NoPermission);
  assert.ok(!wrong.stderr.includes(TOKEN), wrong.stderr);

  const both = await reload(
    {},
    "--token-file",
    tokenFile.path,
    "--token-env",
    "X",
  );
  assert.equal(both.code, ExitCode.Usage);
  const argv = await reload({}, `--token=${TOKEN}`);
  assert.equal(argv.code, ExitCode.Usage);
  assert.match(
    argv.stderr,
    /--token is not one of its options \(the token is read from --token-file or an environment variable, never from the command line/,
  );
  assert.ok(!argv.stderr.includes(TOKEN));
});

test("runCli() reload tells a refusal and a wrong address from a failed pass", async () => {
  await using closed = await startService(); // no token configured
  const { io, out } = memoryIo();
  assert.equal(
    await runCli(["reload", "--url", closed.url], io),
    ExitCode.NoPermission,
  );
  assert.match(
    out.stderr,
    /does not allow it \(HTTP 403: Forbidden: reloading over HTTP is disabled \(no token is configured\)\)/,
  );

  const wrongPath = memoryIo({ HUP_RELOAD_TOKEN: TOKEN });
  assert.equal(
    await runCli([
      "reload",
      "--url",
      closed.url.replace("/-/reload", "/reload"),
    ], wrongPath.io),
    ExitCode.Protocol,
  );
  assert.match(
    wrongPath.out.stderr,
    /the answer is not a reload result \(HTTP 404, text\/plain: Not Found\); check that --url is the reload handler's prefix/,
  );
});

test("runCli() reload gives up at --timeout with its code, without waiting for real", async () => {
  const timers: (() => void)[] = [];
  const asked = deferred<RequestInit>();
  const { io, out } = memoryIo({}, {
    setTimeout: (callback) => timers.push(callback),
    clearTimeout: () => {},
    fetch: (_input, init) => {
      asked.resolve(init!);
      return new Promise((_resolve, reject) =>
        init!.signal!.addEventListener(
          "abort",
          () => reject(new DOMException("aborted", "AbortError")),
        )
      );
    },
  });
  const code = runCli([
    "reload",
    "--url",
    "http://127.0.0.1:9/-/reload",
    "--timeout",
    "2.5",
  ], io);
  const init = await asked.promise;
  assert.equal(init.method, "POST");
  assert.equal(init.redirect, "manual");
  assert.equal(timers.length, 1);
  timers[0]();
  assert.equal(await code, ExitCode.Timeout);
  assert.equal(
    out.stderr,
    "hup-reload: Cannot reload as no answer came within 2.5 s (--timeout); the pass may still be running, see hup-reload status: http://127.0.0.1:9/-/reload\n",
  );
});

test("runCli() reload refuses an answer that is not a result, and escapes what it prints", async () => {
  const answer = (body: BodyInit, status = 200, type = "application/json") =>
    memoryIo({}, {
      fetch: () =>
        Promise.resolve(
          new Response(body, { status, headers: { "content-type": type } }),
        ),
    });
  const html = answer("<html>proxy error</html>", 502, "text/html");
  assert.equal(
    await runCli(["reload", "--url", "http://x/-/reload"], html.io),
    ExitCode.Protocol,
  );
  assert.match(
    html.out.stderr,
    /not a reload result \(HTTP 502, text\/html: <html>proxy error<\/html>\)/,
  );

  const shape = answer(JSON.stringify({ status: "fine" }));
  assert.equal(
    await runCli(["reload", "--url", "http://x/-/reload"], shape.io),
    ExitCode.Protocol,
  );

  const huge = answer(new Uint8Array(2 * 1024 * 1024).fill(0x20));
  assert.equal(
    await runCli(["reload", "--url", "http://x/-/reload"], huge.io),
    ExitCode.Protocol,
  );
  assert.match(huge.out.stderr, /larger than 1048576 bytes/);

  const nasty = answer(
    JSON.stringify({
      generation: 2,
      status: "partial_applied",
      trigger: "http",
      outcomes: [{
        name: "cache\u001b[2J",
        status: "failed",
        error: "boom\u001b]0;owned\u0007\u202e",
      }],
      started_at: "2026-01-01T00:00:00.000Z",
      ended_at: "2026-01-01T00:00:00.012Z",
    }),
    500,
  );
  assert.equal(
    await runCli(["reload", "--url", "http://x/-/reload"], nasty.io),
    ExitCode.PartialApplied,
  );
  assert.ok(
    ![...nasty.out.stdout].some((c) =>
      (c < " " && c !== "\n") || c === "\u007f" || c === "\u202e"
    ),
    nasty.out.stdout,
  );
  assert.match(
    nasty.out.stdout,
    /failed: cache\\u\{1b\}\[2J: boom\\u\{1b\}\]0;owned\\u\{7\}\\u\{202e\}/,
  );
  assert.match(
    nasty.out.stdout,
    /^reload: partial_applied, generation 2 \(trigger http, 12 ms\)/,
  );
});

test("runCli() check reads an env file strictly and names the line, never its text", async () => {
  await using file = await tempConfig(
    "db: ${DB_PASSWORD}\nhost: ${DB_HOST:-localhost}\n",
  );
  const envFile = join(file.dir, "app.env");
  const check = async (env: string) => {
    await writeFile(envFile, env);
    const { io, out } = memoryIo({ DB_HOST: "from-the-environment" });
    const code = await runCli(["check", file.path, "--env-file", envFile], io);
    return { code, ...out };
  };
  assert.equal((await check(`export DB_PASSWORD='${SECRET}'\n`)).code, 0);
  assert.equal(
    (await check(`; comment\n\nDB_PASSWORD = "a \\"quoted\\" ${SECRET}"\n`))
      .code,
    0,
  );
  for (
    const [text, reason] of [
      [`DB_PASSWORD=ok\n${SECRET}\n`, "the line is not NAME=value: .* line 2"],
      [
        `DB_PASSWORD=ok\n9${SECRET}=x\n`,
        "the line does not start with a variable name .* line 2",
      ],
      [
        `DB_PASSWORD="${SECRET}\n`,
        "the line has a quote that is not closed .* line 1",
      ],
      [
        `DB_PASSWORD='${SECRET}' trailing\n`,
        "the line has text after its closing quote: .* line 1",
      ],
    ]
  ) {
    const bad = await check(text);
    assert.equal(bad.code, ExitCode.NoInput, text);
    assert.match(
      bad.stderr,
      new RegExp(`Cannot read the env file as ${reason}`),
    );
    assert.ok(!bad.stderr.includes(SECRET), bad.stderr);
  }
  const { io, out } = memoryIo();
  const endless = await runCli(
    ["check", file.path, "--env-file", "/dev/zero"],
    io,
  );
  assert.equal(endless, ExitCode.NoInput);
  assert.equal(
    out.stderr,
    "hup-reload: Cannot read the env file as it is larger than 1048576 bytes: /dev/zero\n",
  );
  const unset = await check("OTHER=1\n");
  assert.equal(unset.code, ExitCode.CheckFailed);
  assert.match(unset.stderr, /the environment variable DB_PASSWORD is not set/);
});

test("runCli() check imports --schema's module and export, and refuses what is not a Standard Schema", async () => {
  await using file = await tempConfig("greeting: hi\nport: 80\n");
  const check = async (schema: string) => {
    const { io, out } = memoryIo();
    const code = await runCli(["check", file.path, "--schema", schema], io);
    return { code, ...out };
  };
  assert.equal((await check(schemaModule)).code, 0);
  assert.equal((await check(`${schemaModule}#configSchema`)).code, 0);
  const notSchema = await check(`${schemaModule}#notASchema`);
  assert.equal(notSchema.code, ExitCode.NoInput);
  assert.match(
    notSchema.stderr,
    /Cannot use the schema as the export notASchema is not a Standard Schema/,
  );
  const noExport = await check(`${schemaModule}#nope`);
  assert.equal(noExport.code, ExitCode.NoInput);
  assert.match(
    noExport.stderr,
    /the module has no export named nope: --schema /,
  );
  const noModule = await check(join(file.dir, "missing.js"));
  assert.equal(noModule.code, ExitCode.NoInput);
  assert.match(
    noModule.stderr,
    /Cannot use the schema as the module cannot be imported /,
  );

  await file.write(`greeting: ""\nport: ${SECRET}\n`);
  const invalid = await check(schemaModule);
  assert.equal(invalid.code, ExitCode.CheckFailed);
  assert.match(
    invalid.stderr,
    /line 1, column 1 field greeting: .*\n.*line 2, column 1 field port: /,
  );
  assert.ok(!invalid.stderr.includes(SECRET));
});

test("runCli() answers a bad command line with 64 and says which option", async () => {
  const cases: [string[], string][] = [
    [[], "Usage: hup-reload <command>"],
    [["relaod"], "relaod is not a command (check, reload or status)"],
    [["reload"], "--url is missing"],
    [["reload", "--url"], "--url needs a value"],
    [
      ["reload", "--url", "http://host/", "--timeout", "--json"],
      "--timeout needs a value",
    ],
    [["reload", "--url", "ftp://host/"], "--url is not an http: or https: URL"],
    [
      ["reload", "--url", "http://u:p@host/"],
      "--url holds a user name or password",
    ],
    [
      ["reload", "--url", "http://host/", "--timeout", "soon"],
      "--timeout is not a number of seconds",
    ],
    [
      ["reload", "--url", "http://host/", "--timeout", "0"],
      "--timeout is not a number of seconds",
    ],
    [
      ["reload", "--url", "http://a/", "--batch", "2"],
      "--batch is for --rolling",
    ],
    [
      ["reload", "--url", "http://a/", "--timeout", "1", "--timeout", "2"],
      "--timeout is given more than once",
    ],
    [
      ["reload", "--url", "http://host/", "--json=yes"],
      "--json takes no value",
    ],
    [
      ["reload", "--url", "http://host/", "extra"],
      "it takes no arguments besides its options",
    ],
    [["status", "--bogus"], "--bogus is not one of its options"],
    [["check"], "the config file is missing"],
    [["help", "nope"], "help takes one command's name"],
  ];
  for (const [args, message] of cases) {
    const { io, out } = memoryIo();
    assert.equal(await runCli(args, io), ExitCode.Usage, args.join(" "));
    assert.ok(out.stderr.includes(message), `${args.join(" ")}: ${out.stderr}`);
    assert.equal(out.stdout, "");
  }
  for (
    const args of [["--help"], ["-h"], ["help"], ["help", "status"], [
      "check",
      "--help",
    ], ["status", "-h", "--bogus"]]
  ) {
    const { io, out } = memoryIo();
    assert.equal(await runCli(args, io), 0, args.join(" "));
    assert.match(out.stdout, /^Usage: hup-reload /);
  }
  const version = memoryIo();
  assert.equal(await runCli(["--version"], version.io), 0);
  assert.equal(version.out.stdout, `hup-reload ${VERSION}\n`);
  const pkg = JSON.parse(await readFile(join(root, "package.json"), "utf8"));
  assert.equal(VERSION, pkg.version);
});

test("runCli() check reads the format the file name says, or the one --format names", async () => {
  await using file = await tempConfig('greeting = "hi"\nport = 80\n');
  const check = async (...args: string[]) => {
    const { io, out } = memoryIo();
    const code = await runCli(["check", file.path, ...args], io);
    return { code, ...out };
  };
  // A .yaml name: TOML text is not YAML ...
  const asYaml = await check();
  assert.equal(asYaml.code, ExitCode.CheckFailed);
  // ... but loads as TOML when asked.
  const asToml = await check("--format", "toml");
  assert.equal(asToml.code, ExitCode.Ok, asToml.stderr);
  assert.match(asToml.stdout, /: OK \(sha256:[0-9a-f]{64}\)\n$/);
  const unknown = await check("--format", "ini");
  assert.equal(unknown.code, ExitCode.Usage);
  assert.match(
    unknown.stderr,
    /Cannot run check as --format is not one of yaml, json, toml/,
  );
});

// ------------- the edges: statuses, clear text, FIFOs, shared token files

/** A result's JSON with the given status, as the handler sends it. */
function resultJson(status: string): string {
  return JSON.stringify({
    generation: 1,
    status,
    trigger: "http",
    outcomes: [],
    started_at: "2026-01-01T00:00:00.000Z",
    ended_at: "2026-01-01T00:00:00.001Z",
  });
}

/**
 * A {@linkcode CliIo} whose fetch never connects: it records each request
 * (its URL and Authorization header) and answers with a result (a status
 * for GET).
 */
function recordingIo(
  env: Record<string, string> = {},
  answer: () => Response = () =>
    new Response(resultJson("full_success"), {
      headers: { "content-type": "application/json" },
    }),
) {
  const sent: { url: string; authorization: string | null }[] = [];
  const { io, out } = memoryIo(env, {
    fetch: (input, init) => {
      sent.push({
        url: String(input),
        authorization: new Headers(init?.headers).get("authorization"),
      });
      return Promise.resolve(
        init?.method === "GET"
          ? new Response(
            JSON.stringify({
              generation: 0,
              config_digest: null,
              last_result: null,
            }),
            { headers: { "content-type": "application/json" } },
          )
          : answer(),
      );
    },
  });
  return { io, out, sent };
}

test("runCli() reload exits with a code that agrees with the HTTP status, or 76 when they disagree", async () => {
  const statuses = [
    "full_success",
    "partial_applied",
    "validation_failed",
    "load_failed",
  ] as const;
  const matching: Record<string, [number, ExitCode]> = {
    full_success: [200, ExitCode.Ok],
    partial_applied: [500, ExitCode.PartialApplied],
    validation_failed: [422, ExitCode.ValidationFailed],
    load_failed: [422, ExitCode.LoadFailed],
  };
  for (const status of statuses) {
    for (const http of [200, 422, 500]) {
      const { io, out } = recordingIo(
        {},
        () =>
          new Response(resultJson(status), {
            status: http,
            headers: { "content-type": "application/json" },
          }),
      );
      const code = await runCli(
        ["reload", "--url", "http://127.0.0.1:9/-/reload"],
        io,
      );
      const [expected, exit] = matching[status];
      if (http === expected) {
        assert.equal(code, exit, `${http} ${status}`);
        assert.match(out.stdout, new RegExp(`^reload: ${status}, `));
        continue;
      }
      assert.equal(code, ExitCode.Protocol, `${http} ${status}`);
      assert.equal(out.stdout, "", "no verdict is printed");
      assert.equal(
        out.stderr,
        `hup-reload: Cannot reload as the answer's HTTP status ${http} does not agree with the result it holds (${status}, which the handler answers with ${expected}), so the outcome is unknown; see hup-reload status: http://127.0.0.1:9/-/reload\n`,
      );
    }
  }
  // The help says so.
  const help = memoryIo();
  await runCli(["reload", "--help"], help.io);
  assert.match(help.out.stdout, /The exit code agrees with the HTTP status/);
  assert.match(help.out.stdout, /full_success with 500, say\) exits 76/);
});

test("runCli() never sends a token in clear to a host that is not loopback, unless --insecure", async () => {
  await using tokenFile = await tempConfig(`${TOKEN}\n`);
  await chmod(tokenFile.path, 0o600);
  const sources: [Record<string, string>, string[]][] = [
    [{ HUP_RELOAD_TOKEN: TOKEN }, []],
    [{ APP_TOKEN: TOKEN }, ["--token-env", "APP_TOKEN"]],
    [{}, ["--token-file", tokenFile.path]],
  ];
  const remote = [
    "http://10.1.2.3:9090/-/reload",
    "http://admin.example/-/reload",
    "http://app.localhost:9090/-/reload",
    "http://localhost.evil.example/-/reload",
    "http://127.0.0.1.nip.io/-/reload",
    "http://[::2]:9090/-/reload",
    "http://[fe80::1]/-/reload",
  ];
  const loopback = [
    "http://localhost:9090/-/reload",
    "http://LOCALHOST./-/reload",
    "http://127.0.0.1:9090/-/reload",
    "http://127.9.8.7/-/reload",
    "http://127.1/-/reload",
    "http://[::1]:9090/-/reload",
    "http://[0:0:0:0:0:0:0:1]/-/reload",
  ];
  for (const command of ["reload", "status"]) {
    for (const [env, args] of sources) {
      for (const url of remote) {
        const { io, out, sent } = recordingIo(env);
        const code = await runCli([command, "--url", url, ...args], io);
        assert.equal(code, ExitCode.Usage, `${command} ${url} ${args}`);
        assert.deepEqual(sent, [], "nothing was sent");
        assert.match(
          out.stderr,
          new RegExp(
            `^hup-reload: Cannot run ${command} as --url is http: to \\S+, which is not a loopback host, so the token from .* would cross the network in clear \\(use https:, or give --insecure to send it anyway\\)`,
          ),
        );
        assert.ok(!out.stderr.includes(TOKEN));
        // --insecure sends it all the same, as asked.
        const insecure = recordingIo(env);
        assert.equal(
          await runCli(
            [command, "--url", url, ...args, "--insecure"],
            insecure.io,
          ),
          ExitCode.Ok,
          insecure.out.stderr,
        );
        assert.deepEqual(
          insecure.sent.map((s) => s.authorization),
          [`Bearer ${TOKEN}`],
        );
      }
      for (const url of loopback) {
        const { io, out, sent } = recordingIo(env);
        assert.equal(
          await runCli([command, "--url", url, ...args], io),
          ExitCode.Ok,
          `${url}: ${out.stderr}`,
        );
        assert.deepEqual(sent.map((s) => s.authorization), [`Bearer ${TOKEN}`]);
      }
      // https: goes anywhere.
      const tls = recordingIo(env);
      assert.equal(
        await runCli(
          [command, "--url", "https://admin.example/-/reload", ...args],
          tls.io,
        ),
        ExitCode.Ok,
      );
      assert.equal(tls.sent.length, 1);
    }
    // Without a token, plain http goes anywhere too: there is nothing to
    // steal.
    const none = recordingIo();
    assert.equal(
      await runCli([command, "--url", remote[0]], none.io),
      ExitCode.Ok,
    );
    assert.deepEqual(none.sent, [{ url: remote[0], authorization: null }]);
  }
});

const onWindows = process.platform === "win32";
/** Waits between two polls of a FIFO, never as the thing a test measures. */
const poll = () => new Promise((r) => setTimeout(r, 10));

/** A FIFO, made by mkfifo(1) as an operator would. */
async function mkfifo(path: string, mode = "600"): Promise<void> {
  const made = await run(["mkfifo", "-m", mode, path]);
  assert.equal(made.code, 0, made.stderr);
}

/**
 * Opens the FIFO for writing once a reader has it open (polling with
 * O_NONBLOCK, so the test never blocks in open), within 10 s.
 */
async function openWriter(path: string) {
  const end = Date.now() + 10_000;
  for (;;) {
    try {
      return await open(path, constants.O_WRONLY | constants.O_NONBLOCK);
    } catch (error) {
      if ((error as { code?: string }).code !== "ENXIO" || Date.now() > end) {
        throw error;
      }
      await poll();
    }
  }
}

/** Writes `text` to the FIFO once a reader has it open, then closes it. */
async function writeFifo(path: string, text: string): Promise<void> {
  const writer = await openWriter(path);
  try {
    await writer.write(text);
  } finally {
    await writer.close();
  }
}

for (const runtime of RUNTIMES) {
  test(
    `hup-reload reload on ${runtime} gives up on a token FIFO at --timeout, warns of a shared token file, never sends a token in clear, and exits as the HTTP status says`,
    { timeout: 120_000, skip: onWindows && "no FIFOs nor mode bits" },
    async () => {
      await using service = await startService({ token: TOKEN });
      const dir = service.file.dir;
      const fifo = join(dir, "token.fifo");
      await mkfifo(fifo);
      const shared = join(dir, "shared-token");
      await writeFile(shared, `${TOKEN}\n`);
      await chmod(shared, 0o644);
      // A server that answers 500 with a body that says full_success.
      const liar = createServer((_req, res) => {
        res.writeHead(500, { "content-type": "application/json" });
        res.end(resultJson("full_success"));
      });
      await listen(liar);
      const liarPort = (liar.address() as AddressInfo).port;
      try {
        const argv = [
          ...cli(runtime, [
            `--allow-net=127.0.0.1:${service.port},127.0.0.1:${liarPort}`,
            `--allow-read=${fifo},${shared}`,
            "--allow-env=HUP_RELOAD_TOKEN",
          ]),
          "reload",
        ];

        // A FIFO that nobody writes to: exit 66 at --timeout, not never.
        const stuck = await run(
          [
            ...argv,
            "--url",
            service.url,
            "--token-file",
            fifo,
            "--timeout",
            "0.3",
          ],
          {},
          root,
          30_000,
        );
        assert.equal(stuck.code, ExitCode.NoInput, stuck.stderr);
        assert.equal(
          stuck.stderr,
          `hup-reload: Cannot read the token as nothing wrote it to the file within 0.3 s (--timeout; a FIFO with no writer?): ${fifo}\n`,
        );
        assert.ok(stuck.ms >= 300, `ended after ${stuck.ms} ms`);
        assert.equal(service.coordinator.generation(), 0);

        // The same FIFO with a writer: the token arrives, the pass runs.
        const [fed] = await Promise.all([
          run(
            [...argv, "--url", service.url, "--token-file", fifo],
            {},
            root,
            30_000,
          ),
          writeFifo(fifo, `${TOKEN}\n`),
        ]);
        assert.equal(fed.code, ExitCode.Ok, fed.stderr);
        assert.equal(fed.stderr, "");
        assert.equal(service.coordinator.generation(), 1);

        // A token file others can read: a warning naming it and the fix.
        const warned = await run([
          ...argv,
          "--url",
          service.url,
          "--token-file",
          shared,
        ]);
        assert.equal(warned.code, ExitCode.Ok, warned.stderr);
        assert.equal(
          warned.stderr,
          `hup-reload: Warning: other users can read the token file (mode 644); make it private with chmod 600 ${shared}\n`,
        );
        assert.ok(!warned.stderr.includes(TOKEN));

        // A token over plain http to a host that is not loopback: refused
        // before anything is sent (.invalid never resolves anyway).
        const clear = await run(
          [...argv, "--url", "http://hup-reload-test.invalid:9/-/reload"],
          { HUP_RELOAD_TOKEN: TOKEN },
        );
        assert.equal(clear.code, ExitCode.Usage, clear.stderr);
        assert.equal(
          clear.stderr,
          "hup-reload: Cannot run reload as --url is http: to hup-reload-test.invalid:9, which is not a loopback host, so the token from the environment variable HUP_RELOAD_TOKEN would cross the network in clear (use https:, or give --insecure to send it anyway): run hup-reload reload --help for its usage\n",
        );

        // HTTP 500 with a full_success body: not 0, and says why.
        const lied = await run([
          ...argv,
          "--url",
          `http://127.0.0.1:${liarPort}/-/reload`,
        ]);
        assert.equal(lied.code, ExitCode.Protocol, lied.stderr);
        assert.equal(lied.stdout, "");
        assert.match(
          lied.stderr,
          /HTTP status 500 does not agree with the result it holds \(full_success, which the handler answers with 200\)/,
        );
      } finally {
        await close(liar);
      }
    },
  );
}

test(
  "runCli() reads a token FIFO as its writer writes, and gives up at --timeout when none does",
  { skip: onWindows && "no FIFOs" },
  async () => {
    await using dir = await tempConfig("");
    const fifo = join(dir.dir, "token.fifo");
    await mkfifo(fifo);
    const reload = async (...extra: string[]) => {
      const { io, out, sent } = recordingIo();
      const started = performance.now();
      const code = await runCli([
        "reload",
        "--url",
        "http://127.0.0.1:9/-/reload",
        "--token-file",
        fifo,
        ...extra,
      ], io);
      return { code, ...out, sent, ms: performance.now() - started };
    };

    // No writer: the open does not block, and --timeout ends the wait.
    const none = await reload("--timeout", "0.3");
    assert.equal(none.code, ExitCode.NoInput);
    assert.equal(
      none.stderr,
      `hup-reload: Cannot read the token as nothing wrote it to the file within 0.3 s (--timeout; a FIFO with no writer?): ${fifo}\n`,
    );
    assert.ok(none.ms >= 250 && none.ms < 5000, `${none.ms} ms`);
    assert.deepEqual(none.sent, []);

    // A writer that comes after the reader has opened the FIFO (openWriter
    // waits for that), and writes in two pieces, which the reader may see
    // apart or together.
    const [late] = await Promise.all([
      reload("--timeout", "10"),
      (async () => {
        const writer = await openWriter(fifo);
        await writer.write(TOKEN.slice(0, 5));
        await writer.write(`${TOKEN.slice(5)}\n`);
        await writer.close();
      })(),
    ]);
    assert.equal(late.code, ExitCode.Ok, late.stderr);
    assert.deepEqual(late.sent.map((s) => s.authorization), [
      `Bearer ${TOKEN}`,
    ]);

    // A writer that opens it and never writes: the deadline still holds.
    let writer: Awaited<ReturnType<typeof openWriter>> | undefined;
    const [silent] = await Promise.all([
      reload("--timeout", "0.5"),
      openWriter(fifo).then((w) => writer = w),
    ]);
    await writer?.close();
    assert.equal(silent.code, ExitCode.NoInput);
    assert.match(silent.stderr, /within 0\.5 s \(--timeout; a FIFO/);
    assert.deepEqual(silent.sent, []);

    // A regular file is read whole, however short --timeout is.
    await dir.write(`${TOKEN}\n`);
    await chmod(dir.path, 0o600);
    const { io, sent } = recordingIo();
    assert.equal(
      await runCli([
        "reload",
        "--url",
        "http://127.0.0.1:9/-/reload",
        "--token-file",
        dir.path,
        "--timeout",
        "0.001",
      ], io),
      ExitCode.Ok,
    );
    assert.equal(sent.length, 1);
  },
);

test(
  "runCli() warns on stderr when other users can read the token file, and goes on",
  { skip: onWindows && "no mode bits" },
  async () => {
    await using file = await tempConfig(`${TOKEN}\n`);
    for (const mode of [0o644, 0o640, 0o604, 0o600, 0o400]) {
      await chmod(file.path, mode);
      const { io, out, sent } = recordingIo();
      const code = await runCli([
        "reload",
        "--url",
        "http://127.0.0.1:9/-/reload",
        "--token-file",
        file.path,
      ], io);
      assert.equal(code, ExitCode.Ok, out.stderr);
      assert.equal(sent.length, 1, "the token is sent all the same");
      const octal = mode.toString(8);
      assert.equal(
        out.stderr,
        (mode & 0o044) === 0
          ? ""
          : `hup-reload: Warning: other users can read the token file (mode ${octal}); make it private with chmod 600 ${file.path}\n`,
        octal,
      );
    }
  },
);

test("runCli() names the host a service does not serve (HTTP 421) apart from other refusals", async () => {
  await using service = await startService({ allowUnauthenticated: true });
  const handler = reloadHandler(service.coordinator, {
    allowUnauthenticated: true,
  });
  // The handler itself, reached under another name: no network.
  const { io, out } = memoryIo({}, {
    fetch: (input, init) => handler(new Request(input, init)),
  });
  const code = await runCli(
    ["reload", "--url", "http://admin.example:9090/-/reload"],
    io,
  );
  assert.equal(code, ExitCode.NoPermission);
  assert.equal(
    out.stderr,
    "hup-reload: Cannot reload as the service does not answer to the host name in --url (HTTP 421); use a loopback address, or one of the handler's allowedHosts: http://admin.example:9090/-/reload\n",
  );
  assert.equal(service.coordinator.lastResult(), null, "no pass ran");
  // Over the network, by its loopback address, it answers.
  const local = memoryIo();
  assert.equal(await runCli(["reload", "--url", service.url], local.io), 0);
});

test("the README and docs/cli.md name --insecure, as the refusal does", async () => {
  const readme = await readFile(join(root, "README.md"), "utf8");
  assert.match(readme, /`--insecure`/);
  const doc = await readFile(join(root, "docs/cli.md"), "utf8");
  assert.match(doc, /give `--insecure` to send it anyway/);
});
