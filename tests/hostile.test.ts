// Hostile and malformed config files, in YAML, JSON and TOML: each must end
// as load_failed, in bounded time and memory, with a message that names what
// and where and holds no value from the file or the environment, and with
// nothing changed. The YAML corpus is tests/hostile/*.yaml, the JSON and
// TOML ones tests/hostile/json/ and tests/hostile/toml/; files named good-*
// must load.
//
// Classes that exist in one format only: YAML tags, anchors and aliases
// (billion laughs), several documents, indentation and directives; JSON
// comments, trailing commas and non-mapping top levels (a TOML document is
// always a table); TOML table redefinition, dates and times, integers past
// 2^53 and bare carriage returns. JSON and TOML have no aliases, so nothing
// in them expands: their deep nesting is by brackets (and, in TOML, dotted
// keys and headers).
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { constants, readdirSync } from "node:fs";
import {
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  symlink,
  utimes,
  writeFile,
} from "node:fs/promises";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import {
  AtomicConfig,
  type ConfigSchema,
  Coordinator,
  type FormatName,
  HookStatus,
} from "hup-reload";
import { jsonLines, tempConfig } from "./_helpers.ts";

const SECRET = "HUP_SECRET_MARKER_7f3a";
const corpus = fileURLToPath(
  new URL(
    import.meta.url.endsWith(".ts") ? "./hostile/" : "../../tests/hostile/",
    import.meta.url,
  ),
);
const FORMATS: readonly FormatName[] = ["yaml", "json", "toml"];
/** Where each format's corpus is: YAML at the top, the others below. */
const corpusOf = (format: FormatName) =>
  format === "yaml" ? corpus : join(corpus, format);

// The environment of every pass: each value holds the marker; HUP_QUOTED
// breaks a double-quoted string it is put in, HUP_APOSTROPHE a TOML
// literal string.
const VARS: Record<string, string> = {
  HUP_SET: SECRET,
  HUP_QUOTED: `a"b\\${SECRET}`,
  HUP_APOSTROPHE: `it's ${SECRET}`,
};
const env = (name: string) =>
  Object.hasOwn(VARS, name) ? VARS[name] : undefined;

interface Config {
  server: { port: number; mode: string };
}

const schema: ConfigSchema<Config> = {
  "~standard": {
    version: 1,
    vendor: "test",
    validate(value) {
      const server = (value as { server?: Record<string, unknown> }).server;
      const issues = [];
      if (typeof server?.port !== "number") {
        issues.push({
          message: `Expected number, received "${String(server?.port)}"`,
          path: ["server", "port"],
        });
      }
      if (server?.mode !== "quiet") {
        issues.push({
          message: `Invalid option: expected "quiet", got ${
            String(server?.mode)
          }`,
          path: ["server", "mode"],
        });
      }
      return issues.length > 0 ? { issues } : { value: value as Config };
    },
  },
};

/** Runs one pass over `path` and checks that it failed cleanly. */
async function expectLoadFailed(
  path: string,
  where: RegExp | string = /./,
  format?: FormatName,
) {
  const calls: string[] = [];
  const holder = new AtomicConfig<Config>({
    server: { port: 1, mode: "quiet" },
  });
  const before = holder.snapshot();
  const coordinator = new Coordinator<Config>({
    configPath: path,
    config: holder,
    schema,
    env,
    format,
    hooks: [{
      name: "spy",
      check: () => void calls.push("check"),
      apply: () => (calls.push("apply"), HookStatus.Applied),
    }],
  });
  const result = await coordinator.reload();
  const error = result.load_error ?? "";
  assert.equal(
    result.status,
    "load_failed",
    `${path}: ${JSON.stringify(result)}`,
  );
  assert.ok(error.startsWith("Cannot load config as "), error);
  assert.ok(error.includes(path), `names the file: ${error}`);
  if (typeof where === "string") assert.equal(error, where);
  else assert.match(error, where);
  assert.ok(
    !JSON.stringify(result).includes(SECRET),
    `leaks a value: ${error}`,
  );
  assert.deepEqual(calls, [], "no hook ran");
  assert.equal(result.generation, 0);
  assert.equal(coordinator.generation(), 0);
  assert.equal(holder.snapshot(), before, "the holder is untouched");
  assertNotPolluted();
  return error;
}

function assertNotPolluted(): void {
  for (const proto of [Object.prototype, Array.prototype, Function.prototype]) {
    assert.equal(
      (proto as unknown as Record<string, unknown>).polluted,
      undefined,
    );
  }
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
}

/**
 * The message a file must give: what is wrong, then where (line and column)
 * and why, when the problem has a place; or a pattern.
 */
type Expected =
  | [what: string, line?: number, column?: number, reason?: string]
  | RegExp;

function message(path: string, expected: Expected): RegExp | string {
  if (expected instanceof RegExp) return expected;
  const [what, line, column, reason] = expected;
  return `Cannot load config as ${what}: ${path}${
    line === undefined ? "" : ` line ${line}, column ${column}`
  }${reason === undefined ? "" : `: ${reason}`}`;
}

const notJson = (line: number, column: number, reason: string): Expected => [
  "the file is not valid JSON",
  line,
  column,
  reason,
];
const notToml = (line: number, column: number, reason: string): Expected => [
  "the file is not valid TOML",
  line,
  column,
  reason,
];
const badEnv = (line: number, column: number, reason: string): Expected => [
  "an environment variable cannot be expanded",
  line,
  column,
  reason,
];
const notUtf8 = (line: number, column: number): Expected => [
  "the file is not valid UTF-8 text",
  line,
  column,
];
const UTF32: Expected = [
  "the file is UTF-32 text, not UTF-8 (save it as UTF-8)",
  1,
  1,
];
const UTF16: Expected = [
  "the file is UTF-16 text, not UTF-8 (save it as UTF-8)",
  1,
  1,
];
const UNSET =
  "the environment variable HUP_UNSET_SECRET_VAR is not set (give a default with ${HUP_UNSET_SECRET_VAR:-default})";
