// Generators of pathological config files, shared by
// tests/pathological.test.ts and scripts/measure-pathological.mjs: each makes
// a file of about `size` bytes, in YAML, JSON or TOML, that a pass must
// refuse (load_failed) in time linear in its size, with a bounded message
// holding no value; a few valid ones must load.
import { z } from "zod";
import type { ConfigSchema, FormatName } from "hup-reload";

/** Planted in every file, and the value of `HUP_SET`: must never be shown. */
export const SECRET = "HUP_SECRET_MARKER_7f3a";

/**
 * The schema the passes use: `server.port` must be a number and every item
 * a string, so a well-formed file still fails validation.
 */
export const schema: ConfigSchema<unknown> = z.object({
  server: z.object({ port: z.number() }),
  items: z.array(z.string()).optional(),
});

/** The environment the passes see. */
export const env = (name: string): string | undefined =>
  name === "HUP_SET" ? SECRET : undefined;

export interface PathologicalCase {
  /** Short kebab-case name (JSON and TOML ones start with the format). */
  name: string;
  /** The file's format (and ending). */
  format: FormatName;
  /** Whether the file is valid and within the limits: it must load. */
  loads?: boolean;
  /** The file's content, about `size` bytes. */
  make(size: number): string | Uint8Array;
  /** What the message must say (beyond the usual checks). */
  where: RegExp;
}

// `unit(i)` repeated until the text reaches `size` characters (all ASCII).
function lines(size: number, unit: (i: number) => string): string {
  const parts: string[] = [];
  let length = 0;
  for (let i = 0; length < size; i++) {
    const part = unit(i);
    parts.push(part);
    length += part.length;
  }
  return parts.join("");
}

const fill = (size: number, unit: string) =>
  unit.repeat(Math.max(1, Math.floor(size / unit.length)));

// A well-formed mapping that fails the schema.
const NOT_A_CONFIG = /field server/;

