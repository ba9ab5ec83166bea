import type { TomlError } from "smol-toml";
import { smolToml } from "./toml_parser.ts";
import { setOwn, tooDeep, tooManyNodes } from "./limits.ts";
import { pathKey, placesOf } from "./locate.ts";
import { prescanToml, tomlKeyLines } from "./toml_scan.ts";
import {
  type ConfigFormat,
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
const INVALID = "the file is not valid TOML";
const OVERFLOW = "a number is too large for a double (write inf for infinity)";

/** TOML 1.0 (and 1.1), with smol-toml. */
export const tomlFormat: ConfigFormat = {
  name: "toml",
  label: "TOML",
  extensions: [".toml"],
  prepare: () => smolToml.prepare(),
  parse: parseToml,
  locate: (text, paths) => placesOf(paths, keyPlaces(text), true),
};

function parseToml(text: string, limits: FormatLimits): Parsed {
  prescanToml(text, limits);
  let root: Record<string, unknown>;
  try {
    root = smolToml.get().parse(text, options(limits)) as Record<
      string,
      unknown
    >;
  } catch (error) {
    if (!(error instanceof smolToml.get().TomlError)) {
      throw new FormatError(
        "the TOML parser failed",
        error instanceof Error ? error.name : "unknown error",
      );
    }
    throw new FormatError(INVALID, reasonOf(error), offsetOf(text, error));
  }
  if (Object.keys(root).length === 0) {
    throw new FormatError(
      "the file has no TOML content (it is empty or only comments)",
    );
  }
  const found = normalize(root, text, limits);
  refuseRolled(text, limits, found);
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

function reasonOf(error: TomlError): string {
  const end = error.message.indexOf("\n\n");
  const raw = error.message.startsWith(PREFIX)
    ? error.message.slice(PREFIX.length, end === -1 ? undefined : end)
    : "";
  return RENAMED[raw] ?? (REASONS.has(raw) ? raw : "malformed TOML");
}

// smol-toml counts 1-based lines split at \n and columns in UTF-16 units.
function offsetOf(text: string, { line, column }: TomlError): number {
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
      // Where the document goes furthest along the path that is too deep.
      throw tooDeep(
        limits,
        placesOf([pathOf(frame)], keyPlaces(text), true)[0],
      );
    }
    // Indexes or keys, without a pair allocated for each entry.
    const keys = Array.isArray(node) ? undefined : Object.keys(node);
    const count = keys?.length ?? (node as unknown[]).length;
    nodes += count;
    if (nodes > limits.maxNodes) throw tooManyNodes(limits);
    for (let i = 0; i < count; i++) {
      const key = keys === undefined ? i : keys[i];
      const value = (node as Record<string | number, unknown>)[key];
      if (value instanceof smolToml.get().TomlDate) {
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
  for (const key of Object.keys(table)) setOwn(plain, key, table[key]);
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

const DATE = /\d{4}-\d\d-\d\d/g;
// A date the calendar does not have: the platform's Date does not give it
// back as written (it rolls it over, or refuses it).
function impossible(date: string): boolean {
  const day = new Date(`${date}T00:00:00Z`);
  return isNaN(day.getTime()) || day.toISOString().slice(0, 10) !== date;
}
// A decimal number or float literal, as TOML writes one (`_` between
// digits), and not part of a longer word, date or key.
const DECIMAL =
  /(?<![\w.:+-])[+-]?\d[\d_]*(?:\.\d[\d_]*)?(?:[eE][+-]?\d[\d_]*)?(?![\w.:-])/g;

// smol-toml lets a JS Date roll an impossible date over (Feb 30 becomes
// Mar 2, on V8), and reads a float too large for a double (`1e400`) as
// Infinity, which TOML writes `inf`. When the walk met a date or an
// infinity, each text that looks like such a date or number is made
// malformed, its last character turned into "x" (offsets stay), and the
// text parsed again: the parser judges. Only where it is a value does that
// fail (a date at its start, a number at the "x"), and there it is refused;
// in a string, a comment or a key the change is harmless.
function refuseRolled(
  text: string,
  limits: FormatLimits,
  found: { dates: boolean; infinite: boolean },
): void {
  // By the offset where the probe fails: where the value starts, and why.
  const suspects = new Map<number, [number, string]>();
  const ends: number[] = [];
  DATE.lastIndex = 0;
  for (let m; found.dates && (m = DATE.exec(text)) !== null;) {
    if (!impossible(m[0])) continue;
    ends.push(m.index + m[0].length);
    suspects.set(m.index, [m.index, "invalid date"]);
  }
  DECIMAL.lastIndex = 0;
  for (let m; found.infinite && (m = DECIMAL.exec(text)) !== null;) {
    if (Number.isFinite(Number(m[0].replaceAll("_", "")))) continue;
    const end = m.index + m[0].length;
    ends.push(end);
    suspects.set(end - 1, [m.index, OVERFLOW]);
  }
  if (ends.length === 0) return;
  const parts: string[] = [];
  let copied = 0;
  for (const end of ends.sort((a, b) => a - b)) {
    parts.push(text.slice(copied, end - 1), "x");
    copied = end;
  }
  parts.push(text.slice(copied));
  const probe = parts.join("");
  try {
    smolToml.get().parse(probe, options(limits));
  } catch (error) {
    if (!(error instanceof smolToml.get().TomlError)) return;
    const suspect = suspects.get(offsetOf(probe, error));
    if (suspect) throw new FormatError(INVALID, suspect[1], suspect[0]);
  }
}

// Where each header and key line is, by the path it names: the first one.
function keyPlaces(text: string): Map<string, number> {
  const places = new Map<string, number>();
  tomlKeyLines(text, (path, at) => {
    const key = pathKey(path);
    if (!places.has(key)) places.set(key, at);
  });
  return places;
}
