// The comparison under attack: what fills a result's `changed` and
// `requires_restart` is bounded (it gives the event loop a turn within its
// slice, and compares each pair of shared nodes once), and truthful (an
// unchanged value is never reported; indexes and removed keys are named as
// they may be; keys from the environment or a secret file never are).
import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import fc from "fast-check";
import { AtomicConfig, Coordinator, HookStatus } from "hup-reload";
import { AtomicConfig as SrcAtomicConfig } from "../src/atomic.ts";
import { realTimers } from "../src/deadline.ts";
import {
  diffConfigs,
  diffWalk,
  MAX_CHANGED,
  MAX_SHOWN_PATH,
} from "../src/diff.ts";
import { freezeSteps } from "../src/freeze.ts";
import { runPass } from "../src/pass.ts";
import {
  changedPaths,
  changedPathsSliced,
  changedPathsWalk,
} from "../src/paths.ts";
import { keyShower } from "../src/redact.ts";
import { giveTurn, ITEMS_PER_STEP, sliceClock } from "../src/slices.ts";
import { captureLogs, envOf, everyOutput, tempConfig } from "./_helpers.ts";

const showAll = () => true;

// ------------------------------------------------------------------ helpers

/** Counts the reads of a value through a proxy. */
interface Meter {
  reads: number;
}

// A proxy that counts the values read from `target` (a property read, an
// own-key test). Listing the keys (Object.keys, Object.freeze) is one
// native call of the runtime, not a loop of the walk: it counts as one
// read, whatever the descriptors it reads for each key.
function metered<T extends object>(target: T, meter: Meter): T {
  return new Proxy(target, {
    get(t, key, receiver) {
      meter.reads++;
      return Reflect.get(t, key, receiver);
    },
    getOwnPropertyDescriptor(t, key) {
      meter.reads++;
      return Reflect.getOwnPropertyDescriptor(t, key);
    },
    has(t, key) {
      meter.reads++;
      return Reflect.has(t, key);
    },
    ownKeys(t) {
      const keys = Reflect.ownKeys(t);
      meter.reads += 1 - keys.length;
      return keys;
    },
  });
}

// Runs a walk step by step: how many steps, and the most values read in one.
function drive(steps: Iterator<unknown>, meter: Meter = { reads: 0 }) {
  let last = meter.reads;
  let most = 0;
  let count = 0;
  for (;;) {
    const done = steps.next().done;
    most = Math.max(most, meter.reads - last);
    last = meter.reads;
    if (done) break;
    count++;
  }
  return { steps: count, most };
}

// What one step may read: a few values per item of a step.
const MOST_READS_PER_STEP = 4 * ITEMS_PER_STEP + 16;

const range = (n: number, shift = 0) =>
  Array.from({ length: n }, (_, i) => i + shift);

// A 101-level chain of mappings ending in a DAG of `levels` levels whose
// every level is one node held twice: 2^levels paths to the leaf, but only
// levels + 103 nodes, holding 2 x levels + 103 keys (KEYS(levels)). With
// `loop`, the bottom of the DAG holds the top again.
const KEYS = (levels: number) => 2 * levels + 103;
function chainOverDag(levels: number, leaf = 1, loop = false) {
  const bottom: Record<string, unknown> = { leaf };
  let node: Record<string, unknown> = bottom;
  for (let i = 0; i < levels; i++) node = { left: node, right: node };
  if (loop) bottom.top = node;
  for (let i = 0; i < 101; i++) node = { next: node };
  return { chain: node };
}

// ---------------------------------------------------------- the event loop

