import {
  boolCoreTag,
  constructFromEvents,
  CORE_SCHEMA,
  type Event,
  EVENT_ID,
  floatCoreTag,
  getScalarValue,
  intCoreTag,
  mergeTag,
  NOT_RESOLVED,
  nullCoreTag,
  parseEvents,
  SCALAR_STYLE,
  type ScalarEvent,
  type Schema,
  YAMLException,
} from "js-yaml";
import { markString } from "../marks.ts";
import { bracedSpans } from "../references.ts";
import {
  type ConfigFormat,
  type FieldPath,
  FormatError,
  type FormatLimits,
  type Parsed,
} from "./types.ts";

// YAML 1.2 core schema plus merge keys (`<<: *base`); no tag constructs an
// object.
const YAML_SCHEMA: Schema = CORE_SCHEMA.withTags(mergeTag);

const STANDARD_TAG = /^!<tag:yaml\.org,2002:[a-z]+>$/;

/** YAML 1.2, with js-yaml: one document, the core schema, merge keys. */
export const yamlFormat: ConfigFormat = {
  name: "yaml",
  label: "YAML",
  extensions: [".yaml", ".yml"],
  parse: parseYaml,
  locate: locateYamlPaths,
  typePlain,
};

// The tags a plain scalar is tried against, in the core schema's order;
// a scalar none of them resolves is a string.
const PLAIN_TAGS = [nullCoreTag, boolCoreTag, intCoreTag, floatCoreTag];

/**
 * What a plain scalar of this text would be under the YAML 1.2 core
 * schema: null, a boolean, a number, or else the string itself. Never a
 * mapping or a sequence, whatever the text holds.
 *
 * @param text The scalar's text.
 * @returns Its value.
 */
function typePlain(text: string): unknown {
  for (const tag of PLAIN_TAGS) {
    const value: unknown = tag.resolve(text, false, tag.tagName);
    if (value !== NOT_RESOLVED) return value;
  }
  return text;
}

// The explicit tags that keep a scalar a string.
const STRING_TAGS = new Set(["!", "!!str", "!<tag:yaml.org,2002:str>"]);

function parseYaml(text: string, limits: FormatLimits): Parsed {
  // A top level that is plainly a sequence is refused before parsing it
  // whole: a 16 MiB list would cost seconds and most of a gigabyte.
  const at = leadingSequence(text);
  if (at !== -1) {
    throw new FormatError("the top level is a sequence, not a mapping", "", at);
  }
  // A second document is refused before parsing the first: js-yaml parses
  // every document of a stream before it says there are several.
  const second = secondDocument(text);
  if (second !== undefined) {
    throw new FormatError(
      "the file is not valid YAML",
      "expected a single document in the stream, but found more",
      second,
    );
  }
  let value: unknown;
  let positions: number[][] | undefined;
  let shared = false;
  let bounded = false;
  try {
    // What js-yaml's load() does, with the nodes counted between the two
    // steps: a document past maxNodes is refused before it is built.
    const events = parseEvents(hideReferences(text), {
      maxDepth: limits.maxDepth,
    });
    const past = nodePast(events, limits.maxNodes);
    shared = text.includes("*");
    bounded = shared && expandedWithin(text, events, limits);
    if (past !== undefined) {
      throw new FormatError(
        `the document has more than ${limits.maxNodes} nodes`,
        "",
        past,
      );
    }
    // Strings that hold a "$" are marked for expansion (see marks.ts).
    const marked = text.includes("$") ? markReferences(text, events) : null;
    if (marked !== null) positions = marked.positions;
    const documents = constructFromEvents(events, {
      source: marked?.source ?? text,
      schema: YAML_SCHEMA,
      // js-yaml's default (10,000) refuses ordinary large configs that
      // merge a base into each entry; the bound stays linear in the text.
      maxTotalMergeKeys: Math.max(10_000, text.length),
    });
    if (documents.length === 0) {
      throw new YAMLException("expected a document, but the input is empty");
    }
    value = documents[0];
  } catch (error) {
    if (error instanceof FormatError) throw error;
    if (!(error instanceof YAMLException)) {
      throw new FormatError(
        "the YAML parser failed",
        error instanceof Error ? error.name : "unknown error",
      );
    }
    const reason = scrubYamlReason(error.reason);
    if (/input is empty/.test(reason)) {
      throw new FormatError(
        "the file has no YAML document (it is empty or only comments)",
      );
    }
    const offset = error.mark?.position;
    const at = offset === undefined
      ? undefined
      : originalOffset(offset, text, positions);
    // js-yaml says "deficient indentation" (or "unexpected end") on the line
    // after a quote or a bracket left open: name what is open, and where.
    const open = at !== undefined &&
        /deficient indentation|unexpected end of the stream/.test(reason)
      ? unclosedBefore(text, at)
      : undefined;
    if (open !== undefined) {
      throw new FormatError(
        "the file is not valid YAML",
        `${open.what} opened here is not closed`,
        open.at,
      );
    }
    throw new FormatError("the file is not valid YAML", reason, at);
  }
  // Without an alias (`*name`) no node can be shared or loop, and the
  // parser already bounded the depth.
  return {
    value,
    shared,
    ...(bounded && { bounded }),
    ...(text.includes("$") && { marked: true }),
  };
}

