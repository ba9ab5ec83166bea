// Expansion after parsing: a value from the environment arrives verbatim in
// every format and never changes the document's structure; YAML types a
// plain scalar that is one reference; references in comments are never
// seen, those in block scalars and multi-line strings always are; every
// problem is placed at its reference, the same on the event loop and in
// the parser's worker.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  Coordinator,
  type FormatName,
  loadConfig,
  LoadError,
  type LoadOptions,
} from "hup-reload";
import { envOf } from "./_helpers.ts";

const FORMATS: readonly FormatName[] = ["yaml", "json", "toml"];

// Values that broke the text they were put into when expansion came
// before parsing: a comment marker, a mapping, quotes, backslashes, a
// line break, YAML and TOML syntax.
const NASTY: Record<string, string> = {
  HASH: "bob # x",
  MAPPING: "{admin: true}",
  COLON: "a: b",
  QUOTES: `'q" \`x`,
  BACKSLASH: "C:\\data\\",
  NEWLINE: "line 1\nkey: value\n  - item",
  TOML: '"""\n[table]\nx = 1',
  BRACES: "}${NOT_A_REF}{",
  EMPTYISH: " ",
};
const env = envOf({ ...NASTY, PORT: "8080", FLAG: "true", TEAM: "core" });

async function dir(): Promise<string> {
  return await mkdtemp(join(tmpdir(), "hup-expand-"));
}

// As plain data: TOML tables have no prototype.
async function load(
  name: string,
  text: string,
  options: LoadOptions = {},
): Promise<Record<string, unknown>> {
  const path = join(await dir(), name);
  await writeFile(path, text);
  const config = await loadConfig(path, { env, ...options, schema: undefined });
  return JSON.parse(JSON.stringify(config));
}

async function failure(
  name: string,
  text: string,
  options: LoadOptions = {},
): Promise<LoadError> {
  return await load(name, text, options).then(
    () => assert.fail(`expected ${name} to fail`),
    (error: unknown) => {
      assert.ok(error instanceof LoadError, String(error));
      return error;
    },
  );
}

/** `key: "${NAME}"` for each nasty value, in `format`. */
function nastyFile(format: FormatName): string {
  const names = Object.keys(NASTY);
  switch (format) {
    case "yaml":
      return names.map((n) => `${n}: \${${n}}\nq${n}: "\${${n}}"\n`).join("");
    case "json":
      return `{${names.map((n) => `"${n}": "\${${n}}"`).join(", ")}}`;
    case "toml":
      return names.map((n) => `${n} = "\${${n}}"\nq${n} = '\${${n}}'\n`)
        .join("");
  }
}