test("the comparison reads at most a step's worth of values per step: sequences", () => {
  const n = 20_000;
  const meter = { reads: 0 };
  const before = { allowlist: metered(range(n), meter) };
  const after = { allowlist: metered(range(n, 1), meter) };
  const walk = diffWalk(before, after, showAll);
  const { steps, most } = drive(walk.steps, meter);
  assert.ok(most <= MOST_READS_PER_STEP, `${most} reads in one step`);
  assert.ok(steps >= (2 * n) / ITEMS_PER_STEP, `${steps} steps`);
  const changes = walk.changes();
  assert.equal(changes.shown.length, MAX_CHANGED);
  assert.equal(changes.shown.length + changes.omitted, n);
  assert.equal(changes.shown[0], "allowlist.0");
});

test("the comparison reads at most a step's worth of values per step: mappings", () => {
  const n = 10_000;
  const meter = { reads: 0 };
  const a: Record<string, number> = {};
  const b: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    a[`k${i}`] = i;
    b[`k${i}`] = i + 1;
    b[`new${i}`] = i;
  }
  const walk = diffWalk(
    { m: metered(a, meter) },
    { m: metered(b, meter) },
    showAll,
  );
  const { steps, most } = drive(walk.steps, meter);
  assert.ok(most <= MOST_READS_PER_STEP, `${most} reads in one step`);
  assert.ok(steps >= (3 * n) / ITEMS_PER_STEP, `${steps} steps`);
  const changes = walk.changes();
  assert.equal(changes.shown.length + changes.omitted, 2 * n);
});

test("the comparison reads at most a step's worth of values per step: many pairs with nothing in them", () => {
  // Empty mappings and class instances: each pair is one listing of keys
  // per side, and nothing else to count.
  class Empty {}
  const n = 20_000;
  const meter = { reads: 0 };
  const side = () =>
    range(n).map((i) => metered(i % 2 === 0 ? {} : new Empty(), meter));
  const walk = diffWalk({ items: side() }, { items: side() }, showAll);
  const { steps, most } = drive(walk.steps, meter);
  assert.ok(most <= MOST_READS_PER_STEP, `${most} reads in one step`);
  assert.ok(steps >= Math.floor((2 * n) / ITEMS_PER_STEP), `${steps} steps`);
  assert.deepEqual(walk.changes().shown, []);
});

test("each loop of the comparison is a step: comparing, marking what differs and listing it, on a 20,000-level chain", () => {
  const n = 20_000;
  const chain = (leaf: number) => {
    let node: unknown = leaf;
    for (let i = 0; i < n; i++) node = { next: node };
    return node;
  };
  const walk = diffWalk(chain(0), chain(1), showAll);
  const { steps } = drive(walk.steps);
  // Each of the three loops goes down the 20,000 levels once.
  assert.ok(steps >= 3 * Math.floor(n / ITEMS_PER_STEP) - 3, `${steps} steps`);
  const changes = walk.changes();
  assert.deepEqual(changes.shown.length, 1);
  assert.ok(changes.shown[0].length <= MAX_SHOWN_PATH + 2);
  assert.equal(changes.omitted, 0);
  assert.ok(changes.changed("next.next.next"));
});

test("the comparison of maps, sets and bytes is a step per few hundred items", () => {
  const n = 20_000;
  const walk = diffWalk(
    {
      map: new Map(range(n).map((i) => [i, { i }])),
      set: new Set(range(n)),
      bytes: new Uint8Array(64 * n),
    },
    {
      map: new Map(range(n).map((i) => [i, { i }])),
      set: new Set(range(n)),
      bytes: new Uint8Array(64 * n),
    },
    showAll,
  );
  const { steps } = drive(walk.steps);
  assert.ok(steps >= (3 * n) / ITEMS_PER_STEP, `${steps} steps`);
  assert.deepEqual(walk.changes().shown, []);
});

test("the freeze reads at most a step's worth of values per step", () => {
  const n = 20_000;
  const meter = { reads: 0 };
  const items = metered(range(n).map((i) => ({ i })), meter);
  const keyed: Record<string, { i: number }> = {};
  for (let i = 0; i < n; i++) keyed[`k${i}`] = { i };
  const root = { items, keyed: metered(keyed, meter) };
  const { steps, most } = drive(freezeSteps(root), meter);
  assert.ok(most <= MOST_READS_PER_STEP, `${most} reads in one step`);
  assert.ok(steps >= (4 * n) / ITEMS_PER_STEP, `${steps} steps`);
  assert.ok(Object.isFrozen(keyed.k9) && Object.isFrozen(items[n - 1]));
});

