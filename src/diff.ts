import { isDeepStrictEqual } from "node:util";
import { ITEMS_PER_STEP, runAll, runSliced } from "./slices.ts";

/** The most changed paths a result lists; the rest are counted. */
export const MAX_CHANGED = 100;

/** The longest changed path shown, in characters, before it ends in "…". */
export const MAX_SHOWN_PATH = 256;

/** What differs between two configs, by dotted path. */
export interface Changes {
  /** The changed paths, as shown: at most {@linkcode MAX_CHANGED}. */
  readonly shown: string[];
  /** How many changed paths are not in `shown`. */
  readonly omitted: number;
  /**
   * Whether the value at `path` (dotted, `a.b.0.c`) differs: it changed, or
   * something under it did, or a value above it was added, removed or
   * replaced whole.
   */
  changed(path: string): boolean;
}

/**
 * Walks two configs side by side, in time linear in their size, and lists
 * the deepest paths whose values differ: a key added or removed, a sequence
 * item added or removed, a scalar (or a value of another kind) replaced.
 * Keys that `showKey` will not show (values from the environment, keys that
 * are not names) appear as "…" in `shown`; `changed()` takes real names.
 *
 * @param before The config in effect.
 * @param after The new config.
 * @param showKey Whether a key may be shown.
 * @returns The changes.
 */
export function diffConfigs(
  before: unknown,
  after: unknown,
  showKey: (key: string) => boolean,
): Changes {
  const diff = new Diff(before, after, showKey);
  runAll(diff.steps());
  return diff.changes();
}

/**
 * {@linkcode diffConfigs}, giving the event loop a turn every few
 * milliseconds: for large configs, compared while the service serves.
 *
 * @param before The config in effect.
 * @param after The new config.
 * @param showKey Whether a key may be shown.
 * @returns The changes.
 */
export async function diffConfigsSliced(
  before: unknown,
  after: unknown,
  showKey: (key: string) => boolean,
): Promise<Changes> {
  const diff = new Diff(before, after, showKey);
  await runSliced(diff.steps());
  return diff.changes();
}

// A place in the walk: its key and its parent, so that a path is only built
// for what changed.
interface Place {
  readonly parent: Place | null;
  readonly key: string;
  readonly depth: number;
}

// A loaded file is at most 100 deep and 1,000,000 nodes (aliases
// expanded), but a custom loader or a schema's transform can return a
// config with cycles or with shared nodes that expand without bound: the
// comparison stops deeper than this, reporting the place as changed...
const MAX_DIFF_DEPTH = 100;
// ...and after this many pairs, or changed paths, counting the whole config
// as changed.
const MAX_DIFF_PAIRS = 2_000_000;
const MAX_DIFF_RECORDED = 100_000;

class Diff {
  readonly #changed = new Set<string>();
  readonly #ancestors = new Set<string>();
  readonly #shown: string[] = [];
  #count = 0;
  readonly #before: unknown;
  readonly #after: unknown;
  readonly #showKey: (key: string) => boolean;

  constructor(
    before: unknown,
    after: unknown,
    showKey: (key: string) => boolean,
  ) {
    this.#before = before;
    this.#after = after;
    this.#showKey = showKey;
  }

  *steps(): Generator<void> {
    // Pairs to compare; a value present on one side only is pushed as the
    // pair (present before, present after), which always differs.
    const stack: [unknown, unknown, Place | null][] = [
      [this.#before, this.#after, null],
    ];
    let n = 0;
    while (stack.length > 0) {
      const [a, b, place] = stack.pop()!;
      if (++n % ITEMS_PER_STEP === 0) yield;
      if (Object.is(a, b)) continue;
      if (n > MAX_DIFF_PAIRS || this.#count >= MAX_DIFF_RECORDED) {
        // Past the bound, everything counts as changed.
        this.#changed.add("");
        return;
      }
      const depth = place === null ? 0 : place.depth + 1;
      if (depth > MAX_DIFF_DEPTH) {
        if (!isDeepStrictEqual(a, b)) this.#record(place);
        continue;
      }
      if (Array.isArray(a) && Array.isArray(b)) {
        // Pushed last first, so the walk reports in document order.
        for (let i = Math.max(a.length, b.length) - 1; i >= 0; i--) {
          const both = i < a.length && i < b.length;
          // Most of a config is equal scalars: nothing is pushed for them.
          if (both && Object.is(a[i], b[i])) continue;
          const at = { parent: place, key: String(i), depth };
          stack.push(
            both ? [a[i], b[i], at] : [i < a.length, i < b.length, at],
          );
        }
      } else if (isMapping(a) && isMapping(b)) {
        const keys = Object.keys(a);
        for (const key of Object.keys(b)) {
          if (!Object.hasOwn(a, key)) keys.push(key);
        }
        for (let i = keys.length - 1; i >= 0; i--) {
          const key = keys[i];
          const inA = Object.hasOwn(a, key);
          const inB = Object.hasOwn(b, key);
          if (inA && inB && Object.is(a[key], b[key])) continue;
          const at = { parent: place, key, depth };
          stack.push(inA && inB ? [a[key], b[key], at] : [inA, inB, at]);
        }
      } else if (
        (a !== null && typeof a === "object") ||
        (b !== null && typeof b === "object")
      ) {
        // Dates, maps and other objects of a custom loader, by value.
        if (!isDeepStrictEqual(a, b)) this.#record(place);
      } else {
        // Two scalars that are not the same (Object.is: NaN is NaN).
        this.#record(place);
      }
    }
  }

  changes(): Changes {
    const changed = this.#changed;
    const ancestors = this.#ancestors;
    return {
      shown: this.#shown,
      omitted: this.#count - this.#shown.length,
      changed(path: string): boolean {
        if (changed.has(path) || ancestors.has(path)) return true;
        // A value above it was replaced whole.
        for (
          let i = path.lastIndexOf(".");
          i > 0;
          i = path.lastIndexOf(".", i - 1)
        ) {
          if (changed.has(path.slice(0, i))) return true;
        }
        return changed.has("");
      },
    };
  }

  #record(place: Place | null): void {
    this.#count++;
    const keys: string[] = [];
    for (let p = place; p !== null; p = p.parent) keys.push(p.key);
    keys.reverse();
    const path = keys.join(".");
    this.#changed.add(path);
    // Deepest first: once an ancestor is known, so are those above it.
    for (
      let i = path.lastIndexOf(".");
      i > 0 && !this.#ancestors.has(path.slice(0, i));
      i = path.lastIndexOf(".", i - 1)
    ) {
      this.#ancestors.add(path.slice(0, i));
    }
    if (this.#shown.length < MAX_CHANGED) {
      const shown = keys.map((k) => this.#showKey(k) ? k : "…").join(".");
      // A path 100 keys deep can be long: the start says where it is.
      const cut = shown.lastIndexOf(".", MAX_SHOWN_PATH);
      this.#shown.push(
        shown.length <= MAX_SHOWN_PATH
          ? shown
          : `${shown.slice(0, cut > 0 ? cut : MAX_SHOWN_PATH)}.…`,
      );
    }
  }
}

function isMapping(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return false;
  }
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
