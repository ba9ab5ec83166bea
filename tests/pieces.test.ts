// A parsed document comes back from the parser's worker as a tape, in parts,
// each a message of its own: written and read again, it is the same
// document (same prototypes, own `__proto__` keys, shared nodes still
// shared), no part is much larger than the budget, and nothing on the tape
// grows with where a node is, how long its keys are, or how often it is
// met again.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { isDeepStrictEqual } from "node:util";
import fc from "fast-check";
import {
  ENTRIES_PER_STEP,
  LONG_STRING,
  type Tape,
  TapeReader,
  writeTape,
} from "../src/load/pieces.ts";
import { parseText } from "../src/load/parse_text.ts";
import { sharing } from "./_worker.ts";

const runs = Number(process.env.HUP_FUZZ_RUNS ?? 300);

// The size of a part as it is sent: its structured clone, as JSON would
// spell it (strings at their length), which is what the bytes follow.
function bytesOf(tape: Tape): number {
  let n = 0;
  for (const item of tape) n += typeof item === "string" ? item.length + 2 : 8;
  return n;
}

// Sends a document as the worker does, each part a structured clone of its
// own, and reads it back; with the steps each part took.
function roundTrip(document: object, shared = true, budget?: number) {
  const parts = [...writeTape(document, shared, budget)];
  const reader = new TapeReader(shared);
  const steps: number[] = [];
  for (const part of parts) {
    let n = 0;
    for (const _ of reader.read(structuredClone(part))) n++;
    steps.push(n);
  }
  return { parts, steps, joined: reader.result() };
}

const key = fc.oneof(
  fc.string({ maxLength: 4 }),
  fc.constantFrom("__proto__", "constructor", "0", "a.b", "x".repeat(70)),
);
const scalar = fc.oneof(
  fc.integer(),
  fc.string({ maxLength: 6 }),
  fc.constantFrom("y".repeat(64), "z".repeat(100), "", "$x"),
  fc.boolean(),
  fc.constant(null),
  fc.double(),
);
const tree = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    scalar,
    tie("list"),
    tie("map"),
  ),
  list: fc.array(tie("node"), { maxLength: 8 }),
  map: fc.tuple(
    fc.array(fc.tuple(key, tie("node")), { maxLength: 8 }),
    fc.boolean(),
  ).map(([pairs, bare]) => {
    const map: Record<string, unknown> = bare ? Object.create(null) : {};
    for (const [k, v] of pairs) {
      Object.defineProperty(map, k, {
        value: v,
        writable: true,
        enumerable: true,
        configurable: true,
      });
    }
    return map;
  }),
})).map;

// A tree whose nodes are then shared: each mapping or sequence may also
// appear in the place of a later scalar (a YAML alias), never inside
// itself.
function shareSome(root: Record<string, unknown>, pick: number[]): object {
  const seen: object[] = [];
  let p = 0;
  const walk = (node: Record<string | number, unknown>): void => {
    const keys = Object.keys(node);
    for (const k of keys) {
      const child = node[k];
      if (child !== null && typeof child === "object") {
        walk(child as Record<string, unknown>);
        seen.push(child);
      } else if (seen.length > 0 && p < pick.length && pick[p++] % 3 === 0) {
        Object.defineProperty(node, k, {
          value: seen[pick[p - 1] % seen.length],
          writable: true,
          enumerable: true,
          configurable: true,
        });
      }
    }
  };
  walk(root);
  return root;
}

