// Benchmark 5, the off-thread parser's memory, one process: a coordinator
// (`Coordinator.create`, schema, 10 no-op hooks) on a 10 KB config runs 10 KB
// passes, then 1 MB passes, then prints its resident memory after a full GC
// (after the first 1 MB pass and after the last) as one JSON line. Around the 10 KB passes and after the 1 MB ones it prints
// `{"checkpoint":name}` and waits for a line on stdin: the parent counts this
// process's threads then, from /proc/<pid>/status (Deno lets a process read
// its own /proc/self only with --allow-all).
//
// `--mode=worker`: the default `workerThreshold` (64 KiB): 1 MB files are
// parsed in the worker, 10 KB ones on the event loop. `--mode=loop`:
// `workerThreshold: Infinity`, everything on the event loop. The parent
// (bench/worker_memory.mjs) runs both in turn and compares.
//
// With `--idle=MS` (`workerIdle: MS`), it then waits MS ms and 10 s more,
// prints its resident memory after a full GC again (the worker, idle that
// long, has ended), and times one more 1 MB pass (the worker starts again:
// a cold start) and one after it (warm), with the longest stall of the event
// loop during each (a 1 ms interval's worst lateness).
//
// Every file is a new version (its `gen_marker` changes), written then aged
// a minute, so every pass loads, parses and swaps it and no settle wait
// applies.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import process from "node:process";
import { createInterface } from "node:readline";
import { setTimeout as sleep } from "node:timers/promises";
import {
  age,
  flags,
  fullGc,
  heapUsed,
  latenessProbe,
  loadModule,
  makeConfig,
  noopHooks,
  schema,
  tempDir,
} from "./lib.mjs";

const opts = flags();
const mode = opts.mode;
if (mode !== "worker" && mode !== "loop") {
  throw new Error("Cannot run without --mode=worker or --mode=loop");
}
const WARMUP = opts.quick ? 30 : 100;
const SMALL_PASSES = opts.quick ? 100 : 300;
// The worker's heap keeps growing for about ten 1 MB passes, then levels.
const LARGE_PASSES = opts.quick ? 3 : 12;

const { Coordinator, HookStatus } = await loadModule();

// Lets the parent count this process's threads, and waits until it has.
const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
async function checkpoint(name) {
  process.stdout.write(JSON.stringify({ checkpoint: name }) + "\n");
  await lines.next();
}
const mib = (bytes) => bytes / (1 << 20);

const small = makeConfig(10 * 1024);
const large = makeConfig(1 << 20);
const versionOf = (text, n) =>
  text.replace("\ngen_marker: 0\n", `\ngen_marker: ${n}\n`);

const dir = await tempDir();
const path = join(dir, "config.yaml");
await writeFile(path, small);
await age(path);
const idle = opts.idle === undefined ? undefined : Number(opts.idle);
const coordinator = await Coordinator.create({
  configPath: path,
  schema,
  hooks: noopHooks(10, HookStatus),
  ...(mode === "loop" && { workerThreshold: Infinity }),
  ...(idle !== undefined && { workerIdle: idle }),
});

let n = 0;
async function pass(text) {
  await writeFile(path, versionOf(text, ++n));
  await age(path);
  const t0 = performance.now();
  const result = await coordinator.reload();
  const ms = performance.now() - t0;
  if (result.status !== "full_success" || result.generation !== n) {
    throw new Error(
      `pass ${n}: ${result.status} at generation ${result.generation}: ${
        result.load_error ?? ""
      }`,
    );
  }
  return ms;
}

// The runtime's own lazy threads (I/O pools, GC helpers) start here.
for (let i = 0; i < WARMUP; i++) await pass(small);
await checkpoint("before");
for (let i = 0; i < SMALL_PASSES; i++) await pass(small);
await checkpoint("afterSmall");
// Resident memory once garbage is collected; the worker (when there is one)
// stays, as it does between a coordinator's passes. The pause lets freed
// pages go back before the second collection. The main thread's collection
// does not reach the worker's heap.
async function rssAfterGc() {
  fullGc();
  await sleep(100);
  fullGc();
  return mib(process.memoryUsage().rss);
}

const largeMs = [await pass(large)];
const rssFirstMiB = await rssAfterGc();
for (let i = 1; i < LARGE_PASSES; i++) largeMs.push(await pass(large));
await checkpoint("afterLarge");
const rssMiB = await rssAfterGc();
const rest = {};
if (idle !== undefined) {
  // V8's memory pool (Deno's V8) keeps the pages of an isolate that ended
  // for 8 s before it gives them back: 10 s after the worker ends.
  // A quick run (the smoke in npm test) only shows that this runs: its
  // figures are not the benchmark's.
  await sleep(idle + (opts.quick ? 1_000 : 10_000));
  rest.rssRestMiB = await rssAfterGc();
  // A pass with the event loop's worst lateness over it.
  const probed = async () => {
    const probe = latenessProbe();
    const ms = await pass(large);
    probe.stop();
    return { ms, stallMs: probe.worst };
  };
  rest.cold = await probed();
  rest.warm = await probed();
}
process.stdout.write(
  JSON.stringify({
    ...rest,
    mode,
    smallPasses: SMALL_PASSES,
    largePasses: LARGE_PASSES,
    largeMsMedian: largeMs.sort((a, b) => a - b)[largeMs.length >> 1],
    rssFirstMiB,
    rssMiB,
    heapMiB: mib(heapUsed()),
  }) + "\n",
);
await coordinator.shutdown();
process.exit(0);
