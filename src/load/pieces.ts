/** A key of a mapping or an index of a sequence. */
export type Key = string | number;

/** A subtree cut out of a document, and where it goes back. */
export interface Piece {
  /** The keys from the document's root to where the subtree belongs. */
  path: Key[];
  /** The subtree (itself cut further where it was large). */
  value: unknown;
}

/** A node met a second time (a YAML alias): where, and where it was first. */
export interface Link {
  /** The keys from the root to the second place. */
  path: Key[];
  /** The keys from the root to the first place. */
  target: Key[];
}

/** A document cut into pieces of bounded size. */
export interface Cut {
  /** The root, with `null` where pieces and links were taken out. */
  root: object;
  /**
   * The pieces, in batches of at most about `budget` nodes each, parents
   * before their children.
   */
  batches: Piece[][];
  /**
   * The nodes shared between places, to be shared again, in batches of
   * about `budget` keys of path each.
   */
  links: Link[][];
}

/** How many nodes (mappings, sequences, scalars) one piece holds at most. */
export const PIECE_NODES = 4096;

// A place in the walk, so that a path is only built where one is needed.
interface Place {
  readonly parent: Place | null;
  readonly key: Key;
}

interface Frame {
  readonly node: Record<Key, unknown>;
  /** Its key in its parent (the root's is never read). */
  readonly key: Key;
  /** Where it is, when nodes may be shared (for links to it). */
  readonly place: Place | null;
  /** A mapping's keys; a sequence is walked by index. */
  readonly keys: string[] | null;
  readonly length: number;
  next: number;
  /** The nodes of this subtree not cut out of it. */
  size: number;
}

/**
 * Cuts a parsed document into pieces of at most about `budget` nodes (one
 * mapping or sequence with more direct children than that stays whole), so
 * that each piece can be sent as a message of its own: a structured clone
 * is read back in one synchronous step, and a large one would hold the
 * receiving thread's event loop for as long. When nodes may be shared
 * (YAML aliases), a node reached a second time is not copied again but
 * linked. Linear in the document; the document itself is taken apart.
 *
 * @param root The document.
 * @param budget The most nodes a piece should hold.
 * @param shared Whether a node may be reached twice (JSON and TOML, and
 *   YAML without an alias, cannot); if not, nothing is recorded per node.
 * @returns The root, the pieces and the links.
 */
export function cutDocument(
  root: object,
  budget: number = PIECE_NODES,
  shared: boolean = true,
): Cut {
  const firstPlace = new Map<object, Place | null>([[root, null]]);
  const links: Link[] = [];
  const pieces: [Piece, number][] = [];
  const frame = (node: object, key: Key, place: Place | null): Frame => {
    const keys = Array.isArray(node) ? null : Object.keys(node);
    return {
      node: node as Record<Key, unknown>,
      key,
      place,
      keys,
      length: keys === null ? (node as unknown[]).length : keys.length,
      next: 0,
      size: 1,
    };
  };
  const stack: Frame[] = [frame(root, "", null)];
  // The keys from the root to the top of the stack, and then to `key`.
  const pathTo = (key: Key): Key[] => {
    const path: Key[] = [];
    for (let i = 1; i < stack.length; i++) path.push(stack[i].key);
    path.push(key);
    return path;
  };
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    if (top.next < top.length) {
      const key = top.keys === null ? top.next : top.keys[top.next];
      top.next++;
      const child = top.node[key];
      if (child === null || typeof child !== "object") {
        top.size++;
        continue;
      }
      if (!shared) {
        stack.push(frame(child, key, null));
        continue;
      }
      const place: Place = { parent: top.place, key };
      if (firstPlace.has(child)) {
        top.node[key] = null;
        top.size++;
        links.push({
          path: pathOf(place),
          target: pathOf(firstPlace.get(child)!),
        });
        continue;
      }
      firstPlace.set(child, place);
      stack.push(frame(child, key, place));
      continue;
    }
    stack.pop();
    const parent = stack[stack.length - 1];
    if (parent === undefined) break;
    if (parent.size + top.size > budget) {
      // Cut out, after every piece cut out of it.
      parent.node[top.key] = null;
      parent.size++;
      pieces.push([{ path: pathTo(top.key), value: top.node }, top.size]);
    } else {
      parent.size += top.size;
    }
  }
  // Innermost first as cut: reversed, every piece comes after the piece
  // that holds its place.
  pieces.reverse();
  return {
    root,
    // A piece deep in the document carries a long path: it counts too.
    batches: inBatches(
      pieces,
      ([piece, nodes]) => nodes + piece.path.length,
      budget,
    ).map((batch) => batch.map(([piece]) => piece)),
    links: inBatches(
      links,
      (link) => link.path.length + link.target.length,
      budget,
    ),
  };
}

// Consecutive items in batches of at most `budget` in all (or one item
// larger than that).
function inBatches<T>(
  items: readonly T[],
  size: (item: T) => number,
  budget: number,
): T[][] {
  const batches: T[][] = [];
  let batch: T[] = [];
  let total = 0;
  for (const item of items) {
    const n = size(item);
    if (batch.length > 0 && total + n > budget) {
      batches.push(batch);
      batch = [];
      total = 0;
    }
    batch.push(item);
    total += n;
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}

function pathOf(place: Place | null): Key[] {
  const keys: Key[] = [];
  for (let p = place; p !== null; p = p.parent) keys.push(p.key);
  return keys.reverse();
}

/**
 * Puts a document cut by {@linkcode cutDocument} back together: each piece
 * and link into the place left for it.
 *
 * @param root The root as cut.
 * @param pieces The pieces, parents before their children.
 * @param links The links.
 * @returns The root, whole again.
 * @throws {Error} If a piece or link has no place left for it.
 */
export function joinDocument(
  root: object,
  pieces: readonly Piece[],
  links: readonly Link[],
): object {
  for (const { path, value } of pieces) put(root, path, value);
  for (const { path, target } of links) put(root, path, at(root, target));
  return root;
}

function at(
  root: object,
  path: readonly Key[],
  depth: number = path.length,
): unknown {
  let node: unknown = root;
  for (const key of path) {
    if (
      node === null || typeof node !== "object" || !Object.hasOwn(node, key)
    ) {
      throw new Error(
        `a piece of the document has no place: ${depth} keys deep`,
      );
    }
    node = (node as Record<Key, unknown>)[key];
  }
  return node;
}

function put(root: object, path: readonly Key[], value: unknown): void {
  const holder = at(root, path.slice(0, -1), path.length);
  const key = path[path.length - 1];
  if (
    holder === null || typeof holder !== "object" ||
    !Object.hasOwn(holder, key) ||
    (holder as Record<Key, unknown>)[key] !== null
  ) {
    throw new Error(
      `a piece of the document has no place: ${path.length} keys deep`,
    );
  }
  // An own data property: set as such even for a key named "__proto__".
  Object.defineProperty(holder, key, {
    value,
    writable: true,
    enumerable: true,
    configurable: true,
  });
}
