// Benchmark 1, the read path: `holder.load()` and `holder.snapshot()` on
// every read, against reading a plain module-level variable.
//
// Both sides run the same loop shape and consume the result the same way
// (sum a numeric field, plus the generation for snapshots), and the sum is
// reported, so no side can be dead-code eliminated. The plain variables are
// reassigned once (setPlain), so the JIT cannot treat them as constants.
// Warm-up rounds (JIT tiering) are run and discarded.
import { flags, loadModule, note, report, summary } from "./lib.mjs";

const opts = flags();
const { AtomicConfig } = await loadModule();

const ITERS = opts.quick ? 2_000_000 : 10_000_000;
const ROUNDS = opts.quick ? 5 : 21;
const WARMUP = opts.quick ? 2 : 5;

let plainConfig; // the baseline for load()
let plainSnapshot; // the baseline for snapshot()
let otherConfig; // the second pair, for the alternating case
let otherSnapshot;
function setPlain(config, generation, other) {
  plainConfig = config;
  plainSnapshot = Object.freeze({ config, generation });
  otherConfig = other;
  otherSnapshot = Object.freeze({ config: other, generation });
}

const first = { version: 1, server: { port: 8080 } };
const config = { version: 3, server: { port: 8081 } };
const other = { version: 3, server: { port: 8082 } };
setPlain(first, 0, first);
setPlain(config, 1, other);
const holder = new AtomicConfig(first);
holder.store(config); // generation 1, like the plain snapshot
const otherHolder = new AtomicConfig(first);
otherHolder.store(other);

function readPlain(n) {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += plainConfig.version;
  return sum;
}
function readLoad(n) {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += holder.load().version;
  return sum;
}
function readPlainSnapshot(n) {
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const s = plainSnapshot;
    sum += s.config.version + s.generation;
  }
  return sum;
}
function readSnapshot(n) {
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const s = holder.snapshot();
    sum += s.config.version + s.generation;
  }
  return sum;
}

// The same reads from two holders (two variables) taken in turn: the read
// cannot be hoisted out of the loop, so each iteration really performs it.
function readPlain2(n) {
  let sum = 0;
  for (let i = 0; i < n; i++) {
    sum += (i & 1 ? otherConfig : plainConfig).version;
  }
  return sum;
}
function readLoad2(n) {
  let sum = 0;
  for (let i = 0; i < n; i++) {
    sum += (i & 1 ? otherHolder : holder).load().version;
  }
  return sum;
}
function readPlainSnapshot2(n) {
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const s = i & 1 ? otherSnapshot : plainSnapshot;
    sum += s.config.version + s.generation;
  }
  return sum;
}
function readSnapshot2(n) {
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const s = (i & 1 ? otherHolder : holder).snapshot();
    sum += s.config.version + s.generation;
  }
  return sum;
}

let sink = 0;
function time(fn) {
  const t0 = performance.now();
  sink += fn(ITERS);
  return (performance.now() - t0) / ITERS * 1e6; // ns per read
}

const cases = [
  ["plain", readPlain],
  ["load", readLoad],
  ["plainSnapshot", readPlainSnapshot],
  ["snapshot", readSnapshot],
  ["plain2", readPlain2],
  ["load2", readLoad2],
  ["plainSnapshot2", readPlainSnapshot2],
  ["snapshot2", readSnapshot2],
];
const pairs = [
  ["load", "plain", "holder.load() / plain variable"],
  ["snapshot", "plainSnapshot", "holder.snapshot() / plain variable"],
  ["load2", "plain2", "holder.load() / plain, 2 alternating (no hoisting)"],
  [
    "snapshot2",
    "plainSnapshot2",
    "holder.snapshot() / plain, 2 alternating (no hoisting)",
  ],
];
const ns = Object.fromEntries(cases.map(([k]) => [k, []]));
const ratios = Object.fromEntries(pairs.map(([k]) => [k, []]));
for (let round = 0; round < WARMUP + ROUNDS; round++) {
  // Rotate the order so no case always runs first after a GC or a tier-up.
  const order = cases.map((_, i) => cases[(i + round) % cases.length]);
  const t = {};
  for (const [k, fn] of order) t[k] = time(fn);
  if (round < WARMUP) continue;
  for (const [k] of cases) ns[k].push(t[k]);
  for (const [k, base] of pairs) ratios[k].push(t[k] / t[base]);
}

const expected = (WARMUP + ROUNDS) * ITERS * (3 + 3 + 4 + 4) * 2;
if (sink !== expected) throw new Error(`sum mismatch: ${sink} != ${expected}`);

for (const [k, base, metric] of pairs) {
  report({
    bench: "1 read path",
    metric,
    ...summary(ratios[k]),
    unit: "x",
    goal: "<= 1.5x",
    ok: summary(ratios[k]).value <= 1.5,
    detail: `${summary(ns[k]).value.toFixed(2)} ns vs ${
      summary(ns[base]).value.toFixed(2)
    } ns per read`,
  });
}
note(
  `read path: ${ROUNDS} rounds of ${ITERS} reads per case after ${WARMUP} warm-up rounds (discarded); ratio per round, median [min-max]`,
);