/**
 * Marks every scalar whose value holds a `$`: its value, marked, is added
 * after the text, and its event points there (as a scalar read as is), so
 * that the document is built with the marked string wherever the scalar
 * is used (aliases and merge keys included). One pass over the events.
 *
 * @param text The text.
 * @param events Its events; the marked scalars' events are changed.
 * @returns The text with the marked values after it, and for each marked
 *   scalar, where its value now starts and where it started in `text`.
 * @throws {FormatError} If a scalar with a `$` has an explicit tag other
 *   than a string's.
 */
function markReferences(
  text: string,
  events: Event[],
): { source: string; positions: number[][] } {
  const parts = [text];
  const positions: number[][] = [];
  let length = text.length;
  for (const event of events) {
    if (event.type !== EVENT_ID.SCALAR || event.valueStart === -1) continue;
    const raw = text.slice(event.valueStart, event.valueEnd);
    // A "$" is written as is, but in a double-quoted scalar's escapes.
    const escaped = event.style === SCALAR_STYLE.DOUBLE_QUOTED &&
      raw.includes("\\");
    if (!raw.includes("$") && !escaped) continue;
    const value = getScalarValue(text, event);
    if (!value.includes("$")) continue;
    const tagged = event.tagStart !== -1;
    if (
      tagged && !STRING_TAGS.has(text.slice(event.tagStart, event.tagEnd))
    ) {
      throw new FormatError(
        "the file is not valid YAML",
        "a scalar with an explicit tag other than !!str holds a ${...} reference (leave it untagged: the core schema types it once substituted)",
        event.tagStart,
      );
    }
    const plain = event.style === SCALAR_STYLE.PLAIN && !tagged;
    const marked = markString(
      plain ? "P" : "S",
      event.valueStart,
      event.valueEnd,
      value,
    );
    positions.push([length, event.valueStart]);
    (event as ScalarEvent).valueStart = length;
    (event as ScalarEvent).valueEnd = length + marked.length;
    (event as ScalarEvent).fast = true;
    parts.push(marked);
    length += marked.length;
  }
  return { source: parts.join(""), positions };
}

// An offset into the text with marked values after it, as an offset into
// the text itself: a place inside a marked value is its scalar's start.
function originalOffset(
  offset: number,
  text: string,
  positions: number[][] | undefined,
): number {
  if (offset <= text.length || positions === undefined) {
    return Math.min(offset, text.length);
  }
  let lo = 0;
  let hi = positions.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (positions[mid][0] <= offset) lo = mid;
    else hi = mid - 1;
  }
  return positions[lo]?.[1] ?? text.length;
}

// What the parser reads instead of the text: each `${...}` reference with
// all but its "$" turned into U+E000, a character that may be part of any
// plain scalar, so that the braces, commas and brackets of a reference do
// not end a scalar in a flow collection (`{ port: ${PORT} }`). The length
// does not change, so every offset of the events holds for the text
// itself, from which every scalar's value is then read.
function hideReferences(text: string): string {
  if (!text.includes("${")) return text;
  const spans = bracedSpans(text);
  if (spans.length === 0) return text;
  const parts: string[] = [];
  let copied = 0;
  for (const [start, end] of spans) {
    parts.push(text.slice(copied, start + 1), "\uE000".repeat(end - start - 1));
    copied = end;
  }
  parts.push(text.slice(copied));
  return parts.join("");
}

