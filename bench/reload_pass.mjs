// Benchmark 2, one reload pass: `coordinator.reload()` (configPath + schema
// in Deps, 10 no-op hooks) against the bare minimum that reads the same
// bytes: readFile + js-yaml `load` with the schema options src/load/ uses
// (CORE_SCHEMA + merge keys, maxDepth 100) + the same Standard Schema
// validation. 10 KB and 1 MB configs (bench/lib.mjs makeConfig).
//
// The file is written once, before the warm-up, and its mtime set a minute
// into the past: the loader's `settle` wait (default 15 ms, plus 10 ms for
// the clocks: for files modified within the last 25 ms) never applies here.
// Benchmark 4 reports it.
//
// Then it times the stages of a pass separately with the module's own
// building blocks (src/runtime, src/digest, src/load/measure,
// src/freeze; js-yaml) to show where the time goes. The config holds no
// reference, so expansion (after parsing) has nothing to do.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { CORE_SCHEMA, load as parseYaml, mergeTag } from "js-yaml";
import {
  age,
  compareInterleaved,
  flags,
  latenessProbe,
  loadInternal,
  loadModule,
  makeConfig,
  median,
  noopHooks,
  note,
  report,
  runtimeName,
  schema,
  summary,
  tempDir,
} from "./lib.mjs";

const opts = flags();
const mod = await loadModule();
const { AtomicConfig, Coordinator, HookStatus, loadConfig } = mod;
const { runtime } = await loadInternal("runtime/mod");
const { sha256 } = await loadInternal("digest");
const { measure } = await loadInternal("load/measure");
const { deepFreeze } = await loadInternal("freeze");

const YAML_SCHEMA = CORE_SCHEMA.withTags(mergeTag); // as in src/load/format/yaml.ts
const dir = await tempDir();

// The bare read is the runtime's plainest read of a whole file, in the way
// the module's adapter reads one of that size: synchronously under 64 KiB
// (Deno.readFileSync, node:fs readFileSync), else asynchronously
// (Deno.readFile, node:fs/promises readFile); then a plain decode: on
// Node.js, readFile(path, "utf8") is slower than this, which would flatter
// the module.
const { readFileSync, statSync } = await import("node:fs");
const readAsync = runtimeName === "deno"
  ? (p) => globalThis.Deno.readFile(p)
  : (await import("node:fs/promises")).readFile;
const readSync = runtimeName === "deno"
  ? (p) => globalThis.Deno.readFileSync(p)
  : readFileSync;
const small = new Map(); // path -> under 64 KiB (each file is written once)
const readBytes = (p) => {
  if (!small.has(p)) small.set(p, statSync(p).size < 65536);
  return small.get(p) ? readSync(p) : readAsync(p);
};
const decoder = new TextDecoder();
const readText = async (p) => decoder.decode(await readBytes(p));

// Like the holder, the bare side keeps the config it loaded until the next
// one replaces it: a service keeps its config, and a config that survives
// is promoted by the GC, which costs both sides alike.
let bareCurrent;
async function bare(path) {
  const text = await readText(path);
  const value = parseYaml(text, { schema: YAML_SCHEMA, maxDepth: 100 });
  const outcome = await schema["~standard"].validate(value);
  if (outcome.issues !== undefined) throw new Error("invalid config");
  bareCurrent = outcome.value;
  return bareCurrent;
}

