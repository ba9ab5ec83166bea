// hup-reload reload and status over many services from one command: the
// bounded fan-out, --targets (plain and Prometheus' file_sd), the rolling
// reload, and waiting for a digest or for convergence. Against services on
// 127.0.0.1 in this process, and once as a child process on each runtime.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
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
import { tempConfig } from "./_helpers.ts";
import { ExitCode } from "../src/cli/exit_codes.ts";
import type { CliIo } from "../src/cli/io.ts";
import { runCli } from "../src/cli/main.ts";

const isTs = import.meta.url.endsWith(".ts");
const root = fileURLToPath(new URL(isTs ? "../" : "../../", import.meta.url));
const TOKEN = "fleet-T0ken_value";

/** Requests in flight across every service of a test, and the most seen. */
class Flight {
  now = 0;
  most = 0;
  /** How long a request is held before it is served, so overlaps show. */
  holdMs = 0;
  #waiters: { n: number; resolve: () => void }[] = [];
  /** Requests seen, by service port. */
  seen = new Map<string, number>();
  enter(port: string) {
    this.now++;
    this.most = Math.max(this.most, this.now);
    this.seen.set(port, (this.seen.get(port) ?? 0) + 1);
    for (const w of this.#waiters.filter((w) => w.n <= this.total())) {
      w.resolve();
    }
    this.#waiters = this.#waiters.filter((w) => w.n > this.total());
  }
  leave() {
    this.now--;
  }
  total() {
    return [...this.seen.values()].reduce((a, b) => a + b, 0);
  }
  /** Resolves once `n` requests have arrived in all. */
  arrived(n: number): Promise<void> {
    if (this.total() >= n) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ n, resolve }));
  }
}

const refusing: Hook<ConfigObject> = {
  name: "greeter",
  check(_old, next) {
    if (next.refuse === true) {
      throw new Error("Cannot greet as refuse is set: refuse");
    }
  },
  apply: () => HookStatus.Applied,
};

/** A service on 127.0.0.1 port 0 whose requests `flight` counts. */
async function startService(flight = new Flight(), token?: string) {
  const file = await tempConfig("greeting: hello\n");
  const coordinator = await Coordinator.create({
    configPath: file.path,
    hooks: [refusing],
  });
  const handle = nodeListener(
    reloadHandler(
      coordinator,
      token === undefined ? { allowUnauthenticated: true } : { token },
    ),
  );
  let port = "";
  const server: Server = createServer((req, res) => {
    flight.enter(port);
    res.on("close", () => flight.leave());
    if (flight.holdMs > 0) {
      setTimeout(() => handle(req, res), flight.holdMs);
    } else handle(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = String((server.address() as AddressInfo).port);
  return {
    file,
    coordinator,
    port,
    url: `http://127.0.0.1:${port}/-/reload`,
    async [Symbol.asyncDispose]() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await coordinator.shutdown();
      await file[Symbol.asyncDispose]();
    },
  };
}

type Service = Awaited<ReturnType<typeof startService>>;

/** Starts `n` services sharing one `flight`, disposed together. */
async function startFleet(n: number, flight = new Flight(), token?: string) {
  const services: Service[] = [];
  for (let i = 0; i < n; i++) services.push(await startService(flight, token));
  return Object.assign(services, {
    flight,
    async [Symbol.asyncDispose]() {
      for (const s of services) await s[Symbol.asyncDispose]();
    },
  });
}

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return String(port);
}

function memoryIo(env: Record<string, string> = {}) {
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
  };
  return { io, out };
}

async function cli(args: string[], env: Record<string, string> = {}) {
  const { io, out } = memoryIo(env);
  const code = await runCli(args, io);
  return { code, ...out };
}

const urls = (services: readonly Service[]) =>
  services.flatMap((s) => ["--url", s.url]);

// ------------------------------------------------------------ fan-out

