// The walk that finds a new config to be the one in effect over again, so
// that the pass keeps the config in effect: it must answer "alike" only when
// the full comparison finds no change and nothing else tells the two apart
// (key order, prototypes), change neither side, and do at most a step's
// worth of work per step.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { diffConfigs } from "../src/diff.ts";
import { ITEMS_PER_STEP } from "../src/slices.ts";
import { unchangedSteps } from "../src/unchanged.ts";
import { AtomicConfig, Coordinator, HookStatus } from "hup-reload";
import { ManualSignals, tempConfig } from "hup-reload/testing";

function run(
  before: unknown,
  after: unknown,
): { same: boolean; steps: number } {
  const walk = unchangedSteps(before, after);
  let steps = 0;
  for (;;) {
    const next = walk.next();
    if (next.done) return { same: next.value, steps };
    steps++;
  }
}

const plain = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    fc.oneof(
      fc.integer(),
      fc.string(),
      fc.boolean(),
      fc.constant(null),
      fc.double(),
    ),
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(fc.string({ maxLength: 3 }), tie("value"), { maxKeys: 4 }),
  ),
})).value;

test("the unchanged walk says alike only when the full comparison finds no change, always for a copy, and changes neither side", () => {
  let equal = 0;
  fc.assert(
    fc.property(plain, plain, fc.boolean(), (a, b, copy) => {
      const before = structuredClone({ root: a });
      const after = structuredClone(copy ? { root: a } : { root: b });
      const changes = diffConfigs(before, after, () => true);
      const { same } = run(before, after);
      if (same) {
        equal++;
        assert.equal(changes.shown.length, 0);
      }
      if (copy) assert.equal(same, true);
      assert.ok(!Object.isFrozen(before) && !Object.isFrozen(after));
    }),
    { numRuns: 1000 },
  );
  assert.ok(equal > 300, `only ${equal} equal pairs`);
});

test("the unchanged walk leaves to the full comparison a node both sides share, and what is not plain data", () => {
  const shared = { a: 1 };
  assert.equal(run({ x: shared }, { x: shared }).same, false);
  assert.equal(run({ d: new Date(0) }, { d: new Date(0) }).same, false);
  assert.equal(run({ m: new Map() }, { m: new Map() }).same, false);
  const config = { a: 1 };
  assert.equal(run(config, config).same, false);
  // Keys in another order: no change for the comparison, but not the
  // config in effect over again (a service may read them in order).
  assert.equal(run({ m: { a: 1, b: 2 } }, { m: { b: 2, a: 1 } }).same, false);
  assert.equal(
    diffConfigs({ m: { a: 1, b: 2 } }, { m: { b: 2, a: 1 } }, () => true)
      .shown.length,
    0,
  );
  assert.equal(run({ m: { a: 1, b: 2 } }, { m: { b: 2, c: 1 } }).same, false);
  assert.equal(run({ m: { a: 1, b: 2 } }, { m: { a: 1, b: 2 } }).same, true);
  // Nor a mapping of the other plain prototype.
  const bare = Object.assign(Object.create(null), { a: 1 });
  assert.equal(run({ m: { a: 1 } }, { m: bare }).same, false);
  assert.equal(run({ m: bare }, { m: { ...bare } }).same, false);
  assert.equal(
    run({ m: bare }, { m: Object.assign(Object.create(null), { a: 1 }) }).same,
    true,
  );
});

test("the unchanged walk looks at a step's worth of values per step", () => {
  const items = 20_000;
  let reads = 0;
  let most = 0;
  const list = Array.from({ length: items }, (_, i) => i);
  const counted = new Proxy(list, {
    get(target, key, receiver) {
      if (typeof key === "string" && /^\d+$/.test(key)) reads++;
      return Reflect.get(target, key, receiver);
    },
  });
  const walk = unchangedSteps({ list: [...list] }, { list: counted });
  let steps = 0;
  for (;;) {
    reads = 0;
    const next = walk.next();
    most = Math.max(most, reads);
    if (next.done) {
      assert.equal(next.value, true);
      break;
    }
    steps++;
  }
  assert.ok(most <= ITEMS_PER_STEP, `${most} values read in one step`);
  assert.ok(steps >= Math.floor(items / ITEMS_PER_STEP), `${steps} steps`);
});

function deeplyFrozen(value: unknown): boolean {
  if (value === null || typeof value !== "object") return true;
  return Object.isFrozen(value) && Object.values(value).every(deeplyFrozen);
}

test("a pass that loads the config in effect over again keeps it; keys in another order are swapped in", async () => {
  await using file = await tempConfig("routes:\n  a: 1\n  b: [x, y]\n");
  const seen: [unknown, unknown][] = [];
  const coordinator = await Coordinator.create({
    configPath: file.path,
    signals: new ManualSignals(),
    hooks: [{
      name: "watcher",
      check() {},
      apply(_ctx, old, next) {
        seen.push([old, next]);
        return HookStatus.Applied;
      },
    }],
  });
  // The config from start-up, frozen by the loader.
  const first = coordinator.config.load();
  assert.ok(deeplyFrozen(first));
  let result = await coordinator.reload();
  assert.equal(result.status, "full_success");
  assert.deepEqual(result.changed, []);
  assert.equal(coordinator.config.load(), first, "the config in effect kept");
  assert.equal(coordinator.config.snapshot().generation, 1);
  assert.equal(seen[0][0], seen[0][1]);
  // The same keys in another order: no change, but the new order is what
  // the service now reads.
  await file.write("routes:\n  b: [x, y]\n  a: 1\n");
  result = await coordinator.reload();
  assert.equal(result.status, "full_success");
  assert.deepEqual(result.changed, []);
  const reordered = coordinator.config.load();
  assert.notEqual(reordered, first);
  assert.deepEqual(Object.keys(reordered.routes as object), ["b", "a"]);
  assert.ok(deeplyFrozen(reordered));
  // A changed value: a new config, frozen all the way down.
  await file.write("routes:\n  b: [x, z]\n  a: 1\n");
  result = await coordinator.reload();
  assert.deepEqual(result.changed, ["routes.b.1"]);
  assert.ok(deeplyFrozen(coordinator.config.load()));
  await coordinator.shutdown();
});

test("a pass keeps no config in effect that is not known to be frozen all the way down", async () => {
  await using file = await tempConfig("a: { b: 1 }\n");
  const config = new AtomicConfig<Record<string, unknown>>({ a: { b: 1 } });
  const coordinator = new Coordinator({ configPath: file.path, config });
  // Stored by hand, not frozen: the pass swaps in the config it loaded,
  // frozen, instead of keeping this one.
  const stored = { a: { b: 1 } };
  config.store(stored);
  const result = await coordinator.reload();
  assert.equal(result.status, "full_success");
  assert.deepEqual(result.changed, []);
  assert.notEqual(config.load(), stored);
  assert.deepEqual(config.load(), stored);
  assert.ok(deeplyFrozen(config.load()));
  assert.equal(Object.isFrozen(stored.a), false);
  await coordinator.shutdown();
});