test("the comparison for requires_restart reads at most a step's worth of values per step", () => {
  const n = 20_000;
  const meter = { reads: 0 };
  const walk = changedPathsWalk(
    ["allowlist", "other"],
    { allowlist: metered(range(n), meter), other: 1 },
    { allowlist: metered(range(n), meter), other: 2 },
  );
  const { steps, most } = drive(walk.steps, meter);
  assert.ok(most <= MOST_READS_PER_STEP, `${most} reads in one step`);
  assert.ok(steps >= Math.floor(n / ITEMS_PER_STEP), `${steps} steps`);
  assert.deepEqual(walk.result(), ["other"]);
});

test("a pass gives the event loop a turn whenever the slice clock says so, in every walk after loading", async () => {
  // A fake clock that moves 1 ms each time it is read: a slice (2 ms) is
  // over every few steps, whatever the machine's speed.
  const now = sliceClock.now;
  let fake = 0;
  sliceClock.now = () => ++fake;
  let turns = 0;
  let ticking = true;
  // Counts the turns of the event loop the way the walks give them (a
  // timer counts none on Node.js, where a turn takes microseconds).
  const tick = () => {
    if (!ticking) return;
    turns++;
    void giveTurn().then(tick);
  };
  try {
    const n = 20_000;
    const holder = new SrcAtomicConfig({ allowlist: range(n) });
    void giveTurn().then(tick);
    const report = await runPass({
      owner: {},
      name: "allowlist",
      load: () => ({ config: { allowlist: range(n, 1) } }),
      secrets: [],
      hooks: [],
      holder,
      requiresRestart: (next) =>
        changedPathsSliced(["allowlist"], holder.load(), next),
      lookup: undefined,
      timers: realTimers,
    });
    assert.equal(report.status, "full_success");
    assert.deepEqual(report.requiresRestart, ["allowlist"]);
    assert.equal(report.changed!.length + report.changedOmitted!, n);
    // The comparisons and the freeze each take n / ITEMS_PER_STEP steps
    // or more; a turn at least every 3 steps.
    assert.ok(
      turns >= (3 * n) / ITEMS_PER_STEP / 3 / 2,
      `${turns} turns given`,
    );
  } finally {
    ticking = false;
    sliceClock.now = now;
  }
});

// ------------------------------------------------------ shared nodes, once

test("the comparison ends on a 101-level chain over a 40-level shared DAG, comparing each pair once", () => {
  const equal = diffConfigs(chainOverDag(40), chainOverDag(40), showAll);
  assert.deepEqual(equal.shown, []);
  assert.equal(equal.omitted, 0);
  assert.ok(!equal.changed("chain"));
  // Each key of each side compared once: the work is counted, not timed.
  assert.equal(equal.compared, KEYS(40));

  // The leaf changed: 2^40 paths lead to it, all counted. Each is longer
  // than MAX_SHOWN_PATH, and begins as the others: shown once.
  const changed = diffConfigs(chainOverDag(40), chainOverDag(40, 2), showAll);
  assert.equal(changed.shown.length, 1);
  assert.equal(changed.omitted, 2 ** 40 - 1);
  assert.ok(changed.shown[0].length <= MAX_SHOWN_PATH + 2);
  assert.match(changed.shown[0], /^chain(\.next)+\.…$/);
  // Under a short prefix, the first 100 are shown.
  const dagOnly = (leaf: number) => {
    let node: unknown = { leaf };
    for (let i = 0; i < 40; i++) node = { l: node, r: node };
    return node;
  };
  const shallow = diffConfigs(dagOnly(1), dagOnly(2), showAll);
  assert.equal(shallow.shown.length, MAX_CHANGED);
  assert.equal(shallow.shown.length + shallow.omitted, 2 ** 40);
  assert.equal(shallow.shown[0], `${"l.".repeat(40)}leaf`);
  assert.equal(shallow.shown[1], `${"l.".repeat(39)}r.leaf`);
  assert.equal(changed.compared, KEYS(40));
  const deep = `chain.${"next.".repeat(101)}${"right.".repeat(40)}leaf`;
  assert.ok(changed.changed(deep));
  assert.ok(!changed.changed(`chain.${"next.".repeat(101)}left.nothing`));

  const paths = changedPathsWalk(
    ["chain", "chain.next"],
    chainOverDag(40),
    chainOverDag(40),
  );
  drive(paths.steps);
  assert.deepEqual(paths.result(), []);
  // "chain.next" is inside "chain": compared with it.
  assert.ok(paths.compared() <= KEYS(40), `${paths.compared()}`);
  assert.deepEqual(
    changedPaths(["chain", "other"], chainOverDag(40), chainOverDag(40, 2)),
    ["chain"],
  );
});

