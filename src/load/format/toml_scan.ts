import { smolToml } from "./toml_parser.ts";
import { tooDeep, tooManyNodes } from "./limits.ts";
import type { FormatLimits } from "./types.ts";

// The TOML text read beside smol-toml, in the two places where the parser
// cannot serve: it builds the whole document before anything can count it,
// and it reports no positions. Both passes skip what the parser skips
// (strings, comments), and neither judges the syntax: in a text that is
// not TOML, the parser finds what is wrong.

// Characters other than those of bare keys and blanks.
const SPECIAL = /[^A-Za-z0-9_\- \t]/g;

/**
 * The bounds that hold before smol-toml builds the document, which it does
 * whole, building a table for each part of a dotted key (16 MiB of
 * `a.a.a…` took 17 s and 3.9 GB, of `[[a]]` 3.5 s and 1.4 GB, and a few
 * thousand parts overflow its stack). A key or header of more than
 * maxDepth parts nests deeper than that; and each `=`, each `[[table]]` and
 * each comma in an array is a node of its own, so more of them than
 * maxNodes are more nodes. One pass.
 *
 * @param text The TOML text.
 * @param limits The depth and node bounds.
 * @throws {FormatError} If a key has too many parts, or there are too many
 * nodes.
 */
export function prescanToml(text: string, limits: FormatLimits): void {
  let nodes = 0;
  let dots = 0;
  let chain = 0; // where the run of dotted key parts began
  const open: number[] = []; // the brackets open in a value: [ or {
  SPECIAL.lastIndex = 0;
  for (let m; (m = SPECIAL.exec(text)) !== null;) {
    const i = m.index;
    const c = text.charCodeAt(i);
    if (c === 0x2e) { // "."
      if (++dots >= limits.maxDepth) {
        while (text[chain] === " " || text[chain] === "\t") chain++;
        throw tooDeep(limits, chain);
      }
      continue;
    }
    if (c === 0x22 || c === 0x27) { // a quoted key part, or a string value
      SPECIAL.lastIndex = endOfString(text, i);
      continue;
    }
    dots = 0;
    chain = i + 1;
    if (c === 0x23) { // "#": a comment, up to the line's end
      const end = text.indexOf("\n", i);
      SPECIAL.lastIndex = end === -1 ? text.length : end;
    } else if (c === 0x3d) { // "="
      nodes++;
    } else if (c === 0x2c) { // ","
      if (open[open.length - 1] === 0x5b) nodes++;
    } else if (c === 0x5b || c === 0x7b) { // "[" or "{"
      let j = i - 1;
      while (text[j] === " " || text[j] === "\t") j--;
      const header = c === 0x5b && open.length === 0 &&
        (j < 0 || text[j] === "\n");
      // A header's key is placed at the header, as schema issues are.
      if (header) chain = i;
      if (header && text[i + 1] === "[") {
        nodes++;
        SPECIAL.lastIndex = i + 2;
      }
      // Deeper brackets are the parser's to refuse.
      if (!header && open.push(c) > limits.maxDepth) return;
    } else if (c === 0x5d || c === 0x7d) { // "]" or "}"
      open.pop();
    }
    if (nodes > limits.maxNodes) throw tooManyNodes(limits);
  }
}

// Where the string that starts at `at` ends: after its closing quote(s),
// or at the line's end for a one-line string left open.
function endOfString(text: string, at: number): number {
  const q = text[at];
  if (text[at + 1] === q && text[at + 2] === q) {
    for (let from = at + 3;;) {
      const close = text.indexOf(q + q + q, from);
      if (close === -1) return text.length;
      let escapes = 0;
      while (q === '"' && text[close - 1 - escapes] === "\\") escapes++;
      if (escapes % 2 === 1) {
        from = close + 1;
        continue;
      }
      // Up to two more quotes belong to the string.
      let end = close + 3;
      if (text[end] === q) end++;
      if (text[end] === q) end++;
      return end;
    }
  }
  for (let i = at + 1; i < text.length; i++) {
    const c = text[i];
    if (c === q) return i + 1;
    if (c === "\n") return i;
    if (c === "\\" && q === '"') i++;
  }
  return text.length;
}

/**
 * Each `[table]` and `[[array]]` header and each `key = ` line of a text
 * that parsed, in order: the full path it names (array tables by their
 * index) and where it starts. Keys inside inline tables and arrays are not
 * seen. One pass over the lines.
 *
 * @param text The TOML text.
 * @param visit Called for each header and key line.
 */
export function tomlKeyLines(
  text: string,
  visit: (path: readonly string[], at: number) => void,
): void {
  const counts = new Map<string, number>();
  let table: string[] = [];
  let start = 0;
  for (const line of text.split("\n")) {
    const indent = line.length - line.trimStart().length;
    const at = start + indent;
    start += line.length + 1;
    const rest = line.slice(indent);
    if (rest.startsWith("[")) {
      const array = rest.startsWith("[[");
      const key = splitKey(rest, array ? 2 : 1);
      if (key === undefined) continue;
      table = key.parts;
      if (array) {
        const name = table.join("\u0000");
        const index = counts.get(name) ?? 0;
        counts.set(name, index + 1);
        table = [...table, String(index)];
      }
      visit(table, at);
    } else {
      const key = splitKey(rest, 0);
      if (key === undefined || rest[key.end] !== "=") continue;
      visit([...table, ...key.parts], at);
    }
  }
}

const BARE_KEY = /[A-Za-z0-9_-]+/y;

// A "basic" key part as the parser reads it: its escapes are the parser's
// to turn into what they stand for. Undefined for a line that only looks
// like a key (inside a multi-line string) and does not parse as one.
function basicKey(quoted: string): string | undefined {
  if (!quoted.includes("\\")) return quoted.slice(1, -1);
  try {
    return Object.keys(smolToml.get().parse(`${quoted} = 0`))[0];
  } catch {
    return undefined;
  }
}

// Reads a dotted key (bare, "basic" or 'literal' parts) from `at` in one
// line, in one pass: its parts, as the parser reads them, and where the
// text after it (and any blanks) starts.
function splitKey(
  text: string,
  at: number,
): { parts: string[]; end: number } | undefined {
  const parts: string[] = [];
  let i = at;
  const blanks = () => {
    while (text[i] === " " || text[i] === "\t") i++;
  };
  for (;;) {
    blanks();
    const quote = text[i];
    if (quote === "'") {
      const close = text.indexOf("'", i + 1);
      if (close === -1) return undefined;
      parts.push(text.slice(i + 1, close));
      i = close + 1;
    } else if (quote === '"') {
      // The first quote not escaped by an odd run of backslashes.
      let close = i;
      for (;;) {
        close = text.indexOf('"', close + 1);
        if (close === -1) return undefined;
        let escapes = 0;
        while (text[close - 1 - escapes] === "\\") escapes++;
        if (escapes % 2 === 0) break;
      }
      const part = basicKey(text.slice(i, close + 1));
      if (part === undefined) return undefined;
      parts.push(part);
      i = close + 1;
    } else {
      BARE_KEY.lastIndex = i;
      if (!BARE_KEY.test(text)) return undefined;
      parts.push(text.slice(i, BARE_KEY.lastIndex));
      i = BARE_KEY.lastIndex;
    }
    blanks();
    if (text[i] !== ".") return { parts, end: i };
    i++;
  }
}