// YAML files.
const yamlCases: PathologicalCase[] = [
  {
    name: "document-markers",
    format: "yaml",
    make: (size) => `${fill(size, "---\n")}secret: ${SECRET}\n`,
    where: /not valid YAML/,
  },
  {
    name: "document-markers-with-comments",
    format: "yaml",
    make: (size) => `${fill(size, "# $HUP_SET\n---\n")}secret: ${SECRET}\n`,
    where: /not valid YAML/,
  },
  {
    name: "many-documents",
    format: "yaml",
    make: (size) => `secret: ${SECRET}\n${fill(size, "---\na: 1\n")}`,
    where: /not valid YAML: .* line 2, column 1/,
  },
  {
    name: "schema-issues",
    format: "yaml",
    make: (size) =>
      `server: {port: 1}\nsecret: ${SECRET}\nitems:\n${fill(size, "  - 1\n")}`,
    where: /does not match the schema:\n(.*\n)+ {2}and \d+ more$/,
  },
  {
    name: "unset-variables",
    format: "yaml",
    make: (size) =>
      `secret: ${SECRET}\n${lines(size, (i) => `k${i}: \${UNSET_${i}}\n`)}`,
    where: /variables cannot be expanded:\n(.*\n)+ {2}and \d+ more$/,
  },
  {
    name: "set-variables",
    format: "yaml",
    make: (size) => `secret: ${SECRET}\n${fill(size, "- ${HUP_SET}\n")}`,
    where: /not valid YAML|sequence/,
  },
  {
    name: "malformed-references",
    format: "yaml",
    make: (size) => `secret: ${SECRET}\nk:\n${fill(size, "  - ${\n")}`,
    where: /variables cannot be expanded:\n(.*\n)+ {2}and \d+ more$/,
  },
  {
    name: "malformed-references-one-line",
    format: "yaml",
    make: (size) => `secret: ${SECRET}\nk: ${fill(size, "${")}\n`,
    where: /variables cannot be expanded:\n(.*\n)+ {2}and \d+ more$/,
  },
  {
    name: "malformed-references-one-line-closed",
    format: "yaml",
    make: (size) => `secret: ${SECRET}\nk: ${fill(size, "${")}\nb: "}"\n`,
    where: /variables cannot be expanded:\n(.*\n)+ {2}and \d+ more$/,
  },
  {
    name: "unclosed-defaults-one-line",
    format: "yaml",
    make: (size) => `secret: ${SECRET}\nk: ${fill(size, "${A:-x ")}\n`,
    where: /variables cannot be expanded:\n(.*\n)+ {2}and \d+ more$/,
  },
  {
    name: "nested-defaults-deep",
    format: "yaml",
    make: (size) =>
      `secret: ${SECRET}\nk: ${fill(size / 2, "${A:-")}${
        fill(size / 2, "}")
      }\n`,
    where: /line 2, column \d+: .*nested/,
  },
  {
    name: "duplicate-keys",
    format: "yaml",
    make: (size) => `secret: ${SECRET}\n${fill(size, "a: 1\n")}`,
    where: /line 3, column 1: duplicated mapping key/,
  },
  {
    name: "duplicate-keys-late",
    format: "yaml",
    make: (size) =>
      `${lines(size, (i) => `k${i}: ${SECRET}\n`)}k0: ${SECRET}\n`,
    where: /duplicated mapping key/,
  },
  {
    name: "many-aliases",
    format: "yaml",
    make: (size) => `a: &a ${SECRET}\nb: [${fill(size, "*a, ")}]\n`,
    where: NOT_A_CONFIG,
  },
  {
    name: "many-anchors",
    format: "yaml",
    make: (size) => lines(size, (i) => `k${i}: &a${i} ${SECRET}\n`),
    where: NOT_A_CONFIG,
  },
  {
    name: "many-merge-keys",
    format: "yaml",
    make: (size) =>
      `a: &a {x: ${SECRET}}\nb: {<<: [${fill(size, "*a, ")}*a]}\n`,
    where: /merge|field server/,
  },
  {
    name: "long-alias-name",
    format: "yaml",
    make: (size) => `a: *${fill(size, "x")}${SECRET}\n`,
    where: /line 1, column \d+: unidentified alias/,
  },
  {
    name: "long-line",
    format: "yaml",
    make: (size) => `secret: ${fill(size, SECRET)}\n`,
    where: NOT_A_CONFIG,
  },
  {
    name: "long-line-unclosed-quote",
    format: "yaml",
    make: (size) => `secret: "${fill(size, SECRET)}\n`,
    where: /not valid YAML: .* line \d+, column \d+/,
  },
  {
    name: "long-line-of-dollars",
    format: "yaml",
    make: (size) => `secret: ${SECRET}\nk: ${fill(size, "$")}\nk: 2\n`,
    where: /line 3, column 1: duplicated mapping key/,
  },
  {
    name: "long-implicit-key",
    format: "yaml",
    make: (size) => `${fill(size, SECRET)}: 1\n`,
    where: /not valid YAML|field server/,
  },
  {
    name: "long-explicit-key",
    format: "yaml",
    make: (size) => `? ${fill(size, SECRET)}\n: 1\n`,
    where: NOT_A_CONFIG,
  },
  {
    name: "deep-flow-nesting",
    format: "yaml",
    make: (size) =>
      `secret: ${SECRET}\nk: ${fill(size / 2, "[")}${fill(size / 2, "]")}\n`,
    where: /line 2, column \d+: .*maxDepth/,
  },
  {
    name: "deep-flow-mapping-nesting",
    format: "yaml",
    make: (size) => `secret: ${SECRET}\nk: ${fill(size, "{a: ")}\n`,
    where: /line 2, column \d+: .*maxDepth/,
  },
  {
    name: "deep-block-nesting",
    format: "yaml",
    make: (size) =>
      `secret: ${SECRET}\n${lines(size, (i) => `${" ".repeat(i)}k${i}:\n`)}`,
    where: /line \d+, column \d+: .*maxDepth/,
  },
  {
    name: "deep-compact-sequences",
    format: "yaml",
    make: (size) => `secret: ${SECRET}\nk:\n${fill(size, "- ")}x\n`,
    where: /line 3, column \d+: .*maxDepth/,
  },
  {
    name: "comment-runs-with-dollars",
    format: "yaml",
    make: (size) =>
      `secret: ${SECRET}\n${
        fill(size, "# $UNSET ${UNSET} ${ $$ $ '\"\n")
      }bad: [\n`,
    where: /not valid YAML: .* line \d+, column \d+/,
  },
  {
    name: "trailing-comments-with-dollars",
    format: "yaml",
    make: (size) =>
      `secret: ${SECRET}\nk: v ${fill(size, "# ${ $UNSET ")}\nk: 2\n`,
    where: /line 3, column 1: duplicated mapping key/,
  },
  {
    name: "quoted-scalar-escapes",
    format: "yaml",
    make: (size) =>
      `secret: "${SECRET}${fill(size, '\\x41\\u00e9\\"\\\\$$')}"\n`,
    where: NOT_A_CONFIG,
  },
  {
    name: "quoted-scalar-escapes-unclosed",
    format: "yaml",
    make: (size) => `secret: "${SECRET}${fill(size, '\\x41\\"\\\\$$ ')}\n`,
    where: /not valid YAML: .* line \d+, column \d+/,
  },
  {
    name: "single-quoted-dollars",
    format: "yaml",
    make: (size) => `secret: '${SECRET}${fill(size, "''${ $$ ")}'\n`,
    where: /variables cannot be expanded/,
  },
  {
    name: "many-standard-tags",
    format: "yaml",
    make: (size) => lines(size, (i) => `k${i}: !!str ${SECRET}\n`),
    where: NOT_A_CONFIG,
  },
  {
    name: "many-custom-tags",
    format: "yaml",
    make: (size) => `secret: ${SECRET}\n${fill(size, `k: !${SECRET} x\n`)}`,
    where: /line 2, column \d+: unknown .*tag \(custom tag\)/,
  },
  {
    name: "long-custom-tag",
    format: "yaml",
    make: (size) => `k: !${fill(size, SECRET)} x\n`,
    where: /line 1, column \d+: .*\(custom tag\)/,
  },
  {
    name: "many-tag-directives",
    format: "yaml",
    make: (size) =>
      `${lines(size, (i) => `%TAG !t${i}! tag:${SECRET},2000:\n`)}---\n${
        lines(1, () => `k: !t0!x ${SECRET}\n`)
      }`,
    where: /line \d+|field server/,
  },
  {
    name: "leading-blank-lines",
    format: "yaml",
    make: (size) => `${fill(size, "  \t \n")}k: [${SECRET}\n`,
    where: /not valid YAML: .* line \d+, column \d+/,
  },
  {
    name: "leading-comments-then-sequence",
    format: "yaml",
    make: (size) => `${fill(size, "# c\n\n%Y\n--- \n")}- ${SECRET}\n`,
    where: /top level is a sequence/,
  },
  {
    name: "leading-spaces",
    format: "yaml",
    make: (size) => `${fill(size, " ")}${SECRET}: [\n`,
    where: /not valid YAML/,
  },
  {
    name: "crlf-comment-header",
    format: "yaml",
    make: (size) => `${fill(size, "# $HUP_SET \r\n")}secret: [${SECRET}\r\n`,
    where: /not valid YAML: .* line \d+, column \d+/,
  },
  {
    name: "crlf-lines",
    format: "yaml",
    make: (size) => `${lines(size, (i) => `k${i}: ${SECRET}\r\n`)}bad: "\r\n`,
    where: /not valid YAML: .* line \d+, column \d+/,
  },
  {
    name: "invalid-utf8-at-end",
    format: "yaml",
    make: (size) => {
      const text = new TextEncoder().encode(
        lines(size, (i) => `k${i}: ${SECRET}\n`),
      );
      const bytes = new Uint8Array(text.length + 2);
      bytes.set(text);
      bytes.set([0xff, 0x0a], text.length);
      return bytes;
    },
    where: /not valid UTF-8 text: .* line \d+, column 1$/,
  },
  {
    name: "replacement-characters-then-invalid-utf8",
    format: "yaml",
    make: (size) => {
      const text = new TextEncoder().encode(
        `secret: ${SECRET}\n${fill(size * 5 / 7, "k: \uFFFD\n")}`, // 7 bytes
      );
      const bytes = new Uint8Array(text.length + 1);
      bytes.set(text);
      bytes[text.length] = 0xc0;
      return bytes;
    },
    where: /not valid UTF-8 text: .* line \d+, column \d+$/,
  },
  {
    name: "control-characters",
    format: "yaml",
    make: (size) => `secret: ${SECRET}\nk: "${fill(size, "\u0001")}"\n`,
    where: /not valid YAML: .* line \d+, column \d+/,
  },
  {
    name: "block-scalar",
    format: "yaml",
    make: (size) => `secret: |\n${fill(size, `  ${SECRET}\n`)}`,
    where: NOT_A_CONFIG,
  },
  {
    name: "many-flow-mappings",
    format: "yaml",
    make: (size) => `k: [${fill(size, `{x: ${SECRET}}, `)}]\n`,
    where: NOT_A_CONFIG,
  },
  {
    name: "many-keys",
    format: "yaml",
    make: (size) => lines(size, (i) => `k${i}: ${SECRET}\n`),
    where: NOT_A_CONFIG,
  },
];

