// Benchmark 5, memory: 10,000 reload passes through the real loader
// (configPath + schema, 10 hooks), cycling good -> bad -> partial, where
// "bad" alternates between a file that is not valid YAML (load_failed) and
// one a check rejects (validation_failed), and "partial" makes one hook's
// apply throw (partial_applied). Heap growth is measured after a full GC
// (Node.js --expose-gc, Deno --v8-flags=--expose-gc, Bun.gc(true)), from
// after a warm-up (excluded) to the end; the history must stay within
// historySize.
//
// Each file is written, then its mtime set a minute back, so the loader's
// settle wait (until the mtime is 15 ms, plus 10 ms for the clocks, old)
// does not apply (it would only add waiting, not memory).
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  age,
  flags,
  fullGc,
  heapUsed,
  loadModule,
  makeConfig,
  noopHooks,
  note,
  report,
  schema,
  tempDir,
} from "./lib.mjs";

const opts = flags();
const { AtomicConfig, Coordinator, HookStatus, loadConfig } =
  await loadModule();

const PASSES = opts.quick ? 600 : 10_000;
const WARMUP = opts.quick ? 90 : 300;
const HISTORY = 32;

const good = makeConfig(10 * 1024);
const variants = {
  good,
  badYaml: good + "broken: [unclosed\n",
  badCheck: good.replace("log_level: info", "log_level: debug"),
  partial: good.replace("version: 3", "version: 4"),
};
const expected = {
  good: "full_success",
  badYaml: "load_failed",
  badCheck: "validation_failed",
  partial: "partial_applied",
};

const dir = await tempDir();
const path = join(dir, "config.yaml");
await writeFile(path, good);
await age(path);
const holder = new AtomicConfig(await loadConfig(path, { schema }));
const hooks = [
  ...noopHooks(8, HookStatus),
  {
    name: "guard",
    check(_old, next) {
      if (next.server.log_level === "debug") {
        throw new RangeError(
          "Cannot run debug logging in production: server.log_level",
        );
      }
    },
    apply: () => HookStatus.Skipped,
  },
  {
    name: "flaky",
    check() {},
    apply(_ctx, _old, next) {
      if (next.version === 4) throw new Error("Cannot apply version 4");
      return HookStatus.Applied;
    },
  },
];
const coordinator = new Coordinator({
  configPath: path,
  config: holder,
  schema,
  hooks,
  historySize: HISTORY,
});

let maxHistory = 0;
const counts = {};
async function pass(i) {
  const bad = i % 6 === 1 ? "badYaml" : "badCheck";
  const kind = ["good", bad, "partial"][i % 3];
  await writeFile(path, variants[kind]);
  await age(path);
  const result = await coordinator.reload();
  if (result.status !== expected[kind]) {
    throw new Error(
      `pass ${i}: expected ${expected[kind]}, got ${result.status}: ${
        result.load_error ?? ""
      }`,
    );
  }
  counts[result.status] = (counts[result.status] ?? 0) + 1;
  if (i % 100 === 0) {
    maxHistory = Math.max(maxHistory, coordinator.history().length);
  }
}

for (let i = 0; i < WARMUP; i++) await pass(i);
fullGc();
const before = heapUsed();
for (let i = WARMUP; i < WARMUP + PASSES; i++) await pass(i);
fullGc();
const after = heapUsed();
maxHistory = Math.max(maxHistory, coordinator.history().length);

const growth = (after - before) / (1 << 20);
report({
  bench: "5 memory",
  metric: `heap growth after ${PASSES} passes (good/bad/partial), after GC`,
  value: growth,
  unit: "MiB",
  goal: "<= 1 MiB",
  ok: growth <= 1,
  detail: `${(before / (1 << 20)).toFixed(2)} -> ${
    (after / (1 << 20)).toFixed(2)
  } MiB; ${JSON.stringify(counts)}`,
});
report({
  bench: "5 memory",
  metric: `history length (historySize ${HISTORY})`,
  value: maxHistory,
  unit: "count",
  goal: `<= ${HISTORY}`,
  ok: maxHistory <= HISTORY,
  detail: `generation ${coordinator.generation()}`,
});
note(
  `memory: ${WARMUP} warm-up passes excluded; every file aged 60 s after writing, so no settle wait`,
);