const REQUIRED =
  "the environment variable HUP_UNSET_SECRET_VAR is not set (set the database password)";
const MALFORMED =
  "a ${...} reference is malformed (expected ${NAME}, ${NAME:-default}, ${NAME:?message} or ${file:PATH}, closed on the same line)";
// A value that would break the string it is put in arrives verbatim (it is
// expanded after parsing): the schema refuses it, without quoting it.
const modeRefused = (line: number, column: number): Expected =>
  new RegExp(
    `^Cannot load config as it does not match the schema: \\S+ line ${line}, column ${column} field server\\.mode: Invalid option: expected "quiet", got …$`,
  );
const REDEFINED = "trying to redefine an already defined table or value";
const schemaIssues = (line: number, column: number) =>
  new RegExp(
    `^Cannot load config as it does not match the schema:\\n  \\S+ line ${line}, column ${column} field server\\.port: Expected number, received …\\n  \\S+ line ${
      line + 1
    }, column ${column} field server\\.mode: Invalid option: expected "quiet", got …$`,
  );

/** Every bad JSON file of the corpus, and what its message must be. */
const JSON_CORPUS: Record<string, Expected> = {
  // Nothing to read.
  "empty.json": ["the file has no JSON value (it is empty)"],
  "whitespace-only.json": ["the file has no JSON value (it is empty)"],
  "comment-only.json": notJson(1, 1, "comments are not allowed in JSON"),
  "comment-block-only.json": notJson(1, 1, "comments are not allowed in JSON"),
  // The top level is not a mapping.
  "top-array.json": ["the top level is a sequence, not a mapping"],
  "top-string.json": ["the top level is a string, not a mapping"],
  "top-number.json": ["the top level is a number, not a mapping"],
  "top-null.json": ["the top level is empty (null), not a mapping"],
  "top-true.json": ["the top level is a boolean, not a mapping"],
  "top-false.json": ["the top level is a boolean, not a mapping"],
  // Duplicate keys, also when an escape spells the same key.
  "duplicate-key-top.json": notJson(3, 3, "duplicated mapping key"),
  "duplicate-key-nested.json": notJson(4, 5, "duplicated mapping key"),
  "duplicate-key-escaped.json": notJson(3, 3, "duplicated mapping key"),
  "duplicate-key-proto.json": notJson(3, 3, "duplicated mapping key"),
  "duplicate-key-in-array-item.json": notJson(3, 14, "duplicated mapping key"),
  // Variables.
  "env-unset.json": badEnv(2, 16, UNSET),
  "env-malformed.json": badEnv(2, 16, MALFORMED),
  "env-unclosed.json": badEnv(2, 16, MALFORMED),
  "env-required-message.json": badEnv(2, 16, REQUIRED),
  // A value with a quote and a backslash arrives verbatim; a reference
  // outside a string is no JSON value: placed at the reference.
  "env-breaks-string.json": modeRefused(4, 5),
  "env-unquoted-breaks-value.json": notJson(3, 13, "unexpected character"),
  // Encodings and control characters.
  "invalid-utf8.json": notUtf8(3, 32),
  "invalid-utf8-overlong.json": notUtf8(1, 8),
  "invalid-utf8-surrogate.json": notUtf8(1, 31),
  "utf16-bom.json": UTF16,
  // UTF-32 starts as UTF-16 does (FF FE): either way, not UTF-8.
  "utf32-bom.json": UTF32,
  "utf16-no-bom.json": notJson(1, 2, "unexpected character"),
  "nul-byte.json": notJson(3, 8, "control character in a string"),
  "nul-byte-between-tokens.json": notJson(2, 10, "unexpected character"),
  "control-characters.json": notJson(2, 8, "control character in a string"),
  "control-characters-between-tokens.json": notJson(
    2,
    10,
    "unexpected character",
  ),
  "schema-violation.json": schemaIssues(3, 5),
  // Syntax: strings, brackets, escapes.
  "syntax-unclosed-string.json": notJson(3, 15, "a string is not closed"),
  "syntax-unclosed-string-at-end.json": notJson(
    3,
    15,
    "a string is not closed",
  ),
  "syntax-unclosed-key.json": notJson(3, 3, "a string is not closed"),
  "syntax-unclosed-array.json": notJson(4, 1, "a comma is expected"),
  "syntax-unclosed-object.json": notJson(4, 1, "a closing } is expected"),
  "syntax-unclosed-top.json": notJson(
    4,
    1,
    "a key (a string in double quotes) is expected",
  ),
  "syntax-stray-bracket.json": notJson(2, 32, "a comma is expected"),
  "syntax-stray-close-brace.json": notJson(
    3,
    2,
    "the file goes on after its value",
  ),
  "syntax-two-values.json": notJson(2, 1, "the file goes on after its value"),
  "syntax-invalid-escape.json": notJson(2, 8, "unknown escape in a string"),
  "syntax-invalid-unicode-escape.json": notJson(2, 8, "malformed \\u escape"),
  "syntax-short-unicode-escape.json": notJson(2, 8, "malformed \\u escape"),
  // Numbers JSON does not have.
  "syntax-number-leading-zero.json": notJson(3, 12, "a comma is expected"),
  "syntax-number-plus.json": notJson(3, 11, "unexpected character"),
  "syntax-number-minus-only.json": notJson(3, 11, "unexpected character"),
  "syntax-number-hex.json": notJson(3, 12, "unexpected character"),
  "syntax-number-trailing-dot.json": notJson(3, 11, "a number ends too early"),
  "syntax-number-leading-dot.json": notJson(3, 11, "unexpected character"),
  "syntax-number-bare-exponent.json": notJson(3, 11, "a number ends too early"),
  "syntax-number-nan.json": notJson(3, 11, "unexpected character"),
  "syntax-number-infinity.json": notJson(3, 11, "unexpected character"),
  "syntax-number-underscore.json": notJson(3, 12, "unexpected character"),
  // Commas, comments, quotes and keys JSON does not allow.
  "syntax-trailing-comma-object.json": notJson(
    4,
    1,
    "a key (a string in double quotes) is expected",
  ),
  "syntax-trailing-comma-array.json": notJson(2, 42, "a value is expected"),
  "syntax-leading-comma.json": notJson(2, 3, "a value is expected"),
  "syntax-double-comma.json": notJson(2, 37, "a value is expected"),
  "syntax-comment-line.json": notJson(
    2,
    11,
    "comments are not allowed in JSON",
  ),
  "syntax-comment-block.json": notJson(
    2,
    11,
    "comments are not allowed in JSON",
  ),
  "syntax-comment-unclosed.json": notJson(
    2,
    10,
    "comments are not allowed in JSON",
  ),
  "syntax-comment-hash.json": notJson(2, 11, "unexpected character"),
  "syntax-single-quotes.json": notJson(2, 8, "unexpected character"),
  "syntax-unquoted-key.json": notJson(2, 3, "unexpected character"),
  "syntax-number-key.json": notJson(
    2,
    3,
    "a key (a string in double quotes) is expected",
  ),
  "syntax-missing-colon.json": notJson(
    2,
    7,
    "a colon is expected after the key",
  ),
  "syntax-missing-comma.json": notJson(3, 3, "a comma is expected"),
  "syntax-missing-value.json": notJson(4, 1, "a value is expected"),
  "syntax-bad-literal.json": notJson(3, 8, "unexpected character"),
  "syntax-uppercase-literal.json": notJson(3, 8, "unexpected character"),
  "syntax-undefined-literal.json": notJson(3, 8, "unexpected character"),
  // Only space, tab, CR and LF are blanks in JSON.
  "syntax-nbsp.json": notJson(3, 7, "unexpected character"),
  "syntax-line-separator.json": notJson(2, 33, "unexpected character"),
  "syntax-form-feed.json": notJson(2, 33, "unexpected character"),
  // Another format in a .json file.
  "syntax-yaml-instead.json": notJson(1, 1, "unexpected character"),
  "syntax-javascript.json": notJson(1, 1, "unexpected character"),
};