test("runCli() reload of many services prints a line each and a summary, and exits with the worst code", async () => {
  await using fleet = await startFleet(3);
  const [good, refused, broken] = fleet;
  await good.file.replace("greeting: howdy\n");
  await refused.file.replace("greeting: hi\nrefuse: true\n");
  await broken.file.replace("greeting: [\n");
  const down = `http://127.0.0.1:${await closedPort()}/-/reload`;

  // Every service is asked, whatever the others answer.
  const ran = await cli(["reload", ...urls(fleet), "--url", down]);
  assert.equal(ran.code, ExitCode.Unavailable, ran.stderr);
  const lines = ran.stdout.trimEnd().split("\n");
  assert.equal(lines.length, 5, ran.stdout);
  assert.match(
    lines[0],
    new RegExp(
      `^${good.url}: full_success, generation 1, config sha256:[0-9a-f]{64}, \\d+ ms$`,
    ),
  );
  assert.match(
    lines[1],
    new RegExp(`^${refused.url}: validation_failed \\(11\\), generation 0, `),
  );
  assert.match(lines[2], new RegExp(`^${broken.url}: load_failed \\(12\\), `));
  assert.match(
    lines[3],
    new RegExp(
      `^${down}: unavailable \\(69\\), \\d+ ms: Cannot reload as .*refused`,
    ),
  );
  assert.match(
    lines[4],
    /^reload: 4 targets: 1 full_success, 1 validation_failed, 1 load_failed, 1 unavailable; exit 69; \d+ ms$/,
  );
  assert.equal(good.coordinator.config.load().greeting, "howdy");

  // Without the unreachable one, the worst is load_failed's 12; as one
  // JSON document, each result in full.
  const json = await cli(["reload", ...urls(fleet), "--json"]);
  assert.equal(json.code, ExitCode.LoadFailed);
  const doc = JSON.parse(json.stdout);
  assert.deepEqual(
    doc.targets.map((t: { outcome: string; exit_code: number }) => [
      t.outcome,
      t.exit_code,
    ]),
    [["full_success", 0], ["validation_failed", 11], ["load_failed", 12]],
  );
  assert.equal(doc.targets[0].answer.status, "full_success");
  assert.equal(doc.summary.exit_code, 12);
  assert.equal(doc.summary.targets, 3);

  // A dry run of many: would_apply everywhere it would, nothing changed.
  await refused.file.replace("greeting: fine\n");
  await broken.file.replace("greeting: fixed\n");
  const dry = await cli(["reload", "--dry-run", ...urls(fleet)]);
  assert.equal(dry.code, ExitCode.Ok, dry.stdout + dry.stderr);
  assert.match(dry.stdout, /\ndry run: 3 targets: 3 would_apply; exit 0; /);
  assert.equal(refused.coordinator.config.load().greeting, "hello");
});

