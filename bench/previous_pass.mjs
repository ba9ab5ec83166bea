// Benchmark 2, the new loading pipeline against the previous loader, in one
// process: `coordinator.reload()` of this tree (sources: read → decode →
// parse → expand → merge → validate) against the same call on the tree at
// the commit bench/previous.mjs prepares (which expanded `${ENV}` on the
// text, then parsed it). Both coordinators get the same file, the same
// schema and 10 no-op hooks of their own; their passes are interleaved one
// by one. The directory of the previous tree comes as HUP_BENCH_PREVIOUS
// (bench/run.mjs sets it): Deno imports its mod.ts, Node.js and Bun its
// dist/mod.js.
//
// Configs: makeConfig() of 10 KB and 1 MB, which hold no `$`, so neither
// side expands anything; and the 10 KB one with 50 `${VAR}` references
// (withReferences()), the very same text for both sides, whose variables
// give back the values they replaced.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import process from "node:process";
import { pathToFileURL } from "node:url";
import { isDeepStrictEqual } from "node:util";
import {
  age,
  compareInterleaved,
  flags,
  loadModule,
  makeConfig,
  noopHooks,
  note,
  report,
  runtimeName,
  schema,
  tempDir,
  withReferences,
} from "./lib.mjs";

const opts = flags();
const previousDir = process.env.HUP_BENCH_PREVIOUS;
if (previousDir === undefined || previousDir === "") {
  throw new Error("HUP_BENCH_PREVIOUS is not set: run it from bench/run.mjs");
}
const commit = process.env.HUP_BENCH_PREVIOUS_COMMIT ?? "previous";
const base = pathToFileURL(
  previousDir.endsWith("/") ? previousDir : `${previousDir}/`,
);
const current = await loadModule();
const previous = await import(
  new URL(runtimeName === "deno" ? "mod.ts" : "dist/mod.js", base).href
);
const dir = await tempDir();

// A coordinator of one version on `path`, and its pass, which must swap.
async function passOf(mod, path, env) {
  const { AtomicConfig, Coordinator, HookStatus, loadConfig } = mod;
  const startup = await loadConfig(path, { schema, env });
  const coordinator = new Coordinator({
    configPath: path,
    config: new AtomicConfig(startup),
    schema,
    env,
    hooks: noopHooks(10, HookStatus),
  });
  const pass = async () => {
    const result = await coordinator.reload();
    if (result.status !== "full_success") {
      throw new Error(`pass failed: ${JSON.stringify(result)}`);
    }
  };
  return { startup, pass, coordinator };
}

async function run(label, text, env, cfg) {
  const path = join(dir, `config-${label.replace(/\W/g, "")}.yaml`);
  await writeFile(path, text);
  await age(path); // the settle wait cannot apply
  const now = await passOf(current, path, env);
  const then = await passOf(previous, path, env);
  if (!isDeepStrictEqual(now.startup, then.startup)) {
    throw new Error(`${label}: the two versions load different configs`);
  }
  for (let i = 0; i < cfg.warmup; i++) {
    await now.pass();
    await then.pass();
  }
  const r = await compareInterleaved(
    now.pass,
    then.pass,
    cfg.rounds,
    cfg.pairs,
    0,
  );
  report({
    bench: "2 reload pass",
    metric: `${label}: new pipeline / previous loader (${commit})`,
    ...r.ratio,
    unit: "x",
    goal: "",
    ok: null,
    detail: `median ${r.m.toFixed(3)} ms vs ${
      r.b.toFixed(3)
    } ms per pass (${text.length} bytes); ratio of means (GC included) ${
      r.meanRatio.toFixed(2)
    }x`,
  });
  await now.coordinator.shutdown();
  await then.coordinator.shutdown();
}

const q = opts.quick;
const small = makeConfig(10 * 1024);
const smallRuns = {
  warmup: q ? 30 : 300,
  rounds: q ? 2 : 15,
  pairs: q ? 10 : 60,
};
await run("10 KB pass", small, () => undefined, smallRuns);
const bigRuns = { warmup: q ? 0 : 3, rounds: q ? 1 : 7, pairs: q ? 1 : 4 };
await run("1 MB pass", makeConfig(1024 * 1024), () => undefined, bigRuns);
const refs = withReferences(small, 50);
await run("10 KB pass, 50 ${VAR} references", refs.text, refs.env, smallRuns);
note(
  `new pipeline / previous loader: the tree at ${commit} (mod.ts on Deno; on Node.js and Bun its dist/, built with this repository's tsc) and this one in the same process, each a coordinator with the same schema and 10 no-op hooks on the same file (mtime 60 s in the past); ${smallRuns.warmup} (10 KB) and ${bigRuns.warmup} (1 MB) warm-up passes of each excluded; passes interleaved one by one; per round the ratio of median pass times, then median [min-max] over rounds`,
);