// Every stage, and both whole passes, timed in the same loop, so the shares
// compare like with like.
async function stageTimes(path, reps, passes) {
  const rt = runtime();
  const t = {};
  const add = (k, ms) => (t[k] ??= []).push(ms);
  const { bytes } = await rt.readRegularFile(path, 16 * 1024 * 1024);
  let kept;
  for (let i = 0; i < reps; i++) {
    for (const [name, fn] of Object.entries(passes)) {
      const t0 = performance.now();
      kept = await fn();
      add(name, performance.now() - t0);
    }
    let t0 = performance.now();
    await rt.readRegularFile(path, 16 * 1024 * 1024, { recheck: true });
    add("read: open, fstat, read, fstat", performance.now() - t0);
    t0 = performance.now();
    const source = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    add("decode UTF-8", performance.now() - t0);
    t0 = performance.now();
    await sha256(bytes);
    add("digest (SHA-256)", performance.now() - t0);
    t0 = performance.now();
    const value = parseYaml(source, {
      schema: YAML_SCHEMA,
      maxDepth: 100,
    });
    add("parse (js-yaml)", performance.now() - t0);
    t0 = performance.now();
    measure(value, 1_000_000, false);
    add("measure (alias walk)", performance.now() - t0);
    // The longest stretch a pass holds the event loop: decode, parse and
    // measure run in one synchronous block in src/load/.
    t0 = performance.now();
    measure(
      parseYaml(
        new TextDecoder("utf-8", { fatal: true }).decode(bytes),
        { schema: YAML_SCHEMA, maxDepth: 100 },
      ),
      1_000_000,
      false,
    );
    add(
      "sync block: decode..measure (event loop held)",
      performance.now() - t0,
    );
    t0 = performance.now();
    await schema["~standard"].validate(value);
    add("validate", performance.now() - t0);
    t0 = performance.now();
    deepFreeze(value);
    add("deepFreeze", performance.now() - t0);
    t0 = performance.now();
    await readText(path);
    add("bare: readFile + decode", performance.now() - t0);
  }
  if (kept === undefined) throw new Error("no pass ran");
  return Object.fromEntries(Object.entries(t).map(([k, v]) => [k, median(v)]));
}

// The longest the event loop is held while passes run: the worst lateness
// of a 1 ms timer, beside the time of a bare parse of the same file (its
// median), measured in the same process.
async function longestStall(pass, passes) {
  const probe = latenessProbe();
  await sleep(20);
  probe.restart();
  for (let i = 0; i < passes; i++) {
    await pass();
    await sleep(5);
  }
  probe.stop();
  return probe.worst;
}

