import { parse, TomlDate, TomlError } from "smol-toml";
import {
  type ConfigFormat,
  type FieldPath,
  FormatError,
  type FormatLimits,
  type Parsed,
} from "./types.ts";

// smol-toml's reasons (its message is "Invalid TOML document: " + reason +
// "\n\n" + the lines around the error, verbatim, which is never shown).
// Only these fixed phrases are passed on.
const REASONS = new Set([
  "invalid value",
  "illegal leading zero",
  "illegal underscore",
  "illegal character in numeric literal",
  "unfinished numeric value",
  "invalid date-time: date part is malformed",
  "invalid date-time: time part is malformed",
  "invalid date",
  "trying to redefine an already defined table or value",
  "expected end of table array declaration",
  "each key-value declaration must be followed by an end-of-line",
  "control characters are not allowed in strings",
  "invalid non-hex character in unicode escape",
  "invalid unicode escape",
  "unrecognised escape sequence",
  "invalid escape: only line-ending whitespace may be escaped",
  "unfinished string",
  "unexpected end of key",
  "illegal empty bare key",
  "illegal quoted key: multiline strings are not allowed",
  "illegal character in key",
  "incomplete key-value: cannot find end of key",
  "trying to redefine an already defined value",
  "expected comma or end of structure",
  "unfinished table",
  "unfinished array",
  "control characters are not allowed in comments",
]);
const RENAMED: Record<string, string> = {
  "document contains excessively nested structures. aborting.":
    "arrays and inline tables nest too deeply",
  "integer value cannot be represented losslessly":
    "an integer is beyond 2^53, which a number does not hold exactly",
};
const PREFIX = "Invalid TOML document: ";

/** TOML 1.0 (and 1.1), with smol-toml. */
export const tomlFormat: ConfigFormat = {
  name: "toml",
  label: "TOML",
  extensions: [".toml"],
  parse: parseToml,
  locate: locateTomlPaths,
};

function parseToml(text: string, limits: FormatLimits): Parsed {
  prescan(text, limits);
  let root: Record<string, unknown>;
  try {
    root = parse(text, options(limits)) as Record<string, unknown>;
  } catch (error) {
    if (error instanceof TomlError) {
      throw new FormatError(
        "the file is not valid TOML",
        reasonOf(error),
        offsetOf(text, error.line, error.column),
      );
    }
    throw new FormatError(
      "the TOML parser failed",
      error instanceof Error ? error.name : "unknown error",
    );
  }
  if (Object.keys(root).length === 0) {
    throw new FormatError(
      "the file has no TOML content (it is empty or only comments)",
    );
  }
  const found = normalize(root, text, limits);
  if (found.dates) refuseImpossibleDates(text, limits);
  if (found.infinite) refuseOverflow(text, limits);
  return { value: found.root, shared: false };
}

const options = (limits: FormatLimits) => ({
  // Bounds the parser's recursion; only [ and { count there.
  maxDepth: limits.maxDepth,
  // An integer past 2^53 is an error, never a BigInt or a rounded one.
  integersAsBigInt: false,
  useLegacyDate: true,
  // A `__proto__` key is an own property of a null-prototype table.
  unsafeKeyBehaviour: "keep",
} as const);

// Characters other than those of bare keys and blanks.
const SPECIAL = /[^A-Za-z0-9_\- \t]/g;

