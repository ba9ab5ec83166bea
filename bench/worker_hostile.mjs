// Benchmark 5 (worker), the off-thread parser against hostile inputs (runs on
// Node.js, inside bench/run.mjs, from bench/worker_memory.mjs): for each
// input of bench/hostile_inputs.mjs, bench/worker_hostile_child.mjs loads it
// on the runtime under test, in the worker and on the event loop, in ABBA
// order of processes (loop, worker, worker, loop, ...). Each pair of
// processes next to each other gives one ratio worker / event loop: of the
// warm passes' median time, and of the growth of peak RSS over the first
// measured pass (the worker already started, by a small file, in the worker
// processes). The worker side's longest event-loop stall is its own row.
import { spawn } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { HOSTILE } from "./hostile_inputs.mjs";
import { onJsonLines, summary } from "./lib.mjs";

function runChild(command, args, timeoutMs) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let result = null;
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    onJsonLines(child.stdout, (msg) => (result = msg));
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      if (code === 0 && result !== null) resolve(result);
      else reject(new Error(`hostile child failed (${code ?? signal})`));
    });
  });
}

const med = (list) => summary(list).value;
const warmMs = (run) =>
  med(run.warm.length > 0 ? run.warm.map((p) => p.ms) : [run.first.ms]);
const failures = (run) =>
  [run.first, ...run.warm].filter((p) => p.failed !== undefined);

/**
 * Runs the benchmark on one runtime.
 *
 * @param {string} runtime "deno", "node" or "bun".
 * @param {string} command The runtime's executable.
 * @param {string[]} args Its arguments, ending with the child script.
 * @param {{ quick: boolean, inputs?: string[] }} opts
 * @returns {Promise<object[]>} The rows for the table.
 */
export async function hostileBench(runtime, command, args, opts) {
  const pairs = Number(opts.pairs ?? (opts.quick ? 1 : 2));
  const rows = [];
  const names = opts.inputs ?? Object.keys(HOSTILE);
  for (const name of names) {
    const huge = /999K/.test(name);
    if (huge && opts.quick) continue;
    const passes = huge ? 2 : opts.quick ? 2 : 4;
    const runs = { loop: [], worker: [] };
    for (let i = 0; i < pairs * 2; i++) {
      const mode = [0, 3].includes(i % 4) ? "loop" : "worker";
      runs[mode].push(
        await runChild(
          command,
          [...args, `--mode=${mode}`, `--input=${name}`, `--passes=${passes}`],
          300_000,
        ),
      );
    }
    const failed = runs.worker.flatMap(failures);
    const loopFailed = runs.loop.flatMap(failures);
    const time = summary(
      runs.worker.map((w, i) => warmMs(w) / warmMs(runs.loop[i])),
    );
    const memory = summary(
      runs.worker.map((w, i) =>
        Math.max(w.peakGrowthMiB, 0.5) /
        Math.max(runs.loop[i].peakGrowthMiB, 0.5)
      ),
    );
    const stalls = runs.worker.flatMap((r) =>
      [r.first, ...r.warm].map((p) => p.stallMs)
    );
    const loopStall = med(
      runs.loop.flatMap((r) => [r.first, ...r.warm].map((p) => p.stallMs)),
    );
    const kb = `${(runs.loop[0].bytes / 1024).toFixed(0)} KB`;
    const fails = failed.length === 0
      ? ""
      : `; ${failed.length} worker passes FAILED (${failed[0].failed})`;
    rows.push({
      runtime,
      bench: "5 worker",
      metric: `${name} (${kb}): pass time, worker / event loop`,
      ...time,
      unit: "x",
      goal: "<= 3x",
      ok: failed.length === 0 && loopFailed.length === 0 && time.value <= 3,
      detail: `warm passes ${med(runs.worker.map(warmMs)).toFixed(0)} vs ${
        med(runs.loop.map(warmMs)).toFixed(0)
      } ms (median); first pass ${
        med(runs.worker.map((r) => r.first.ms)).toFixed(0)
      } vs ${med(runs.loop.map((r) => r.first.ms)).toFixed(0)} ms${fails}`,
    });
    rows.push({
      runtime,
      bench: "5 worker",
      metric: `${name} (${kb}): peak RSS growth of a pass, worker / event loop`,
      ...memory,
      unit: "x",
      goal: "<= 3x",
      ok: failed.length === 0 && memory.value <= 3,
      detail: `${med(runs.worker.map((r) => r.peakGrowthMiB)).toFixed(1)} vs ${
        med(runs.loop.map((r) => r.peakGrowthMiB)).toFixed(1)
      } MiB (each at least 0.5 in the ratio)`,
    });
    rows.push({
      runtime,
      bench: "5 worker",
      metric: `${name} (${kb}): longest event-loop stall, worker`,
      value: Math.max(...stalls),
      unit: "ms",
      goal: "<= 20 ms",
      ok: Math.max(...stalls) <= 20,
      detail: `median over passes ${
        med(stalls).toFixed(1)
      } ms; on the event loop ${loopStall.toFixed(0)} ms`,
    });
  }
  rows.push({
    runtime,
    bench: "note",
    metric:
      `worker hostile inputs (bench/hostile_inputs.mjs): ${pairs} ABBA pairs of processes per input (worker / event loop), ConfigLoader without schema; ratio per pair, median [min-max]`,
  });
  return rows;
}

// By hand: `node bench/worker_hostile.mjs [--quick] [--runtimes=node,deno,bun]
// [--inputs=a|b]`, printing the rows as JSON lines (the runner prints them as
// a table); Node.js and Bun run dist/ (or HUP_BENCH_DIST), Deno the sources.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { flags } = await import("./lib.mjs");
  const opts = flags();
  const child = fileURLToPath(
    new URL("worker_hostile_child.mjs", import.meta.url),
  );
  const bin = (name) =>
    fileURLToPath(new URL(`../node_modules/.bin/${name}`, import.meta.url));
  const runtimes = {
    deno: [bin("deno"), ["run", "--quiet", "-A", "--v8-flags=--expose-gc"]],
    node: [process.execPath, ["--expose-gc"]],
    bun: [bin("bun"), []],
  };
  for (const rt of (opts.runtimes ?? "deno,node,bun").split(",")) {
    const [command, args] = runtimes[rt];
    const rows = await hostileBench(rt, command, [...args, child], {
      quick: opts.quick,
      ...(opts.pairs !== undefined && { pairs: opts.pairs }),
      ...(opts.inputs !== undefined && { inputs: opts.inputs.split("|") }),
    });
    for (const row of rows) console.log(JSON.stringify(row));
  }
}
