// A large document comes back from the parser's worker in pieces, each a
// message of its own: cut apart and joined again, it is the same document,
// with its shared nodes still shared, and no piece is much larger than the
// budget.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { isDeepStrictEqual } from "node:util";
import fc from "fast-check";
import { cutDocument, joinDocument, type Piece } from "../src/load/pieces.ts";

const runs = Number(process.env.HUP_FUZZ_RUNS ?? 300);

// Nodes as cutDocument counts them: each mapping, sequence and scalar.
function nodes(value: unknown, seen = new Set<object>()): number {
  if (value === null || typeof value !== "object") return 1;
  if (seen.has(value)) return 1;
  seen.add(value);
  let n = 1;
  for (const child of Object.values(value)) n += nodes(child, seen);
  return n;
}

// Sends a cut document as the worker does, each part a structured clone of
// its own, and joins it again.
function roundTrip(document: object, budget: number, shared = true) {
  const cut = cutDocument(document, budget, shared);
  const pieces: Piece[] = cut.batches.flatMap((b) => structuredClone(b));
  const links = cut.links.flatMap((b) => structuredClone(b));
  return {
    cut,
    joined: joinDocument(structuredClone(cut.root), pieces, links),
  };
}

const key = fc.oneof(
  fc.string({ maxLength: 4 }),
  fc.constantFrom("__proto__", "constructor", "0", "a.b"),
);
const scalar = fc.oneof(
  fc.integer(),
  fc.string({ maxLength: 6 }),
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
  map: fc.array(fc.tuple(key, tie("node")), { maxLength: 8 }).map((pairs) => {
    const map: Record<string, unknown> = {};
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

describe("a document cut into pieces", () => {
  test("joins back into the same document, whatever its shape and the budget", () => {
    fc.assert(
      fc.property(tree, fc.integer({ min: 1, max: 64 }), fc.boolean(), (
        doc,
        budget,
        shared,
      ) => {
        // A tree shares no node: walked as one that may, or as one that
        // cannot (JSON, TOML, YAML without aliases).
        const before = structuredClone(doc);
        const { joined } = roundTrip(doc, budget, shared);
        assert.ok(isDeepStrictEqual(joined, before));
        assert.deepEqual(Object.keys(joined), Object.keys(before));
      }),
      { numRuns: runs },
    );
  });

  test("keeps a key named __proto__ an own key, and the prototype plain", () => {
    const doc = JSON.parse(
      '{"__proto__": {"admin": true, "deep": [1, 2, {"x": 1}]}, "a": [1, 2]}',
    );
    const { joined } = roundTrip(doc, 2);
    assert.ok(Object.hasOwn(joined, "__proto__"));
    assert.equal(Object.getPrototypeOf(joined), Object.prototype);
    assert.deepEqual(
      JSON.stringify(joined),
      '{"__proto__":{"admin":true,"deep":[1,2,{"x":1}]},"a":[1,2]}',
    );
  });

  test("shares again what was shared (YAML aliases), without copying it", () => {
    const base = { host: "h", ports: [1, 2, 3], tls: { on: true } };
    const doc = {
      defaults: base,
      services: Array.from({ length: 50 }, (_, i) => ({ i, use: base })),
      tls: base.tls,
    };
    const { cut, joined } = roundTrip(doc, 8);
    assert.ok(cut.links.flat().length >= 50, "each second place is a link");
    const j = joined as typeof doc;
    for (const s of j.services) assert.equal(s.use, j.defaults);
    assert.equal(j.tls, j.defaults.tls);
    assert.deepEqual(j.services[7], { i: 7, use: base });
  });

  test("sends no batch much larger than the budget", () => {
    fc.assert(
      fc.property(tree, fc.integer({ min: 4, max: 64 }), (doc, budget) => {
        if (doc === null || typeof doc !== "object") return;
        const cut = cutDocument(doc, budget);
        // A batch holds pieces up to the budget, or one piece; a piece holds
        // at most the budget plus one node's own children.
        const widest = Math.max(
          1,
          ...[cut.root, ...cut.batches.flat().map((p) => p.value)].map((v) =>
            Object.keys(v as object).length
          ),
        );
        assert.ok(nodes(cut.root) <= budget + widest + 1);
        // A batch of one piece may pass the budget by its path.
        const deepest = Math.max(
          0,
          ...cut.batches.flat().map((p) => p.path.length),
        );
        for (const batch of cut.batches) {
          const size = batch.reduce(
            (n, p) => n + nodes(p.value) + p.path.length,
            0,
          );
          assert.ok(
            size <= budget + widest + deepest + 1,
            `${size} > ${budget}`,
          );
        }
      }),
      { numRuns: runs },
    );
  });

  test("takes a large, flat document in time linear in its size", () => {
    // 200,000 small mappings in one list: cut and joined in batches.
    const doc = {
      routes: Array.from({ length: 200_000 }, (_, i) => ({ path: `/r/${i}` })),
    };
    const before = structuredClone(doc);
    const { cut, joined } = roundTrip(doc, 4096, false);
    assert.ok(cut.batches.length > 50, `${cut.batches.length} batches`);
    assert.deepEqual(cut.links, []);
    assert.ok(isDeepStrictEqual(joined, before));
  });

  test("counts a deep piece's path in its batch, so no message grows with the depth", () => {
    // 98 levels down, a list of 20,000 small mappings: once the list is
    // full each one is cut, with a path 99 keys long.
    let doc: Record<string, unknown> = {
      list: Array.from({ length: 20_000 }, (_, i) => ({ i })),
    };
    for (let d = 0; d < 97; d++) doc = { [`k${d}`]: doc };
    const before = structuredClone(doc);
    const { cut, joined } = roundTrip(doc, 4096, false);
    for (const batch of cut.batches) {
      const keys = batch.reduce(
        (n, p) => n + nodes(p.value) + p.path.length,
        0,
      );
      // The list itself stays whole: one node 20,000 wide (placeholders).
      const wide = batch.some((p) => Array.isArray(p.value)) ? 20_000 : 0;
      assert.ok(keys <= 4096 + 100 + wide, `${keys} nodes and keys in a batch`);
    }
    assert.ok(isDeepStrictEqual(joined, before));
  });

  test("refuses a piece that has no place to go", () => {
    assert.throws(
      () => joinDocument({ a: 1 }, [{ path: ["a"], value: {} }], []),
      /a piece of the document has no place: 1 keys deep/,
    );
    assert.throws(
      () => joinDocument({ a: null }, [{ path: ["b", "c"], value: {} }], []),
      /no place: 2 keys deep/,
    );
  });
});
