// Generators of pathological config files, shared by
// tests/pathological.test.ts and scripts/measure-pathological.mjs: each makes
// a file of about `size` bytes that a pass must refuse (load_failed) in time
// linear in its size, with a bounded message holding no value.
import { z } from "zod";
import type { ConfigSchema } from "hup-reload";

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
  /** Short kebab-case name. */
  name: string;
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

/** Every kind of pathological file, at any size. */
export const cases: PathologicalCase[] = [
  {
    name: "document-markers",
    make: (size) => `${fill(size, "---\n")}secret: ${SECRET}\n`,
    where: /not valid YAML/,
  },
  {
    name: "document-markers-with-comments",
    make: (size) => `${fill(size, "# $HUP_SET\n---\n")}secret: ${SECRET}\n`,
    where: /not valid YAML/,
  },
  {
    name: "many-documents",
    make: (size) => `secret: ${SECRET}\n${fill(size, "---\na: 1\n")}`,
    where: /not valid YAML: .* line 2, column 1/,
  },
  {
    name: "schema-issues",
    make: (size) =>
      `server: {port: 1}\nsecret: ${SECRET}\nitems:\n${fill(size, "  - 1\n")}`,
    where: /does not match the schema:\n(.*\n)+ {2}and \d+ more$/,
  },
  {
    name: "unset-variables",
    make: (size) =>
      `secret: ${SECRET}\n${lines(size, (i) => `k${i}: \${UNSET_${i}}\n`)}`,
    where: /variables cannot be expanded:\n(.*\n)+ {2}and \d+ more$/,
  },
  {
    name: "set-variables",
    make: (size) => `secret: ${SECRET}\n${fill(size, "- ${HUP_SET}\n")}`,
    where: /not valid YAML|sequence/,
  },
  {
    name: "malformed-references",
    make: (size) => `secret: ${SECRET}\n${fill(size, "k: ${\n")}`,
    where: /variables cannot be expanded:\n(.*\n)+ {2}and \d+ more$/,
  },
  {
    name: "malformed-references-one-line",
    make: (size) => `secret: ${SECRET}\nk: ${fill(size, "${")}\n`,
    where: /variables cannot be expanded:\n(.*\n)+ {2}and \d+ more$/,
  },
  {
    name: "malformed-references-one-line-closed",
    make: (size) => `secret: ${SECRET}\nk: ${fill(size, "${")}\nb: }\n`,
    where: /variables cannot be expanded:\n(.*\n)+ {2}and \d+ more$/,
  },
  {
    name: "unclosed-defaults-one-line",
    make: (size) => `secret: ${SECRET}\nk: ${fill(size, "${A:-x ")}\n`,
    where: /variables cannot be expanded:\n(.*\n)+ {2}and \d+ more$/,
  },
  {
    name: "nested-defaults-deep",
    make: (size) =>
      `secret: ${SECRET}\nk: ${fill(size / 2, "${A:-")}${
        fill(size / 2, "}")
      }\n`,
    where: /line 2, column \d+: .*nested/,
  },
  {
    name: "duplicate-keys",
    make: (size) => `secret: ${SECRET}\n${fill(size, "a: 1\n")}`,
    where: /line 3, column 1: duplicated mapping key/,
  },
  {
    name: "duplicate-keys-late",
    make: (size) =>
      `${lines(size, (i) => `k${i}: ${SECRET}\n`)}k0: ${SECRET}\n`,
    where: /duplicated mapping key/,
  },
  {
    name: "many-aliases",
    make: (size) => `a: &a ${SECRET}\nb: [${fill(size, "*a, ")}]\n`,
    where: NOT_A_CONFIG,
  },
  {
    name: "many-anchors",
    make: (size) => lines(size, (i) => `k${i}: &a${i} ${SECRET}\n`),
    where: NOT_A_CONFIG,
  },
  {
    name: "many-merge-keys",
    make: (size) =>
      `a: &a {x: ${SECRET}}\nb: {<<: [${fill(size, "*a, ")}*a]}\n`,
    where: /merge|field server/,
  },
  {
    name: "long-alias-name",
    make: (size) => `a: *${fill(size, "x")}${SECRET}\n`,
    where: /line 1, column \d+: unidentified alias/,
  },
  {
    name: "long-line",
    make: (size) => `secret: ${fill(size, SECRET)}\n`,
    where: NOT_A_CONFIG,
  },
  {
    name: "long-line-unclosed-quote",
    make: (size) => `secret: "${fill(size, SECRET)}\n`,
    where: /not valid YAML: .* line \d+, column \d+/,
  },
  {
    name: "long-line-of-dollars",
    make: (size) => `secret: ${SECRET}\nk: ${fill(size, "$")}\nk: 2\n`,
    where: /line 3, column 1: duplicated mapping key/,
  },
  {
    name: "long-implicit-key",
    make: (size) => `${fill(size, SECRET)}: 1\n`,
    where: /not valid YAML|field server/,
  },
  {
    name: "long-explicit-key",
    make: (size) => `? ${fill(size, SECRET)}\n: 1\n`,
    where: NOT_A_CONFIG,
  },
  {
    name: "deep-flow-nesting",
    make: (size) =>
      `secret: ${SECRET}\nk: ${fill(size / 2, "[")}${fill(size / 2, "]")}\n`,
    where: /line 2, column \d+: .*maxDepth/,
  },
  {
    name: "deep-flow-mapping-nesting",
    make: (size) => `secret: ${SECRET}\nk: ${fill(size, "{a: ")}\n`,
    where: /line 2, column \d+: .*maxDepth/,
  },
  {
    name: "deep-block-nesting",
    make: (size) =>
      `secret: ${SECRET}\n${lines(size, (i) => `${" ".repeat(i)}k${i}:\n`)}`,
    where: /line \d+, column \d+: .*maxDepth/,
  },
  {
    name: "deep-compact-sequences",
    make: (size) => `secret: ${SECRET}\nk:\n${fill(size, "- ")}x\n`,
    where: /line 3, column \d+: .*maxDepth/,
  },
  {
    name: "comment-runs-with-dollars",
    make: (size) =>
      `secret: ${SECRET}\n${
        fill(size, "# $UNSET ${UNSET} ${ $$ $ '\"\n")
      }bad: [\n`,
    where: /not valid YAML: .* line \d+, column \d+/,
  },
  {
    name: "trailing-comments-with-dollars",
    make: (size) =>
      `secret: ${SECRET}\nk: v ${fill(size, "# ${ $UNSET ")}\nk: 2\n`,
    where: /line 3, column 1: duplicated mapping key/,
  },
  {
    name: "quoted-scalar-escapes",
    make: (size) =>
      `secret: "${SECRET}${fill(size, '\\x41\\u00e9\\"\\\\$$')}"\n`,
    where: NOT_A_CONFIG,
  },
  {
    name: "quoted-scalar-escapes-unclosed",
    make: (size) => `secret: "${SECRET}${fill(size, '\\x41\\"\\\\$$ ')}\n`,
    where: /not valid YAML: .* line \d+, column \d+/,
  },
  {
    name: "single-quoted-dollars",
    make: (size) => `secret: '${SECRET}${fill(size, "''${ $$ ")}'\n`,
    where: /variables cannot be expanded/,
  },
  {
    name: "many-standard-tags",
    make: (size) => lines(size, (i) => `k${i}: !!str ${SECRET}\n`),
    where: NOT_A_CONFIG,
  },
  {
    name: "many-custom-tags",
    make: (size) => `secret: ${SECRET}\n${fill(size, `k: !${SECRET} x\n`)}`,
    where: /line 2, column \d+: unknown .*tag \(custom tag\)/,
  },
  {
    name: "long-custom-tag",
    make: (size) => `k: !${fill(size, SECRET)} x\n`,
    where: /line 1, column \d+: .*\(custom tag\)/,
  },
  {
    name: "many-tag-directives",
    make: (size) =>
      `${lines(size, (i) => `%TAG !t${i}! tag:${SECRET},2000:\n`)}---\n${
        lines(1, () => `k: !t0!x ${SECRET}\n`)
      }`,
    where: /line \d+|field server/,
  },
  {
    name: "leading-blank-lines",
    make: (size) => `${fill(size, "  \t \n")}k: [${SECRET}\n`,
    where: /not valid YAML: .* line \d+, column \d+/,
  },
  {
    name: "leading-comments-then-sequence",
    make: (size) => `${fill(size, "# c\n\n%Y\n--- \n")}- ${SECRET}\n`,
    where: /top level is a sequence/,
  },
  {
    name: "leading-spaces",
    make: (size) => `${fill(size, " ")}${SECRET}: [\n`,
    where: /not valid YAML/,
  },
  {
    name: "crlf-comment-header",
    make: (size) => `${fill(size, "# $HUP_SET \r\n")}secret: [${SECRET}\r\n`,
    where: /not valid YAML: .* line \d+, column \d+/,
  },
  {
    name: "crlf-lines",
    make: (size) => `${lines(size, (i) => `k${i}: ${SECRET}\r\n`)}bad: "\r\n`,
    where: /not valid YAML: .* line \d+, column \d+/,
  },
  {
    name: "invalid-utf8-at-end",
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
    make: (size) => `secret: ${SECRET}\nk: "${fill(size, "\u0001")}"\n`,
    where: /not valid YAML: .* line \d+, column \d+/,
  },
  {
    name: "block-scalar",
    make: (size) => `secret: |\n${fill(size, `  ${SECRET}\n`)}`,
    where: NOT_A_CONFIG,
  },
  {
    name: "many-flow-mappings",
    make: (size) => `k: [${fill(size, `{x: ${SECRET}}, `)}]\n`,
    where: NOT_A_CONFIG,
  },
  {
    name: "many-keys",
    make: (size) => lines(size, (i) => `k${i}: ${SECRET}\n`),
    where: NOT_A_CONFIG,
  },
];