async function run(label, bytes, cfg) {
  const path = join(dir, `config-${label.replace(/\s/g, "")}.yaml`);
  const text = makeConfig(bytes);
  await writeFile(path, text);
  await age(path); // the settle wait cannot apply
  const startup = await loadConfig(path, { schema });
  const holder = new AtomicConfig(startup);
  const hooks = noopHooks(10, HookStatus);
  const coordinator = new Coordinator({
    configPath: path,
    config: holder,
    schema,
    hooks,
  });
  const modulePass = async () => {
    const result = await coordinator.reload();
    if (result.status !== "full_success") {
      throw new Error(`pass failed: ${JSON.stringify(result)}`);
    }
    return result;
  };
  const barePass = () => bare(path);

  // Warm-up (JIT, file cache), excluded.
  for (let i = 0; i < cfg.warmup; i++) {
    await modulePass();
    await barePass();
  }
  const goal = bytes >= 1 << 20 ? 1.5 : 1.25;
  const hot = await compareInterleaved(
    modulePass,
    barePass,
    cfg.rounds,
    cfg.pairs,
    0,
  );
  report({
    bench: "2 reload pass",
    metric: `${label} pass / bare read+parse+validate`,
    ...hot.ratio,
    unit: "x",
    goal: `<= ${goal.toFixed(2)}x`,
    ok: hot.ratio.value <= goal,
    detail: `median ${hot.m.toFixed(3)} ms vs ${
      hot.b.toFixed(3)
    } ms per pass (${text.length} bytes); ratio of means (GC included) ${
      hot.meanRatio.toFixed(2)
    }x`,
  });
  // The same, one pass every 100 ms as in a service that reloads now and
  // then: caches and branch predictors are cold, the CPU may have idled.
  if (cfg.spacedRounds > 0) {
    const cold = await compareInterleaved(
      modulePass,
      barePass,
      cfg.spacedRounds,
      cfg.spacedPairs,
      100,
    );
    report({
      bench: "2 reload pass",
      metric: `${label} pass / bare, one every 100 ms (cold)`,
      ...cold.ratio,
      unit: "x",
      goal: `<= ${goal.toFixed(2)}x`,
      ok: cold.ratio.value <= goal,
      detail: `median ${cold.m.toFixed(3)} ms vs ${
        cold.b.toFixed(3)
      } ms per pass; ratio of means ${cold.meanRatio.toFixed(2)}x`,
    });
  }
  // Where the time goes. Checks, applies and the result, with the same
  // hooks: a coordinator whose loader returns a config that is already
  // parsed and frozen, so its pass is everything but the load and the
  // freeze.
  const frozen = await bare(path);
  deepFreeze(frozen);
  const hooksOnly = new Coordinator({
    configPath: path,
    config: new AtomicConfig(frozen),
    load: () => frozen,
    hooks,
  });
  for (let i = 0; i < cfg.warmup; i++) await hooksOnly.reload();
  let loaded;
  const stages = await stageTimes(path, cfg.stageReps, {
    "module pass": modulePass,
    "bare pass": barePass,
    "loadConfig() whole": async () =>
      loaded = await loadConfig(path, { schema }),
    "10 checks + 10 applies + result": () => hooksOnly.reload(),
  });
  const pass = stages["module pass"];
  if (cfg.stallPasses > 0) {
    // The same passes with the parse on the event loop, for comparison.
    const inThread = new Coordinator({
      configPath: path,
      config: new AtomicConfig(startup),
      schema,
      hooks,
      workerThreshold: Infinity,
    });
    const parse = stages["parse (js-yaml)"];
    for (
      const [name, c] of [["in a worker", coordinator], [
        "on the event loop",
        inThread,
      ]]
    ) {
      const stalls = [];
      for (let r = 0; r < cfg.stallRounds; r++) {
        stalls.push(
          await longestStall(() => c.reload(), cfg.stallPasses) / parse,
        );
      }
      const worker = name === "in a worker";
      report({
        bench: "2 reload pass",
        metric:
          `${label} longest event-loop stall during a pass (parse ${name}) / bare js-yaml parse`,
        ...summary(stalls),
        unit: "x",
        ...(worker && { goal: "<= 0.20x", ok: median(stalls) <= 0.2 }),
        detail: `bare parse ${
          parse.toFixed(1)
        } ms; ${cfg.stallPasses} passes per round, a 1 ms timer's worst lateness`,
      });
    }
    await inThread.shutdown();
  }
  for (const [stage, ms] of Object.entries(stages)) {
    report({
      bench: "2 stages",
      metric: stage,
      size: label,
      value: ms,
      unit: "ms",
      share: ms / pass,
    });
  }
  if (loaded === undefined) throw new Error("loadConfig did not run");
}

const q = opts.quick;
await run("10 KB", 10 * 1024, {
  warmup: q ? 50 : 300,
  rounds: q ? 3 : 15,
  pairs: q ? 20 : 60,
  stageReps: q ? 30 : 300,
  spacedRounds: q ? 1 : 5,
  spacedPairs: q ? 4 : 8,
  stallRounds: 0,
  stallPasses: 0,
});
await run("1 MB", 1024 * 1024, {
  warmup: q ? 1 : 3,
  rounds: q ? 2 : 7,
  pairs: q ? 1 : 4,
  stageReps: q ? 2 : 9,
  spacedRounds: 0,
  stallRounds: q ? 1 : 5,
  stallPasses: q ? 3 : 10,
});
note(
  "reload pass: file written once before the warm-up with mtime 60 s in the past, so the settle wait (15 ms + 10 ms for the clocks) never applies; warm-up passes excluded; module and bare passes interleaved one by one; per round the ratio of median pass times, then median [min-max] over rounds",
);
