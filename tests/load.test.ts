import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdir, symlink } from "node:fs/promises";
import { join } from "node:path";
import {
  type ConfigSchema,
  loadConfig,
  LoadError,
  type LoadOptions,
} from "hup-reload";
import { envOf, tempConfig } from "./_helpers.ts";

const SECRET = "s3cr3t-Value-Do-Not-Print";
const noEnv = envOf({});

async function loadError(
  text: string | Uint8Array,
  options: LoadOptions<unknown> = {},
): Promise<LoadError> {
  await using file = await tempConfig(text);
  try {
    // Any options, with or without a schema.
    const load = loadConfig as (p: string, o: LoadOptions<unknown>) => unknown;
    await load(file.path, { env: noEnv, ...options });
  } catch (error) {
    assert.ok(error instanceof LoadError, `not a LoadError: ${error}`);
    assert.equal(error.name, "LoadError");
    assert.equal(error.path, file.path);
    assert.ok(
      error.message.startsWith("Cannot load config as "),
      error.message,
    );
    assert.ok(error.message.includes(file.path), error.message);
    assert.ok(!error.message.includes(SECRET), error.message);
    return error;
  }
  throw new assert.AssertionError({ message: "loadConfig() did not throw" });
}

describe("loadConfig()", () => {
  test("loadConfig() parses a YAML mapping with YAML 1.2 core types", async () => {
    await using file = await tempConfig(
      "server:\n  port: 8080\n  debug: false\n  name: api\nlist: [1, 2.5, ~]\n",
    );
    assert.deepEqual(await loadConfig(file.path, { env: noEnv }), {
      server: { port: 8080, debug: false, name: "api" },
      list: [1, 2.5, null],
    });
  });

  test("loadConfig() expands ${VAR}, $VAR, defaults and $$ before parsing", async () => {
    await using file = await tempConfig([
      "port: ${PORT}",
      "host: $HOST",
      "user: ${USER_NAME:-nobody}",
      "empty_default: ${EMPTY:-fallback}",
      "empty_kept: ${EMPTY-fallback}",
      "unset_dash: ${UNSET-dash}",
      "price: $$5 and $9",
      "mixed: pre-${HOST}-post",
      "# a comment with $UNSET_IN_COMMENT is left alone",
      "quoted: '# not a comment $HOST'",
      "",
    ].join("\n"));
    const config = await loadConfig(file.path, {
      env: envOf({ PORT: "9090", HOST: "example.org", EMPTY: "" }),
    });
    assert.deepEqual(config, {
      port: 9090,
      host: "example.org",
      user: "nobody",
      empty_default: "fallback",
      empty_kept: null,
      unset_dash: "dash",
      price: "$5 and $9",
      mixed: "pre-example.org-post",
      quoted: "# not a comment example.org",
    });
  });

  test("loadConfig() reports every unset variable with its line and column", async () => {
    const error = await loadError(
      "a: ok\nb: ${FIRST_UNSET}\nc:\n  d: x $SECOND_UNSET\ne: ${NEEDED:?set it to the API key}\n",
    );
    assert.equal(error.problems.length, 3);
    assert.match(
      error.problems[0],
      /line 2, column 4: .*FIRST_UNSET is not set/,
    );
    assert.match(
      error.problems[1],
      /line 4, column 8: .*SECOND_UNSET is not set/,
    );
    assert.match(
      error.problems[2],
      /line 5, column 4: .*NEEDED is not set \(set it to the API key\)/,
    );
    assert.equal(error.line, 2);
    assert.equal(error.column, 4);
  });

  test("loadConfig() rejects a malformed ${...} reference", async () => {
    const error = await loadError("a: ${NOT CLOSED\n");
    assert.match(
      error.message,
      /line 1, column 4: a \$\{\.\.\.\} reference is malformed/,
    );
  });

  test("loadConfig() says when the file does not exist or is a directory", async () => {
    await using file = await tempConfig("a: 1\n");
    await assert.rejects(
      loadConfig(join(file.dir, "absent.yaml")),
      (e: LoadError) =>
        /the file does not exist: .*absent\.yaml$/.test(e.message),
    );
    await mkdir(join(file.dir, "sub"));
    await assert.rejects(
      loadConfig(join(file.dir, "sub")),
      (e: LoadError) => /is a directory, not a file/.test(e.message),
    );
  });

  test("loadConfig() says when the path is a symbolic link loop", async () => {
    await using file = await tempConfig("a: 1\n");
    const loop = join(file.dir, "loop.yaml");
    await symlink(loop, loop);
    await assert.rejects(
      loadConfig(loop),
      (e: LoadError) =>
        e instanceof LoadError &&
        /symbolic link loop|cannot be read/.test(e.message),
    );
  });

  test("loadConfig() names the line and column of a YAML syntax error without quoting it", async () => {
    const error = await loadError(
      `ok: 1\npassword: "${SECRET}\nnext: 2\n`,
    );
    assert.match(
      error.message,
      /the file is not valid YAML: .* line \d+, column \d+: /,
    );
    const dup = await loadError(`a: 1\nb: ${SECRET}\na: 2\n`);
    assert.match(dup.message, /line 3, column 1: duplicated mapping key$/);
    assert.equal(dup.line, 3);
  });

  test("loadConfig() keeps line numbers of the file when an expanded value spans lines", async () => {
    const error = await loadError('a: "${MULTI}"\nb: 1\nb: 2\n', {
      env: envOf({ MULTI: `${SECRET}\n  \n  more` }),
    });
    assert.equal(error.line, 3);
    // An error inside the expanded value points at the reference.
    const inside = await loadError('x: 1\na: "${MULTI}"\n', {
      env: envOf({ MULTI: `${SECRET}\nunindented` }),
    });
    assert.equal(inside.line, 2);
    assert.equal(inside.column, 5);
  });

  test("loadConfig() never shows a secret from the environment in a YAML error", async () => {
    const error = await loadError("a: ${TOKEN}\nb: [\n", {
      env: envOf({ TOKEN: `"${SECRET}` }),
    });
    assert.match(error.message, /not valid YAML/);
  });

  test("loadConfig() redacts custom tag and alias names from YAML errors", async () => {
    const tag = await loadError(`a: !${SECRET} x\n`);
    assert.match(tag.message, /\(custom tag\)/);
    const alias = await loadError(`a: *${SECRET}\n`);
    assert.match(alias.message, /unidentified alias "…"/);
  });

  test("loadConfig() rejects a top level that is not a mapping", async () => {
    assert.match(
      (await loadError("- a\n- b\n")).message,
      /top level is a sequence, not a mapping/,
    );
    assert.match(
      (await loadError("just text\n")).message,
      /top level is a string, not a mapping/,
    );
    assert.match(
      (await loadError("~\n")).message,
      /top level is empty \(null\)/,
    );
    assert.match((await loadError("")).message, /no YAML document/);
    assert.match(
      (await loadError("# only a comment\n")).message,
      /no YAML document/,
    );
  });

  test("loadConfig() rejects several documents in one file", async () => {
    assert.match(
      (await loadError("a: 1\n---\nb: 2\n")).message,
      /more|single document/,
    );
  });

  test("loadConfig() loads a file with a BOM and CRLF line ends", async () => {
    await using file = await tempConfig("\uFEFFa: 1\r\nb:\r\n  c: two\r\n");
    assert.deepEqual(await loadConfig(file.path, { env: noEnv }), {
      a: 1,
      b: { c: "two" },
    });
  });

  test("loadConfig() rejects invalid UTF-8 with the line of the first bad byte", async () => {
    const bytes = new Uint8Array([
      ...new TextEncoder().encode("a: 1\nb: "),
      0xff,
      0xfe,
      0x0a,
    ]);
    const error = await loadError(bytes);
    assert.match(error.message, /not valid UTF-8 text: .* line 2, column 4$/);
  });

  test("loadConfig() rejects a file over maxBytes", async () => {
    const error = await loadError("a: 1234567890\n", { maxBytes: 8 });
    assert.match(error.message, /larger than 8 bytes \(14 bytes\)/);
  });

  test("loadConfig() bounds alias expansion (billion laughs) in bounded time", async () => {
    const lines = [
      'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
    ];
    for (let i = 1; i < 10; i++) {
      const prev = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      lines.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(",")}]`);
    }
    const error = await loadError(lines.join("\n") + "\n");
    assert.match(error.message, /expands to more than 1000000 nodes/);
  });

  test("loadConfig() accepts shared anchors and merge keys within the bound", async () => {
    await using file = await tempConfig(
      "base: &base {timeout: 5, retries: 3}\nsvc:\n  <<: *base\n  retries: 9\n",
    );
    assert.deepEqual(await loadConfig(file.path, { env: noEnv }), {
      base: { timeout: 5, retries: 3 },
      svc: { timeout: 5, retries: 9 },
    });
  });

  test("loadConfig() rejects nesting deeper than maxDepth", async () => {
    const error = await loadError(
      "a: " + "[".repeat(200) + "]".repeat(200) + "\n",
    );
    assert.match(error.message, /maxDepth/);
  });

  test("loadConfig() keeps __proto__ and constructor as plain keys", async () => {
    await using file = await tempConfig(
      "__proto__:\n  polluted: yes\nconstructor: 1\n",
    );
    const config = await loadConfig(file.path, { env: noEnv });
    assert.equal(Object.getPrototypeOf(config), Object.prototype);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.deepEqual(Object.keys(config), ["__proto__", "constructor"]);
  });

  test("loadConfig() validates with a schema and names every failing field without its value", async () => {
    const schema: ConfigSchema<{ port: number; mode: string }> = {
      "~standard": {
        version: 1,
        vendor: "test",
        validate(value) {
          const v = value as Record<string, unknown>;
          const issues = [];
          if (typeof v.port !== "number") {
            issues.push({
              message: `Expected number, received "${String(v.port)}"`,
              path: ["server", { key: "port" }],
            });
          }
          if (v.mode !== "a") {
            issues.push({
              message: `Invalid option ${String(v.mode)}`,
              path: ["mode"],
            });
          }
          return issues.length > 0
            ? { issues }
            : { value: v as { port: number; mode: string } };
        },
      },
    };
    const error = await loadError(`port: ${SECRET}\nmode: ${SECRET}\n`, {
      schema,
    });
    assert.match(error.message, /it does not match the schema:\n/);
    assert.equal(error.problems.length, 2);
    // In the order of the file; an issue the file has no place for, last.
    assert.match(
      error.problems[0],
      / line 2, column 1 field mode: Invalid option …$/,
    );
    assert.match(
      error.problems[1],
      /config\.yaml field server\.port: Expected number, received …$/,
    );
    assert.equal(error.field, "mode");
    assert.equal(error.line, 2);

    await using good = await tempConfig("port: 1\nmode: a\n");
    const config: { port: number; mode: string } = await loadConfig(
      good.path,
      { schema, env: noEnv },
    );
    assert.deepEqual(config, { port: 1, mode: "a" });
  });

  test("loadConfig() reports a schema that throws as a load error", async () => {
    const schema: ConfigSchema<unknown> = {
      "~standard": {
        version: 1,
        vendor: "test",
        validate() {
          throw new Error(SECRET);
        },
      },
    };
    const error = await loadError("a: 1\n", { schema });
    assert.match(error.message, /schema threw while validating/);
  });
});
