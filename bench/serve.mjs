// Benchmark 3, the load generator (runs on Node.js, inside bench/run.mjs):
// starts bench/serve_child.mjs on the runtime under test and loads it with
// autocannon on loopback, with a reload every 100 ms and with none; then
// starts a second server whose config is 1 MB (so every pass parses it in
// the worker), reloaded every 1 s, and measures p99 and integrity again,
// saturated only, with fewer, longer pairs (each 3 s run sees 3 reloads, the
// first 0.5 s in).
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
import { onJsonLines, quantile, summary, threadsOf, wallNow } from "./lib.mjs";

// The median of `f` over runs.
const med = (list, f) => summary(list.map(f)).value;
// `f(run with reloads, run without)` for each ABBA pair.
const ratios = (runs, f) => runs.reload.map((r, i) => f(r, runs.none[i]));

function startChild(command, args) {
  const child = spawn(command, args, { stdio: ["pipe", "pipe", "inherit"] });
  const queue = [];
  const waiters = [];
  onJsonLines(child.stdout, (msg) => {
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

// CPU time of process `pid`: its main thread (the event loop) and all its
// other threads, in ms; null where there is no /proc.
function threadCpu(pid) {
  const threads = threadsOf(pid);
  if (threads === null) return null;
  let main = 0;
  let other = 0;
  for (const t of threads) {
    if (t.tid === pid) main += t.cpuMs;
    else other += t.cpuMs;
  }
  return { main, other };
}

// The p99 of the responses in flight while a pass ran (from the SIGHUP to
// the result, on the shared wall clock) and of the others.
function duringPasses({ latencies, stamps }, windows) {
  const inside = [];
  const outside = [];
  for (let i = 0; i < latencies.length; i++) {
    const end = stamps[i];
    const start = end - latencies[i];
    const hit = windows.some(([a, b]) => start <= b && end >= a);
    (hit ? inside : outside).push(latencies[i]);
  }
  return {
    p99In: quantile(inside, 0.99),
    p99Out: quantile(outside, 0.99),
    shareIn: inside.length / Math.max(1, latencies.length),
  };
}

async function load(port, seconds, connections, rate) {
  const latencies = [];
  const stamps = []; // when each response came, on the shared wall clock
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
    const now = wallNow();
    latencies.push(ms);
    stamps.push(now);
    for (let missed = ms - interval; missed > interval; missed -= interval) {
      latencies.push(missed);
      stamps.push(now);
    }
  });
  const result = await instance;
  return {
    rps: result.requests.total / seconds,
    total: result.requests.total,
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
    max: quantile(latencies, 1),
    errors: result.errors + result.timeouts + result.non2xx,
    ...check,
    generations: check.generations.size,
    samples: { latencies, stamps },
  };
}

// Runs the ABBA phases against one server: a warm-up (excluded), then
// `pairs` saturated pairs, `ratePairs` pairs at half the warm-up's
// throughput and `idlePairs` pairs without load, each run `seconds` long.
async function phases(server, port, plan) {
  const {
    seconds,
    pairs,
    ratePairs,
    idlePairs,
    warm,
    warmReload,
    connections,
  } = plan;
  const run = async (mode, secs, rate) => {
    server.send(mode === "reload" ? "reload-on" : "reload-none");
    await server.next();
    const cpu0 = threadCpu(server.child.pid);
    const r = rate === 0
      ? await new Promise((resolve) =>
        setTimeout(() => resolve({ total: 0, rps: 0 }), secs * 1000)
      )
      : await load(port, secs, connections, rate);
    server.send("reload-off");
    r.server = await server.next();
    const cpu1 = threadCpu(server.child.pid);
    r.threadCpu = cpu0 === null || cpu1 === null ? null : {
      main: cpu1.main - cpu0.main,
      other: cpu1.other - cpu0.other,
    };
    if (r.samples !== undefined) {
      r.during = duringPasses(r.samples, r.server.windows);
      delete r.samples;
    }
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
  if (warmReload) {
    await run("reload", warm);
    if (ratePairs > 0) await run("reload", warm, rate);
  }

  const sat = await abba(pairs, undefined);
  const fixed = await abba(ratePairs, rate);
  // No load at all: the server CPU one reload costs, without the noise of
  // the load generator sharing the cores.
  const idle = await abba(idlePairs, 0);
  return { sat, fixed, idle, rate };
}

// The errors and torn reads rows of one server's runs.
function integrity(row, { sat, fixed, idle }, suffix) {
  const all = [...sat.none, ...sat.reload, ...fixed.none, ...fixed.reload];
  const reloads = [...sat.reload, ...fixed.reload, ...idle.reload];
  const sum = (f) => all.reduce((s, r) => s + f(r), 0);
  const errors = sum((r) => r.errors + r.bad);
  row({
    metric: `errors (connection, timeout, non-2xx, bad body)${suffix}`,
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
    metric: `torn reads (generation != gen_marker, or going back)${suffix}`,
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
  const rows = [];
  const row = (r) =>
    rows.push({ runtime, bench: "3 serving under reload", ...r });
  const note = (text) => rows.push({ runtime, bench: "note", metric: text });
  await serveSmall(command, args, opts, row, note);
  await serveLarge(command, args, opts, row, note);
  return rows;
}

// A server on the runtime under test; `extra` are its arguments.
async function withServer(command, args, extra, body) {
  const server = startChild(command, [...args, ...extra]);
  try {
    const ready = await server.next();
    await body(server, ready.port);
    server.send("exit");
    await server.exited;
  } finally {
    server.child.kill("SIGKILL");
  }
}

// 10 KB config, a reload every 100 ms.
async function serveSmall(command, args, opts, row, note) {
  const seconds = opts.quick ? 0.5 : 2;
  const pairs = opts.quick ? 1 : 8;
  const ratePairs = opts.quick ? 1 : 6;
  const warm = opts.quick ? 0.5 : 2;
  const connections = 10;
  await withServer(command, args, [], async (server, port) => {
    const { sat, fixed, idle, rate } = await phases(server, port, {
      seconds,
      pairs,
      ratePairs,
      idlePairs: ratePairs,
      warm,
      warmReload: !opts.quick,
      connections,
    });

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
    integrity(row, { sat, fixed, idle }, "");
    note(
      `serving: 10 KB config, schema, 10 no-op hooks; ${pairs} saturated + ${ratePairs} fixed-rate + ${ratePairs} idle (no load) ABBA pairs of ${seconds} s runs, ${connections} connections, after ${warm} s warm-up runs (excluded); ratio per pair, median [min-max]; the server and autocannon share the 2 cores`,
    );
  });
}

// 1 MB config, a reload every 1 s: p99 saturated, and integrity. Fewer pairs
// of longer runs, the first reload half a tick in, so each run sees
// `seconds` reloads; no idle phase. No fixed-rate phase either: autocannon's
// rate limit lets each connection send its budget for the second as fast as
// it can, then wait for the next second, so at half capacity the load comes
// in bursts over the first half of each second; a reload once a second lands
// at the same point of that cycle in every run (with the first at 0.5 s, in
// the quiet half), and the ratio would measure that phase, not the reload.
async function serveLarge(command, args, opts, row, note) {
  const seconds = opts.quick ? 1 : 3;
  const pairs = opts.quick ? 1 : 6;
  const warm = opts.quick ? 1 : 2;
  const connections = 10;
  const suffix = ", 1 MB config";
  const extra = ["--size=1048576", "--tick=1000", "--first=500"];
  await withServer(command, args, extra, async (server, port) => {
    const runs = await phases(server, port, {
      seconds,
      pairs,
      ratePairs: 0,
      idlePairs: 0,
      warm,
      warmReload: !opts.quick,
      connections,
    });
    const { sat } = runs;
    // Where the extra latency is: the responses in flight during a pass
    // against the others, and the CPU a pass adds on the event loop's thread
    // and on the others (the worker, GC helpers, the I/O pool), from each
    // pair's difference.
    const signed = (v) => `${v >= 0 ? "+" : ""}${v.toFixed(0)}`;
    const perPass = (key) =>
      sat.reload[0].threadCpu === null ? NaN : summary(
        ratios(sat, (r, n) =>
          (r.threadCpu[key] - n.threadCpu[key]) / Math.max(1, r.server.passes)),
      ).value;
    const l = summary(ratios(sat, (r, n) => r.p99 / n.p99));
    row({
      metric: `p99 latency, saturated${suffix}, reload every 1 s / none`,
      ...l,
      unit: "x",
      goal: "<= 1.20x",
      ok: l.value <= 1.20,
      detail: `${med(sat.reload, (r) => r.p99).toFixed(3)} vs ${
        med(sat.none, (r) => r.p99).toFixed(3)
      } ms (p50 ${med(sat.reload, (r) => r.p50).toFixed(3)} vs ${
        med(sat.none, (r) => r.p50).toFixed(3)
      } ms); ${Math.round(med(sat.reload, (r) => r.rps))} vs ${
        Math.round(med(sat.none, (r) => r.rps))
      } req/s, throughput ${
        summary(ratios(sat, (r, n) => r.rps / n.rps)).value
          .toFixed(2)
      }x; max response ${med(sat.reload, (r) => r.max).toFixed(1)} vs ${
        med(sat.none, (r) => r.max).toFixed(1)
      } ms; responses in flight during a pass (${
        (100 * med(sat.reload, (r) => r.during.shareIn)).toFixed(1)
      }% of them): p99 ${
        med(sat.reload, (r) => r.during.p99In).toFixed(3)
      } ms, the others ${
        med(sat.reload, (r) => r.during.p99Out).toFixed(3)
      } ms; SIGHUP to pass end ${
        med(sat.reload, (r) => r.server.passMsMedian).toFixed(0)
      } ms; CPU per pass (against the run without reloads): event loop thread ${
        signed(perPass("main"))
      } ms, other threads ${signed(perPass("other"))} ms`,
    });
    integrity(row, runs, suffix);
    note(
      `serving, 1 MB config: a reload every 1 s, the first 0.5 s into each run (each pass parses in the worker); ${pairs} saturated ABBA pairs of ${seconds} s runs, ${connections} connections, after ${warm} s warm-up runs (excluded); no fixed-rate phase (autocannon's rate limit sends each second's budget in a burst, so a reload once a second would always land at the same point of it)`,
    );
  });
}