/**
 * What is still open at `offset`: the quoted scalar or flow collection
 * (the innermost) that a reader would take to be unclosed, and where it
 * opened; only for the message of an error js-yaml places after it. A
 * quote or bracket counts where a node can start (after `: `, `- `, `[`,
 * `{`, `,` or at a line's start), so `a: x[1]` opens nothing; comments are
 * skipped. One pass over the text up to `offset`.
 *
 * @param text The text.
 * @param offset Where the parser gave up.
 * @returns What is open and where, or `undefined`.
 */
export function unclosedBefore(
  text: string,
  offset: number,
): { what: string; at: number } | undefined {
  const open: { what: string; at: number }[] = [];
  let quote: { what: string; at: number; char: string } | undefined;
  // Whether a node may start here: after a blank or an indicator.
  let nodeStart = true;
  for (let i = 0; i < offset && i < text.length; i++) {
    const c = text[i];
    if (quote !== undefined) {
      if (quote.char === '"' && c === "\\") i++;
      else if (c === quote.char) {
        if (c === "'" && text[i + 1] === "'") i++;
        else quote = undefined;
      }
      continue;
    }
    if (c === "#" && (i === 0 || /\s/.test(text[i - 1]))) {
      const end = text.indexOf("\n", i);
      if (end === -1) break;
      i = end;
      nodeStart = true;
      continue;
    }
    if (nodeStart && (c === '"' || c === "'")) {
      quote = {
        what: c === '"' ? "a double-quoted scalar" : "a single-quoted scalar",
        at: i,
        char: c,
      };
      continue;
    }
    if (nodeStart && (c === "[" || c === "{")) {
      open.push({
        what: c === "[" ? "a flow sequence ([)" : "a flow mapping ({)",
        at: i,
      });
      continue;
    }
    if ((c === "]" || c === "}") && open.length > 0) open.pop();
    nodeStart = /[\s,\[{]/.test(c) ||
      ((c === ":" || c === "-" || c === "?") && /\s/.test(text[i + 1] ?? " "));
  }
  return quote ?? open.at(-1);
}

// The offset of the node past the first `max`, if there is one: mappings,
// sequences, scalars and aliases each count one, as the loader counts nodes.
function nodePast(events: readonly Event[], max: number): number | undefined {
  let nodes = 0;
  for (const event of events) {
    if (event.type === EVENT_ID.DOCUMENT || event.type === EVENT_ID.POP) {
      continue;
    }
    if (++nodes > max) {
      return event.type === EVENT_ID.SCALAR
        ? event.valueStart
        : event.type === EVENT_ID.ALIAS
        ? event.anchorStart
        : event.start;
    }
  }
  return undefined;
}

/**
 * Whether the document the events build is surely within `limits` once its
 * aliases are expanded, as the loader's measure would count it, and holds no
 * cycle: one pass over the events, each alias counted as the size and depth
 * of its anchor's node. Keys count as nodes here (the measure counts only
 * values) and a merge key (`<<: *base`) counts the base mapping whole, so
 * this is an upper bound of the measure; an alias of a node still open (a
 * possible cycle), or a bound reached, answers `false`, and the loader
 * measures the built document to decide.
 *
 * @param text The text the events point into (for anchor names).
 * @param events The document's events.
 * @param limits The node and depth bounds.
 * @returns Whether measuring the built document can be skipped.
 */
export function expandedWithin(
  text: string,
  events: readonly Event[],
  limits: FormatLimits,
): boolean {
  const { maxNodes, maxDepth } = limits;
  // Per open collection (index 0: the document): its nodes and depth so
  // far, and its anchor. The parser bounded the nesting to maxDepth; deeper
  // than 1,000 (a limit raised that far), the loader measures instead.
  const size = Math.min(maxDepth, 1000) + 2;
  const nodes = new Float64Array(size);
  const depths = new Float64Array(size);
  const anchors: (string | null)[] = new Array(size).fill(null);
  const known = new Map<string, number>(); // anchor -> nodes
  const knownDepth = new Map<string, number>(); // anchor -> depth
  // How many open collections hold each anchor name.
  const open = new Map<string, number>();
  let top = 0;
  for (let i = 0; i < events.length; i++) {
    const event = events[i];
    const type = event.type;
    if (type === EVENT_ID.SCALAR) {
      nodes[top]++;
      if (event.anchorStart !== -1) {
        const anchor = text.slice(event.anchorStart, event.anchorEnd);
        known.set(anchor, 1);
        knownDepth.set(anchor, 0);
      }
    } else if (type === EVENT_ID.MAPPING || type === EVENT_ID.SEQUENCE) {
      if (++top >= size) return false;
      nodes[top] = 1;
      depths[top] = 0;
      let anchor: string | null = null;
      if (event.anchorStart !== -1) {
        anchor = text.slice(event.anchorStart, event.anchorEnd);
        open.set(anchor, (open.get(anchor) ?? 0) + 1);
      }
      anchors[top] = anchor;
    } else if (type === EVENT_ID.ALIAS) {
      const name = text.slice(event.anchorStart, event.anchorEnd);
      // An alias of an open node (or of an unknown anchor): not decided
      // here.
      const count = known.get(name);
      if (count === undefined || open.has(name)) return false;
      nodes[top] += count;
      const depth = knownDepth.get(name)!;
      if (depth > depths[top]) depths[top] = depth;
      if (nodes[top] > maxNodes) return false;
    } else if (type === EVENT_ID.POP && top > 0) {
      const count = nodes[top];
      const depth = depths[top] + 1;
      const anchor = anchors[top];
      if (anchor !== null) {
        known.set(anchor, count);
        knownDepth.set(anchor, depth);
        const holders = open.get(anchor)!;
        if (holders === 1) open.delete(anchor);
        else open.set(anchor, holders - 1);
      }
      top--;
      nodes[top] += count;
      if (depth > depths[top]) depths[top] = depth;
      if (nodes[top] > maxNodes) return false;
    }
  }
  return nodes[0] <= maxNodes && depths[0] <= maxDepth;
}

/**
 * Removes the parts of a js-yaml error reason that can quote the file: alias,
 * anchor and handle names in quotes, custom tag names and invalid tag text.
 * Standard tags (`!!int`) and the fixed wording stay.
 *
 * @param reason The `reason` of a `YAMLException`, never its `message`
 *   (which quotes source lines).
 * @returns The reason, safe to show.
 */
export function scrubYamlReason(reason: string): string {
  return reason
    .replace(/"[^"]*"/g, '"…"')
    .replace(
      /!<[^>]*>/g,
      (tag) => STANDARD_TAG.test(tag) ? tag : "(custom tag)",
    )
    .replace(/(such characters:).*$/, "$1 …");
}

/**
 * Where a top level that is plainly a sequence starts: the `-` (followed by
 * a blank) or `[` that comes first after a BOM and any blank and comment
 * lines, directives and document starts (`---` alone); -1 when there is
 * none. One pass, each line looked at once: a regular expression with these
 * alternatives backtracks exponentially on comment lines ending in CRLF.
 *
 * @param text The text.
 * @returns The offset of the sequence, or -1.
 */
export function leadingSequence(text: string): number {
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  for (;;) {
    let end = text.indexOf("\n", i);
    if (end === -1) end = text.length;
    let j = i;
    while (text[j] === " " || text[j] === "\t") j++;
    const first = text[j];
    // A line made only of blanks and a comment, a directive, or "---".
    const blank = first === "#" ||
      (first === "\r" && j + 1 === end) || j === end;
    const directive = j === i && first === "%";
    let k = i + 3;
    if (text.startsWith("---", i)) {
      while (text[k] === " " || text[k] === "\t") k++;
    }
    const start = text.startsWith("---", i) &&
      (k === end || (text[k] === "\r" && k + 1 === end));
    if ((blank || directive || start) && end < text.length) {
      i = end + 1;
      continue;
    }
    if (first === "[") return j;
    return first === "-" && /[ \t\r\n]/.test(text[j + 1] ?? "") ? j : -1;
  }
}

// Where the second document of a stream starts: the js-yaml error for
// several documents has no position. The first document starts at the top,
// or at the first `---` when nothing but comments, directives and blank
// lines come before it; the second one at the next `---`. One pass.
function secondDocument(text: string): number | undefined {
  // Without a "---" there is one document (a native search, before the
  // scan of every line).
  if (!text.includes("---")) return undefined;
  let first = true; // no document seen yet
  for (let start = 0; start < text.length;) {
    let end = text.indexOf("\n", start);
    if (end === -1) end = text.length;
    if (text.startsWith("---", start)) {
      if (
        start + 3 === text.length ||
        /[ \t\r\n\u2028\u2029]/.test(text[start + 3])
      ) {
        if (!first) return start;
        first = false;
      }
    } else if (/[^#%\s]/.test(text[start])) {
      first = false;
    }
    start = end + 1;
  }
  return undefined;
}

interface Frame {
  /** The path of this collection. */
  path: string;
  /** Whether some wanted path goes through this collection. */
  wanted: boolean;
  kind: "mapping" | "sequence";
  /** In a mapping: whether the next node is a key. */
  expectKey: boolean;
  /** In a mapping: the key of the value being read; in a sequence, its index. */
  child: string;
  index: number;
}

const SEP = "\u0000";
const keyOf = (path: FieldPath) => path.map(String).join(SEP);

/**
 * Finds where each of `paths` starts in a YAML document: the offset of the
 * key for a mapping entry, of the item for a sequence entry. One pass over
 * the parser's events, however many paths; a path that goes through an alias
 * or a merge key (`<<`), or that the document does not have, has no offset.
 *
 * @param text The YAML text.
 * @param paths The paths to find.
 * @param maxDepth The parser's depth limit.
 * @returns The offset of each path in `text`, or `undefined`.
 */
export function locateYamlPaths(
  text: string,
  paths: readonly FieldPath[],
  maxDepth: number,
): (number | undefined)[] {
  const wanted = new Set<string>();
  const prefixes = new Set<string>([""]);
  for (const path of paths) {
    wanted.add(keyOf(path));
    for (let i = 1; i < path.length; i++) {
      prefixes.add(keyOf(path.slice(0, i)));
    }
  }
  const found = new Map<string, number>();
  let events: Event[];
  try {
    events = parseEvents(hideReferences(text), { maxDepth });
  } catch {
    return paths.map(() => undefined);
  }
  const stack: Frame[] = [];
  // The path of the node now starting; a sequence item is recorded here, a
  // mapping entry at its key.
  const enter = (offset: number): string | undefined => {
    const top = stack.at(-1);
    if (top === undefined) return "";
    if (top.kind === "mapping") {
      top.expectKey = true;
      return top.wanted ? join(top.path, top.child) : undefined;
    }
    const index = top.index++;
    if (!top.wanted) return undefined;
    const path = join(top.path, String(index));
    // An empty item (`- ` alone) has no place of its own (-1).
    if (wanted.has(path) && !found.has(path) && offset !== -1) {
      found.set(path, offset);
    }
    return path;
  };
  for (const event of events) {
    const top = stack.at(-1);
    if (
      top?.kind === "mapping" && top.expectKey && event.type !== EVENT_ID.POP
    ) {
      // A key: only plain scalars name a field a schema can report.
      top.expectKey = false;
      top.child = event.type === EVENT_ID.SCALAR
        ? getScalarValue(text, event)
        : SEP; // no path goes through a complex key
      if (top.wanted && event.type === EVENT_ID.SCALAR) {
        const path = join(top.path, top.child);
        if (wanted.has(path) && !found.has(path)) {
          // A quoted key is placed at its opening quote, as in JSON.
          const quoted = event.style === SCALAR_STYLE.SINGLE_QUOTED ||
            event.style === SCALAR_STYLE.DOUBLE_QUOTED;
          if (event.valueStart !== -1) {
            found.set(path, event.valueStart - (quoted ? 1 : 0));
          }
        }
      }
      if (event.type === EVENT_ID.MAPPING || event.type === EVENT_ID.SEQUENCE) {
        stack.push({
          path: "",
          wanted: false,
          kind: event.type === EVENT_ID.MAPPING ? "mapping" : "sequence",
          expectKey: true,
          child: "",
          index: 0,
        });
      }
      continue;
    }
    switch (event.type) {
      case EVENT_ID.SCALAR:
        enter(event.valueStart);
        break;
      case EVENT_ID.ALIAS:
        enter(event.anchorStart);
        break;
      case EVENT_ID.MAPPING:
      case EVENT_ID.SEQUENCE: {
        const path = enter(event.start);
        stack.push({
          path: path ?? "",
          wanted: path !== undefined && prefixes.has(path),
          kind: event.type === EVENT_ID.MAPPING ? "mapping" : "sequence",
          expectKey: true,
          child: "",
          index: 0,
        });
        break;
      }
      case EVENT_ID.POP:
        stack.pop();
        break;
    }
  }
  return paths.map((path) => found.get(keyOf(path)));
}

function join(parent: string, child: string): string {
  return parent === "" ? child : `${parent}${SEP}${child}`;
}