describe("expansion after parsing", () => {
  for (const format of FORMATS) {
    test(`loadConfig() puts every value from the environment in verbatim, in ${format.toUpperCase()}`, async () => {
      const config = await load(`c.${format}`, nastyFile(format));
      for (const [name, value] of Object.entries(NASTY)) {
        // An unquoted one in YAML is typed, and " " stays a string.
        assert.equal(config[name], value, `${format} ${name}`);
        if (format !== "json") assert.equal(config[`q${name}`], value);
      }
      // Nothing more: no value added a key, a table or an item.
      assert.equal(
        Object.keys(config).length,
        Object.keys(NASTY).length * (format === "json" ? 1 : 2),
      );
    });
  }

  test("loadConfig() types a plain YAML scalar that is one reference, and nothing else", async () => {
    const config = await load(
      "c.yaml",
      [
        "port: ${PORT}",
        "flag: ${FLAG}",
        "none: ${UNSET:-}",
        "zero: ${UNSET:-0x10}",
        "bare: $PORT",
        'quoted: "${PORT}"',
        "single: '${FLAG}'",
        "tagged: !!str ${PORT}",
        "joined: ${PORT}${PORT}",
        "text: port ${PORT}",
        "literal: $${PORT}",
        "block: |\n  ${PORT}",
        "flow: { port: ${PORT}, list: [${FLAG}, ${TEAM}] }",
        "mapping: ${MAPPING}",
        "",
      ].join("\n"),
    );
    assert.deepEqual(config, {
      port: 8080,
      flag: true,
      none: null,
      zero: 16,
      bare: 8080,
      quoted: "8080",
      single: "true",
      tagged: "8080",
      joined: "80808080",
      text: "port 8080",
      literal: "${PORT}",
      block: "8080\n",
      flow: { port: 8080, list: [true, "core"] },
      mapping: "{admin: true}",
    });
  });

  test("loadConfig() keeps a reference a string in JSON and TOML, where a schema can coerce it", async () => {
    assert.deepEqual(await load("c.json", '{"port": "${PORT}"}'), {
      port: "8080",
    });
    assert.deepEqual(await load("c.toml", 'port = "${PORT}"\n'), {
      port: "8080",
    });
    // Outside a string, a reference is no JSON or TOML value.
    assert.match(
      (await failure("c.json", '{"port": ${PORT}}')).message,
      /not valid JSON: .* line 1, column 10: unexpected character/,
    );
    assert.match(
      (await failure("c.toml", "port = ${PORT}\n")).message,
      /not valid TOML: .* line 1, column \d+: invalid value/,
    );
  });

  test("loadConfig() never sees a reference in a comment, in any format that has them", async () => {
    // Once failed with an unset X: a quote before the # made the comment
    // look like part of a string to a hand-written lexer.
    assert.deepEqual(
      await load("c.yaml", "title: Rock 'n Roll # see ${X}\n# ${Y}\n"),
      { title: "Rock 'n Roll" },
    );
    assert.deepEqual(
      await load("c.toml", 'dir = "C:\\\\data\\\\" # ${X}\n# ${Y}\n'),
      { dir: "C:\\data\\" },
    );
  });

  test("loadConfig() expands a reference in a YAML block scalar and a TOML multi-line string on a line with #", async () => {
    assert.deepEqual(
      await load(
        "c.yaml",
        "a: |\n  team ${TEAM} # not a comment\nb: >\n  ${TEAM} # folded\n  too\n",
      ),
      { a: "team core # not a comment\n", b: "core # folded too\n" },
    );
    assert.deepEqual(
      await load(
        "c.toml",
        "a = \"\"\"\nteam ${TEAM} # not a comment\n\"\"\"\nb = '''\n${TEAM} # literal'''\n",
      ),
      { a: "team core # not a comment\n", b: "core # literal" },
    );
  });

  test("loadConfig() expands references in keys, and refuses a key that repeats another once expanded", async () => {
    assert.deepEqual(
      await load("c.yaml", "${TEAM}_db: 1\nplain: 2\n"),
      { core_db: 1, plain: 2 },
    );
    assert.deepEqual(await load("c.json", '{"${TEAM}": 1}'), { core: 1 });
    assert.deepEqual(await load("c.toml", '"${TEAM}" = 1\n'), { core: 1 });
    const error = await failure("c.yaml", "core: 1\n${TEAM}: 2\n");
    assert.match(
      error.message,
      /line 2, column 1: a key made by expanding a reference is the same as another key of its mapping$/,
    );
  });

  test("loadConfig() expands through YAML aliases and merge keys, and keeps a shared node shared", async () => {
    const path = join(await dir(), "c.yaml");
    await writeFile(
      path,
      "base: &b\n  port: ${PORT}\n  team: ${TEAM}\nx:\n  <<: *b\n  extra: 1\ny: *b\n",
    );
    const config = await loadConfig(path, { env });
    assert.deepEqual(config, {
      base: { port: 8080, team: "core" },
      x: { port: 8080, team: "core", extra: 1 },
      y: { port: 8080, team: "core" },
    });
    assert.equal(config.base, config.y);
  });

  test("loadConfig() refuses a reference under an explicit tag other than !!str, at the tag", async () => {
    assert.match(
      (await failure("c.yaml", "a: 1\nport: !!int ${PORT}\n")).message,
      /not valid YAML: .* line 2, column 7: a scalar with an explicit tag other than !!str holds a \$\{\.\.\.\} reference/,
    );
  });

  test("loadConfig() reports every unset variable at once, at its line and column, in every format", async () => {
    const cases: [string, string, string[]][] = [
      [
        "c.yaml",
        'a: ${A1}\nb:\n  - x\n  - "y ${A2}"\nc: |\n  text\n  ${A3}\n',
        ["line 1, column 4", "line 4, column 8", "line 7, column 3"],
      ],
      [
        "c.json",
        '{"a": "${A1}",\n "b": ["x", "y ${A2}"],\n "c": {"${A3}": 1}}',
        ["line 1, column 8", "line 2, column 16", "line 3, column 9"],
      ],
      [
        "c.toml",
        'a = "${A1}"\n[t]\nb = """\ntext\n  ${A2}"""\nc = [ "x", "${A3}" ]\n',
        ["line 1, column 6", "line 5, column 3", "line 6, column 13"],
      ],
    ];
    for (const [name, text, places] of cases) {
      const error = await failure(name, text);
      assert.match(error.message, /environment variables cannot be expanded/);
      assert.equal(error.problems.length, 3, error.message);
      places.forEach((place, i) => {
        assert.match(
          error.problems[i],
          new RegExp(
            `${name} ${place}: the environment variable A${i + 1} is not set`,
          ),
          `${name}: ${error.message}`,
        );
      });
    }
  });

  test("loadConfig() bounds the characters that expansion may add", async () => {
    const error = await failure(
      "c.yaml",
      `list:\n${"  - ${BIG}\n".repeat(20)}`,
      { env: envOf({ BIG: "x".repeat(100) }), maxBytes: 1000 },
    );
    assert.match(
      error.message,
      /the values substituted add up to more than 1000 characters/,
    );
  });

  test("a coordinator expands the same way on the event loop and in the parser's worker", async () => {
    const path = join(await dir(), "c.yaml");
    const text = [
      nastyFile("yaml"),
      "base: &b { port: ${PORT}, list: [${FLAG}] }\nuse: *b\nmerged:\n  <<: *b\n",
      "keys:\n",
      ...Array.from({ length: 3000 }, (_, i) => `  k${i}_\${TEAM}: v${i}\n`),
    ].join("");
    await writeFile(path, text);
    const results = [];
    for (const workerThreshold of [Infinity, 0]) {
      const coordinator = await Coordinator.create({
        configPath: path,
        env,
        workerThreshold,
      });
      results.push(JSON.parse(JSON.stringify(coordinator.config.load())));
      await coordinator.shutdown();
    }
    assert.deepEqual(results[1], results[0]);
    assert.equal(results[0].use.port, 8080);
    assert.equal(results[0].merged.list[0], true);
    assert.equal(results[0].keys.k2999_core, "v2999");
    assert.equal(results[0].NEWLINE, NASTY.NEWLINE);
  });
});
