// The walks of a pass under attack: each gives the event loop a turn within
// its slice.
import { test } from "node:test";
import assert from "node:assert/strict";
import { freezeSteps } from "../src/freeze.ts";
import { ITEMS_PER_STEP } from "../src/slices.ts";

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

// ---------------------------------------------------------- the event loop

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
