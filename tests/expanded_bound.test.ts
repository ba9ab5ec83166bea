// The YAML adapter counts a document's aliases, expanded, on the parser's
// events, so that the loader need not measure the built document: that
// count must never say "within the bounds" of a document the measure would
// refuse (it is an upper bound), and must say so of ordinary configs.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { EVENT_ID, parseEvents } from "js-yaml";
import { FormatError } from "../src/load/format/types.ts";
import { yamlFormat } from "../src/load/format/yaml.ts";
import { expandedWithin } from "../src/load/format/yaml_scan.ts";
import { measure } from "../src/load/measure.ts";
import { parseText } from "../src/load/parse_text.ts";

// A document of anchors, aliases (to earlier anchors, nested in later
// ones) and merge keys, from a list of draws.
function documentOf(draws: number[]): string {
  let i = 0;
  const next = (n: number) => draws[i++ % draws.length] % n;
  const anchors: { name: string; mapping: boolean }[] = [];
  const value = (depth: number): string => {
    const kind = next(depth > 3 ? 2 : 6);
    if (kind === 0) return String(next(100));
    if (kind === 1 && anchors.length > 0) {
      return `*${anchors[next(anchors.length)].name}`;
    }
    if (kind === 1) return "x";
    const anchor = next(3) === 0 ? `a${anchors.length}` : undefined;
    const items = Array.from({ length: next(4) }, () => value(depth + 1));
    let text: string;
    if (kind % 2 === 0) {
      const mappings = anchors.filter((a) => a.mapping);
      const merge = mappings.length > 0 && next(3) === 0
        ? [`<<: *${mappings[next(mappings.length)].name}`]
        : [];
      text = `{${
        [...merge, ...items.map((item, k) => `k${k}: ${item}`)].join(", ")
      }}`;
    } else {
      text = `[${items.join(", ")}]`;
    }
    if (anchor === undefined) return text;
    anchors.push({ name: anchor, mapping: kind % 2 === 0 });
    return `&${anchor} ${text}`;
  };
  const lines = Array.from(
    { length: 1 + next(8) },
    (_, k) => `top${k}: ${value(0)}`,
  );
  return lines.join("\n") + "\n";
}

test("the YAML event count of aliases is an upper bound of the measure of the built document", () => {
  let bounded = 0;
  fc.assert(
    fc.property(
      fc.array(fc.nat(1000), { minLength: 1, maxLength: 200 }),
      fc.integer({ min: 1, max: 300 }),
      fc.integer({ min: 1, max: 8 }),
      (draws, maxNodes, maxDepth) => {
        const text = documentOf(draws);
        const limits = { maxNodes, maxDepth: 100 };
        let parsed;
        try {
          parsed = yamlFormat.parse(text, limits);
        } catch {
          return; // refused by the parser itself (a limit, a bad merge)
        }
        const runs: [typeof parsed, number][] = [[parsed, 100]];
        try {
          runs.push([yamlFormat.parse(text, { maxNodes, maxDepth }), maxDepth]);
        } catch {
          // deeper than maxDepth as written: refused by the parser
        }
        for (const [p, depthLimit] of runs) {
          if (p.bounded !== true) continue;
          bounded++;
          const size = measure(p.value as object, maxNodes, false);
          assert.equal(size.cycle, false, text);
          assert.ok(
            size.nodes <= maxNodes,
            `${size.nodes} > ${maxNodes}: ${text}`,
          );
          assert.ok(
            size.depth <= depthLimit,
            `${size.depth} > ${depthLimit}: ${text}`,
          );
        }
      },
    ),
    { numRuns: 1000 },
  );
  // The bound is not vacuous: many documents were decided by it.
  assert.ok(bounded > 100, `only ${bounded} documents were bounded`);
});

test("a YAML document past maxNodes as written is refused, aliases or not, where its count of aliases expanded says nothing", () => {
  let refused = 0;
  fc.assert(
    fc.property(
      fc.array(fc.nat(1000), { minLength: 1, maxLength: 200 }),
      (draws) => {
        const text = documentOf(draws);
        let events;
        try {
          events = parseEvents(text, { maxDepth: 100 });
        } catch {
          return;
        }
        const written =
          events.filter((e) =>
            e.type !== EVENT_ID.DOCUMENT && e.type !== EVENT_ID.POP
          ).length;
        const limits = { maxNodes: written - 1, maxDepth: 100 };
        // Within the bounds expanded is within them as written.
        assert.equal(expandedWithin(text, events, limits), false, text);
        let error: unknown;
        try {
          yamlFormat.parse(text, limits);
        } catch (e) {
          error = e;
        }
        // A bad merge key may be refused first, by the parser.
        if (error instanceof FormatError && /nodes/.test(error.message)) {
          refused++;
          assert.match(
            error.message,
            new RegExp(`more than ${written - 1} nodes`),
          );
        } else {
          assert.ok(
            error instanceof FormatError,
            `not refused: ${text} (${written} nodes)`,
          );
        }
      },
    ),
    { numRuns: 500 },
  );
  assert.ok(refused > 300, `only ${refused} refused for their nodes`);
});

test("a YAML config with anchors and merge keys within the bounds is not measured again", () => {
  const text = [
    "defaults: &defaults",
    "  timeout: 5",
    "  retries: [1, 2, 3]",
    "east:",
    "  <<: *defaults",
    "  host: a",
    "west: *defaults",
  ].join("\n");
  const parsed = yamlFormat.parse(text, { maxNodes: 1000, maxDepth: 100 });
  assert.equal(parsed.shared, true);
  assert.equal(parsed.bounded, true);
  // Past the bound (keys count here), the loader measures instead.
  // 19 nodes as written, 33 as the events count them expanded, fewer as
  // the measure counts the built document (values only).
  const tight = yamlFormat.parse(text, { maxNodes: 25, maxDepth: 100 });
  assert.equal(tight.bounded, undefined);
  assert.equal(
    parseText("yaml", text, { maxNodes: 25, maxDepth: 100 }, false).ok,
    true,
  );
});

test("a YAML alias of the node that holds it is left to the measure, which refuses it", () => {
  const text = "a: &x [1, *x]\n";
  const parsed = yamlFormat.parse(text, { maxNodes: 1000, maxDepth: 100 });
  assert.equal(parsed.bounded, undefined);
  const outcome = parseText(
    "yaml",
    text,
    { maxNodes: 1000, maxDepth: 100 },
    false,
  );
  assert.equal(outcome.ok, false);
  assert.match(outcome.ok ? "" : outcome.summary, /cyclic/);
});

test("a YAML billion laughs is left to the measure, which refuses it", () => {
  const lines = ["l0: &l0 [x, x, x, x, x, x, x, x, x, x]"];
  for (let i = 1; i < 9; i++) {
    lines.push(`l${i}: &l${i} [${Array(10).fill(`*l${i - 1}`).join(", ")}]`);
  }
  const text = lines.join("\n") + "\n";
  const parsed = yamlFormat.parse(text, { maxNodes: 1_000_000, maxDepth: 100 });
  assert.equal(parsed.bounded, undefined);
  const outcome = parseText("yaml", text, {
    maxNodes: 1_000_000,
    maxDepth: 100,
  }, false);
  assert.equal(outcome.ok, false);
  assert.match(
    outcome.ok ? "" : outcome.summary,
    /expands to more than 1000000 nodes/,
  );
});
