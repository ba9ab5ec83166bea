import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { appendFileSync } from "node:fs";
import { mkdir, rename, symlink, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  type ConfigSchema,
  loadConfig,
  LoadError,
  type LoadOptions,
} from "hup-reload";
import { envOf, tempConfig } from "./_helpers.ts";
import fc from "fast-check";
import {
  coarseTimestamps,
  readSettled,
  renamedWhole,
  settleDelay,
} from "../src/load/file_source.ts";
import { leadingSequence } from "../src/load/format/yaml_scan.ts";
import { runtime } from "../src/runtime/mod.ts";

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
    // A $NAME may be a $ inside a value: its name is not shown.
    assert.match(
      error.problems[1],
      /line 4, column 8: a \$ starts a reference to an environment variable that is not set \(write \$\$ for a literal \$/,
    );
    assert.ok(!error.message.includes("SECOND_UNSET"));
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
      (e: LoadError) => /the file is a directory:/.test(e.message),
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
    // Expanded after parsing: a value that would break the file's syntax
    // arrives as it is.
    await using file = await tempConfig('x: 1\na: "${MULTI}"\n');
    const value = `${SECRET}\nunindented: "x" # }`;
    assert.deepEqual(
      await loadConfig(file.path, { env: envOf({ MULTI: value }) }),
      { x: 1, a: value },
    );
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

  test("loadConfig() expands a nested default when the outer variable is unset or empty", async () => {
    await using file = await tempConfig([
      "a: ${A:-${B}}",
      "b: ${EMPTY:-${B}}",
      "c: ${A:-${UNSET_TOO:-x}}",
      "d: ${A:-pre-$B-$$-${UNSET_TOO:-${B}}}",
      "e: ${A-${B}}",
      "f: ${EMPTY-${B}}",
      "g: ${SET:-${UNSET_NEVER_READ}}",
      "",
    ].join("\n"));
    const read: string[] = [];
    const vars = envOf({ B: "bee", EMPTY: "", SET: "set" });
    const config = await loadConfig(file.path, {
      env: (name) => (read.push(name), vars(name)),
    });
    assert.deepEqual(config, {
      a: "bee",
      b: "bee",
      c: "x",
      d: "pre-bee-$-bee",
      e: "bee",
      f: null,
      g: "set",
    });
    // A default is expanded only when it is used, as in a shell.
    assert.ok(!read.includes("UNSET_NEVER_READ"));
  });

  test("loadConfig() takes the outer variable over a nested default when it is set", async () => {
    await using file = await tempConfig("a: ${A:-${B}}\nb: ${A:?need ${B}}\n");
    assert.deepEqual(
      await loadConfig(file.path, { env: envOf({ A: "ay" }) }),
      { a: "ay", b: "ay" },
    );
  });

  test("loadConfig() reports an unset variable inside a nested default at its own line and column", async () => {
    const error = await loadError("x: 1\na: ${A:-${B}}\n");
    assert.equal(error.problems.length, 1);
    assert.match(
      error.message,
      /an environment variable cannot be expanded: .* line 2, column 9: the environment variable B is not set/,
    );
  });

  test("loadConfig() expands a nested reference in a :? message, hiding its value", async () => {
    const error = await loadError("a: ${A:?set it like ${B} or ${C:-this}}\n", {
      env: envOf({ B: SECRET }),
    });
    assert.match(
      error.message,
      /line 1, column 4: the environment variable A is not set \(set it like … or this\)$/,
    );
  });

  test("loadConfig() rejects a nested reference that is not closed, or malformed, at its place", async () => {
    const unclosed = await loadError("x: 1\na: ${A:-${B}\n", {
      env: envOf({ B: SECRET }),
    });
    assert.match(
      unclosed.message,
      /line 2, column 4: a \$\{\.\.\.\} reference is malformed/,
    );
    const inner = await loadError("a: ${A:-${B:-${1}}}\n");
    assert.match(
      inner.message,
      /line 1, column 14: a \$\{\.\.\.\} reference is malformed/,
    );
    const open = await loadError("a: ${A:-${B\n");
    assert.match(open.message, /line 1, column 4: .* malformed/);
  });

  test("loadConfig() bounds the nesting of defaults", async () => {
    const nested = (n: number) => `a: ${"${A:-".repeat(n)}x${"}".repeat(n)}\n`;
    await using file = await tempConfig(nested(10));
    assert.deepEqual(await loadConfig(file.path, { env: noEnv }), { a: "x" });
    const error = await loadError(nested(11));
    assert.match(
      error.message,
      /line 1, column 54: a \$\{\.\.\.\} reference is nested more than 10 levels deep/,
    );
  });

  test("loadConfig() scrubs a value substituted through a nested default from schema messages", async () => {
    const seen: unknown[] = [];
    const schema: ConfigSchema<{ port: number }> = {
      "~standard": {
        version: 1,
        vendor: "test",
        validate: (value) => {
          const port = (value as { port: unknown }).port;
          seen.push(port);
          return {
            issues: [{ message: `Bad port ${String(port)}`, path: ["port"] }],
          };
        },
      },
    };
    const error = await loadError("port: ${PORT:-${FALLBACK}}\n", {
      schema,
      env: envOf({ FALLBACK: SECRET }),
    });
    assert.deepEqual(seen, [SECRET]);
    assert.match(error.message, /field port: Bad port …$/);
  });

  test("loadConfig() lists at most 50 unset variables, then how many more, each at its line", async () => {
    const text = Array.from({ length: 1000 }, (_, i) => `k${i}: \${U${i}}\n`)
      .join("");
    const error = await loadError(text);
    assert.equal(error.problems.length, 51);
    error.problems.slice(0, 50).forEach((line, i) => {
      assert.match(
        line,
        new RegExp(
          ` line ${i + 1}, column ${4 + String(i).length}: .*U${i} is not set`,
        ),
      );
    });
    assert.equal(error.problems[50], "and 950 more");
    // The message holds as many as fit in 4 KiB, then how many more.
    assert.ok(new TextEncoder().encode(error.message).length <= 4096);
    const lines = error.message.split("\n  ").slice(1);
    const shown = lines.length - 1;
    assert.ok(shown > 10, String(shown));
    assert.deepEqual(lines.slice(0, -1), error.problems.slice(0, shown));
    assert.equal(lines.at(-1), `and ${1000 - shown} more`);
  });

  test("loadConfig() keeps a message within 4 KiB, cutting a long line at a code point", async () => {
    // A :? message of 100,000 emoji: surrogate pairs all along.
    const error = await loadError(`a: \${A:?${"\u{1F600}".repeat(100_000)}}\n`);
    const bytes = new TextEncoder().encode(error.message).length;
    assert.ok(bytes <= 4096 && bytes > 4000, String(bytes));
    assert.ok(error.message.endsWith("\u{1F600}…"));
    assert.doesNotMatch(
      error.message,
      /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/,
    );
    assert.equal(error.problems.length, 1);
    // Many long lines: as many as fit, then how many more.
    const many = await loadError(
      Array.from(
        { length: 300 },
        (_, i) => `k${i}: \${A${i}:?${"m".repeat(500)}}\n`,
      )
        .join(""),
    );
    assert.ok(new TextEncoder().encode(many.message).length <= 4096);
    assert.equal(many.problems.length, 51);
    assert.equal(many.problems[50], "and 250 more");
    const lines = many.message.split("\n  ").slice(1);
    const shown = lines.length - 1;
    assert.ok(shown >= 5 && shown < 50, String(shown));
    assert.equal(lines.at(-1), `and ${300 - shown} more`);
    assert.ok(lines.slice(0, -1).every((p) => p.endsWith("m)")));
  });

  test("loadConfig() lists at most 50 schema issues, then how many more", async () => {
    const schema: ConfigSchema<unknown> = {
      "~standard": {
        version: 1,
        vendor: "test",
        validate: () => ({
          issues: Array.from({ length: 2000 }, (_, i) => ({
            message: "Expected string",
            path: ["items", i],
          })),
        }),
      },
    };
    const error = await loadError("items: [1]\n", { schema });
    assert.equal(error.problems.length, 51);
    assert.match(error.problems[49], / field items\.49: Expected string$/);
    assert.equal(error.problems[50], "and 1950 more");
    assert.ok(new TextEncoder().encode(error.message).length <= 4096);
  });

  test("LoadError counts the problems a caller left out", () => {
    const error = new LoadError(
      "it does not match the schema",
      [{ path: "c.yaml", field: "a", reason: "Expected number" }],
      { omitted: 9 },
    );
    assert.deepEqual(error.problems, [
      "c.yaml field a: Expected number",
      "and 9 more",
    ]);
    assert.equal(
      error.message,
      "Cannot load config as it does not match the schema:\n  c.yaml field a: Expected number\n  and 9 more",
    );
    // A huge field name is cut short too.
    const long = new LoadError("x", [{
      path: "c.yaml",
      field: "f".repeat(1e5),
      reason: "r",
    }]);
    assert.ok(long.field!.length <= 4096);
    assert.ok(long.message.length <= 4096);
  });

  test("loadConfig() points at the second document, with or without content before it", async () => {
    for (
      const [text, line] of [
        ["a: 1\n---\nb: 2\n", 2],
        ["---\na: 1\n---\nb: 2\n", 3],
        ["# c\n%YAML 1.2\n---\n---\nb: 2\n", 4],
        ["---\n---\n---\n", 2],
        ["--- a\n--- b\n", 2],
      ] as const
    ) {
      const error = await loadError(text);
      assert.match(error.message, /not valid YAML/, text);
      assert.equal(error.line, line, text);
      assert.equal(error.column, 1, text);
    }
  });

  test("loadConfig() places invalid UTF-8 at the first bad byte, after valid U+FFFD characters", async () => {
    const bytes = new Uint8Array([
      ...new TextEncoder().encode("a: \uFFFD\nb: ok\nc: \u00e9"),
      0xe0,
      0x80, // an overlong form
      0x80,
      0x0a,
    ]);
    const error = await loadError(bytes);
    assert.match(error.message, /not valid UTF-8 text: .* line 3, column 5$/);
  });

  test("settleDelay() counts an mtime within the window on either side of now as recent", () => {
    const now = 1_700_000_000_500;
    // Left alone long enough, or unknown.
    assert.equal(settleDelay(now - 31, now, 20), 0);
    assert.equal(settleDelay(null, now, 20), 0);
    assert.equal(settleDelay(now - 5, now, 0), 0);
    // Just written, by a clock a tick behind or a fraction of a ms ahead.
    assert.equal(settleDelay(now - 5, now, 20), 25);
    assert.ok(Math.abs(settleDelay(now + 0.7, now, 20) - 30.7) < 1e-3);
    assert.equal(settleDelay(now + 1501, now, 20), 1531);
    // Whole-second timestamps may be up to a second behind the write.
    assert.equal(settleDelay(now - 499, now, 20), 0);
    assert.equal(settleDelay(1_700_000_000_000, now, 20), 520);
    // Far in the future: clock skew, read at once.
    assert.equal(settleDelay(now + 2000, now, 20), 0);
    assert.equal(settleDelay(now + 3_600_000, now, 20), 0);
  });

  test("coarseTimestamps() takes a whole-second mtime as coarse only for a file never seen with a fraction", () => {
    const info = (mtimeMs: number, ctimeMs = mtimeMs) => ({
      kind: "file" as const,
      size: 1,
      mtimeMs,
      ctimeMs,
    });
    const path = `/coarse-test-${Math.random()}`;
    // Unknown file, whole seconds: may be a filesystem of whole seconds.
    assert.equal(coarseTimestamps(path, info(1_700_000_000_000)), true);
    assert.equal(coarseTimestamps(path, info(1_700_000_000_000, 5)), false);
    // Seen with a fraction once: a whole second later is chance.
    assert.equal(coarseTimestamps(path, info(1_700_000_001_000)), false);
    const now = 1_700_000_001_004;
    assert.equal(
      settleDelay(1_700_000_001_000, now, 15, false),
      21,
      "15 ms plus the clock's grain, not a second",
    );
    assert.equal(settleDelay(1_700_000_001_000, now, 15, true), 1011);
    // Another file is not vouched for by the first.
    assert.equal(
      coarseTimestamps(`${path}.other`, info(1_700_000_000_000)),
      true,
    );
  });

  test("renamedWhole() takes only another file, not empty, whose ctime is past its mtime", () => {
    const info = (
      id: string | undefined,
      size: number,
      mtimeMs: number | null,
      ctimeMs: number | null,
    ) => ({ kind: "file" as const, id, size, mtimeMs, ctimeMs });
    const t = 1_700_000_000_500;
    assert.equal(renamedWhole(info("1:2", 10, t, t + 4), "1:1", false), true);
    // Timestamps that may be whole seconds: the mtime may predate a write
    // in the same second.
    assert.equal(renamedWhole(info("1:2", 10, t, t + 4), "1:1", true), false);
    // The file read last: written in place, maybe half-written.
    assert.equal(renamedWhole(info("1:1", 10, t, t + 4), "1:1", false), false);
    // Written since its last status change: created at the path and being
    // written, or renamed in and written again.
    assert.equal(renamedWhole(info("1:2", 10, t, t), "1:1", false), false);
    assert.equal(renamedWhole(info("1:2", 10, t + 4, t), "1:1", false), false);
    // Empty: created, not written yet.
    assert.equal(renamedWhole(info("1:2", 0, t, t + 4), "1:1", false), false);
    // Nothing read before, or no inode or times to tell.
    assert.equal(
      renamedWhole(info("1:2", 10, t, t + 4), undefined, false),
      false,
    );
    assert.equal(
      renamedWhole(info(undefined, 10, t, t + 4), "1:1", false),
      false,
    );
    assert.equal(
      renamedWhole(info("1:2", 10, null, t + 4), "1:1", false),
      false,
    );
    assert.equal(renamedWhole(info("1:2", 10, t, null), "1:1", false), false);
    assert.equal(
      renamedWhole(
        { ...info("1:2", 10, t, t + 4), kind: "other" },
        "1:1",
        false,
      ),
      false,
    );
  });

  test("readSettled() reads a file renamed over the path after its last write without the settle wait, and not one written after", async () => {
    await using file = await tempConfig("a: 0\n");
    // A settle wait longer than the guard below; the first file is older.
    const SETTLE = 5000;
    const past = new Date(Date.now() - 2 * SETTLE);
    await utimes(file.path, past, past);
    const first = await readSettled(file.path, 1000, SETTLE);
    assert.ok(first.info.id, "the runtime gives the file's inode");
    // Written 1.5 s ago (so recent for this settle), renamed in now: its
    // ctime is past its mtime even where ctimes are whole seconds (Deno).
    const temp = join(file.dir, "config.yaml.tmp");
    await writeFile(temp, "a: 1\n");
    const written = new Date(Date.now() - 1500);
    await utimes(temp, written, written);
    await rename(temp, file.path);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const guard = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error("waited for the settle time")),
        SETTLE / 2,
      );
    });
    try {
      const renamed = await Promise.race([
        readSettled(file.path, 1000, SETTLE, first.info.id),
        guard,
      ]);
      assert.equal(new TextDecoder().decode(renamed.bytes), "a: 1\n");
      assert.notEqual(renamed.info.id, first.info.id);
      // Written in place after the rename (a writer that renames an
      // unfinished file in): no longer whole by construction.
      appendFileSync(file.path, "b: 2\n");
      const { before } = await runtime().readRegularFile(file.path, 0, {
        ready: () => false,
      });
      assert.equal(before.id, renamed.info.id);
      assert.equal(renamedWhole(before, first.info.id, false), false);
      assert.equal(renamedWhole(before, renamed.info.id, false), false);
    } finally {
      clearTimeout(timer);
    }
  });

  test("loadConfig() reads a file whose mtime is far in the future at once", async () => {
    await using file = await tempConfig("a: 1\n");
    const future = new Date(Date.now() + 3_600_000);
    await utimes(file.path, future, future);
    assert.deepEqual(await loadConfig(file.path, { env: noEnv }), { a: 1 });
  });

  test("runtime().readRegularFile() reads a regular file through one open handle", async () => {
    await using file = await tempConfig("a: 1\n");
    const read = await runtime().readRegularFile(file.path, 100, {
      recheck: true,
    });
    assert.equal(read.before.kind, "file");
    assert.equal(read.before.size, 5);
    assert.deepEqual(read.after, read.before);
    assert.equal(new TextDecoder().decode(read.bytes), "a: 1\n");
    // The look after the read only when asked for: one fstat suffices for
    // the bytes alone.
    const once = await runtime().readRegularFile(file.path, 100);
    assert.equal(new TextDecoder().decode(once.bytes), "a: 1\n");
    assert.equal(once.after, undefined);
    // Not read when too large or not ready.
    assert.equal(
      (await runtime().readRegularFile(file.path, 4)).bytes,
      undefined,
    );
    const seen: number[] = [];
    const notReady = await runtime().readRegularFile(file.path, 100, {
      ready: (info) => {
        seen.push(info.size);
        return false;
      },
      recheck: true,
    });
    assert.deepEqual(seen, [5]);
    assert.equal(notReady.bytes, undefined);
    assert.equal(notReady.after, undefined);
    // A directory is looked at, not read.
    const dir = await runtime().readRegularFile(file.dir, 100);
    assert.equal(dir.before.kind, "directory");
    assert.equal(dir.bytes, undefined);
  });

  test("runtime().readRegularFile() reads at most maxBytes + 1 bytes of a file that grows", async () => {
    await using file = await tempConfig("a: 1\n");
    const read = await runtime().readRegularFile(file.path, 1000, {
      ready: () => {
        // Grows between the look and the read.
        appendFileSync(file.path, "#".repeat(100_000));
        return true;
      },
      recheck: true,
    });
    assert.equal(read.before.size, 5);
    assert.equal(read.bytes?.length, 1001);
    assert.equal(read.after?.size, 100_005);
  });

  test("leadingSequence() finds what the regular expression it replaces found", () => {
    // The former check: exponential on comment lines ending in CRLF, fine
    // on strings this short.
    const oracle = (text: string) => {
      const m =
        /^(?:\uFEFF)?(?:[ \t]*(?:#[^\n]*)?\r?\n|%[^\n]*\n|---[ \t]*\r?\n)*[ \t]*(-[ \t\r\n]|\[)/
          .exec(text);
      return m === null ? -1 : m[0].length - m[1].length;
    };
    const piece = fc.constantFrom(
      " ",
      "\t",
      "#",
      "\r",
      "\n",
      "\r\n",
      "%",
      "-",
      "---",
      "[",
      "x",
      "\uFEFF",
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 14 }), (pieces) => {
        const text = pieces.join("");
        assert.equal(leadingSequence(text), oracle(text), JSON.stringify(text));
      }),
      { numRuns: 20_000 },
    );
  });

  test("loadConfig() reads a file with a long CRLF comment header in linear time", async () => {
    // 2^200 ways for the former regular expression to fail to match.
    await using file = await tempConfig(
      "# a comment\r\n".repeat(200) + "key: value\r\n",
    );
    assert.deepEqual(await loadConfig(file.path, { env: noEnv }), {
      key: "value",
    });
    const sequence = await loadError("# a comment\r\n".repeat(200) + "- x\r\n");
    assert.match(
      sequence.message,
      /top level is a sequence, not a mapping: .* line 201, column 1$/,
    );
  });

  test("loadConfig() places a YAML error after runs of $$ at its column in the file", async () => {
    for (
      const [text, column] of [
        ["a: $$$$$$ b: c\n", 12],
        ["a: $$x$$ b: c\n", 11],
        [`a: \${X}$$$$ b: c\n`, 14],
      ] as const
    ) {
      const error = await loadError(text, { env: envOf({ X: SECRET }) });
      assert.match(error.message, /bad indentation/, text);
      assert.equal(error.column, column, text);
    }
  });
});