/** Every bad TOML file of the corpus, and what its message must be. */
const TOML_CORPUS: Record<string, Expected> = {
  // Nothing to read. (A TOML document is always a table: no other top
  // level can be written.)
  "empty.toml": ["the file has no TOML content (it is empty or only comments)"],
  "whitespace-only.toml": [
    "the file has no TOML content (it is empty or only comments)",
  ],
  "comment-only.toml": [
    "the file has no TOML content (it is empty or only comments)",
  ],
  // Duplicate keys, however they are spelled.
  "duplicate-key-top.toml": notToml(2, 1, REDEFINED),
  "duplicate-key-nested.toml": notToml(3, 1, REDEFINED),
  "duplicate-key-quoted.toml": notToml(2, 1, REDEFINED),
  "duplicate-key-literal-quoted.toml": notToml(2, 1, REDEFINED),
  "duplicate-key-escaped.toml": notToml(2, 1, REDEFINED),
  "duplicate-key-dotted.toml": notToml(2, 1, REDEFINED),
  "duplicate-key-proto.toml": notToml(2, 1, REDEFINED),
  "duplicate-key-in-array-table.toml": notToml(3, 1, REDEFINED),
  "duplicate-key-inline-table.toml": notToml(
    1,
    20,
    "trying to redefine an already defined value",
  ),
  // Tables defined twice, or extended where TOML forbids it.
  "table-redefined.toml": notToml(4, 2, REDEFINED),
  "table-redefined-quoted.toml": notToml(4, 2, REDEFINED),
  "table-redefined-after-dotted.toml": notToml(2, 2, REDEFINED),
  "table-redefined-dotted-after-header.toml": notToml(4, 1, REDEFINED),
  "table-extends-inline.toml": notToml(2, 2, REDEFINED),
  "table-extends-inline-dotted.toml": notToml(2, 1, REDEFINED),
  "table-extends-inline-subtable.toml": notToml(2, 2, REDEFINED),
  "table-array-then-table.toml": notToml(3, 2, REDEFINED),
  "table-then-array-table.toml": notToml(3, 3, REDEFINED),
  "table-static-array-then-array-table.toml": notToml(2, 3, REDEFINED),
  "table-value-then-table.toml": notToml(3, 2, REDEFINED),
  "table-proto-twice.toml": notToml(3, 2, REDEFINED),
  // Dates and times that do not exist, or are malformed.
  "date-impossible.toml": notToml(2, 7, "invalid date"),
  "date-not-leap.toml": notToml(2, 7, "invalid date"),
  "date-impossible-in-datetime.toml": notToml(2, 6, "invalid date"),
  "date-impossible-with-offset.toml": notToml(2, 6, "invalid date"),
  "date-impossible-in-array.toml": notToml(2, 21, "invalid date"),
  "date-month-13.toml": notToml(2, 7, "invalid date"),
  "date-day-32.toml": notToml(2, 7, "invalid date"),
  "date-hour-25.toml": notToml(2, 6, "invalid date"),
  "date-minute-61.toml": notToml(2, 6, "invalid date"),
  "date-offset-25.toml": notToml(2, 6, "invalid date"),
  "date-time-24.toml": notToml(2, 5, "invalid date"),
  "date-malformed.toml": notToml(
    2,
    11,
    "illegal character in numeric literal",
  ),
  "integer-too-large.toml": notToml(
    2,
    5,
    "an integer is beyond 2^53, which a number does not hold exactly",
  ),
  "integer-too-large-hex.toml": notToml(
    2,
    5,
    "an integer is beyond 2^53, which a number does not hold exactly",
  ),
  // Variables.
  "env-unset.toml": badEnv(1, 13, UNSET),
  "env-malformed.toml": badEnv(1, 13, MALFORMED),
  "env-unclosed.toml": badEnv(1, 13, MALFORMED),
  "env-required-message.toml": badEnv(1, 13, REQUIRED),
  // A value with a quote (in a basic string) or an apostrophe (in a
  // literal one) arrives verbatim; no TOML value unquoted.
  "env-breaks-string.toml": modeRefused(3, 1),
  "env-breaks-literal-string.toml": modeRefused(3, 1),
  "env-unquoted-breaks-value.toml": notToml(2, 8, "invalid value"),
  // Encodings and control characters.
  "invalid-utf8.toml": notUtf8(2, 29),
  "invalid-utf8-overlong.toml": notUtf8(1, 6),
  "invalid-utf8-surrogate.toml": notUtf8(1, 29),
  "utf16-bom.toml": UTF16,
  "utf16-no-bom.toml": notToml(
    1,
    1,
    "incomplete key-value: cannot find end of key",
  ),
  "nul-byte.toml": notToml(
    2,
    28,
    "control characters are not allowed in strings",
  ),
  "nul-byte-between-tokens.toml": notToml(
    1,
    6,
    "illegal character in numeric literal",
  ),
  "nul-byte-in-comment.toml": notToml(
    1,
    9,
    "control characters are not allowed in comments",
  ),
  "control-characters.toml": notToml(
    1,
    28,
    "control characters are not allowed in strings",
  ),
  "control-character-in-literal-string.toml": notToml(
    1,
    28,
    "control characters are not allowed in strings",
  ),
  "control-character-in-comment.toml": notToml(
    1,
    26,
    "control characters are not allowed in comments",
  ),
  "control-character-between-tokens.toml": notToml(
    1,
    6,
    "illegal character in numeric literal",
  ),
  "bare-carriage-return.toml": notToml(
    1,
    6,
    "each key-value declaration must be followed by an end-of-line",
  ),
  "schema-violation.toml": schemaIssues(2, 1),
  // Syntax: strings, brackets, headers, escapes.
  "syntax-unclosed-basic-string.toml": notToml(
    2,
    35,
    "control characters are not allowed in strings",
  ),
  "syntax-unclosed-literal-string.toml": notToml(
    2,
    35,
    "control characters are not allowed in strings",
  ),
  "syntax-unclosed-multiline-string.toml": notToml(2, 12, "unfinished string"),
  "syntax-unclosed-multiline-literal.toml": notToml(2, 12, "unfinished string"),
  "syntax-unclosed-quoted-key.toml": notToml(
    2,
    28,
    "control characters are not allowed in strings",
  ),
  "syntax-unclosed-array.toml": notToml(
    3,
    1,
    "expected comma or end of structure",
  ),
  "syntax-unclosed-inline-table.toml": notToml(
    3,
    1,
    "expected comma or end of structure",
  ),
  "syntax-unclosed-table-header.toml": notToml(
    2,
    24,
    "illegal character in key",
  ),
  "syntax-unclosed-array-table-header.toml": notToml(
    2,
    26,
    "expected end of table array declaration",
  ),
  "syntax-invalid-escape.toml": notToml(1, 30, "unrecognised escape sequence"),
  "syntax-invalid-unicode-escape.toml": notToml(
    1,
    33,
    "invalid non-hex character in unicode escape",
  ),
  "syntax-unicode-escape-surrogate.toml": notToml(
    1,
    29,
    "invalid unicode escape",
  ),
  "syntax-unicode-escape-too-large.toml": notToml(
    1,
    29,
    "invalid unicode escape",
  ),
  // Numbers TOML does not have.
  "syntax-number-leading-zero.toml": notToml(2, 8, "illegal leading zero"),
  "syntax-number-double-underscore.toml": notToml(2, 10, "illegal underscore"),
  "syntax-number-trailing-underscore.toml": notToml(
    2,
    8,
    "unfinished numeric value",
  ),
  "syntax-number-trailing-dot.toml": notToml(2, 8, "unfinished numeric value"),
  "syntax-number-leading-dot.toml": notToml(2, 8, "invalid value"),
  "syntax-number-bare-exponent.toml": notToml(2, 8, "unfinished numeric value"),
  "syntax-number-bad-hex.toml": notToml(
    2,
    10,
    "illegal character in numeric literal",
  ),
  "syntax-number-uppercase-hex-prefix.toml": notToml(
    2,
    8,
    "illegal leading zero",
  ),
  "syntax-number-plus-hex.toml": notToml(2, 8, "illegal leading zero"),
  "syntax-number-nan-uppercase.toml": notToml(2, 8, "invalid value"),
  // Keys, values and lines.
  "syntax-missing-value.toml": notToml(2, 7, "invalid value"),
  "syntax-missing-key.toml": notToml(2, 1, "unexpected end of key"),
  "syntax-missing-equals.toml": notToml(2, 6, "illegal character in key"),
  "syntax-two-pairs-one-line.toml": notToml(
    1,
    30,
    "each key-value declaration must be followed by an end-of-line",
  ),
  "syntax-space-in-bare-key.toml": notToml(1, 4, "illegal character in key"),
  "syntax-empty-dotted-part.toml": notToml(1, 3, "illegal empty bare key"),
  "syntax-empty-table-header.toml": notToml(1, 2, "unexpected end of key"),
  "syntax-multiline-key.toml": notToml(
    1,
    1,
    "illegal quoted key: multiline strings are not allowed",
  ),
  "syntax-uppercase-literal.toml": notToml(2, 5, "invalid value"),
  "syntax-array-missing-comma.toml": notToml(
    1,
    34,
    "expected comma or end of structure",
  ),
  "syntax-array-double-comma.toml": notToml(1, 34, "invalid value"),
  "syntax-inline-table-missing-comma.toml": notToml(
    1,
    38,
    "expected comma or end of structure",
  ),
  "syntax-table-header-trailing-text.toml": notToml(
    1,
    10,
    "each key-value declaration must be followed by an end-of-line",
  ),
  // Another format in a .toml file.
  "syntax-json-instead.toml": notToml(1, 1, "illegal character in key"),
  "syntax-yaml-instead.toml": notToml(1, 7, "illegal character in key"),
};