// The bounds that hold before smol-toml builds the document, which it does
// whole before the walk can count it, building a table for each part of a
// dotted key (16 MiB of `a.a.a…` took 17 s and 3.9 GB, of `[[a]]` 3.5 s
// and 1.4 GB). A key or header of more than maxDepth parts nests deeper
// than that; and each `=`, each `[[table]]` and each comma in an array is
// a node of its own, so more of them than maxNodes are more nodes. One
// pass, skipping strings and comments, for a text that is TOML: in one
// that is not, the parser finds what is wrong.
function prescan(text: string, limits: FormatLimits): void {
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
        throw new FormatError(
          `the document nests deeper than ${limits.maxDepth} levels`,
          "",
          chain,
        );
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
    if (nodes > limits.maxNodes) {
      throw new FormatError(
        `the document has more than ${limits.maxNodes} nodes`,
      );
    }
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

function reasonOf(error: TomlError): string {
  const end = error.message.indexOf("\n\n");
  const raw = error.message.startsWith(PREFIX)
    ? error.message.slice(PREFIX.length, end === -1 ? undefined : end)
    : "";
  return RENAMED[raw] ?? (REASONS.has(raw) ? raw : "malformed TOML");
}

// smol-toml counts 1-based lines split at \n and columns in UTF-16 units.
function offsetOf(text: string, line: number, column: number): number {
  let start = 0;
  for (let l = 1; l < line; l++) {
    const newline = text.indexOf("\n", start);
    if (newline === -1) break;
    start = newline + 1;
  }
  return Math.min(start + Math.max(column, 1) - 1, text.length);
}

// One walk, without recursion: the depth and node bounds (dotted keys and
// `[a.b.c]` headers nest tables without brackets, which the parser does not
// count); dates and times as ISO 8601 strings, as YAML's core schema keeps
// them (a Date would stay mutable in a frozen config); and tables as plain
// objects, as the other formats give them (smol-toml's have no prototype,
// and a comparison by deep equality tells the two apart). Returns the new
// root, and whether there was a date or an infinite number.
function normalize(
  parsed: Record<string, unknown>,
  text: string,
  limits: FormatLimits,
): { root: Record<string, unknown>; dates: boolean; infinite: boolean } {
  let nodes = 1;
  let dates = false;
  let infinite = false;
  const root = plainTable(parsed);
  const stack: Frame[] = [{ node: root, depth: 1, key: "" }];
  while (stack.length > 0) {
    const frame = stack.pop()!;
    const { node, depth } = frame;
    if (depth > limits.maxDepth) {
      throw new FormatError(
        `the document nests deeper than ${limits.maxDepth} levels`,
        "",
        deepestLine(text, pathOf(frame)),
      );
    }
    // Indexes or keys, without a pair allocated for each entry.
    const keys = Array.isArray(node) ? undefined : Object.keys(node);
    const count = keys?.length ?? (node as unknown[]).length;
    nodes += count;
    if (nodes > limits.maxNodes) {
      throw new FormatError(
        `the document has more than ${limits.maxNodes} nodes`,
      );
    }
    for (let i = 0; i < count; i++) {
      const key = keys === undefined ? i : keys[i];
      const value = (node as Record<string | number, unknown>)[key];
      if (value instanceof TomlDate) {
        dates ||= value.isDate() || value.isDateTime();
        (node as Record<string | number, unknown>)[key] = value.toISOString();
      } else if (value !== null && typeof value === "object") {
        const child = Array.isArray(value)
          ? value
          : plainTable(value as Record<string, unknown>);
        if (child !== value) {
          (node as Record<string | number, unknown>)[key] = child;
        }
        stack.push({
          node: child,
          depth: depth + 1,
          parent: frame,
          key: String(key),
        });
      } else if (value === Infinity || value === -Infinity) {
        infinite = true;
      }
    }
  }
  return { root, dates, infinite };
}

// A table as a plain object, a `__proto__` key kept as an own key.
function plainTable(table: Record<string, unknown>): Record<string, unknown> {
  const plain: Record<string, unknown> = {};
  for (const key of Object.keys(table)) {
    if (key === "__proto__") {
      Object.defineProperty(plain, key, {
        value: table[key],
        enumerable: true,
        writable: true,
        configurable: true,
      });
    } else plain[key] = table[key];
  }
  return plain;
}

interface Frame {
  node: Record<string, unknown> | unknown[];
  depth: number;
  parent?: Frame;
  key: string;
}

const pathOf = (frame: Frame): string[] => {
  const path: string[] = [];
  for (let f: Frame | undefined = frame; f?.parent; f = f.parent) {
    path.push(f.key);
  }
  return path.reverse();
};

const DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const leap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

// smol-toml lets a JS Date roll an impossible date over (Feb 30 becomes
// Mar 2, on V8). Each text that looks like such a date is made malformed,
// its last digit turned into "x" (offsets stay), and the text parsed again:
// only where it is a date value does that fail, and there the date is
// refused; in a string, a comment or a bare key the change is harmless.
function refuseImpossibleDates(text: string, limits: FormatLimits): void {
  const ends: number[] = [];
  const starts = new Map<number, number>();
  const date = /(\d{4})-(\d\d)-(\d\d)/g;
  for (let m; (m = date.exec(text)) !== null;) {
    const [year, month, day] = [+m[1], +m[2], +m[3]];
    if (month < 1 || month > 12 || day < 1 || day > 31) continue;
    const last = month === 2 && !leap(year) ? 28 : DAYS[month - 1];
    if (day <= last) continue;
    const end = m.index + m[0].length;
    ends.push(end);
    starts.set(m.index, m.index);
  }
  const offset = probeFailure(text, ends, limits);
  if (offset !== undefined && starts.has(offset)) {
    throw new FormatError("the file is not valid TOML", "invalid date", offset);
  }
}

// Where the text, with the last character before each of `ends` turned
// into "x" (offsets stay), fails to parse; undefined when it parses, or
// when nothing was marked.
function probeFailure(
  text: string,
  ends: readonly number[],
  limits: FormatLimits,
): number | undefined {
  if (ends.length === 0) return undefined;
  const parts: string[] = [];
  let copied = 0;
  for (const end of ends) {
    parts.push(text.slice(copied, end - 1), "x");
    copied = end;
  }
  parts.push(text.slice(copied));
  const probe = parts.join("");
  try {
    parse(probe, options(limits));
  } catch (error) {
    if (error instanceof TomlError) {
      return offsetOf(probe, error.line, error.column);
    }
  }
  return undefined;
}

// A decimal number or float literal, as TOML writes one (`_` between
// digits), and not part of a longer word, date or key.
const DECIMAL =
  /(?<![\w.:+-])[+-]?\d[\d_]*(?:\.\d[\d_]*)?(?:[eE][+-]?\d[\d_]*)?(?![\w.:-])/g;

// smol-toml reads a float too large for a double (`1e400`) as Infinity,
// which TOML writes `inf`. Each literal that would overflow is made
// malformed, its last character turned into "x" (offsets stay), and the
// text parsed again: only where it is a number value does that fail, and
// there it is refused, at its start; in a string, a comment or a key the
// change is harmless. Only run when the document holds an infinity.
function refuseOverflow(text: string, limits: FormatLimits): void {
  const ends: number[] = [];
  const starts = new Map<number, number>();
  DECIMAL.lastIndex = 0;
  for (let m; (m = DECIMAL.exec(text)) !== null;) {
    if (Number.isFinite(Number(m[0].replaceAll("_", "")))) continue;
    const end = m.index + m[0].length;
    ends.push(end);
    starts.set(end - 1, m.index);
  }
  const offset = probeFailure(text, ends, limits);
  const start = offset === undefined ? undefined : starts.get(offset);
  if (start !== undefined) {
    throw new FormatError(
      "the file is not valid TOML",
      "a number is too large for a double (write inf for infinity)",
      start,
    );
  }
}

// Each `[table]` and `[[array]]` header and each `key = ` line, in order:
// the full path it names (array tables by their index) and where it is.
// Keys inside inline tables and arrays are not seen. One pass over the
// lines.
function keyLines(
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
        const name = table.join(SEP);
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

// Where keys are set, by path: a path inside an inline table or array is
// placed at its nearest parent that is found.
function locateTomlPaths(
  text: string,
  paths: readonly FieldPath[],
): (number | undefined)[] {
  const places = new Map<string, number>();
  keyLines(text, (path, at) => {
    const key = path.join(SEP);
    if (!places.has(key)) places.set(key, at);
  });
  return paths.map((path) => {
    for (let n = path.length; n > 0; n--) {
      const at = places.get(path.slice(0, n).map(String).join(SEP));
      if (at !== undefined) return at;
    }
    return undefined;
  });
}

// The first header or key line that goes furthest along `path`: where the
// document nests too deep.
function deepestLine(
  text: string,
  path: readonly string[],
): number | undefined {
  let best = 0;
  let found: number | undefined;
  keyLines(text, (parts, at) => {
    let n = 0;
    while (n < parts.length && n < path.length && parts[n] === path[n]) n++;
    if (n > best) [best, found] = [n, at];
  });
  return found;
}

const SEP = "\u0000";

const BARE_KEY = /[A-Za-z0-9_-]+/y;
const ESCAPE =
  /\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|x([0-9A-Fa-f]{2})|(.))/g;
const ESCAPED: Record<string, string> = {
  b: "\b",
  t: "\t",
  n: "\n",
  f: "\f",
  r: "\r",
  e: "\u001b",
};

// The text of a basic string's body: its escapes (valid, as the file
// parsed) turned into what they stand for.
const unescape = (body: string) =>
  body.replace(
    ESCAPE,
    (_, u4, u8, x2, c: string) =>
      u4 ?? u8 ?? x2
        ? String.fromCodePoint(parseInt(u4 ?? u8 ?? x2, 16))
        : ESCAPED[c] ?? c,
  );

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
      parts.push(unescape(text.slice(i + 1, close)));
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