test("runCli() reload of many keeps each service's protections: a status that disagrees with the result is 76, a host not served 77", async () => {
  await using fleet = await startFleet(1);
  await fleet[0].file.replace("greeting: howdy\n");
  // A proxy that says full_success under a 500, and a server that does not
  // serve the host name (421, the handler's answer to DNS rebinding).
  const fake = createServer((req, res) => {
    if (req.url!.startsWith("/proxy")) {
      res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({
        generation: 1,
        status: "full_success",
        trigger: "http",
        outcomes: [],
        started_at: "2026-01-01T00:00:00.000Z",
        ended_at: "2026-01-01T00:00:00.001Z",
      }));
    } else if (req.url!.startsWith("/odd")) {
      // A status whose fields would drive the terminal, and a long one.
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({
        generation: 0,
        config_digest: `sha256:\u001b[31mred${"x".repeat(5000)}`,
        drift: { since: "\u202enow", digest: null },
        last_result: null,
      }));
    } else {
      res.writeHead(421).end();
    }
  });
  await new Promise<void>((resolve) => fake.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`;
  try {
    const ran = await cli([
      "reload",
      "--url",
      `${base}/proxy`,
      "--url",
      fleet[0].url,
      "--url",
      `${base}/other`,
    ]);
    assert.equal(ran.code, ExitCode.NoPermission);
    const lines = ran.stdout.split("\n");
    assert.match(
      lines[0],
      /^http:\/\/127\.0\.0\.1:\d+\/proxy: protocol \(76\), \d+ ms: Cannot reload as the answer's HTTP status 500 does not agree with the result it holds/,
    );
    assert.match(lines[1], /: full_success, generation 1, /);
    assert.match(lines[2], /\/other: refused \(77\), \d+ ms: .*HTTP 421/);
    const odd = await cli([
      "status",
      "--url",
      `${base}/odd`,
      "--parallel",
      "1",
    ]);
    assert.equal(odd.code, ExitCode.LoadFailed); // drifting
    const line = odd.stdout.split("\n")[0];
    assert.ok(
      ![...line].some((c) => c.charCodeAt(0) < 0x20 || c === "\u202e"),
      line,
    );
    assert.match(
      line,
      /config sha256:\\u\{1b\}\[31mredx+…, drift since \\u\{202e\}now/,
    );
    assert.ok(line.length < 400, `${line.length} characters`);
  } finally {
    fake.closeAllConnections();
    await new Promise((resolve) => fake.close(resolve));
  }
});

test("runCli() reload asks at most --parallel services at once", async () => {
  const flight = new Flight();
  flight.holdMs = 40; // each request held, so overlapping ones show
  await using fleet = await startFleet(6, flight);
  const two = await cli(["reload", ...urls(fleet), "--parallel", "2"]);
  assert.equal(two.code, 0, two.stdout);
  assert.equal(flight.most, 2);
  flight.most = 0;
  const batch = await cli([
    "reload",
    "--rolling",
    "--batch",
    "6",
    "--parallel",
    "2",
    ...urls(fleet),
  ]);
  assert.equal(batch.code, 0, batch.stdout);
  assert.equal(flight.most, 2);
  flight.most = 0;
  const all = await cli(["reload", ...urls(fleet)]); // default 8
  assert.equal(all.code, 0, all.stdout);
  assert.ok(flight.most > 2, `at most ${flight.most} at once`);
  for (const bad of ["0", "65", "two", "1.5"]) {
    const ran = await cli(["reload", ...urls(fleet), "--parallel", bad]);
    assert.equal(ran.code, ExitCode.Usage, bad);
    assert.match(ran.stderr, /--parallel is not a whole number from 1 to 64/);
  }
});

// ------------------------------------------------------------ --targets

test("runCli() status reads --targets as URL lines or as Prometheus file_sd JSON", async () => {
  await using fleet = await startFleet(3);
  await using plain = await tempConfig(
    `# the fleet\n${fleet[0].url}\n\n  ${fleet[1].url}  \n# ${fleet[2].url}\n${
      fleet[0].url
    }\n`,
  );
  const lines = await cli(["status", "--targets", plain.path]);
  assert.equal(lines.code, 0, lines.stderr);
  // The commented one is not read; the one named twice is asked once.
  assert.deepEqual(
    lines.stdout.trimEnd().split("\n").map((l) => l.split(": ")[0]),
    [fleet[0].url, fleet[1].url, "status"],
  );
  assert.match(lines.stdout, /^status: 2 targets: 2 none; exit 0; /m);

  await using sd = await tempConfig(JSON.stringify([
    { targets: [`127.0.0.1:${fleet[0].port}`], labels: { job: "app" } },
    {
      targets: [`127.0.0.1:${fleet[1].port}`, `127.0.0.1:${fleet[2].port}`],
      labels: { __hup_reload_path__: "/-/reload" },
    },
  ]));
  const fromSd = await cli(["status", "--targets", sd.path, "--json"]);
  assert.equal(fromSd.code, 0, fromSd.stderr);
  assert.deepEqual(
    JSON.parse(fromSd.stdout).targets.map((t: { url: string }) => t.url),
    [
      fleet[0].url,
      fleet[1].url,
      fleet[2].url,
    ],
  );
  // --path for targets that do not say theirs: a wrong one is the
  // handler's 404, that target's line.
  const wrongPath = await cli([
    "status",
    "--targets",
    sd.path,
    "--path",
    "/nope",
  ]);
  assert.equal(wrongPath.code, ExitCode.Protocol);
  assert.match(wrongPath.stdout, /\/nope: protocol \(76\)/);
  assert.match(wrongPath.stdout, /status: 3 targets: 1 protocol, 2 none;/);

  // Bad files name the line or the entry, exit 66, and ask nothing.
  const before = fleet.flight.total();
  const cases: [string, RegExp][] = [
    [`${fleet[0].url}\n\nftp://x/\n`, /line 3 is not an http: or https: URL/],
    [`not a url\n`, /line 1 is not a URL/],
    ["[{]", /starts with \[ but is not JSON/],
    ['[{"targets":["h:1/path"]}]', /group 1, target 1 is not a host/],
    ['[{"targets":"h:1"}]', /group 1 has no "targets" list/],
    [
      '[{"targets":["h:1"],"labels":{"__scheme__":"ftp"}}]',
      /group 1's label __scheme__ is not http or https/,
    ],
    ["# nothing\n", /names no target/],
  ];
  for (const [text, message] of cases) {
    await writeFile(plain.path, text);
    const ran = await cli(["status", "--targets", plain.path]);
    assert.equal(ran.code, ExitCode.NoInput, text);
    assert.match(ran.stderr, message, text);
    assert.match(ran.stderr, /: --targets \/.+\n$/);
  }
  await writeFile(plain.path, `${fleet[0].url}\n`.repeat(1001));
  const many = await cli(["status", "--targets", plain.path]);
  assert.match(many.stderr, /more than 1000 targets/);
  await writeFile(plain.path, "#".repeat(1024 * 1024 + 1));
  const large = await cli(["status", "--targets", plain.path]);
  assert.match(large.stderr, /larger than 1048576 bytes/);
  assert.equal(fleet.flight.total(), before);
});

