// Benchmark 3, the load generator (runs on Node.js, inside bench/run.mjs):
// starts bench/serve_child.mjs on the runtime under test and loads it with
// autocannon on loopback, with a reload every 100 ms and with none.
//
// Two phases, each in ABBA order (none, reload, reload, none, ...) so every
// ratio compares runs taken next to each other:
// - saturated: 10 connections as fast as they go. Throughput and p99. The
//   two runs without reloads that sit next to each other give a control
//   ratio (none / none): the noise floor of the machine.
// - fixed rate, at half the throughput of the saturated warm-up: p99 at an
//   equal offered load (corrected for coordinated omission, as HdrHistogram
//   does), and the server CPU the reloads cost (all threads, from
//   process.cpuUsage() in the server), as a share of one core.
//
// Every response body is checked: status 200, `G:M` with G === M (file
// version N carries gen_marker N), and G never going back on a connection.
// Latencies come from autocannon's per-response event (sub-millisecond), not
// its whole-millisecond histogram.
import autocannon from "autocannon";
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { quantile, summary } from "./lib.mjs";

function startChild(command, args) {
  const child = spawn(command, args, { stdio: ["pipe", "pipe", "inherit"] });
  const queue = [];
  const waiters = [];
  createInterface({ input: child.stdout }).on("line", (line) => {
    let msg;
    try {
      msg = JSON.parse(line);
    } catch {
      return; // not ours
    }
    const w = waiters.shift();
    if (w) w(msg);
    else queue.push(msg);
  });
  const exited = new Promise((resolve) => child.on("exit", resolve));
  const next = () =>
    queue.length > 0 ? Promise.resolve(queue.shift()) : Promise.race([
      new Promise((resolve) => waiters.push(resolve)),
      exited.then((code) => {
        throw new Error(`server child exited with ${code}`);
      }),
    ]);
  const send = (line) => child.stdin.write(line + "\n");
  return { child, next, send, exited };
}

async function load(port, seconds, connections, rate) {
  const latencies = [];
  const check = { torn: 0, backwards: 0, bad: 0, generations: new Set() };
  const instance = autocannon({
    url: `http://127.0.0.1:${port}/`,
    connections,
    duration: seconds,
    ...(rate !== undefined && { overallRate: rate }),
    requests: [{
      method: "GET",
      path: "/",
      onResponse(status, body, context) {
        const text = String(body);
        const colon = text.indexOf(":");
        const g = Number(text.slice(0, colon));
        const m = Number(text.slice(colon + 1));
        if (status !== 200 || colon < 0 || !Number.isInteger(g)) {
          check.bad++;
          return;
        }
        if (g !== m) check.torn++;
        if (g < (context.lastGeneration ?? 0)) check.backwards++;
        context.lastGeneration = g;
        check.generations.add(g);
      },
    }],
  });
  // At a fixed rate a connection that waits on a slow response does not send
  // the requests it was due to: count them, as HdrHistogram's
  // recordValueWithExpectedInterval does.
  const interval = rate === undefined ? Infinity : 1000 * connections / rate;
  instance.on("response", (_client, _status, _bytes, ms) => {
    latencies.push(ms);
    for (let missed = ms - interval; missed > interval; missed -= interval) {
      latencies.push(missed);
    }
  });
  const result = await instance;
  return {
    rps: result.requests.total / seconds,
    total: result.requests.total,
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
    errors: result.errors + result.timeouts + result.non2xx,
    ...check,
    generations: check.generations.size,
  };
}

/**
 * Runs the benchmark on one runtime.
 *
 * @param {string} runtime "deno", "node" or "bun".
 * @param {string} command The runtime's executable.
 * @param {string[]} args Its arguments, ending with the child script.
 * @param {{ quick: boolean }} opts
 * @returns {Promise<object[]>} The rows for the table.
 */