/**
 * What each good file must hold, beyond `server`: own properties along each
 * path (never an inherited one, never a prototype set), with their values.
 */
const GOOD: Record<string, [path: (string | number)[], value: unknown][]> = {
  "good-bom-crlf.yaml": [],
  "good-proto-keys.yaml": [
    [["__proto__", "polluted"], true],
    [["constructor", "prototype", "polluted"], true],
  ],
  "json/good-bom-crlf.json": [],
  "json/good-proto-keys.json": [
    [["__proto__", "polluted"], true],
    [["server", "__proto__", "polluted"], true],
    [["constructor", "prototype", "polluted"], true],
    [["prototype", "polluted"], true],
    [["nested", "__proto__", "__proto__", "polluted"], true],
    [["nested", "constructor", "prototype", "polluted"], true],
    [["list", 0, "__proto__", "polluted"], true],
    [["list", 1, "constructor", "prototype", "polluted"], true],
    [["toString", "polluted"], true],
    [["valueOf"], 1],
    [["hasOwnProperty"], "x"],
  ],
  // Escapes spell the same keys.
  "json/good-proto-escaped-keys.json": [
    [["__proto__", "polluted"], true],
    [["constructor", "prototype", "polluted"], true],
  ],
  "toml/good-bom-crlf.toml": [],
  // Bare, quoted, dotted, inline and in an array.
  "toml/good-proto-keys.toml": [
    [["__proto__", "polluted"], true],
    [["constructor", "prototype", "polluted"], true],
    [["prototype", "polluted"], true],
    [["dotted", "__proto__", "polluted"], true],
    [["quoted", "__proto__", "__proto__", "polluted"], true],
    [["inline", "__proto__", "polluted"], true],
    [["inline", "constructor", "prototype", "polluted"], true],
    [["list", 0, "__proto__", "polluted"], true],
    [["server", "__proto__", "polluted"], true],
    [["toString", "polluted"], true],
    [["valueOf"], 1],
    [["hasOwnProperty"], "x"],
  ],
  // In [table] and [[array]] headers.
  "toml/good-proto-headers.toml": [
    [["__proto__", "polluted"], true],
    [["constructor", "prototype", "polluted"], true],
    [["nested", "__proto__", "__proto__", "polluted"], true],
    [["quoted", "__proto__", "polluted"], true],
    [["list", "__proto__", 0, "polluted"], true],
    [["__proto__x", 0, "__proto__", "polluted"], true],
  ],
  "toml/good-proto-array-tables.toml": [
    [["__proto__", 0, "polluted"], true],
    [["__proto__", 1, "constructor", "prototype", "polluted"], true],
  ],
  // A date-like text in a comment, a string or a key is no date.
  "toml/good-dates-beside-impossible-text.toml": [
    [["note"], "2023-02-30"],
    [["2023-02-30"], "a bare key"],
    [["server", "renewed"], "2023-03-02"],
    [["server", "at"], "2023-03-02T10:00:00.000Z"],
  ],
};