describe("a document written as a tape", () => {
  test("reads back into the same document, whatever its shape and the budget", () => {
    fc.assert(
      fc.property(
        tree,
        fc.integer({ min: 1, max: 512 }),
        fc.boolean(),
        (map, budget, shared) => {
          // A tree shares no node: walked as one that may, or as one that
          // cannot (JSON, TOML, YAML without aliases).
          const before = structuredClone(map);
          const { joined } = roundTrip(map, shared, budget);
          assert.ok(isDeepStrictEqual(joined, map));
          assert.deepEqual(Object.keys(joined), Object.keys(before));
          assert.equal(
            Object.getPrototypeOf(joined),
            Object.getPrototypeOf(map),
          );
        },
      ),
      { numRuns: runs },
    );
  });

  test("shares again what was shared (YAML aliases), as the same objects", () => {
    fc.assert(
      fc.property(
        tree,
        fc.array(fc.nat(), { maxLength: 40 }),
        fc.integer({ min: 1, max: 256 }),
        (map, pick, budget) => {
          const doc = shareSome(map, pick);
          const { joined } = roundTrip(doc, true, budget);
          assert.ok(isDeepStrictEqual(joined, doc));
          // The same shape of sharing: a node met twice is one object.
          assert.deepEqual(sharing(joined), sharing(doc));
        },
      ),
      { numRuns: runs },
    );
  });

  test("keeps a key named __proto__ an own key, and each prototype as it was", () => {
    const doc = JSON.parse(
      '{"__proto__": {"admin": true, "deep": [1, 2, {"x": 1}]}, "a": [1, 2]}',
    );
    doc.bare = Object.assign(Object.create(null), { q: 1 });
    const { joined } = roundTrip(doc, false, 1);
    assert.ok(Object.hasOwn(joined, "__proto__"));
    assert.equal(Object.getPrototypeOf(joined), Object.prototype);
    assert.equal(({} as Record<string, unknown>).admin, undefined);
    assert.equal(Object.getPrototypeOf(joined.bare), null);
    assert.deepStrictEqual(joined, doc);
  });

  test("sends the values YAML, JSON and TOML give as they are", () => {
    const doc = {
      n: [0, -0, 1.5, NaN, Infinity, -Infinity, 2 ** 53 - 1],
      s: ["", "x", "\u0000P0,3:$x", "é".repeat(100)],
      b: [true, false, null],
      e: [{}, [], [[]]],
    };
    assert.deepStrictEqual(roundTrip(doc).joined, doc);
    assert.ok(Object.is((roundTrip(doc).joined.n as number[])[1], -0));
  });

  test("no part is much larger than the budget, and none grows with key length × links", () => {
    // 95 levels of 800-character keys, then 4,000 aliases of one mapping,
    // and 2,000 aliases of a 100,000-character string, and a 20,000-
    // character key merged into 2,000 mappings.
    const shared = { x: 1 };
    const long = "s".repeat(100_000);
    const bigKey = "k".repeat(20_000);
    let inner: Record<string, unknown> = {
      ...Object.fromEntries(
        Array.from({ length: 4000 }, (_, i) => [`a${i}`, shared]),
      ),
      strings: Array.from({ length: 2000 }, () => long),
      merged: Array.from({ length: 2000 }, () => ({ [bigKey]: 1 })),
    };
    for (let d = 0; d < 95; d++) {
      inner = { [`k${d}_`.padEnd(800, "x")]: inner };
    }
    const doc = { base: shared, deep: inner };
    const budget = 64 * 1024;
    const { parts, joined } = roundTrip(doc, true, budget);
    const total = parts.reduce((n, part) => n + bytesOf(part), 0);
    // The text would be about 95 × 800 + 4,000 × 10 + 100,000 + 2,000 × 4
    // + 20,000 + 2,000 × 10 bytes: the tape is no larger than that plus a
    // few bytes a node, where paths or copies would be gigabytes.
    assert.ok(total < 500_000, `${total} bytes in all`);
    for (const part of parts) {
      // A part ends at the first entry past the budget: one long string
      // (100,000 characters) at most beyond it.
      assert.ok(bytesOf(part) < budget + 100_100, `${bytesOf(part)} bytes`);
    }
    assert.ok(isDeepStrictEqual(joined, doc));
    let j = joined.deep as Record<string, unknown>;
    for (let d = 94; d >= 0; d--) {
      j = j[`k${d}_`.padEnd(800, "x")] as Record<string, unknown>;
    }
    assert.equal(j.a3999, joined.base, "the alias is the same object");
  });

  test("sends a document that is one long string repeated no larger than the string", () => {
    const long = "L".repeat(LONG_STRING * 1000);
    const doc = { list: Array.from({ length: 10_000 }, () => long) };
    const { parts, joined } = roundTrip(doc, false);
    const total = parts.reduce((n, part) => n + bytesOf(part), 0);
    assert.ok(total < long.length + 10_000 * 20, `${total} bytes`);
    assert.deepEqual(joined, doc);
  });

  test("reads each part in steps of a bounded number of entries", () => {
    const doc = {
      routes: Array.from({ length: 20_000 }, (_, i) => ({ path: `/r/${i}` })),
    };
    const { parts, steps } = roundTrip(doc, false);
    assert.ok(parts.length > 1, `${parts.length} parts`);
    // Each step reads ENTRIES_PER_STEP entries (a part's last step fewer).
    const entries = 1 + 20_000 * 2;
    const total = steps.reduce((a, b) => a + b, 0);
    assert.ok(total <= Math.floor(entries / ENTRIES_PER_STEP));
    assert.ok(total >= Math.floor(entries / ENTRIES_PER_STEP) - parts.length);
  });

  test("takes a large, flat document in time linear in its size", () => {
    // 200,000 small mappings in one list, and a list of 999,000 aliases.
    const doc = {
      routes: Array.from({ length: 200_000 }, (_, i) => ({ path: `/r/${i}` })),
    };
    const before = structuredClone(doc);
    const { parts, joined } = roundTrip(doc, false);
    assert.ok(parts.length > 10, `${parts.length} parts`);
    assert.ok(isDeepStrictEqual(joined, before));
    const base = {};
    const aliases = { base, list: new Array(999_000).fill(base) };
    const t0 = performance.now();
    const back = roundTrip(aliases, true).joined as typeof aliases;
    assert.equal(back.list[998_999], back.base);
    // Seconds, not minutes, on a slow machine.
    assert.ok(performance.now() - t0 < 20_000);
  });

  test("refuses a tape that does not fit together", () => {
    const read = (...parts: Tape[]) => {
      const reader = new TapeReader(true);
      for (const part of parts) for (const _ of reader.read(part));
      return reader.result();
    };
    assert.deepEqual(read([1, 1, "a", 0, 5]), { a: 5 });
    assert.throws(() => read([3, 0]), /top level is not a mapping/);
    assert.throws(() => read([1, 2, "a", 0, 5]), /ends before the document/);
    assert.throws(() => read([1, 1, "a", 4, 7]), /out of range/);
    assert.throws(() => read([1, 1, "a", 99]), /unknown code/);
    assert.throws(() => read([1, 1, 6, 0, 1]), /out of range/);
    assert.throws(() => read([1, 1, "a", 0]), /ends inside an entry/);
    assert.throws(() => read([1, 0], ["extra"]), /past the document/);
    assert.throws(
      () => new TapeReader(false).read([1, 1, "a", 4, 0]).next(),
      /a node is met again/,
    );
  });

  test("a parsed YAML file with aliases reads back as the event loop has it", () => {
    const text = "base: &b {x: [1, 2]}\n" +
      Array.from({ length: 300 }, (_, i) => `s${i}: {use: *b, <<: *b}`).join(
        "\n",
      );
    const limits = { maxDepth: 100, maxNodes: 1_000_000 };
    const on = parseText("yaml", text, limits, false);
    const off = parseText("yaml", text, limits, false);
    assert.ok(on.ok && off.ok);
    const { joined } = roundTrip(off.value, off.shared !== false, 1024);
    assert.deepStrictEqual(joined, on.value);
    const j = joined as Record<string, { use: unknown; x: unknown }>;
    assert.equal(j.s299.use, j.base);
    assert.equal(j.s299.x, (j.base as { x: unknown }).x);
  });
});
