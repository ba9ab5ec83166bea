// The walk that finds a new config equal to the one in effect and freezes
// it: it must agree with the full comparison whenever it answers "equal",
// leave every node of the new config frozen then, and do at most a step's
// worth of work per step.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { diffConfigs } from "../src/diff.ts";
import { ITEMS_PER_STEP } from "../src/slices.ts";
import { unchangedSteps } from "../src/unchanged.ts";

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

function everyNodeFrozen(value: unknown): boolean {
  if (value === null || typeof value !== "object") return true;
  return Object.isFrozen(value) && Object.values(value).every(everyNodeFrozen);
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

test("the unchanged walk says equal exactly when the full comparison finds no change, and then every node is frozen", () => {
  let equal = 0;
  fc.assert(
    fc.property(plain, plain, fc.boolean(), (a, b, copy) => {
      const before = structuredClone({ root: a });
      const after = structuredClone(copy ? { root: a } : { root: b });
      const changes = diffConfigs(before, after, () => true);
      const { same } = run(before, after);
      assert.equal(same, changes.shown.length === 0);
      if (same) {
        equal++;
        assert.ok(everyNodeFrozen(after));
      }
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
  // Keys in another order are the same keys; other keys are not.
  assert.equal(run({ m: { a: 1, b: 2 } }, { m: { b: 2, a: 1 } }).same, true);
  assert.equal(run({ m: { a: 1, b: 2 } }, { m: { b: 2, c: 1 } }).same, false);
  // A mapping of either plain prototype equals the other, as in diff.ts.
  const bare = Object.assign(Object.create(null), { a: 1 });
  assert.equal(run({ m: { a: 1 } }, { m: bare }).same, true);
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