test("runCli() sends a token to no target when one of them is http: to a host that is not loopback", async () => {
  await using fleet = await startFleet(1, new Flight(), TOKEN);
  await using sd = await tempConfig(JSON.stringify([
    { targets: [`127.0.0.1:${fleet[0].port}`, "10.0.0.5:9090"] },
  ]));
  const env = { HUP_RELOAD_TOKEN: TOKEN };
  const ran = await cli(["reload", "--targets", sd.path], env);
  assert.equal(ran.code, ExitCode.Usage);
  assert.match(
    ran.stderr,
    /--targets names http:\/\/10\.0\.0\.5:9090\/-\/reload, http: to 10\.0\.0\.5:9090, which is not a loopback host/,
  );
  assert.equal(fleet.flight.total(), 0);
  const ok = await cli(
    ["reload", "--url", fleet[0].url, "--parallel", "1"],
    env,
  );
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  assert.ok(!ok.stdout.includes(TOKEN) && !ok.stderr.includes(TOKEN));
});

// ------------------------------------------------------------ --rolling

test("runCli() reload --rolling stops at the first service that fails and leaves the rest untouched", async () => {
  await using fleet = await startFleet(5);
  for (const s of fleet) await s.file.replace("greeting: howdy\n");
  await fleet[1].file.replace("greeting: hi\nrefuse: true\n");
  const ran = await cli(["reload", "--rolling", ...urls(fleet)]);
  assert.equal(ran.code, ExitCode.ValidationFailed);
  assert.deepEqual(
    fleet.map((s) => s.coordinator.generation()),
    [1, 0, 0, 0, 0],
  );
  assert.deepEqual(
    fleet.map((s) => fleet.flight.seen.get(s.port) ?? 0),
    [1, 1, 0, 0, 0],
  );
  assert.match(
    ran.stdout,
    new RegExp(
      `\n${
        fleet[2].url
      }: not asked \\(the rolling reload stopped before it\\)\n`,
    ),
  );
  assert.match(
    ran.stdout,
    /\nreload: 5 targets: 1 full_success, 1 validation_failed, 3 not_asked; stopped at the first failure; exit 11; /,
  );

  // --batch 2: a batch is asked together, and the next not after a failure.
  for (const s of fleet) await s.file.replace("greeting: again\n");
  await fleet[3].file.replace("greeting: [\n");
  const batched = await cli([
    "reload",
    "--rolling",
    "--batch",
    "2",
    ...urls(fleet),
    "--json",
  ]);
  assert.equal(batched.code, ExitCode.LoadFailed);
  assert.deepEqual(
    fleet.map((s) => s.coordinator.generation()),
    [2, 1, 1, 0, 0],
  );
  const doc = JSON.parse(batched.stdout);
  assert.equal(doc.summary.stopped, true);
  assert.equal(doc.targets[4].outcome, "not_asked");

  // All good: every one, in order.
  for (const s of fleet) await s.file.replace("greeting: last\n");
  const all = await cli(["reload", "--rolling", ...urls(fleet)]);
  assert.equal(all.code, 0, all.stdout);
  assert.deepEqual(
    fleet.map((s) => s.coordinator.generation()),
    [3, 2, 2, 1, 1],
  );
  const batchAlone = await cli(["reload", ...urls(fleet), "--batch", "2"]);
  assert.equal(batchAlone.code, ExitCode.Usage);
  assert.match(batchAlone.stderr, /--batch is for --rolling/);
});

// ------------------------------------------------------------ waiting

