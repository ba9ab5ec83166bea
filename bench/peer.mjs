// Benchmark 9, a peer: loading one YAML config file with hup-reload's
// `loadConfig(path, { schema })` against c12's `loadConfig()` of the same
// file followed by the same schema, 10 KB and 1 MB, interleaved in one
// process on the runtime under test.
//
// Why `loadConfig` and not a coordinator's pass: c12's `loadConfig` is a
// function that reads a config and returns it, and so is hup-reload's; a
// coordinator's pass does more than load (it runs hooks' checks and
// applies, compares the new config with the one in effect, swaps it into
// the holder, records history), none of which c12 has. c12's `watchConfig`
// reloads by calling `loadConfig` again (benchmark 9's file-change rows).
//
// What each side does per call (the same file, aged 60 s so hup-reload's
// settle wait never applies):
// - hup-reload: opens the file, checks the open handle with `fstat`, reads
//   it, decodes UTF-8 (fatal), scans for a second document, parses it
//   (js-yaml, core schema + merge keys, on the event loop: `loadConfig`
//   starts no worker), counts nodes, expands `${ENV}` (the file has no `$`),
//   validates with the schema and freezes the config.
// - c12, configured to read only that file: `rcFile: false`, `globalRc:
//   false`, `dotenv: false`, `packageJson: false`, `extend: false`, `giget:
//   false`, `envName: false` (no `$production` layer), `configFile:
//   "config.yaml"` (its full name: c12 then finds it at the first try).
//   Per call it still resolves `cwd`, resolves the file with exsolve's
//   `resolveModulePath` (a stat), checks it exists, reads it as UTF-8,
//   parses it with confbox's `parseYAML` (js-yaml 4's default schema, and
//   a hidden record of the text's leading and trailing whitespace), merges
//   it with `defu` (a copy of every mapping) and makes the layers list.
//   The options object is the same on every call, as `watchConfig` does:
//   the first call stores its jiti instance in it (`createJiti`, used only
//   for JS/TS config files), later calls reuse it. Then the schema.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { loadConfig as c12Load } from "c12";
import {
  age,
  compareInterleaved,
  flags,
  loadModule,
  makeConfig,
  note,
  report,
  schema,
  tempDir,
} from "./lib.mjs";
import { c12Options } from "./peer_options.mjs";

const opts = flags();
const { loadConfig } = await loadModule();

async function validated(config) {
  const outcome = await schema["~standard"].validate(config);
  if (outcome.issues !== undefined) throw new Error("invalid config");
  return outcome.value;
}

async function run(label, bytes, cfg) {
  const dir = await tempDir();
  const path = join(dir, "config.yaml");
  const text = makeConfig(bytes);
  await writeFile(path, text);
  await age(path); // the settle wait cannot apply
  const options = c12Options(dir, "config.yaml");
  // Kept until the next load replaces it, as a service keeps its config.
  let ours;
  let theirs;
  const hupLoad = async () => {
    ours = await loadConfig(path, { schema });
  };
  const c12 = async () => {
    const loaded = await c12Load(options);
    if (loaded._configFile !== path) {
      throw new Error(`c12 loaded ${loaded._configFile}, not ${path}`);
    }
    theirs = await validated(loaded.config);
  };
  await hupLoad();
  await c12();
  if (!isDeepStrictEqual(JSON.parse(JSON.stringify(ours)), theirs)) {
    throw new Error(`${label}: the two loaders' configs differ`);
  }
  for (let i = 0; i < cfg.warmup; i++) {
    await hupLoad();
    await c12();
  }
  const r = await compareInterleaved(hupLoad, c12, cfg.rounds, cfg.pairs, 0);
  // c12's documented form names the file without its extension, and then
  // tries .js, .ts, .mjs, .cjs, .mts, .cts, .json, .jsonc, .json5 first.
  const documented = c12Options(dir, "config");
  const c12Documented = async () => {
    theirs = await validated((await c12Load(documented)).config);
  };
  for (let i = 0; i < cfg.warmup; i++) await c12Documented();
  const names = await compareInterleaved(
    c12Documented,
    c12,
    cfg.rounds,
    cfg.pairs,
    0,
  );
  report({
    bench: "9 peer: c12",
    metric: `${label} config load: hup-reload loadConfig() / c12 loadConfig()`,
    ...r.ratio,
    unit: "x",
    goal: "<= 1.00x",
    ok: r.ratio.value <= 1,
    detail: `median ${r.m.toFixed(3)} ms vs ${
      r.b.toFixed(3)
    } ms per load (${text.length} bytes), schema included on both sides; ratio of means (GC included) ${
      r.meanRatio.toFixed(2)
    }x; c12 with configFile "config" (no extension, as its README has it): ${
      names.m.toFixed(3)
    } ms, ${
      names.ratio.value.toFixed(2)
    }x the full name's in rounds of their own`,
  });
}

const q = opts.quick;
await run("10 KB", 10 * 1024, {
  warmup: q ? 30 : 300,
  rounds: q ? 3 : 15,
  pairs: q ? 20 : 60,
});
await run("1 MB", 1024 * 1024, {
  warmup: q ? 1 : 3,
  rounds: q ? 2 : 7,
  pairs: q ? 1 : 4,
});
note(
  "peer (c12) loads: the same file (aged 60 s) for both, the same schema after c12's load; c12 with rcFile, globalRc, dotenv, packageJson, extend, giget and envName off; warm-up excluded; loads interleaved one by one; per round the ratio of median times, then median [min-max] over rounds",
);