const MiB = 1024 * 1024;

/**
 * Printable ASCII junk in lines of 80, the same on every run (xorshift32);
 * without `$` the parser, not the expansion, meets it.
 */
function junk(length: number, seed: number, dollars: boolean): string {
  let x = seed;
  let text = "";
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const c = String.fromCharCode(32 + ((x >>> 0) % 95));
    text += c === "$" && !dollars ? "." : c;
    if (i % 80 === 79) text += "\n";
  }
  return text;
}

/** `head` + `fill` repeated + `tail`, exactly `size` bytes (ASCII). */
const exactly = (size: number, head: string, tail: string) =>
  head + "x".repeat(size - head.length - tail.length) + tail;

type Where = (path: string) => RegExp | string;

/**
 * Hostile files made in code, per format: too large, binary, junk, and
 * nested deeper than any config (by brackets, and in TOML by dotted keys
 * and headers too). The YAML-only ones (aliases, block nesting) are in the
 * test above.
 */
function generated(format: FormatName): [string, string | Uint8Array, Where][] {
  const cases: [string, string | Uint8Array, Where][] = [];
  const deeper = (line: number, column: number): Where => (path) =>
    `Cannot load config as the document nests deeper than 100 levels: ${path} line ${line}, column ${column}`;
  const size = 16 * MiB + 1;
  cases.push([
    "16 MiB + 1 byte",
    {
      yaml: exactly(size, `secret: ${SECRET}\npad: "`, '"\n'),
      json: exactly(size, `{"secret": "${SECRET}", "pad": "`, '"}\n'),
      toml: exactly(size, `secret = "${SECRET}"\npad = "`, '"\n'),
    }[format],
    (path) =>
      `Cannot load config as the file is larger than 16777216 bytes (16777217 bytes): ${path}`,
  ]);
  const random = new Uint8Array(4096);
  crypto.getRandomValues(random);
  random[0] = 0xff; // never valid UTF-8
  random[1] = 0x41; // and not FF FE, the byte order mark of UTF-16 and UTF-32
  cases.push([
    "random bytes",
    random,
    (path) =>
      `Cannot load config as the file is not valid UTF-8 text: ${path} line 1, column 1`,
  ]);
  // Junk that is valid UTF-8: whatever it parses as, it is no config
  // (with "$" in it too: it is parsed before anything is expanded).
  for (const seed of [1, 2, 3, 4]) {
    cases.push([
      `printable junk ${seed}`,
      junk(4096, seed, seed === 1),
      () =>
        seed === 1
          ? / line \d+, column \d+|the top level is|cannot be expanded/
          : / line \d+, column \d+/,
    ]);
  }
  if (format === "json") {
    cases.push(
      [
        "a 1 MB line of junk",
        `{"a": ${"]".repeat(1_000_000)}}\n`,
        (path) => message(path, notJson(1, 7, "a value is expected")),
      ],
      [
        "a 1 MB line of unclosed strings",
        `{"a": ${'"\\'.repeat(500_000)}\n`,
        (path) => message(path, notJson(1, 7, "a string is not closed")),
      ],
      [
        "100,000 nested arrays",
        `{"a": ${"[".repeat(100_000)}${"]".repeat(100_000)}}\n`,
        deeper(1, 106),
      ],
      [
        "100,000 nested objects",
        `${'{"a": '.repeat(100_000)}1${"}".repeat(100_000)}\n`,
        deeper(1, 601),
      ],
      [
        "100,000 nested arrays of objects, one a line",
        `${'[{"a":\n'.repeat(50_000)}1${"}]".repeat(50_000)}\n`,
        deeper(51, 1),
      ],
      [
        "5.6 million empty objects",
        `{"s": "${SECRET}", "a": [${"{},".repeat(16 * MiB / 3 - 16)}{}]}\n`,
        (path) =>
          `Cannot load config as the document has more than 1000000 nodes: ${path} line 1, column 3000030`,
      ],
      [
        "100,000 nested arrays, unclosed",
        `{"a": ${"[".repeat(100_000)}\n`,
        deeper(1, 106),
      ],
    );
  }
  if (format === "toml") {
    cases.push(
      [
        "a 1 MB line of junk",
        `a = ${"]".repeat(1_000_000)}\n`,
        (path) => message(path, notToml(1, 5, "invalid value")),
      ],
      [
        "100,000 nested arrays",
        `a = ${"[".repeat(100_000)}${"]".repeat(100_000)}\n`,
        (path) =>
          message(
            path,
            notToml(1, 105, "arrays and inline tables nest too deeply"),
          ),
      ],
      [
        "100,000 nested inline tables",
        `a = ${"{ b = ".repeat(100_000)}1${" }".repeat(100_000)}\n`,
        (path) =>
          message(
            path,
            notToml(1, 605, "arrays and inline tables nest too deeply"),
          ),
      ],
      [
        "a key of 10,000 dotted parts",
        `s = "${SECRET}"\na.${"b.".repeat(10_000)}c = 1\n`,
        deeper(2, 1),
      ],
      [
        "a header of 10,000 dotted parts",
        `s = "${SECRET}"\n[${"b.".repeat(10_000)}c]\nd = 1\n`,
        deeper(2, 1),
      ],
      [
        "an array-of-tables header of 10,000 dotted parts",
        `s = "${SECRET}"\n[[${"b.".repeat(10_000)}c]]\nd = 1\n`,
        deeper(2, 1),
      ],
      // Placed at a header whose table is past the limit.
      [
        "headers one level deeper each",
        `s = "${SECRET}"\n${
          Array.from({ length: 120 }, (_, i) => `[${"b.".repeat(i)}c]\nd = 1\n`)
            .join("")
        }`,
        deeper(2 + 2 * 100, 1),
      ],
      // Near the size limit: refused before the parser builds a table for
      // each part or node.
      [
        "a key of 8 million dotted parts",
        `s = "${SECRET}"\n${"a.".repeat(8 * MiB - 64)}b = 1\n`,
        deeper(2, 1),
      ],
      [
        "2.8 million [[table]] headers",
        `s = "${SECRET}"\n${"[[t]]\n".repeat(16 * MiB / 6 - 8)}`,
        (path) =>
          `Cannot load config as the document has more than 1000000 nodes: ${path}`,
      ],
      [
        "5.6 million inline tables",
        `s = "${SECRET}"\na = [${"{},".repeat(16 * MiB / 3 - 16)}{}]\n`,
        (path) =>
          `Cannot load config as the document has more than 1000000 nodes: ${path}`,
      ],
      [
        "dotted keys, then brackets",
        `s = "${SECRET}"\n${"b.".repeat(60)}c = ${"[".repeat(60)}${
          "]".repeat(60)
        }\n`,
        deeper(2, 1),
      ],
    );
  }
  return cases;
}

