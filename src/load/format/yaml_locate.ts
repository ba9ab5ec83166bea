import {
  type Event,
  EVENT_ID,
  getScalarValue,
  parseEvents,
  SCALAR_STYLE,
} from "js-yaml";
import { pathKey, placesOf } from "./locate.ts";
import type { FieldPath } from "./types.ts";
import { hideReferences } from "./yaml_scan.ts";

// Where a problem or a field is in a YAML file, for messages: the place of
// a field path on the parser's events, what is still open where js-yaml
// gave up, and a js-yaml reason with nothing of the file left in it.

const STANDARD_TAG = /^!<tag:yaml\.org,2002:[a-z]+>$/;

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
    wanted.add(pathKey(path));
    for (let i = 1; i < path.length; i++) {
      prefixes.add(pathKey(path.slice(0, i)));
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
  return placesOf(paths, found, false);
}

function join(parent: string, child: string): string {
  return parent === "" ? child : `${parent}${SEP}${child}`;
}
