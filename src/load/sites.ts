import { ITEMS_PER_STEP } from "../slices.ts";
import type { ConfigFormat } from "./format/types.ts";
import { type Mark, readMark } from "./marks.ts";
import type { Template } from "./references.ts";

/** One parsed layer of a config, as expansion sees it. */
export interface ParsedLayer {
  /** How messages name its source. */
  name: string;
  /** Its text, as parsed. */
  text: string;
  /** Its format. */
  format: ConfigFormat;
  /** The parsed mapping; expansion changes it in place. */
  value: Record<string, unknown>;
  /** Whether its strings that hold a `$` are marked (see `marks.ts`). */
  marked: boolean;
  /** Where relative `${file:...}` paths start, if anywhere. */
  directory?: string;
}

/** A place in the walk, so that a path is only built where one is needed. */
export interface Place {
  /** The place of the mapping or sequence that holds this one. */
  readonly parent: Place | null;
  /** The key (as written) or index of this one in its parent. */
  readonly key: string | number;
}

/** A string of a document that holds a `$`: a value or a mapping's key. */
export interface Site {
  /** The layer it is in. */
  layer: ParsedLayer;
  /** The mapping or sequence that holds it. */
  holder: Record<string, unknown> | unknown[];
  /** The key of the string in `holder`, as it is there (marked or not). */
  key: string | number;
  /** Whether the string is the key itself, not the value under it. */
  isKey: boolean;
  /** The string as written, without its mark; once expanded, a new key. */
  raw: string;
  /** Its mark, in a marked document. */
  mark: Mark | undefined;
  /** The path of the string (of the entry, for a key), keys as written. */
  place: Place;
  /** Its references, once read. */
  template: Template | undefined;
}

/**
 * Finds the strings that hold a `$` (or a mark) in one layer, walking each
 * mapping and sequence once (a shared one, once).
 *
 * @param layer The layer.
 * @param sites Where to add them.
 * @returns A walk that yields every few hundred nodes.
 */
export function* findSites(layer: ParsedLayer, sites: Site[]): Generator<void> {
  const seen = new Set<object>();
  const stack: { node: object; place: Place | null }[] = [{
    node: layer.value,
    place: null,
  }];
  let steps = 0;
  const visit = (
    holder: Record<string, unknown> | unknown[],
    key: string | number,
    place: Place,
    isKey: boolean,
    value: unknown,
  ) => {
    if (typeof value === "string") {
      const mark = layer.marked ? readMark(value) : undefined;
      if (mark !== undefined || (!layer.marked && value.includes("$"))) {
        sites.push({
          layer,
          holder,
          key,
          isKey,
          raw: mark?.value ?? value,
          mark,
          place,
          template: undefined,
        });
      }
    } else if (!isKey && value !== null && typeof value === "object") {
      stack.push({ node: value, place });
    }
  };
  while (stack.length > 0) {
    const { node, place } = stack.pop()!;
    if (seen.has(node)) continue;
    seen.add(node);
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        visit(node, i, { parent: place, key: i }, false, node[i]);
      }
    } else {
      const record = node as Record<string, unknown>;
      for (const key of Object.keys(record)) {
        const mark = layer.marked ? readMark(key) : undefined;
        const here: Place = { parent: place, key: mark?.value ?? key };
        visit(record, key, here, true, key);
        visit(record, key, here, false, record[key]);
      }
    }
    if (++steps % ITEMS_PER_STEP === 0) yield;
  }
}

/**
 * The path of a place, keys as written.
 *
 * @param place The place.
 * @returns The keys and indexes from the root.
 */
export function pathOf(place: Place | null): (string | number)[] {
  const path: (string | number)[] = [];
  for (let p = place; p !== null; p = p.parent) path.push(p.key);
  return path.reverse();
}