/** The value along `path`, following own properties only. */
function own(root: unknown, path: readonly (string | number)[]): unknown {
  let node = root;
  for (const key of path) {
    assert.ok(
      node !== null && typeof node === "object" && Object.hasOwn(node, key),
      `no own ${String(key)} along ${path.join(".")}`,
    );
    node = (node as Record<string | number, unknown>)[key];
  }
  return node;
}

/** Every object is a plain object or array: no key became a prototype. */
function assertPlain(root: unknown): void {
  const stack = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (node === null || typeof node !== "object") continue;
    const proto = Object.getPrototypeOf(node);
    assert.ok(
      Array.isArray(node)
        ? proto === Array.prototype
        : proto === Object.prototype || proto === null,
      "a plain object or array",
    );
    assert.ok(!("polluted" in node) || Object.hasOwn(node, "polluted"));
    stack.push(...Object.values(node));
  }
}

describe("hostile config files", () => {
  // Read synchronously: tests must be registered before describe() returns.
  const files = readdirSync(corpus).filter((f) => f.endsWith(".yaml")).sort();
  const bad = files.filter((f) => !f.startsWith("good-"));
  test("the corpus has at least 40 files", () => {
    assert.ok(files.length >= 40, String(files.length));
  });

  for (const file of bad) {
    test(`Coordinator.reload() fails cleanly on ${file}`, async () => {
      // Every parse, expansion and encoding failure points at a line; the
      // rest name the file and what is wrong with it as a whole.
      const located =
        /^(syntax|duplicate|env|invalid-utf8|nul-byte|utf16|control|tag|multiple)/
            .test(file)
          ? / line \d+(, column \d+)?/
          : file.startsWith("schema")
          ? / field server\.port: .*\n.* field server\.mode: /
          : /./;
      await expectLoadFailed(join(corpus, file), located);
    });
  }

  for (
    const [format, expected] of [
      ["json", JSON_CORPUS],
      ["toml", TOML_CORPUS],
    ] as const
  ) {
    const dir = corpusOf(format);
    const names = readdirSync(dir).sort();
    test(`the ${format.toUpperCase()} corpus has a message for each bad file, and a file for each message`, () => {
      assert.deepEqual(
        names.filter((f) => !f.startsWith("good-")),
        Object.keys(expected).sort(),
      );
      assert.deepEqual(
        names.filter((f) => f.startsWith("good-")),
        Object.keys(GOOD).filter((f) => f.startsWith(`${format}/`)).map((f) =>
          f.slice(format.length + 1)
        ).sort(),
      );
    });
    for (const [file, want] of Object.entries(expected)) {
      test(`Coordinator.reload() fails cleanly on ${format}/${file}`, async () => {
        const path = join(dir, file);
        await expectLoadFailed(path, message(path, want));
      });
    }
  }

  for (const [file, holds] of Object.entries(GOOD)) {
    test(`Coordinator.reload() loads ${file}, with every key an own key and nothing polluted`, async () => {
      const holder = new AtomicConfig<Config>({
        server: { port: 1, mode: "quiet" },
      });
      const coordinator = new Coordinator<Config>({
        configPath: join(corpus, file),
        config: holder,
        schema,
        hooks: [],
      });
      const result = await coordinator.reload();
      assert.equal(result.status, "full_success", result.load_error ?? "");
      const config = holder.load();
      assert.ok(config !== undefined);
      assert.equal(config.server.port, 8080);
      assert.equal(config.server.mode, "quiet");
      for (const [path, value] of holds) {
        assert.deepEqual(own(config, path), value, path.join("."));
      }
      assertPlain(config);
      assertNotPolluted();
      // And a pass that replaces it with itself compares the two.
      assert.equal((await coordinator.reload()).status, "full_success");
    });
  }

  test("Coordinator.reload() fails cleanly on generated hostile files", async () => {
    await using file = await tempConfig();
    const cases: [string, string | Uint8Array, RegExp][] = [];
    // Billion laughs: 9 levels of 9 aliases.
    const laughs = [
      `a: &a ["${SECRET}","lol","lol","lol","lol","lol","lol","lol","lol"]`,
    ];
    for (let i = 1; i < 10; i++) {
      const [p, n] = [String.fromCharCode(96 + i), String.fromCharCode(97 + i)];
      laughs.push(`${n}: &${n} [${Array(9).fill(`*${p}`).join(",")}]`);
    }
    cases.push(["billion laughs", laughs.join("\n") + "\n", /1000000 nodes/]);
    // Few aliases, exponential expansion: 40 levels of 2.
    const doubling = ["l0: &l0 [x, x]"];
    for (let i = 1; i < 40; i++) {
      doubling.push(`l${i}: &l${i} [*l${i - 1}, *l${i - 1}]`);
    }
    cases.push([
      "doubling aliases",
      doubling.join("\n") + "\n",
      /1000000 nodes/,
    ]);
    // Deep nesting, flow and block, and through aliases.
    cases.push([
      "deep flow nesting",
      `a: ${"[".repeat(100_000)}${"]".repeat(100_000)}\n`,
      /line 1/,
    ]);
    cases.push([
      "deep block nesting",
      Array.from({ length: 500 }, (_, i) => `${" ".repeat(i * 2)}k${i}:`).join(
        "\n",
      ) +
      ` ${SECRET}\n`,
      /line \d+/,
    ]);
    const chain = ["c0: &c0 [x]"];
    for (let i = 1; i < 150; i++) chain.push(`c${i}: &c${i} [*c${i - 1}]`);
    cases.push([
      "deep nesting through aliases",
      chain.join("\n") + "\n",
      /deeper than 100 levels/,
    ]);
    // Over the size limit, and binary.
    cases.push([
      "over 16 MiB",
      `server:\n  port: 1\npad: "${"x".repeat(16 * 1024 * 1024)}"\n`,
      /larger than 16777216 bytes/,
    ]);
    const random = new Uint8Array(4096);
    crypto.getRandomValues(random);
    random[0] = 0xff; // never valid UTF-8
    random[1] = 0x41; // and not FF FE, the byte order mark of UTF-16 and UTF-32
    cases.push(["random bytes", random, /not valid UTF-8 text: .* line \d+/]);
    cases.push([
      "huge line of junk",
      `a: ${"]".repeat(1_000_000)}\n`,
      /line 1/,
    ]);
    for (const [name, content, where] of cases) {
      await file.write(content);
      const started = performance.now();
      await expectLoadFailed(file.path, where);
      const ms = performance.now() - started;
      console.log(`${name}: load_failed in ${ms.toFixed(0)} ms`);
    }
  });

  for (const format of FORMATS) {
    test(`Coordinator.reload() fails cleanly on generated hostile ${format.toUpperCase()} files`, async () => {
      await using dir = await tempConfig();
      const path = join(dir.dir, `config.${format}`);
      for (const [name, content, where] of generated(format)) {
        await writeFile(path, content);
        await expectLoadFailed(path, where(path)).catch((error: Error) => {
          throw new Error(`${name}: ${error.message}`, { cause: error });
        });
      }
    });
  }

  for (const format of FORMATS) {
    // The file is looked at before its format matters: the same in each.
    test(`Coordinator.reload() fails cleanly when a .${format} path is not a readable file`, async () => {
      await using file = await tempConfig();
      const dir = join(file.dir, `a-directory.${format}`);
      await mkdir(dir);
      await expectLoadFailed(dir, /the file is a directory:/);
      const loop = join(file.dir, `loop.${format}`);
      await symlink(loop, loop);
      await expectLoadFailed(loop, /symbolic link loop/);
      const dangling = join(file.dir, `dangling.${format}`);
      await symlink(join(file.dir, `gone.${format}`), dangling);
      await expectLoadFailed(dangling, /does not exist/);
      await expectLoadFailed(
        join(file.dir, `missing.${format}`),
        /does not exist/,
      );
      if (process.platform !== "win32") {
        const fifo = join(file.dir, `fifo.${format}`);
        execFileSync("mkfifo", [fifo]);
        await expectLoadFailed(fifo, /not a regular file/);
        await expectLoadFailed("/dev/zero", /not a regular file/, format);
      }
    });
  }

  test(
    "Coordinator.reload() refuses a path whose link is swapped to a FIFO, without blocking",
    {
      skip: process.platform === "win32" && "no FIFOs",
    },
    async () => {
      await using file = await tempConfig();
      const real = join(file.dir, "real.yaml");
      const fifo = join(file.dir, "fifo");
      const link = join(file.dir, "link.yaml");
      await writeFile(real, "server: {port: 1, mode: quiet}\n");
      execFileSync("mkfifo", [fifo]);
      await symlink(real, link);
      const coordinator = new Coordinator<Config>({
        configPath: link,
        config: new AtomicConfig<Config>({
          server: { port: 1, mode: "quiet" },
        }),
        schema,
        hooks: [],
      });
      assert.equal((await coordinator.reload()).status, "full_success");
      await symlink(fifo, `${link}.new`);
      await rename(`${link}.new`, link);
      await expectLoadFailed(link, /not a regular file/);
    },
  );

  test(
    "Coordinator.reload() never blocks while the path flips between a file and a FIFO",
    {
      skip: process.platform === "win32" && "no FIFOs",
      timeout: 60_000,
    },
    async () => {
      await using file = await tempConfig();
      const real = join(file.dir, "real.yaml");
      const fifo = join(file.dir, "fifo");
      const link = join(file.dir, "link.yaml");
      await writeFile(real, "server: {port: 1, mode: quiet}\n");
      const past = new Date(Date.now() - 60_000);
      await utimes(real, past, past); // no settle wait
      execFileSync("mkfifo", [fifo]);
      await symlink(real, link);
      // Another process swaps the link back and forth as fast as it can, so
      // that it changes between any two looks a pass might take at the path.
      const flipper = spawn("perl", [
        "-e",
        `my ($l, $a, $b) = @ARGV; $| = 1; print "{}\\n";
       while (1) { for my $t ($b, $a) { symlink($t, "$l.t"); rename("$l.t", $l) } }`,
        link,
        real,
        fifo,
      ], { stdio: ["ignore", "pipe", "inherit"] });
      const child = jsonLines(flipper);
      try {
        await child.waitFor(() => true);
        const coordinator = new Coordinator<Config>({
          configPath: link,
          config: new AtomicConfig<Config>({
            server: { port: 1, mode: "quiet" },
          }),
          schema,
          hooks: [],
        });
        const seen = new Map<string, number>();
        // At least 300 passes, and more (up to 5,000) until both sides of
        // the flip were met: under load the flipper may keep one side a
        // while.
        for (
          let pass = 0;
          pass < 300 || (seen.size < 2 && pass < 5000);
          pass++
        ) {
          const result = await coordinator.reload();
          const outcome = result.status === "load_failed"
            ? String(result.load_error).replace(/^.*as (.*): .*$/, "$1")
            : result.status;
          seen.set(outcome, (seen.get(outcome) ?? 0) + 1);
        }
        assert.deepEqual(
          [...seen.keys()].sort(),
          [
            "full_success",
            "the file is not a regular file (a device, pipe or socket)",
          ],
          JSON.stringify([...seen]),
        );
      } finally {
        flipper.kill();
        await child.exited;
        // Were a read blocked on the FIFO, a writer lets it go.
        await (await open(fifo, constants.O_RDWR | constants.O_NONBLOCK))
          .close();
      }
    },
  );

  test("Coordinator.reload() never leaks environment values on a syntax error or a schema issue, in any format", async () => {
    await using file = await tempConfig();
    // The syntax error, then the schema issue and where it is.
    const texts: Record<FormatName, [string, string, string]> = {
      yaml: [
        "server:\n  port: ${HUP_SET}\n  mode: [\n",
        'server:\n  port: "${HUP_SET}"\n  mode: quiet\n',
        "line 2, column 3",
      ],
      json: [
        '{\n  "server": {\n    "port": "${HUP_SET}",\n    "mode": [\n',
        '{\n  "server": {\n    "port": "${HUP_SET}",\n    "mode": "quiet"\n  }\n}\n',
        "line 3, column 5",
      ],
      toml: [
        '[server]\nport = "${HUP_SET}"\nmode = [\n',
        '[server]\nport = "${HUP_SET}"\nmode = "quiet"\n',
        "line 2, column 1",
      ],
    };
    for (const format of FORMATS) {
      const path = join(file.dir, `config.${format}`);
      const [syntax, schema, where] = texts[format];
      await writeFile(path, syntax);
      await expectLoadFailed(path, / line \d+, column \d+: /);
      await writeFile(path, schema);
      await expectLoadFailed(
        path,
        `Cannot load config as it does not match the schema: ${path} ${where} field server.port: Expected number, received …`,
      );
    }
  });
});

test("the hostile corpus files are the ones in the repository", async () => {
  // Guards against an editor "fixing" a file: each bad file still holds the
  // marker, unless it is one of the empty, top-level or variable cases that
  // have no room for it.
  const without =
    /^(good-|empty|whitespace-only|document-marker-only|null-top|top-(boolean|number|null|true|false)|env-(required-message|breaks|unquoted))/;
  let checked = 0;
  for (const format of FORMATS) {
    const dir = corpusOf(format);
    for (const file of await readdir(dir)) {
      if (!file.endsWith(`.${format}`) || without.test(file)) continue;
      const bytes = await readFile(join(dir, file));
      const text = /^utf(16|32)/.test(file)
        ? new TextDecoder(file.startsWith("utf32") ? "latin1" : "utf-16le")
          .decode(bytes).replaceAll("\0", "")
        : bytes.toString("latin1");
      assert.ok(text.includes(SECRET), `${format}/${file}`);
      checked++;
    }
  }
  assert.ok(checked >= 190, String(checked));
});
