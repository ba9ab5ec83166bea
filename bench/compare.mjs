// Benchmark 8, the comparison under attack: how long the walks of a pass
// that run on the event loop after parsing (the freeze, the comparison
// that fills `changed`, the one that fills `requires_restart`) hold it in
// one step, and how long the comparison takes on shared nodes.
//
// Held: the worst lateness of a 1 ms `setInterval` while the walk runs
// (as benchmark 2's stall probe), in ms. Cases:
//
// - allowlist: a JSON file `{"allowlist": [...]}` of 990,000 integers
//   (7 MB; --quick: 99,000), every item moved by one from one pass to the
//   next. Each walk alone on the two parsed configs (the comparison, the
//   freeze of a fresh parse, and `requires_restart` with `nonReloadable:
//   ["allowlist"]` against a fresh parse of the same text, so that it
//   walks to the end), then whole passes of a coordinator loading the file
//   (parsed in the worker; the hold then includes joining the worker's
//   pieces, which is not this benchmark's).
// - shared DAG: a custom loader's config, a 101-level chain of mappings
//   ending in a DAG of `--dag` levels (default 22,40) whose every level is
//   one node held twice (2^levels paths, levels + 103 nodes); each
//   pass loads a fresh, equal copy. The time of one pass (and with
//   `nonReloadable: ["chain"]`).
//
// `--cases=allowlist,dag` (both by default) picks the cases. Runs against
// whatever tree it is in: on a tree whose `changedPaths` is synchronous,
// `requires_restart` is timed as such. A tree whose comparison walks every
// path of a shared DAG does not end a 40-level one: bound such a run from
// outside (`timeout 120 node bench/compare.mjs --cases=dag --dag=40`).
import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import {
  age,
  flags,
  latenessProbe,
  loadInternal,
  loadModule,
  median,
  note,
  report,
  summary,
  tempDir,
} from "./lib.mjs";

const opts = flags();
const { AtomicConfig, Coordinator } = await loadModule();
const diff = await loadInternal("diff");
const { deepFreezeSliced } = await loadInternal("freeze");
const paths = await loadInternal("paths");
const { keyShower } = await loadInternal("redact");

const items = opts.quick ? 99_000 : 990_000;
const rounds = opts.quick ? 1 : 5;
const dagLevels = String(opts.dag ?? (opts.quick ? "16,40" : "22,40"))
  .split(",").map(Number);
const cases = String(opts.cases ?? "allowlist,dag").split(",");

// The worst lateness of a 1 ms timer while `work` runs, and its wall time.
async function held(work) {
  const probe = latenessProbe();
  await sleep(20);
  probe.restart();
  const t0 = performance.now();
  const value = await work();
  const wall = performance.now() - t0;
  // One more turn, so a hold at the very end is seen.
  await sleep(2);
  probe.stop();
  return { worst: probe.worst, wall, value };
}

// The comparison for `requires_restart`: sliced where the tree has it.
const requiresRestart = paths.changedPathsSliced ??
  ((rule, a, b) => paths.changedPaths(rule, a, b));
const sliced = paths.changedPathsSliced !== undefined;

function row(metric, values, unit, detail) {
  report({ bench: "8 compare", metric, ...summary(values), unit, detail });
}

// ------------------------------------------------------------- allowlist

const list = (shift) =>
  `{"allowlist": [${
    Array.from({ length: items }, (_, i) => i + shift).join(",")
  }]}\n`;
const allowlist = cases.includes("allowlist");
const texts = allowlist ? [list(0), list(1)] : [];
const label = `allowlist ${items.toLocaleString("en")} items (${
  ((texts[1]?.length ?? 0) / 2 ** 20).toFixed(1)
} MiB)`;

