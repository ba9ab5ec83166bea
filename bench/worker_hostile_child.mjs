// Benchmark 8, one process: loads one hostile input (bench/hostile_inputs.mjs)
// with the loader a coordinator uses (ConfigLoader, no schema), in the
// parser's worker (`--mode=worker`, workerThreshold 0) or on the event loop
// (`--mode=loop`), and prints one JSON line: the first pass (the worker's
// cold start included) with the growth of peak RSS over it, then the warm
// passes' times, and the longest event-loop stall of each (a 1 ms interval's
// worst lateness). The input may also be a generator call, for runs by hand:
// `--input='manyAliases(50000, 95)'`.
//
// With `--idle=MS`: after the passes, waits MS ms (the worker's idle time is
// set to MS / 2), and reports the RSS after GC then, and the cold pass after.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import process from "node:process";
import { setTimeout as sleep } from "node:timers/promises";
import * as inputs from "./hostile_inputs.mjs";
import {
  age,
  flags,
  fullGc,
  latenessProbe,
  loadInternal,
  tempDir,
} from "./lib.mjs";

const opts = flags();
const mode = opts.mode;
if (mode !== "worker" && mode !== "loop") {
  throw new Error("Cannot run without --mode=worker or --mode=loop");
}
const passes = Number(opts.passes ?? 3);
const make = inputs.HOSTILE[opts.input] ??
  new Function("g", `with (g) return ${opts.input};`).bind(null, inputs);
const text = typeof make === "function" ? make() : undefined;
if (typeof text !== "string") throw new Error(`no input ${opts.input}`);

const { ConfigLoader } = await loadInternal("load/pipeline");
const { OffThreadParser } = await loadInternal("load/off_thread");
const { fileSource } = await loadInternal("load/file_source");
const mib = (bytes) => bytes / (1 << 20);
const peakMiB = () => process.resourceUsage().maxRSS / 1024;

const dir = await tempDir();
const path = join(dir, "config.yaml");
const warm = join(dir, "warm.yaml");
await writeFile(path, text);
await writeFile(warm, "a: &a {b: 1}\nc: *a\n");
await age(path);
await age(warm);
const idle = opts.idle === undefined ? undefined : Number(opts.idle);
const parser = mode === "worker"
  ? new OffThreadParser(idle === undefined ? {} : { idle: idle / 2 })
  : undefined;
const loaderOf = (file) =>
  new ConfigLoader([fileSource(file)], {
    workerThreshold: mode === "worker" ? 0 : Infinity,
  }, parser ?? false);
// The modules on the event loop, warmed; the worker started (by a small
// file), so that the passes measured are warm ones.
for (let i = 0; i < 20; i++) {
  await new ConfigLoader([fileSource(warm)], {}, false).load();
}
if (parser !== undefined) {
  for (let i = 0; i < 5; i++) await loaderOf(warm).load();
}

const probe = latenessProbe();

async function pass() {
  await sleep(5);
  probe.restart();
  const t0 = performance.now();
  let failed;
  try {
    const { config } = await loaderOf(path).load();
    if (config === null || typeof config !== "object") failed = "no config";
  } catch (error) {
    failed = String(error?.message ?? error).slice(0, 300);
  }
  const ms = performance.now() - t0;
  await sleep(2);
  return {
    ms,
    stallMs: probe.worst,
    ...(failed !== undefined && { failed }),
  };
}

fullGc();
await sleep(50);
fullGc();
const rssBefore = mib(process.memoryUsage().rss);
const peakBefore = peakMiB();
const first = await pass();
const peakGrowthMiB = peakMiB() - Math.max(rssBefore, 0);
const warmPasses = [];
for (let i = 1; i < passes; i++) warmPasses.push(await pass());
const out = {
  mode,
  input: opts.input,
  bytes: text.length,
  first,
  warm: warmPasses,
  rssBeforeMiB: rssBefore,
  peakBeforeMiB: peakBefore,
  peakGrowthMiB,
};
if (idle !== undefined) {
  fullGc();
  await sleep(idle);
  fullGc();
  await sleep(100);
  fullGc();
  out.rssIdleMiB = mib(process.memoryUsage().rss);
  out.running = parser?.running ?? false;
  out.afterIdle = await pass();
}
probe.stop();
parser?.close();
process.stdout.write(JSON.stringify(out) + "\n");
process.exit(0);