// A config as nodes, each holding scalars or earlier nodes (by index): the
// last is the root. Built into objects, a node held at several places is
// one object, unless `copies` says to build it again there.
type Ref = { scalar: unknown } | { node: number };
interface NodeSpec {
  kind: "mapping" | "bare" | "sequence";
  entries: [string, Ref][];
}
const scalar = fc.constantFrom<unknown>(0, 1, -0, Number.NaN, "x", null, true);
const ref: fc.Arbitrary<Ref> = fc.oneof(
  { arbitrary: scalar.map((value): Ref => ({ scalar: value })), weight: 1 },
  // Mostly nodes, so that many are shared.
  { arbitrary: fc.nat(15).map((node): Ref => ({ node })), weight: 2 },
);
const nodeSpec: fc.Arbitrary<NodeSpec> = fc.record({
  kind: fc.constantFrom<NodeSpec["kind"]>("mapping", "bare", "sequence"),
  entries: fc.uniqueArray(
    fc.tuple(
      fc.constantFrom("a", "b", "c", "0"),
      ref,
    ),
    { maxLength: 3, selector: ([key]) => key },
  ),
});
// An edit of one entry of one node: its value replaced, or the entry
// removed, or the node's prototype swapped. Mostly of the first nodes: the
// deepest, held at the most places.
interface Edit {
  node: number;
  entry: number;
  what: "value" | "remove" | "prototype";
  value: unknown;
}
const edit: fc.Arbitrary<Edit> = fc.record({
  node: fc.oneof(fc.nat(2), fc.nat(15)),
  entry: fc.nat(3),
  what: fc.constantFrom<Edit["what"]>("value", "remove", "prototype"),
  value: scalar,
});

function buildConfig(specs: NodeSpec[], copies: boolean[]): unknown {
  const built = new Map<number, unknown>();
  let reference = 0;
  const make = (i: number): unknown => {
    const again = built.has(i);
    if (again && !copies[reference++ % Math.max(1, copies.length)]) {
      return built.get(i);
    }
    const spec = specs[i];
    const node: Record<string, unknown> = spec.kind === "sequence"
      ? [] as unknown as Record<string, unknown>
      : spec.kind === "bare"
      ? Object.create(null)
      : {};
    spec.entries.forEach(([key, ref], at) => {
      const value = "scalar" in ref
        ? ref.scalar
        : i === 0
        ? null
        : make(ref.node % i);
      node[spec.kind === "sequence" ? String(at) : key] = value;
    });
    if (!again) built.set(i, node);
    return node;
  };
  return make(specs.length - 1);
}