test("runCli() status --wait-digest waits until every service serves the digest, or gives up at --timeout", async () => {
  await using fleet = await startFleet(3);
  const [ahead, behind] = fleet;
  await ahead.file.replace("greeting: howdy\n");
  const digest = (await ahead.coordinator.reload()).config_digest!;
  for (const s of fleet.slice(2)) {
    await s.file.replace("greeting: howdy\n");
    await s.coordinator.reload();
  }
  const args = [
    "status",
    ...urls(fleet),
    "--wait-digest",
    digest,
    "--interval",
    "0.05",
  ];
  const waiting = cli([...args, "--timeout", "30"]);
  // Once it has read them all at least twice, the one behind catches up.
  await fleet.flight.arrived(6);
  await behind.file.replace("greeting: howdy\n");
  await behind.coordinator.reload();
  const met = await waiting;
  assert.equal(met.code, 0, met.stdout + met.stderr);
  assert.match(
    met.stdout,
    new RegExp(
      `\nstatus: 3 targets: 3 full_success; on ${digest} after \\d+ rounds; exit 0; `,
    ),
  );
  assert.ok(!/on sha256:\S+ after 1 round;/.test(met.stdout));

  // A digest no one serves: 75 at --timeout, the last round's lines shown.
  const other = `sha256:${"0".repeat(64)}`;
  const late = await cli([
    ...args.slice(0, -4),
    "--wait-digest",
    other,
    "--interval",
    "0.05",
    "--timeout",
    "0.3",
  ]);
  assert.equal(late.code, ExitCode.Timeout);
  assert.match(
    late.stdout,
    new RegExp(
      `; not on ${other} within --timeout \\(\\d+ rounds\\); exit 75; `,
    ),
  );
  assert.equal(late.stdout.split("\n").length, 5);
  const bad = await cli(["status", ...urls(fleet), "--wait-digest", "md5:x"]);
  assert.equal(bad.code, ExitCode.Usage);
});

test("runCli() status --wait-converged waits for one digest and no drift", async () => {
  await using fleet = await startFleet(2);
  const converged = await cli([
    "status",
    ...urls(fleet),
    "--wait-converged",
    "--json",
  ]);
  assert.equal(converged.code, 0, converged.stderr);
  assert.deepEqual(JSON.parse(converged.stdout).summary.wait, {
    for: "converged",
    met: true,
    rounds: 1,
  });

  // The second's file holds a change its check refuses: it drifts, on the
  // same digest as the first.
  await fleet[1].file.replace("greeting: changed\nrefuse: true\n");
  assert.equal((await fleet[1].coordinator.verify()).in_sync, false);
  const drifting = await cli([
    "status",
    ...urls(fleet),
    "--wait-converged",
    "--interval",
    "0.05",
    "--timeout",
    "0.3",
  ]);
  assert.equal(drifting.code, ExitCode.Timeout);
  assert.match(
    drifting.stdout,
    new RegExp(
      `\n${
        fleet[1].url
      }: validation_failed \\(12\\), generation 0, config sha256:[0-9a-f]{64}, drift since \\S+ \\(the source holds sha256:[0-9a-f]{64}\\), \\d+ ms\n`,
    ),
  );
  assert.match(drifting.stdout, /not converged within --timeout/);
});

// ------------------------------------------------------------ processes

type Runtime = "deno" | "node" | "bun";
const bin = (name: string) => join(root, "node_modules/.bin", name);
const command: Record<Runtime, string[]> = {
  deno: [
    bin("deno"),
    "run",
    "--no-prompt",
    "--allow-net=127.0.0.1",
    join(root, "cli.ts"),
  ],
  node: ["node", join(root, "bin/hup-reload.js")],
  bun: [bin("bun"), join(root, "cli.ts")],
};

function run(argv: string[]) {
  const env = { ...process.env };
  delete env.HUP_RELOAD_TOKEN;
  return new Promise<{ code: number | null; stdout: string; stderr: string }>(
    (resolve, reject) => {
      const child = spawn(argv[0], argv.slice(1), {
        cwd: root,
        env,
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      child.stdout!.setEncoding("utf8").on("data", (d) => stdout += d);
      child.stderr!.setEncoding("utf8").on("data", (d) => stderr += d);
      const killer = setTimeout(() => child.kill("SIGKILL"), 60_000);
      child.on("error", reject);
      child.on("close", (code) => {
        clearTimeout(killer);
        resolve({ code, stdout, stderr });
      });
    },
  );
}

test(
  "hup-reload reload with three --url on each runtime reloads all three in one process",
  { timeout: 120_000 },
  async () => {
    await using fleet = await startFleet(3);
    for (const [i, runtime] of (["deno", "node", "bun"] as const).entries()) {
      for (const s of fleet) await s.file.replace(`greeting: v${i}\n`);
      await fleet[2].file.replace("greeting: [\n");
      const ran = await run([...command[runtime], "reload", ...urls(fleet)]);
      assert.equal(ran.code, ExitCode.LoadFailed, `${runtime}: ${ran.stderr}`);
      assert.match(
        ran.stdout,
        /\nreload: 3 targets: 2 full_success, 1 load_failed; exit 12; \d+ ms\n$/,
        runtime,
      );
      assert.deepEqual(
        fleet.map((s) => s.coordinator.config.load().greeting),
        [`v${i}`, `v${i}`, "hello"],
        runtime,
      );
    }
  },
);
