import { type Event, EVENT_ID } from "js-yaml";
import { bracedSpans } from "../references.ts";
import type { FormatLimits } from "./types.ts";

// The YAML adapter's passes beside the parser: over the text, what must be
// refused before js-yaml parses it all (a top level that is a sequence, a
// second document) and what it must not see (the inside of a reference);
// over its events, the bounds of the document (nodes as written, and
// aliases expanded).

// What the parser reads instead of the text: each `${...}` reference with
// all but its "$" turned into U+E000, a character that may be part of any
// plain scalar, so that the braces, commas and brackets of a reference do
// not end a scalar in a flow collection (`{ port: ${PORT} }`). The length
// does not change, so every offset of the events holds for the text
// itself, from which every scalar's value is then read.
export function hideReferences(text: string): string {
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
export function secondDocument(text: string): number | undefined {
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

// The offset of the node past the first `max`, if there is one: mappings,
// sequences, scalars and aliases each count one, as the loader counts nodes.
export function nodePast(
  events: readonly Event[],
  max: number,
): number | undefined {
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