test("loadConfig() never shows a $ inside a value as the name of a variable", async () => {
  await using file = await tempConfig("password: pa$sw0rdZq7\n");
  const error = await loadConfig(file.path, { env: () => undefined }).then(
    () => assert.fail("expected a LoadError"),
    (e: Error) => e,
  );
  assert.match(error.message, /line 1, column 13: a \$ starts a reference/);
  assert.ok(!error.message.includes("sw0rd"), error.message);
  // Where the environment cannot be read (Deno without --allow-env).
  const denied = await loadConfig(file.path, {
    env: () => {
      throw Object.assign(new Error("denied"), { name: "NotCapable" });
    },
  }).then(() => assert.fail("expected a LoadError"), (e: Error) => e);
  assert.match(
    denied.message,
    /an environment variable that a \$ names cannot be read \(NotCapable; with Deno, allow it with --allow-env=NAME\)/,
  );
  assert.ok(!denied.message.includes("sw0rd"), denied.message);
});

test("loadConfig() leaves references in TOML comments alone and expands them in TOML strings", async () => {
  await using file = await tempConfig(
    "a=\"v #${HOST}\"\nb = 1#${UNSET}\nc = '${HOST}'\n",
  );
  const config = await loadConfig(file.path, {
    format: "toml",
    env: (name) => name === "HOST" ? "db.internal" : undefined,
  });
  assert.deepEqual({ ...config }, {
    a: "v #db.internal",
    b: 1,
    c: "db.internal",
  });
});