// JSON files. What the schema wants, for the cases that must load.
const JSON_SERVER = '"server": {"port": 1}';

const JSON_INVALID = /not valid JSON: \S+ line \d+, column \d+: /;
const JSON_DEEPER = /nests deeper than 100 levels: \S+ line \d+, column \d+$/;

const jsonCases: PathologicalCase[] = [
  {
    name: "json-deep-arrays",
    format: "json",
    make: (size) =>
      `{"secret": "${SECRET}", "k": ${fill(size / 2, "[")}${
        fill(size / 2, "]")
      }}\n`,
    where: JSON_DEEPER,
  },
  {
    name: "json-deep-arrays-unclosed",
    format: "json",
    make: (size) => `{"secret": "${SECRET}", "k": ${fill(size, "[")}\n`,
    where: JSON_DEEPER,
  },
  {
    name: "json-deep-objects",
    format: "json",
    make: (size) =>
      `{"secret": "${SECRET}", "k": ${fill(size * 6 / 7, '{"a": ')}1${
        fill(size / 7, "}")
      }}\n`,
    where: JSON_DEEPER,
  },
  {
    name: "json-nesting-just-within-the-limit",
    format: "json",
    make: (size) =>
      `{"secret": "${SECRET}", "k": [${
        fill(size, `${"[".repeat(98)}1${"]".repeat(98)}, `)
      }1]}\n`,
    where: NOT_A_CONFIG,
  },
  {
    name: "json-long-string-escapes",
    format: "json",
    make: (size) =>
      `{"secret": "${SECRET}${
        fill(size, '\\u0041\\n\\"\\\\\\/\\ud83d\\ude00')
      }"}\n`,
    where: NOT_A_CONFIG,
  },
  {
    name: "json-long-string-escapes-unclosed",
    format: "json",
    make: (size) => `{"secret": "${SECRET}${fill(size, '\\u0041\\n\\"\\\\')}\n`,
    where: /not valid JSON: \S+ line 1, column 12: a string is not closed$/,
  },
  {
    name: "json-long-string-bad-escape-at-end",
    format: "json",
    make: (size) =>
      `{"secret": "${SECRET}${fill(size, '\\u0041\\"\\\\')}\\q"}\n`,
    where: /not valid JSON: \S+ line 1, column 12: unknown escape in a string$/,
  },
  {
    name: "json-long-key",
    format: "json",
    make: (size) => `{"${fill(size, SECRET)}": 1}\n`,
    where: NOT_A_CONFIG,
  },
  {
    name: "json-long-number",
    format: "json",
    make: (size) => `{"secret": "${SECRET}", "n": ${fill(size, "9")}}\n`,
    // Refused as a number a double cannot hold, at the number.
    where: /line 1, column 43: a number is too large$/,
  },
  {
    name: "json-long-number-then-junk",
    format: "json",
    make: (size) => `{"secret": "${SECRET}", "n": 1.${fill(size, "9")}e}\n`,
    where: /not valid JSON: \S+ line 1, column 43: a number ends too early$/,
  },
  {
    name: "json-many-keys",
    format: "json",
    make: (size) =>
      `{"secret": "${SECRET}"${lines(size, (i) => `, "k${i}": "${SECRET}"`)}}`,
    where: NOT_A_CONFIG,
  },
  {
    name: "json-many-keys-one-a-line",
    format: "json",
    make: (size) =>
      `{\n  "secret": "${SECRET}"${
        lines(size, (i) => `,\n  "k${i}": "${SECRET}"`)
      }\n}\n`,
    where: NOT_A_CONFIG,
  },
  {
    name: "json-duplicate-keys",
    format: "json",
    make: (size) => `{"secret": "${SECRET}"${fill(size, ', "a": 1')}}\n`,
    where: /not valid JSON: \S+ line 1, column 46: duplicated mapping key$/,
  },
  {
    name: "json-duplicate-keys-late",
    format: "json",
    make: (size) =>
      `{\n${lines(size, (i) => `  "k${i}": "${SECRET}",\n`)}  "k0": 1\n}\n`,
    where: /not valid JSON: \S+ line \d+, column 3: duplicated mapping key$/,
  },
  {
    name: "json-duplicate-keys-late-nested",
    format: "json",
    make: (size) =>
      `{"secret": "${SECRET}", "a": {"b": {${
        lines(size, (i) => `"k${i}": 1, `)
      }"k0": 2}}}\n`,
    where: /not valid JSON: \S+ line 1, column \d+: duplicated mapping key$/,
  },
  {
    name: "json-huge-array",
    format: "json",
    make: (size) =>
      `{${JSON_SERVER}, "secret": "${SECRET}", "items": [${
        fill(size, "1, ")
      }1]}\n`,
    where: /does not match the schema:\n(.*\n)+ {2}and \d+ more$/,
  },
  {
    name: "json-huge-array-of-strings",
    format: "json",
    loads: true,
    make: (size) =>
      `{${JSON_SERVER}, "items": [${fill(size, `"${SECRET}", `)}"x"]}\n`,
    where: /./,
  },
  {
    name: "json-many-objects",
    format: "json",
    make: (size) => `{"k": [${fill(size, `{"x": "${SECRET}"}, `)}{}]}\n`,
    where: NOT_A_CONFIG,
  },
  {
    name: "json-schema-issues-one-a-line",
    format: "json",
    make: (size) =>
      `{\n  ${JSON_SERVER},\n  "secret": "${SECRET}",\n  "items": [\n${
        fill(size, "    1,\n")
      }    1\n  ]\n}\n`,
    where:
      /does not match the schema:\n {2}\S+ line 5, column 5 field items\.0: (.*\n)+ {2}and \d+ more$/,
  },
  {
    name: "json-unset-variables",
    format: "json",
    make: (size) =>
      `{"secret": "${SECRET}"${
        lines(size, (i) => `, "k${i}": "\${UNSET_${i}}"`)
      }}\n`,
    where: /variables cannot be expanded:\n(.*\n)+ {2}and \d+ more$/,
  },
  {
    name: "json-malformed-references",
    format: "json",
    make: (size) =>
      `{"secret": "${SECRET}", "k": [${fill(size, '\n "${",')}""]}\n`,
    where: /variables cannot be expanded:\n(.*\n)+ {2}and \d+ more$/,
  },
  {
    name: "json-set-variables",
    format: "json",
    make: (size) =>
      `{"secret": "${SECRET}", "items": [${fill(size, '"${HUP_SET}", ')}""]}\n`,
    where: NOT_A_CONFIG,
  },
  {
    name: "json-whitespace",
    format: "json",
    make: (size) => `{"secret": "${SECRET}"${fill(size, " \t\r\n")}}\n`,
    where: NOT_A_CONFIG,
  },
  {
    name: "json-whitespace-then-junk",
    format: "json",
    make: (size) => `{"secret": "${SECRET}"${fill(size, " \n")}x}\n`,
    where: JSON_INVALID,
  },
  {
    name: "json-comment-lines",
    format: "json",
    make: (size) =>
      `{"secret": "${SECRET}"}${fill(size, "\n// $HUP_SET ${")}\n`,
    where: /variables cannot be expanded|not valid JSON/,
  },
  {
    name: "json-control-characters",
    format: "json",
    make: (size) => `{"secret": "${SECRET}", "k": "${fill(size, "\u0001")}"}\n`,
    where:
      /not valid JSON: \S+ line 1, column 43: control character in a string$/,
  },
  {
    name: "json-crlf-lines",
    format: "json",
    make: (size) =>
      `{\r\n${lines(size, (i) => `  "k${i}": "${SECRET}",\r\n`)}  "bad": "\r\n`,
    where: /not valid JSON: \S+ line \d+, column 10: a string is not closed$/,
  },
  {
    name: "json-top-level-array",
    format: "json",
    make: (size) => `[${fill(size, `"${SECRET}", `)}""]\n`,
    where: /the top level is a sequence, not a mapping/,
  },
  {
    name: "json-invalid-utf8-at-end",
    format: "json",
    make: (size) => {
      const text = new TextEncoder().encode(
        `{${lines(size, (i) => `"k${i}": "${SECRET}",\n`)}"x": "`,
      );
      const bytes = new Uint8Array(text.length + 3);
      bytes.set(text);
      bytes.set([0xff, 0x22, 0x7d], text.length);
      return bytes;
    },
    where: /not valid UTF-8 text: .* line \d+, column 7$/,
  },
];