export async function serveBench(runtime, command, args, opts) {
  const seconds = opts.quick ? 0.5 : 2;
  const pairs = opts.quick ? 1 : 8;
  const ratePairs = opts.quick ? 1 : 6;
  const warm = opts.quick ? 0.5 : 2;
  const connections = 10;
  const server = startChild(command, args);
  const rows = [];
  const row = (r) =>
    rows.push({ runtime, bench: "3 serving under reload", ...r });
  try {
    const ready = await server.next();
    const run = async (mode, secs, rate) => {
      server.send(mode === "reload" ? "reload-on" : "reload-none");
      await server.next();
      const r = rate === 0
        ? await new Promise((resolve) =>
          setTimeout(() => resolve({ total: 0, rps: 0 }), secs * 1000)
        )
        : await load(ready.port, secs, connections, rate);
      server.send("reload-off");
      r.server = await server.next();
      r.seconds = secs;
      return r;
    };
    const abba = async (n, rate) => {
      const runs = { none: [], reload: [] };
      for (let i = 0; i < n * 2; i++) {
        const mode = [0, 3].includes(i % 4) ? "none" : "reload";
        runs[mode].push(await run(mode, seconds, rate));
      }
      return runs;
    };
    // Warm-up, excluded: both modes, saturated, then at the fixed rate
    // (--quick: only the run that sets the fixed rate).
    const warmNone = await run("none", warm);
    const rate = Math.round(warmNone.rps / 2);
    if (!opts.quick) {
      await run("reload", warm);
      await run("reload", warm, rate);
    }

    const sat = await abba(pairs, undefined);
    const fixed = await abba(ratePairs, rate);
    // No load at all: the server CPU one reload costs, without the noise of
    // the load generator sharing the cores.
    const idle = await abba(ratePairs, 0);

    const med = (list, f) => summary(list.map(f)).value;
    const ratios = (runs, f) => runs.reload.map((r, i) => f(r, runs.none[i]));
    const cpuPct = (r) => Math.round(100 * r.server.cpu);

    const t = summary(ratios(sat, (r, n) => r.rps / n.rps));
    row({
      metric: "throughput, saturated: reload every 100 ms / none",
      ...t,
      unit: "x",
      goal: ">= 0.97x",
      ok: t.value >= 0.97,
      detail: `${Math.round(med(sat.reload, (r) => r.rps))} vs ${
        Math.round(med(sat.none, (r) => r.rps))
      } req/s; server CPU ${med(sat.reload, cpuPct)}% vs ${
        med(sat.none, cpuPct)
      }% of one core`,
    });
    const control = [];
    for (let k = 1; k + 1 < sat.none.length; k += 2) {
      control.push(sat.none[k + 1].rps / sat.none[k].rps);
    }
    if (control.length > 0) {
      row({
        metric: "control: throughput, saturated: none / none (noise floor)",
        ...summary(control),
        unit: "x",
        goal: "",
        ok: null,
      });
    }
    // Extra server CPU (all threads) with reloads, as a share of one core:
    // the capacity a saturated single-threaded server loses to them.
    const extra = (runs) =>
      ratios(
        runs,
        (r, n) => (r.server.cpuMs - n.server.cpuMs) / (1000 * r.seconds),
      );
    const perTick = (runs) =>
      (1000 * summary(extra(runs)).value / 10).toFixed(2);
    // Per idle run: the CPU (all threads) from the SIGHUP to the end of the
    // pass, median over its passes; 10 passes a second take that share of
    // a core. Harness work (writing and renaming the next file) is outside.
    const passCpu = idle.reload.map((r) => r.server.passCpuMsMedian);
    const capacity = summary(passCpu.map((ms) => 1 - 10 * ms / 1000));
    row({
      metric: "capacity: 1 - CPU share of 10 passes/s (idle server)",
      ...capacity,
      unit: "x",
      goal: ">= 0.97x",
      ok: capacity.value >= 0.97,
      detail: `${
        summary(passCpu).value.toFixed(2)
      } ms of CPU per pass (SIGHUP to pass end) with no load; per tick with the harness's file write and rename ${
        perTick(idle)
      } ms idle, ${perTick(fixed)} ms under a fixed ${rate} req/s (server CPU ${
        med(fixed.reload, cpuPct)
      }% vs ${med(fixed.none, cpuPct)}%, noisier)`,
    });
    const l = summary(ratios(sat, (r, n) => r.p99 / n.p99));
    row({
      metric: "p99 latency, saturated: reload / none",
      ...l,
      unit: "x",
      goal: "<= 1.10x",
      ok: l.value <= 1.10,
      detail: `${med(sat.reload, (r) => r.p99).toFixed(3)} vs ${
        med(sat.none, (r) => r.p99).toFixed(3)
      } ms (p50 ${med(sat.reload, (r) => r.p50).toFixed(3)} vs ${
        med(sat.none, (r) => r.p50).toFixed(3)
      } ms)`,
    });
    const lf = summary(ratios(fixed, (r, n) => r.p99 / n.p99));
    row({
      metric: "p99 latency, fixed rate: reload / none",
      ...lf,
      unit: "x",
      goal: "<= 1.10x",
      ok: lf.value <= 1.10,
      detail: `${med(fixed.reload, (r) => r.p99).toFixed(3)} vs ${
        med(fixed.none, (r) => r.p99).toFixed(3)
      } ms at ${rate} req/s, coordinated omission corrected (p50 ${
        med(fixed.reload, (r) => r.p50).toFixed(3)
      } vs ${med(fixed.none, (r) => r.p50).toFixed(3)} ms)`,
    });
    const all = [...sat.none, ...sat.reload, ...fixed.none, ...fixed.reload];
    const reloads = [...sat.reload, ...fixed.reload, ...idle.reload];
    const sum = (f) => all.reduce((s, r) => s + f(r), 0);
    const errors = sum((r) => r.errors + r.bad);
    row({
      metric: "errors (connection, timeout, non-2xx, bad body)",
      value: errors,
      unit: "count",
      goal: "0",
      ok: errors === 0,
      detail: `${sum((r) => r.total)} responses checked`,
    });
    const passes = reloads.reduce((s, r) => s + r.server.passes, 0);
    const statuses = {};
    for (const r of reloads) {
      for (const [k, v] of Object.entries(r.server.statuses)) {
        statuses[k] = (statuses[k] ?? 0) + v;
      }
    }
    const torn = sum((r) => r.torn + r.backwards);
    row({
      metric: "torn reads (generation != gen_marker, or going back)",
      value: torn,
      unit: "count",
      goal: "0",
      ok: torn === 0 && passes > 0 && statuses.full_success === passes,
      detail: `${passes} reloads in the measured runs (${
        JSON.stringify(statuses)
      }), ${reloads.reduce((s, r) => s + r.server.skipped, 0)} ticks skipped; ${
        med(reloads, (r) => r.generations)
      } generations seen per run; SIGHUP to pass end ${
        med(reloads, (r) => r.server.passMsMedian ?? NaN).toFixed(2)
      } ms median while serving`,
    });
    rows.push({
      runtime,
      bench: "note",
      metric:
        `serving: 10 KB config, schema, 10 no-op hooks; ${pairs} saturated + ${ratePairs} fixed-rate + ${ratePairs} idle (no load) ABBA pairs of ${seconds} s runs, ${connections} connections, after ${warm} s warm-up runs (excluded); ratio per pair, median [min-max]; the server and autocannon share the 2 cores`,
    });
    server.send("exit");
    await server.exited;
  } finally {
    server.child.kill("SIGKILL");
  }
  return rows;
}
