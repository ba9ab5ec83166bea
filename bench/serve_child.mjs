// Benchmark 3, the server: an HTTP server on 127.0.0.1 (Deno.serve on Deno,
// node:http on Node.js, Bun.serve on Bun) whose handler reads the config on
// every request with `holder.snapshot()` and answers
// `${generation}:${config.gen_marker}`. The runner (bench/serve.mjs) loads it
// with autocannon and checks every body: file version N carries
// `gen_marker: N`, and every pass loads exactly one new version, so a body
// whose two numbers differ is a torn read.
//
// Arguments: `--size=BYTES` of the config (default 10240), `--tick=MS`
// between reloads (default 100) and `--first=MS` before the first one
// (default: one tick).
//
// Commands on stdin, one per line; answers are JSON lines on stdout:
//   reload-on   every tick: rename the next version (written at the
//               previous tick) over the config, send SIGHUP to this process,
//               wait for the pass; a tick that finds a pass still running is
//               skipped (and counted)
//   reload-off  stop, wait for the running pass, report the counters
//   exit
import { rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import process from "node:process";
import { createInterface } from "node:readline";
import {
  age,
  flags,
  loadModule,
  makeConfig,
  noopHooks,
  runtimeName,
  schema,
  tempDir,
  wallNow,
} from "./lib.mjs";

const { AtomicConfig, Coordinator, HookStatus, loadConfig } =
  await loadModule();

const opts = flags();
const SIZE = Number(opts.size ?? 10 * 1024);
const TICK_MS = Number(opts.tick ?? 100);
const FIRST_MS = Number(opts.first ?? TICK_MS);
const template = makeConfig(SIZE, 0);
const versionOf = (n) =>
  template.replace("\ngen_marker: 0\n", `\ngen_marker: ${n}\n`);
const dir = await tempDir();
const path = join(dir, "config.yaml");
const staged = join(dir, "config.yaml.next");
let version = 0;
await writeFile(path, versionOf(version));
await age(path);

const holder = new AtomicConfig(await loadConfig(path, { schema }));
const coordinator = new Coordinator({
  configPath: path,
  config: holder,
  schema,
  hooks: noopHooks(10, HookStatus),
});
coordinator.watch();

const body = () => {
  const s = holder.snapshot();
  return `${s.generation}:${s.config.gen_marker}`;
};

let port;
if (runtimeName === "deno") {
  const server = globalThis.Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    onListen() {},
  }, () => new Response(body()));
  port = server.addr.port;
} else if (runtimeName === "bun") {
  const server = globalThis.Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: () => new Response(body()),
  });
  port = server.port;
} else {
  const { createServer } = await import("node:http");
  const server = createServer((_req, res) => {
    res.end(body());
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = server.address().port;
}

// ---------------------------------------------------------------- reloads

let timer = null;
let inFlight = null; // resolves when the pass for the last SIGHUP finished
let counters;
const resetCounters = () => {
  counters = {
    passes: 0,
    skipped: 0,
    statuses: {},
    passMs: [],
    passCpuMs: [],
    windows: [], // [start, end] of each pass, on the shared wall clock
  };
};
resetCounters();

async function stageNext() {
  await writeFile(staged, versionOf(version + 1));
}

function tick() {
  if (inFlight !== null) {
    counters.skipped++;
    return;
  }
  inFlight = (async () => {
    await rename(staged, path); // an atomic replace, as deploy tools do
    version++;
    const done = new Promise((resolve) =>
      coordinator.addEventListener("reload", (e) => resolve(e.result), {
        once: true,
      })
    );
    const t0 = performance.now();
    const w0 = wallNow();
    const cpu0 = process.cpuUsage();
    process.kill(process.pid, "SIGHUP");
    const result = await done;
    const cpu = process.cpuUsage(cpu0);
    counters.windows.push([w0, wallNow()]);
    counters.passMs.push(performance.now() - t0);
    counters.passCpuMs.push((cpu.user + cpu.system) / 1000);
    counters.passes++;
    counters.statuses[result.status] = (counters.statuses[result.status] ?? 0) +
      1;
    if (result.generation !== version) {
      counters.statuses.generation_mismatch =
        (counters.statuses.generation_mismatch ?? 0) + 1;
    }
    await stageNext();
  })().finally(() => inFlight = null);
}

const say = (obj) => process.stdout.write(JSON.stringify(obj) + "\n");
let cpuStart = process.cpuUsage();
let wallStart = performance.now();

createInterface({ input: process.stdin }).on("line", async (line) => {
  if (line === "reload-on" || line === "reload-none") {
    resetCounters();
    if (line === "reload-on") {
      await stageNext();
      timer = setTimeout(() => {
        tick();
        timer = setInterval(tick, TICK_MS);
      }, FIRST_MS);
    }
    cpuStart = process.cpuUsage();
    wallStart = performance.now();
    say({ started: line });
  } else if (line === "reload-off") {
    // Either the first tick's timeout or the interval after it.
    if (timer !== null) {
      clearTimeout(timer);
      clearInterval(timer);
    }
    timer = null;
    const cpu = process.cpuUsage(cpuStart);
    const wall = performance.now() - wallStart;
    await inFlight;
    const passMs = counters.passMs.sort((a, b) => a - b);
    const passCpuMs = counters.passCpuMs.sort((a, b) => a - b);
    say({
      stopped: true,
      passes: counters.passes,
      windows: counters.windows,
      skipped: counters.skipped,
      statuses: counters.statuses,
      passMsMedian: passMs[passMs.length >> 1] ?? null,
      passMsMax: passMs[passMs.length - 1] ?? null,
      passCpuMsMedian: passCpuMs[passCpuMs.length >> 1] ?? null,
      cpu: (cpu.user + cpu.system) / 1000 / wall,
      cpuMs: (cpu.user + cpu.system) / 1000,
      generation: holder.snapshot().generation,
    });
  } else if (line === "exit") {
    process.exit(0);
  }
});
say({ ready: true, port });