function edited(specs: NodeSpec[], edits: Edit[]): NodeSpec[] {
  const out = specs.map((spec) => ({
    kind: spec.kind,
    entries: spec.entries.map(([key, ref]) => [key, ref] as [string, Ref]),
  }));
  for (const { node, entry, what, value } of edits) {
    const spec = out[node % out.length];
    if (what === "prototype") {
      if (spec.kind !== "sequence") {
        spec.kind = spec.kind === "bare" ? "mapping" : "bare";
      }
    } else if (spec.entries.length > 0) {
      const at = entry % spec.entries.length;
      if (what === "value") spec.entries[at][1] = { scalar: value };
      else spec.entries.splice(at, 1);
    }
  }
  return out;
}

// The naive answers, by walking every path (small configs only).
const kindOf = (v: unknown) =>
  v === null || typeof v !== "object"
    ? "scalar"
    : Array.isArray(v)
    ? "sequence"
    : "mapping";
function same(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  const kind = kindOf(a);
  if (kind !== kindOf(b) || kind === "scalar") return false;
  const [x, y] = [a as Record<string, unknown>, b as Record<string, unknown>];
  const keys = Object.keys(x);
  return keys.length === Object.keys(y).length &&
    keys.every((key) => Object.hasOwn(y, key) && same(x[key], y[key]));
}
function naiveDiff(a: unknown, b: unknown, path: string[], out: string[]) {
  if (same(a, b)) return;
  const kind = kindOf(a);
  if (kind !== kindOf(b) || kind === "scalar") {
    out.push(path.join("."));
    return;
  }
  const [x, y] = [a as Record<string, unknown>, b as Record<string, unknown>];
  for (const key of Object.keys(x)) {
    if (Object.hasOwn(y, key)) naiveDiff(x[key], y[key], [...path, key], out);
    else out.push([...path, key].join("."));
  }
  for (const key of Object.keys(y)) {
    if (!Object.hasOwn(x, key)) out.push([...path, key].join("."));
  }
}
function valueAt(root: unknown, path: string): unknown {
  let node = root;
  for (const key of path === "" ? [] : path.split(".")) {
    if (
      node === null || typeof node !== "object" || !Object.hasOwn(node, key)
    ) {
      return undefined;
    }
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}
function pathsIn(root: unknown, path: string[], out: Set<string>) {
  out.add(path.join("."));
  if (kindOf(root) === "scalar") return;
  for (const [key, value] of Object.entries(root as object)) {
    pathsIn(value, [...path, key], out);
  }
}

test("a node held at several places lists the changes deep under it at each place", () => {
  const config = (leaf: Record<string, unknown>) => {
    const shared = [0, { leaf }];
    return { first: { at: shared }, then: shared };
  };
  const changes = diffConfigs(config({}), config({ e: 1 }), showAll);
  assert.deepEqual(changes.shown, ["first.at.1.leaf.e", "then.1.leaf.e"]);
  assert.equal(changes.omitted, 0);
  assert.ok(changes.changed("then.1.leaf"));
  assert.ok(!changes.changed("then.0"));
});

test("the comparison gives the naive answers on random configs that share nodes", () => {
  fc.assert(
    fc.property(
      fc.array(nodeSpec, { minLength: 1, maxLength: 8 }),
      fc.array(edit, { maxLength: 3 }),
      fc.array(fc.boolean(), { maxLength: 6 }),
      fc.array(fc.boolean(), { maxLength: 6 }),
      (specs, edits, copiesA, copiesB) => {
        const a = buildConfig(specs, copiesA);
        const b = buildConfig(edited(specs, edits), copiesB);
        const want: string[] = [];
        naiveDiff(a, b, [], want);
        const changes = diffConfigs(a, b, showAll);
        assert.deepEqual(changes.shown, want);
        assert.equal(changes.omitted, 0);
        const paths = new Set<string>();
        pathsIn(a, [], paths);
        pathsIn(b, [], paths);
        const differ = [...paths].filter((path) =>
          !same(valueAt(a, path), valueAt(b, path))
        );
        // A path that one side holds at least: changed() is whether the
        // values there differ, or a value above was replaced by one of
        // another kind (whatever it holds).
        for (const path of paths) {
          const keys = path === "" ? [] : path.split(".");
          const replaced = keys.some((_, i) => {
            const above = keys.slice(0, i).join(".");
            const [x, y] = [valueAt(a, above), valueAt(b, above)];
            return kindOf(x) !== kindOf(y) && !same(x, y);
          });
          assert.equal(
            changes.changed(path),
            replaced || differ.includes(path),
            path,
          );
        }
        assert.ok(!changes.changed("absent"));
        const named = [...paths, "absent"].filter((path) => path !== "");
        assert.deepEqual(
          changedPaths(named, a, b),
          differ.filter((path) => path !== ""),
        );
      },
    ),
    { numRuns: 1000 },
  );
});

test("the comparison ends on cycles through shared nodes, and answers through them", () => {
  const same = diffConfigs(
    chainOverDag(40, 1, true),
    chainOverDag(40, 1, true),
    showAll,
  );
  assert.deepEqual(same.shown, []);
  assert.ok(same.compared <= KEYS(40) + 1, `${same.compared}`);

  const changed = diffConfigs(
    chainOverDag(40, 1, true),
    chainOverDag(40, 2, true),
    showAll,
  );
  assert.equal(changed.shown.length, 1);
  const dag = `chain.${"next.".repeat(101)}`;
  assert.ok(changed.changed(`${dag}${"left.".repeat(39)}right.leaf`));
  assert.ok(!changed.changed(`${dag}${"left.".repeat(38)}right.leaf`));
  // Round the loop and down again.
  const round = `${dag}${"left.".repeat(40)}top.${"right.".repeat(40)}`;
  assert.ok(changed.changed(`${round}leaf`));
  assert.ok(changed.changed(`${round}top.left`));
  assert.ok(!changed.changed(`${dag}left.absent`));

  // Two nodes that hold each other, and themselves.
  const looped = (n: number) => {
    const a: Record<string, unknown> = { n };
    const b: Record<string, unknown> = { a, n };
    a.b = b;
    a.self = a;
    return a;
  };
  const cyclic = diffConfigs(looped(0), looped(1), showAll);
  assert.deepEqual(cyclic.shown, ["n", "b.a", "b.n", "self"]);
  assert.ok(cyclic.changed("b.a.self.b.n"));
  assert.deepEqual(diffConfigs(looped(0), looped(0), showAll).shown, []);
});

test("values a custom loader returns (class instances, maps, dates) holding a shared DAG are compared once per pair", () => {
  class Holder {
    constructor(readonly value: unknown) {}
  }
  const make = (leaf: number) => {
    const { chain } = chainOverDag(40, leaf);
    return {
      held: new Holder(chain),
      map: new Map([["k", chain]]),
      when: new Date(0),
      pattern: /a/g,
    };
  };
  const same = diffConfigs(make(1), make(1), showAll);
  assert.deepEqual(same.shown, []);
  const changed = diffConfigs(make(1), make(2), showAll);
  assert.deepEqual(changed.shown, ["held", "map"]);
  // The DAG once, though the holder and the map both hold it; then a few
  // values of the holder, the map, the date and the pattern.
  assert.ok(changed.compared <= KEYS(40) + 16, `${changed.compared}`);
  assert.deepEqual(
    diffConfigs({ when: new Date(0) }, { when: new Date(1) }, showAll).shown,
    ["when"],
  );
});

test("Coordinator.reload() ends on a custom loader's 101-level chain over a 40-level shared DAG, with the right answer", async () => {
  let leaf = 1;
  const coordinator = new Coordinator({
    configPath: "/nowhere.yaml",
    config: new AtomicConfig(chainOverDag(40)),
    load: () => chainOverDag(40, leaf),
    nonReloadable: ["chain", "other"],
    hooks: [],
  });
  const same = await coordinator.reload();
  assert.equal(same.status, "full_success");
  assert.deepEqual(same.changed, []);
  assert.equal(same.requires_restart, undefined);

  leaf = 2;
  const changed = await coordinator.reload();
  assert.equal(changed.status, "full_success");
  assert.equal(changed.changed!.length, 1);
  assert.equal(changed.changed_omitted, 2 ** 40 - 1);
  assert.deepEqual(changed.requires_restart, ["chain"]);
  assert.ok(JSON.stringify(changed).length < 64 * 1024);
});

// ----------------------------------------------- prototypes are not values

test("a mapping with a null prototype equals one with Object.prototype holding the same, at any depth", () => {
  const bare = (depth: number) => {
    let node: Record<string, unknown> = Object.assign(Object.create(null), {
      port: 1,
      list: [Object.assign(Object.create(null), { a: 1 })],
    });
    for (let i = 0; i < depth; i++) {
      node = Object.assign(Object.create(null), { next: node });
    }
    return node;
  };
  const plain = (depth: number) => JSON.parse(JSON.stringify(bare(depth)));
  for (const depth of [0, 150]) {
    const changes = diffConfigs(bare(depth), plain(depth), showAll);
    assert.deepEqual(changes.shown, [], `depth ${depth}`);
    assert.ok(!changes.changed(""));
    assert.deepEqual(
      changedPaths(["next", "port"], bare(depth), plain(depth)),
      [],
    );
  }
  assert.deepEqual(
    diffConfigs({ a: bare(0) }, { a: { ...plain(0), port: 2 } }, showAll)
      .shown,
    ["a.port"],
  );
});

test("an unchanged non-reloadable TOML table is not in requires_restart when one side was parsed in the worker", async () => {
  await using file = await tempConfig();
  const path = join(file.dir, "config.toml");
  const table = '[server]\nport = 8080\nhost = "a"\n[server.tls]\ncert = "c"\n';
  await writeFile(path, `note = "small"\n${table}`);
  const coordinator = await Coordinator.create({
    configPath: path,
    nonReloadable: ["server"],
  });
  // 64 KiB and more: parsed in the worker, whose mappings come back with
  // Object.prototype (the main thread's parser gives them none).
  await writeFile(path, `note = "${"x".repeat(70_000)}"\n${table}`);
  const big = await coordinator.reload();
  assert.equal(big.status, "full_success");
  assert.deepEqual(big.changed, ["note"]);
  assert.equal(big.requires_restart, undefined);
  await writeFile(path, `note = "small again"\n${table}`);
  const small = await coordinator.reload();
  assert.deepEqual(small.changed, ["note"]);
  assert.equal(small.requires_restart, undefined);
  await coordinator.shutdown();
});

// ------------------------------------------------- what `changed` names

test("changed shows sequence indexes as numbers, even those that are a value from the environment or not in the file", async () => {
  await using logs = await captureLogs();
  // No "1" in the file but as a value from the environment.
  const routes = (first: string, last: string) =>
    `routes:\n${
      range(12).map((i) =>
        `  - to: r${i < 2 ? first : i === 11 ? last : "x"}\n`
      ).join("")
    }replicas: \${ONE}\nzone: \${ZERO}\n`;
  await using file = await tempConfig(routes("a", "a"));
  const env = envOf({ ONE: "1", ZERO: "0" });
  const coordinator = await Coordinator.create({ configPath: file.path, env });
  await file.write(routes("b", "b"));
  const result = await coordinator.reload();
  // "11" is nowhere in the file; "0" and "1" are values from the
  // environment: indexes all the same.
  assert.deepEqual(result.changed, [
    "routes.0.to",
    "routes.1.to",
    "routes.11.to",
  ]);
  assert.ok(
    (await everyOutput(coordinator, logs.records)).includes("routes.11.to"),
  );
  await coordinator.shutdown();
});

test("changed names a removed key that was written in the old file, and keeps keys from the environment hidden", async () => {
  await using logs = await captureLogs();
  const SECRET = "tok-secret-7f3a";
  await using file = await tempConfig(
    "feature_flags:\n  new_checkout: true\n  dark_mode: false\ntokens:\n  ${TOKEN}: admin\n",
  );
  const MOVED = "blue-green-4242";
  const env = envOf({ TOKEN: SECRET, MOVED });
  const coordinator = await Coordinator.create({ configPath: file.path, env });

  // The env key removed, its text now in the new file (a comment): it
  // came from the environment, so it stays hidden.
  await file.write(
    `# rotated ${SECRET}\nfeature_flags:\n  new_checkout: true\ntokens:\n  other: admin\n`,
  );
  const removed = await coordinator.reload();
  assert.equal(removed.status, "full_success");
  assert.deepEqual(removed.changed, [
    "feature_flags.dark_mode",
    "tokens.…",
    "tokens.other",
  ]);

  // Added back, from the environment.
  await file.write(
    "feature_flags:\n  new_checkout: true\ntokens:\n  other: admin\n  ${TOKEN}: admin\n",
  );
  const added = await coordinator.reload();
  assert.deepEqual(added.changed, ["tokens.…"]);

  // A removed key written in the old file, whose text the new config
  // takes from the environment: hidden too.
  await file.write(`feature_flags:\n  ${MOVED}: on\ntokens: {}\n`);
  assert.equal((await coordinator.reload()).status, "full_success");
  await file.write("feature_flags:\n  plain: on\ntokens:\n  x: ${MOVED}\n");
  const moved = await coordinator.reload();
  assert.deepEqual(moved.changed, [
    "feature_flags.…",
    "feature_flags.plain",
    "tokens.x",
  ]);
  assert.ok(!(await everyOutput(coordinator, logs.records)).includes(SECRET));
  await coordinator.shutdown();
});

test("no output shows a key that is a secret file's value, added, changed or removed", async () => {
  await using logs = await captureLogs();
  const SECRET = "Zq7";
  await using file = await tempConfig(
    "users:\n  ${file:k}: admin\n  bob: user\n",
  );
  await writeFile(join(file.dir, "k"), `${SECRET}\n`);
  const hook = {
    name: "watcher",
    check() {},
    apply: () => HookStatus.Applied,
  };
  const coordinator = await Coordinator.create({
    configPath: file.path,
    hooks: [hook],
  });
  const results = [];
  for (
    const text of [
      "users:\n  ${file:k}: root\n  bob: user\n", // changed
      `# ${SECRET}\nusers:\n  bob: user\n`, // removed (its text a comment)
      "users:\n  bob: user\n  ${file:k}: admin\n", // added
    ]
  ) {
    await file.write(text);
    const result = await coordinator.reload();
    assert.equal(result.status, "full_success");
    results.push(result.changed);
  }
  assert.deepEqual(results, [["users.…"], ["users.…"], ["users.…"]]);
  const output = await everyOutput(coordinator, logs.records);
  assert.ok(!output.includes(SECRET));
  assert.ok(output.includes("users.…"));
  await coordinator.shutdown();
});

test("keyShower().holdsValue() tells a key that holds a substituted value", () => {
  const show = keyShower(["s3cr3t-value", "ab"], [
    "plain: 1\ns3cr3t-value: 2\n",
  ]);
  assert.ok(show("plain"));
  assert.ok(!show("s3cr3t-value"));
  assert.ok(show.holdsValue("s3cr3t-value"));
  assert.ok(show.holdsValue("x-s3cr3t-value-y"));
  assert.ok(show.holdsValue("ab"));
  assert.ok(!show.holdsValue("abc"));
  assert.ok(!show.holdsValue("plain"));
  assert.ok(!keyShower([]).holdsValue("anything"));
});
