import { type Event, EVENT_ID, getScalarValue, parseEvents } from "js-yaml";

/** A path into a config: mapping keys and sequence indexes. */
export type FieldPath = readonly (string | number)[];

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
 * @param text The (expanded) YAML text.
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
    events = parseEvents(text, { maxDepth });
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
    if (wanted.has(path) && !found.has(path)) found.set(path, offset);
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
          found.set(path, event.valueStart === -1 ? 0 : event.valueStart);
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
