import { test } from "node:test";
import assert from "node:assert/strict";
import { loadConfig } from "hup-reload";
import { tempConfig } from "./_helpers.ts";
import { yamlFormat } from "../src/load/format/yaml.ts";
import {
  locateYamlPaths,
  unclosedBefore,
} from "../src/load/format/yaml_locate.ts";

const TEXT = [
  "# comment",
  "server:",
  "  port: 80",
  '  "a:b": 1',
  "list:",
  "  - x",
  '  - {k: v, "z": [1, 2]}',
  "base: &b {q: 1}",
  "m:",
  "  <<: *b",
  "  r: 2",
  "",
].join("\n");

const lineOf = (offset: number | undefined) =>
  offset === undefined ? undefined : TEXT.slice(0, offset).split("\n").length;

test("locateYamlPaths() finds mapping keys and sequence items at any depth, in one pass", () => {
  const paths = [
    ["server"],
    ["server", "port"],
    ["server", "a:b"],
    ["list", 0],
    ["list", 1, "z", 1],
    ["m", "r"],
  ];
  const found = locateYamlPaths(TEXT, paths, 100);
  assert.deepEqual(found.map(lineOf), [2, 3, 4, 6, 7, 11]);
  assert.equal(TEXT.slice(found[1], found[1]! + 4), "port");
  assert.equal(TEXT.slice(found[4], found[4]! + 1), "2");
});

test("locateYamlPaths() gives no place for a path through a merge key, or one the file lacks", () => {
  assert.deepEqual(
    locateYamlPaths(TEXT, [["m", "q"], ["nope"], ["list", 5], []], 100),
    [undefined, undefined, undefined, undefined],
  );
  assert.deepEqual(locateYamlPaths("a: [", [["a"]], 100), [undefined]);
});

test("locateYamlPaths() gives no place for an empty item or an empty key, rather than the top of the file", () => {
  const text = "list:\n  - a\n  -\n  - c\n";
  assert.deepEqual(locateYamlPaths(text, [["list", 1], ["list", 2]], 100), [
    undefined,
    text.indexOf("c"),
  ]);
});

test("yamlFormat parses a large config that merges a base into every entry", () => {
  const entries = Array.from(
    { length: 4000 },
    (_, i) => `  s${i}:\n    <<: *base\n    port: ${i}\n`,
  ).join("");
  const text =
    `base: &base {host: h, tls: true, weight: 1}\nservices:\n${entries}`;
  const { value } = yamlFormat.parse(text, { maxDepth: 100, maxNodes: 1e6 });
  const services = (value as { services: Record<string, unknown> }).services;
  assert.deepEqual(services.s3999, {
    host: "h",
    tls: true,
    weight: 1,
    port: 3999,
  });
});

test("yamlFormat refuses a second document before parsing the first, and says where", () => {
  const text = `a: ${"x".repeat(1000)}\n---\nb: 2\n`;
  assert.throws(
    () => yamlFormat.parse(text, { maxDepth: 100, maxNodes: 1e6 }),
    {
      name: "FormatError",
      reason: "expected a single document in the stream, but found more",
      offset: text.indexOf("---"),
    },
  );
});

test("loadConfig() names the quote or bracket a YAML file leaves open, where it opened", async () => {
  const cases: [string, string][] = [
    [
      'a: 1\nb: "unclosed\nc: 2\n',
      "line 2, column 4: a double-quoted scalar opened here is not closed",
    ],
    [
      "a: 'open\nb: 1\n",
      "line 1, column 4: a single-quoted scalar opened here is not closed",
    ],
    [
      "a: [1, 2\nb: 3\n",
      "line 1, column 4: a flow sequence ([) opened here is not closed",
    ],
    [
      "a: {x: 1\nb: 2\n",
      "line 1, column 4: a flow mapping ({) opened here is not closed",
    ],
    // A bracket inside a plain scalar opens nothing; a comment is skipped.
    [
      '# "x\na: x[1]\nb: [1, "2", [3]\nc: 1\n',
      "line 3, column 4: a flow sequence ([) opened here is not closed",
    ],
  ];
  for (const [text, where] of cases) {
    await using file = await tempConfig(text);
    await assert.rejects(loadConfig(file.path), (error: Error) => {
      assert.ok(error.message.endsWith(`${file.path} ${where}`), error.message);
      return true;
    });
  }
});

test("unclosedBefore() finds nothing open in a closed flow collection or a quote that closed", () => {
  assert.equal(unclosedBefore('a: [1, "x]"]\nb: 1\n', 18), undefined);
  assert.equal(unclosedBefore("a: 'it''s'\n", 11), undefined);
  assert.deepEqual(unclosedBefore("a: [b, {c: d\n", 13), {
    what: "a flow mapping ({)",
    at: 7,
  });
});