// TOML files.
const TOML_INVALID = /not valid TOML: \S+ line \d+, column \d+: /;
const TOML_DEEPER = /nests deeper than 100 levels: \S+ line \d+, column \d+$/;
const TOML_SERVER = "[server]\nport = 1\n";

const tomlCases: PathologicalCase[] = [
  {
    name: "toml-deep-arrays",
    format: "toml",
    make: (size) =>
      `secret = "${SECRET}"\nk = ${fill(size / 2, "[")}${
        fill(size / 2, "]")
      }\n`,
    where:
      /not valid TOML: \S+ line 2, column \d+: arrays and inline tables nest too deeply$/,
  },
  {
    name: "toml-deep-inline-tables",
    format: "toml",
    make: (size) =>
      `secret = "${SECRET}"\nk = ${fill(size * 6 / 8, "{ a = ")}1${
        fill(size * 2 / 8, " }")
      }\n`,
    where:
      /not valid TOML: \S+ line 2, column \d+: arrays and inline tables nest too deeply$/,
  },
  {
    name: "toml-nesting-just-within-the-limit",
    format: "toml",
    make: (size) =>
      `secret = "${SECRET}"\nk = [${
        fill(size, `${"[".repeat(98)}1${"]".repeat(98)}, `)
      }1]\n`,
    where: NOT_A_CONFIG,
  },
  {
    name: "toml-long-dotted-key",
    format: "toml",
    make: (size) => `secret = "${SECRET}"\n${fill(size, "a.")}b = 1\n`,
    where: /nests deeper than 100 levels: \S+ line 2, column 1$/,
  },
  {
    name: "toml-long-header",
    format: "toml",
    make: (size) => `secret = "${SECRET}"\n[${fill(size, "a.")}b]\nc = 1\n`,
    where: /nests deeper than 100 levels: \S+ line 2, column 1$/,
  },
  {
    name: "toml-headers-ever-deeper",
    format: "toml",
    make: (size) => {
      const parts = [`secret = "${SECRET}"\n`];
      let length = 0;
      for (let i = 0; length < size; i++) {
        const line = `[${"a.".repeat(i)}b]\nc = 1\n`;
        parts.push(line);
        length += line.length;
      }
      return parts.join("");
    },
    where: TOML_DEEPER,
  },
  {
    name: "toml-dotted-keys-under-deep-header",
    format: "toml",
    make: (size) =>
      `secret = "${SECRET}"\n[${"a.".repeat(90)}b]\n${
        lines(size, (i) => `${"c.".repeat(5)}k${i} = "${SECRET}"\n`)
      }`,
    where: NOT_A_CONFIG,
  },
  {
    name: "toml-many-keys",
    format: "toml",
    make: (size) => lines(size, (i) => `k${i} = "${SECRET}"\n`),
    where: NOT_A_CONFIG,
  },
  {
    name: "toml-many-dotted-keys",
    format: "toml",
    make: (size) => lines(size, (i) => `a.b.c.d.k${i} = "${SECRET}"\n`),
    where: NOT_A_CONFIG,
  },
  {
    name: "toml-many-tables",
    format: "toml",
    make: (size) => lines(size, (i) => `[t${i}]\nk = "${SECRET}"\n`),
    where: NOT_A_CONFIG,
  },
  {
    name: "toml-many-array-tables",
    format: "toml",
    make: (size) =>
      `${TOML_SERVER}${fill(size, `[[items]]\nk = "${SECRET}"\n`)}`,
    where:
      /does not match the schema:\n {2}\S+ line 3, column 1 field items\.0: (.*\n)+ {2}and \d+ more$/,
  },
  {
    name: "toml-many-nested-array-tables",
    loads: true,
    format: "toml",
    make: (size) =>
      `${TOML_SERVER}[[a]]\n${fill(size, `[[a.b]]\nk = "${SECRET}"\n`)}`,
    where: NOT_A_CONFIG,
  },
  {
    name: "toml-duplicate-keys-late",
    format: "toml",
    make: (size) => `${lines(size, (i) => `k${i} = "${SECRET}"\n`)}k0 = 1\n`,
    where:
      /not valid TOML: \S+ line \d+, column 1: trying to redefine an already defined table or value$/,
  },
  {
    name: "toml-duplicate-tables-late",
    format: "toml",
    make: (size) => `${lines(size, (i) => `[t${i}]\nk = "${SECRET}"\n`)}[t0]\n`,
    where:
      /not valid TOML: \S+ line \d+, column 2: trying to redefine an already defined table or value$/,
  },
  {
    name: "toml-duplicate-keys-late-inline",
    format: "toml",
    make: (size) =>
      `secret = "${SECRET}"\nk = { ${
        lines(size, (i) => `k${i} = 1, `)
      }k0 = 2 }\n`,
    where:
      /not valid TOML: \S+ line 2, column \d+: trying to redefine an already defined value$/,
  },
  {
    name: "toml-long-basic-string-escapes",
    format: "toml",
    make: (size) =>
      `secret = "${SECRET}${fill(size, '\\u0041\\n\\"\\\\\\U0001F600')}"\n`,
    where: NOT_A_CONFIG,
  },
  {
    name: "toml-long-basic-string-escapes-unclosed",
    format: "toml",
    make: (size) => `secret = "${SECRET}${fill(size, '\\u0041\\"\\\\')}\n`,
    where: TOML_INVALID,
  },
  {
    name: "toml-long-multiline-string",
    format: "toml",
    make: (size) =>
      `secret = """${SECRET}${fill(size, 'a\\\n  \\"""\\\\ ""\n')}"""\n`,
    where: NOT_A_CONFIG,
  },
  {
    name: "toml-long-multiline-string-unclosed",
    format: "toml",
    make: (size) => `secret = """${SECRET}${fill(size, '\\"""\n"" ')}\n`,
    where: /not valid TOML: \S+ line 1, column 10: unfinished string$/,
  },
  {
    name: "toml-long-literal-string",
    format: "toml",
    make: (size) => `secret = '${SECRET}${fill(size, '\\"$$ ')}'\n`,
    where: NOT_A_CONFIG,
  },
  {
    name: "toml-long-bare-key",
    format: "toml",
    make: (size) => `${fill(size, "k")}_${SECRET} = 1\n`,
    where: NOT_A_CONFIG,
  },
  {
    name: "toml-long-quoted-key",
    format: "toml",
    make: (size) => `"${fill(size, '\\"' + SECRET)}" = 1\n`,
    where: NOT_A_CONFIG,
  },
  {
    name: "toml-long-number",
    format: "toml",
    make: (size) => `secret = "${SECRET}"\nn = ${fill(size, "9")}\n`,
    where: /not valid TOML: \S+ line 2, column 5: an integer is beyond 2\^53/,
  },
  {
    name: "toml-long-float",
    format: "toml",
    make: (size) => `secret = "${SECRET}"\nn = 1.${fill(size, "9_9")}\n`,
    where: NOT_A_CONFIG,
  },
  {
    name: "toml-huge-array",
    format: "toml",
    make: (size) =>
      `secret = "${SECRET}"\nitems = [${fill(size, "1, ")}1]\n${TOML_SERVER}`,
    where: /does not match the schema:\n(.*\n)+ {2}and \d+ more$/,
  },
  {
    name: "toml-huge-array-of-strings",
    format: "toml",
    loads: true,
    make: (size) =>
      `items = [${fill(size, `"${SECRET}", `)}"x"]\n${TOML_SERVER}`,
    where: /./,
  },
  {
    name: "toml-huge-multiline-array",
    format: "toml",
    make: (size) =>
      `secret = "${SECRET}"\nk = [\n${fill(size, "  1, # $HUP_SET\n")}]\n`,
    where: NOT_A_CONFIG,
  },
  {
    name: "toml-many-inline-tables",
    format: "toml",
    make: (size) => `k = [${fill(size, `{ x = "${SECRET}" }, `)}{}]\n`,
    where: NOT_A_CONFIG,
  },
  {
    name: "toml-many-dates",
    format: "toml",
    make: (size) =>
      `secret = "${SECRET}"\n${
        lines(size, (i) => `d${i} = 1979-05-27T07:32:00-07:00\n`)
      }`,
    where: NOT_A_CONFIG,
  },
  {
    name: "toml-dates-beside-impossible-text",
    format: "toml",
    make: (size) =>
      `secret = "${SECRET}"\n${
        lines(size, (i) => `d${i} = 2023-03-02 # not 2023-02-30\n`)
      }`,
    where: NOT_A_CONFIG,
  },
  {
    name: "toml-impossible-date-late",
    format: "toml",
    make: (size) =>
      `secret = "${SECRET}"\n${
        lines(size, (i) => `d${i} = 2023-03-02 # not 2023-02-30\n`)
      }late = 2023-02-30\n`,
    where: /not valid TOML: \S+ line \d+, column 8: invalid date$/,
  },
  {
    name: "toml-schema-issues",
    format: "toml",
    make: (size) =>
      `secret = "${SECRET}"\nitems = [\n${
        fill(size, "  1,\n")
      }]\n${TOML_SERVER}`,
    where:
      /does not match the schema:\n {2}\S+ line 2, column 1 field items\.0: (.*\n)+ {2}and \d+ more$/,
  },
  {
    name: "toml-unset-variables",
    format: "toml",
    make: (size) =>
      `secret = "${SECRET}"\n${
        lines(size, (i) => `k${i} = "\${UNSET_${i}}"\n`)
      }`,
    where: /variables cannot be expanded:\n(.*\n)+ {2}and \d+ more$/,
  },
  {
    name: "toml-malformed-references",
    format: "toml",
    make: (size) => `secret = "${SECRET}"\nk = [${fill(size, '\n "${",')}""]\n`,
    where: /variables cannot be expanded:\n(.*\n)+ {2}and \d+ more$/,
  },
  {
    name: "toml-set-variables",
    format: "toml",
    make: (size) =>
      `secret = "${SECRET}"\nitems = [${fill(size, "'${HUP_SET}', ")}'']\n`,
    where: NOT_A_CONFIG,
  },
  {
    name: "toml-comment-lines",
    format: "toml",
    make: (size) =>
      `secret = "${SECRET}"\n${fill(size, "# $HUP_SET ${ '\" [a]\n")}bad = [\n`,
    where: TOML_INVALID,
  },
  {
    name: "toml-blank-lines",
    format: "toml",
    make: (size) => `${fill(size, " \t\n")}secret = "${SECRET}\n`,
    where: TOML_INVALID,
  },
  {
    name: "toml-crlf-lines",
    format: "toml",
    make: (size) =>
      `${lines(size, (i) => `k${i} = "${SECRET}"\r\n`)}bad = "\r\n`,
    where: TOML_INVALID,
  },
  {
    name: "toml-control-characters",
    format: "toml",
    make: (size) => `secret = "${SECRET}"\nk = "${fill(size, "\u0001")}"\n`,
    where:
      /not valid TOML: \S+ line 2, column 6: control characters are not allowed in strings$/,
  },
  {
    name: "toml-invalid-utf8-at-end",
    format: "toml",
    make: (size) => {
      const text = new TextEncoder().encode(
        lines(size, (i) => `k${i} = "${SECRET}"\n`),
      );
      const bytes = new Uint8Array(text.length + 2);
      bytes.set(text);
      bytes.set([0xff, 0x0a], text.length);
      return bytes;
    },
    where: /not valid UTF-8 text: .* line \d+, column 1$/,
  },
];

/** Every kind of pathological file, in every format, at any size. */
export const cases: PathologicalCase[] = [
  ...yamlCases,
  ...jsonCases,
  ...tomlCases,
];
