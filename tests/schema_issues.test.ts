import { test } from "node:test";
import assert from "node:assert/strict";
import { keyShower } from "../src/redact.ts";
import { MAX_ISSUES, reportSchemaIssues } from "../src/load/schema_issues.ts";

const context = (input: unknown, envValues: string[] = []) => ({
  input,
  envValues,
  showKey: keyShower(envValues),
  locate: (paths: readonly (readonly (string | number)[])[]) =>
    paths.map((path) => ({
      path: "config.yaml",
      layer: 0,
      line: path.length,
      column: 1,
    })),
});

test("reportSchemaIssues() reports the first 50 issues in file order and counts the rest", () => {
  const issues = Array.from({ length: 20_000 }, (_, i) => ({
    message: "Expected number",
    path: ["list", i],
  }));
  const { reports, more } = reportSchemaIssues(
    issues,
    context({ list: Array(20_000).fill("x") }),
  );
  assert.equal(reports.length, MAX_ISSUES);
  assert.equal(more, 20_000 - MAX_ISSUES);
  assert.equal(reports[0].field, "list.0");
});

test("reportSchemaIssues() shows a key only when it is a name, not from the environment and not reported unknown", () => {
  const input = {
    db: { port: "x", "pass word": 1, fromEnv: 2, typo: 3 },
    tokens: { "k:v": { role: 5 } },
  };
  const { reports } = reportSchemaIssues([
    { message: "Expected number", path: ["db", "port"] },
    { message: "Expected number", path: ["db", { key: "pass word" }] },
    { message: "Expected number", path: ["db", "fromEnv"] },
    { message: 'Unrecognized key: "typo"', path: ["db"] },
    { message: "Invalid key", path: ["db", "typo"], expected: "never" },
    { message: "Expected number", path: ["tokens", "k:v", "role"] },
  ] as never, context(input, ["fromEnv"]));
  assert.deepEqual(reports.map((r) => [r.field, r.line]), [
    ["db.port", 2],
    ["db", 2],
    ["db", 2],
    ["db", 2],
    ["db", 2],
    ["tokens", 2],
  ]);
  assert.equal(reports[3].reason, 'Unrecognized key: "…"');
});

test("reportSchemaIssues() survives issues whose fields throw or are not what the spec says", () => {
  const hostile = {
    get message(): string {
      throw new Error("getter");
    },
    path: [{ key: Symbol("s") }, null, 7],
  };
  const { reports } = reportSchemaIssues(
    [hostile, { message: 42, path: "nope" }] as never,
    context({}),
  );
  assert.equal(reports.length, 2);
  for (const r of reports) assert.equal(typeof r.reason, "string");
});