if (allowlist) {
  let found = 0;
  const walks = { compare: [], freeze: [], restart: [] };
  const walls = { compare: [], freeze: [], restart: [] };
  for (let r = 0; r < rounds; r++) {
    const old = JSON.parse(texts[r % 2]);
    await deepFreezeSliced(old);
    const fresh = JSON.parse(texts[(r + 1) % 2]);
    let h = await held(() => deepFreezeSliced(fresh));
    walks.freeze.push(h.worst);
    walls.freeze.push(h.wall);
    h = await held(() => diff.diffConfigsSliced(old, fresh, keyShower([])));
    found = h.value.omitted + h.value.shown.length;
    walks.compare.push(h.worst);
    walls.compare.push(h.wall);
    // Unchanged (a fresh parse of the same text): the walk goes to the end.
    const same = JSON.parse(texts[r % 2]);
    await deepFreezeSliced(same);
    h = await held(() => requiresRestart(["allowlist"], old, same));
    if (h.value.length !== 0) throw new Error("allowlist changed");
    walks.restart.push(h.worst);
    walls.restart.push(h.wall);
  }
  const detail = (name) =>
    `wall time of the walk ${median(walls[name]).toFixed(1)} ms`;
  row(
    `${label}: longest hold, comparison (changed)`,
    walks.compare,
    "ms",
    `${detail("compare")}; changed paths counted: ${found}`,
  );
  row(`${label}: longest hold, freeze`, walks.freeze, "ms", detail("freeze"));
  row(
    `${label}: longest hold, requires_restart, allowlist unchanged${
      sliced ? "" : " (synchronous)"
    }`,
    walks.restart,
    "ms",
    detail("restart"),
  );
}

if (allowlist) {
  const dir = await tempDir();
  const path = join(dir, "allowlist.json");
  try {
    await writeFile(path, texts[0]);
    await age(path);
    const coordinator = await Coordinator.create({ configPath: path });
    const holds = [];
    const wall = [];
    for (let r = 0; r < rounds; r++) {
      await writeFile(path, texts[(r + 1) % 2]);
      await age(path);
      const h = await held(() => coordinator.reload());
      if (h.value.status !== "full_success") {
        throw new Error(`pass: ${h.value.status} ${h.value.load_error}`);
      }
      holds.push(h.worst);
      wall.push(h.wall);
    }
    await coordinator.shutdown();
    row(
      `${label}: longest hold, whole pass`,
      holds,
      "ms",
      `file parsed in the worker; the hold includes joining its pieces; pass ${
        median(wall).toFixed(0)
      } ms`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

// ------------------------------------------------------------ shared DAG

function chainOverDag(levels) {
  let node = { leaf: 1 };
  for (let i = 0; i < levels; i++) node = { left: node, right: node };
  for (let i = 0; i < 101; i++) node = { next: node };
  return { chain: node };
}

for (const levels of cases.includes("dag") ? dagLevels : []) {
  for (const restart of [false, true]) {
    const coordinator = new Coordinator({
      configPath: "/nowhere.yaml",
      config: new AtomicConfig(chainOverDag(levels)),
      load: () => chainOverDag(levels),
      ...(restart && { nonReloadable: ["chain"] }),
    });
    const times = [];
    const holds = [];
    for (let r = 0; r < rounds; r++) {
      const { worst, wall, value: result } = await held(() =>
        coordinator.reload()
      );
      times.push(wall);
      holds.push(worst);
      if (
        result.status !== "full_success" || result.changed.length !== 0 ||
        (result.requires_restart ?? []).length !== 0
      ) {
        throw new Error(`Cannot trust the pass: ${JSON.stringify(result)}`);
      }
    }
    row(
      `101-level chain over a ${levels}-level shared DAG (2^${levels} paths): pass${
        restart ? ", nonReloadable: [chain]" : ""
      }`,
      times,
      "ms",
      `an equal, fresh copy each pass; longest hold ${
        median(holds).toFixed(1)
      } ms`,
    );
  }
}

note(
  `comparison: the longest hold is a 1 ms timer's worst lateness while the walk runs, ${rounds} rounds, median [min-max]; the allowlist's items all move by one between two passes`,
);
