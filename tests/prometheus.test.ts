// The Prometheus files shipped in examples/prometheus: promtool checks the
// scrape config and the rules, runs the rules' unit tests, and runs them
// again against rules that never fire, one rule at a time, so that every
// rule is shown to be tested. The docs show the same rules and scrape
// config, and their PromQL parses. Without promtool (HUP_PROMTOOL, else on
// the PATH), those that need it are skipped and one line says so.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dump, load } from "js-yaml";
import { EXAMPLES, findBinary, NO_PROMTOOL, ROOT, run } from "./_prometheus.ts";

const promtool = await findBinary("promtool", "HUP_PROMTOOL");
if (promtool === undefined) console.log(NO_PROMTOOL);
const withPromtool = {
  skip: promtool === undefined ? "no promtool binary" : false,
  timeout: 30_000,
};

const RULES = "hup-reload.rules.yml";
const RULE_TESTS = "hup-reload.rules.test.yml";

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
}
interface RuleFile {
  groups: { name: string; rules: Rule[] }[];
}

const readYaml = async (path: string) => load(await readFile(path, "utf8"));

/** A temp directory, removed on dispose. */
async function tempDir() {
  const path = await mkdtemp(join(tmpdir(), "hup-promtool-"));
  return {
    path,
    [Symbol.asyncDispose]: () => rm(path, { recursive: true, force: true }),
  };
}

/** The fenced blocks of a document: their language and text. */
async function blocks(doc: string): Promise<{ lang: string; code: string }[]> {
  const text = await readFile(join(ROOT, doc), "utf8");
  return [...text.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((m) => ({
    lang: m[1],
    code: m[2],
  }));
}

test(
  "promtool check passes the shipped scrape config and rules",
  withPromtool,
  async () => {
    const config = await run(
      promtool!,
      ["check", "config", "prometheus.yml"],
      EXAMPLES,
    );
    assert.equal(config.code, 0, config.output);
    const rules = await run(promtool!, ["check", "rules", RULES], EXAMPLES);
    assert.equal(rules.code, 0, rules.output);
    assert.match(rules.output, /SUCCESS: 10 rules found/);
  },
);

test(
  "promtool test rules passes the shipped rules' unit tests",
  withPromtool,
  async () => {
    const tested = await run(
      promtool!,
      ["test", "rules", RULE_TESTS],
      EXAMPLES,
    );
    assert.equal(tested.code, 0, tested.output);
    assert.match(tested.output, /SUCCESS/);
  },
);

test(
  "every shipped rule has a unit test that fails when the rule gives nothing",
  withPromtool,
  async () => {
    const rules = await readYaml(join(EXAMPLES, RULES)) as RuleFile;
    const unitTests = await readYaml(join(EXAMPLES, RULE_TESTS)) as Record<
      string,
      unknown
    >;
    await using dir = await tempDir();
    // One pair of files per rule: the rules with that one's expression made
    // empty, and the unit tests pointed at them. One promtool runs them all.
    const names: string[] = [];
    const files: string[] = [];
    for (const [g, group] of rules.groups.entries()) {
      for (const [r, rule] of group.rules.entries()) {
        const broken = structuredClone(rules);
        broken.groups[g].rules[r].expr = "vector(1) unless vector(1)";
        const n = names.length;
        names.push(rule.alert ?? rule.record!);
        await writeFile(join(dir.path, `rules_${n}.yml`), dump(broken));
        await writeFile(
          join(dir.path, `test_${n}.yml`),
          dump({ ...unitTests, rule_files: [`rules_${n}.yml`] }),
        );
        files.push(`test_${n}.yml`);
      }
    }
    assert.equal(names.length, 10);
    const tested = await run(promtool!, ["test", "rules", ...files], dir.path);
    const verdicts = tested.output.split(/^Unit Testing:\s+/m).slice(1);
    assert.equal(verdicts.length, files.length, tested.output);
    const untested = verdicts.flatMap((verdict, i) =>
      verdict.startsWith(files[i]) && /\bFAILED:/.test(verdict)
        ? []
        : [names[i]]
    );
    assert.deepEqual(untested, [], "rules whose breaking no unit test saw");
  },
);

test("docs/operators.md shows the shipped rules and scrape config as they are", async () => {
  const yaml = (await blocks("docs/operators.md")).filter((b) =>
    b.lang === "yaml"
  );
  const rules = yaml.filter((b) => /^groups:/m.test(b.code));
  assert.equal(rules.length, 1, "one rules block");
  assert.deepEqual(
    load(rules[0].code),
    await readYaml(join(EXAMPLES, RULES)),
    `docs/operators.md shows examples/prometheus/${RULES}`,
  );
  const scrape = yaml.filter((b) => /^scrape_configs:/m.test(b.code));
  assert.equal(scrape.length, 1, "one scrape config block");
  assert.deepEqual(
    load(scrape[0].code),
    await readYaml(join(EXAMPLES, "prometheus.yml")),
    "docs/operators.md shows examples/prometheus/prometheus.yml",
  );
});

test(
  "promtool parses every PromQL query of the docs",
  withPromtool,
  async () => {
    const queries: string[] = [];
    for (const doc of ["README.md", "docs/operators.md", "docs/deploying.md"]) {
      for (const block of await blocks(doc)) {
        if (block.lang !== "promql") continue;
        // Queries are separated by blank lines; comments are PromQL's own.
        queries.push(
          ...block.code.split(/\n\s*\n/).filter((q) =>
            q.split("\n").some((l) => l.trim() !== "" && !l.startsWith("#"))
          ),
        );
      }
    }
    assert.ok(queries.length >= 4, `${queries.length} queries`);
    await using dir = await tempDir();
    await writeFile(
      join(dir.path, "queries.yml"),
      dump({
        groups: [{
          name: "docs",
          rules: queries.map((expr, i) => ({
            record: `docs:query_${i}`,
            expr,
          })),
        }],
      }),
    );
    const checked = await run(
      promtool!,
      ["check", "rules", "queries.yml"],
      dir.path,
    );
    assert.equal(
      checked.code,
      0,
      `${checked.output}\n${queries.join("\n--\n")}`,
    );
  },
);
