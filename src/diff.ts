import { types } from "node:util";
import { ITEMS_PER_STEP, runAll, runSliced } from "./slices.ts";

/** The most changed paths a result lists; the rest are counted. */
export const MAX_CHANGED = 100;

/** The longest changed path shown, in characters, before it ends in "…". */
export const MAX_SHOWN_PATH = 256;

/**
 * The most values the comparison looks at (a key or an item of two
 * containers, compared); past it, the whole config counts as changed. Two
 * loaded files of a million nodes each are compared in at most 2,000,000:
 * only a custom loader's config that shares nodes in ways the other does
 * not can ask for more.
 */
export const MAX_COMPARED = 4_000_000;

/** What differs between two configs, by dotted path. */
export interface Changes {
  /** The changed paths, as shown: at most {@linkcode MAX_CHANGED}. */
  readonly shown: string[];
  /** How many changed paths are not in `shown`. */
  readonly omitted: number;
  /** How many values were compared (for tests: the work done). */
  readonly compared: number;
  /**
   * Whether the value at `path` (dotted, `a.b.0.c`) differs: it changed, or
   * something under it did, or a value above it was added, removed or
   * replaced whole.
   */
  changed(path: string): boolean;
}

/** Whether a key may be shown in a changed path. */
export type ShowKey = (key: string) => boolean;

/**
 * Compares two configs, in time linear in the number of distinct pairs of
 * nodes they hold at the same places (each pair of shared nodes is
 * compared once, cycles end), and lists the deepest paths whose values
 * differ: a key added or removed, a sequence item added or removed, a
 * scalar (or a value of another kind) replaced. Mappings are compared by
 * their keys and values, whatever their prototype (`Object.prototype` or
 * `null`). A node that several places share is listed at each of them
 * (counted, past the first {@linkcode MAX_CHANGED}); a place where a node
 * holds itself again is listed as changed, and the walk goes no deeper.
 *
 * Sequence indexes are always shown. A key present in the new config is
 * shown when `showAfter` allows it, a removed key when `showBefore` (the
 * config in effect's) does; others appear as "…". `changed()` takes real
 * names.
 *
 * @param before The config in effect.
 * @param after The new config.
 * @param showAfter Whether a key of the new config may be shown.
 * @param showBefore Whether a key of the config in effect may be shown.
 * @returns The changes.
 */
export function diffConfigs(
  before: unknown,
  after: unknown,
  showAfter: ShowKey,
  showBefore: ShowKey = showAfter,
): Changes {
  const walk = diffWalk(before, after, showAfter, showBefore);
  runAll(walk.steps);
  return walk.changes();
}

/**
 * {@linkcode diffConfigs}, giving the event loop a turn every few
 * milliseconds: for large configs, compared while the service serves.
 *
 * @param before The config in effect.
 * @param after The new config.
 * @param showAfter Whether a key of the new config may be shown.
 * @param showBefore Whether a key of the config in effect may be shown.
 * @returns The changes.
 */
export async function diffConfigsSliced(
  before: unknown,
  after: unknown,
  showAfter: ShowKey,
  showBefore: ShowKey = showAfter,
): Promise<Changes> {
  const walk = diffWalk(before, after, showAfter, showBefore);
  await runSliced(walk.steps);
  return walk.changes();
}

/**
 * The comparison as a walk: `steps` does at most
 * {@linkcode ITEMS_PER_STEP} items of work (or one call of a key shower)
 * per step; `changes()` once it is done.
 *
 * @param before The config in effect.
 * @param after The new config.
 * @param showAfter Whether a key of the new config may be shown.
 * @param showBefore Whether a key of the config in effect may be shown.
 * @returns The steps, and the changes they find.
 */
export function diffWalk(
  before: unknown,
  after: unknown,
  showAfter: ShowKey,
  showBefore: ShowKey = showAfter,
): { steps: Generator<void>; changes(): Changes } {
  const diff = new Diff(before, after, showAfter, showBefore);
  return { steps: diff.steps(), changes: () => diff.changes() };
}

// ------------------------------------------------------------ comparison

// What a value is, for the comparison: a scalar (or a function), compared
// with Object.is; a mapping (prototype Object.prototype or null), by keys;
// a sequence, by index; any other object (a Date, a Map, a class
// instance), by what it holds, but reported whole.
const SCALAR = 0;
const MAPPING = 1;
const SEQUENCE = 2;
const OTHER = 3;

function kindOf(value: unknown): number {
  if (value === null || typeof value !== "object") return SCALAR;
  if (Array.isArray(value)) return SEQUENCE;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null ? MAPPING : OTHER;
}

// A pair's flags: a difference was found in it (and is being marked in the
// pairs above); something in it differs (in it, or in a pair under it).
const FOUND = 1;
const DIFFERS = 2;

/**
 * Pairs of objects at the same places of two values, each pair compared
 * once: `steps()` expands every pair reachable from the roots (their keys,
 * or indexes, or what a Map, a Date... holds), then marks every pair from
 * which a difference can be reached, following each link once. Linear in
 * the pairs and their keys, whatever the sharing; cycles end.
 */
export class Comparison {
  /** Each pair's sides, kind and flags. */
  readonly a: object[] = [];
  readonly b: object[] = [];
  readonly kind: number[] = [];
  readonly flags: number[] = [];
  // The pair that first reached each pair (-1 for a root), and the others.
  readonly #parent: number[] = [];
  readonly #parents = new Map<number, number[]>();
  // Pairs by their `a`: the first pair of each `a` here, the others below.
  readonly #byA = new Map<object, number>();
  readonly #more = new Map<object, Map<object, number>>();
  readonly #todo: number[] = [];
  readonly #marks: number[] = [];
  #step = 0;
  /** How many values were compared. */
  compared = 0;
  /** Whether the walk stopped at {@linkcode MAX_COMPARED}. */
  over = false;

  /**
   * Adds two values to compare.
   *
   * @param a One value.
   * @param b The other.
   * @returns Their pair, or -1 when they are not two objects of the same
   *   kind (then they are equal exactly when `Object.is(a, b)`).
   */
  root(a: unknown, b: unknown): number {
    if (Object.is(a, b)) return -1;
    const kind = kindOf(a);
    if (kind === SCALAR || kind !== kindOf(b)) return -1;
    return this.#link(-1, a as object, b as object, kind);
  }

  /**
   * The pair of `a` and `b`, if the walk met them.
   *
   * @param a One side.
   * @param b The other.
   * @returns The pair, or `undefined`.
   */
  pairOf(a: object, b: object): number | undefined {
    const first = this.#byA.get(a);
    if (first === undefined || this.b[first] === b) return first;
    return this.#more.get(a)?.get(b);
  }

  /**
   * Whether two values differ, once the walk is done.
   *
   * @param a One value.
   * @param b The other.
   * @returns Whether they differ.
   */
  differs(a: unknown, b: unknown): boolean {
    if (Object.is(a, b)) return false;
    const kind = kindOf(a);
    if (kind === SCALAR || kind !== kindOf(b)) return true;
    if (this.over) return true;
    const pair = this.pairOf(a as object, b as object);
    return pair === undefined || (this.flags[pair] & DIFFERS) !== 0;
  }

  /**
   * Compares every pair added, one step per {@linkcode ITEMS_PER_STEP}
   * values.
   *
   * @returns The walk.
   */
  *steps(): Generator<void> {
    const todo = this.#todo;
    while (todo.length > 0) {
      // Each pair counts as an item too: a million pairs of empty mappings
      // (or of dates) have nothing else to count.
      if (this.#tick()) {
        yield;
        if (this.#past()) return;
      }
      const pair = todo.pop()!;
      const kind = this.kind[pair];
      if (kind === OTHER) {
        yield* this.#other(pair);
        if (this.over) return;
        continue;
      }
      // As #ownKeys does for an object, without a generator for each pair.
      const a = this.a[pair] as Record<string, unknown> & unknown[];
      const b = this.b[pair] as Record<string, unknown> & unknown[];
      const keys = kind === MAPPING ? Object.keys(a) : null;
      const n = keys?.length ?? Math.min(a.length, b.length);
      if (keys === null && a.length !== b.length) this.#found(pair);
      let shared = 0;
      for (let i = 0; i < n;) {
        const end = Math.min(n, i + ITEMS_PER_STEP - this.#step);
        this.#step += end - i;
        this.compared += end - i;
        if (keys === null) this.#items(pair, a, b, i, end);
        else shared += this.#keys(pair, a, b, keys, i, end);
        i = end;
        if (this.#step >= ITEMS_PER_STEP) {
          this.#step = 0;
          yield;
          if (this.#past()) return;
        }
      }
      if (
        keys !== null && (this.flags[pair] & FOUND) === 0 &&
        Object.keys(b).length !== shared
      ) this.#found(pair);
    }
    yield* this.#propagate();
  }

  // Counts one item of work; true when the step is over.
  #tick(): boolean {
    if (++this.#step < ITEMS_PER_STEP) return false;
    this.#step = 0;
    return true;
  }

  #link(parent: number, a: object, b: object, kind: number): number {
    const first = this.#byA.get(a);
    let pair = first === undefined || this.b[first] === b
      ? first
      : this.#more.get(a)?.get(b);
    if (pair !== undefined) {
      // Met again: a difference found under it is a difference here too.
      if (parent >= 0 && parent !== pair) {
        const others = this.#parents.get(pair);
        if (others === undefined) this.#parents.set(pair, [parent]);
        else others.push(parent);
      }
      return pair;
    }
    pair = this.a.length;
    this.a.push(a);
    this.b.push(b);
    this.kind.push(kind);
    this.flags.push(0);
    this.#parent.push(parent);
    if (first === undefined) this.#byA.set(a, pair);
    else {
      let byB = this.#more.get(a);
      if (byB === undefined) this.#more.set(a, byB = new Map());
      byB.set(b, pair);
    }
    this.#todo.push(pair);
    return pair;
  }

  /**
   * Whether the walk met `pair` more than once (from several places).
   *
   * @param pair A pair.
   * @returns Whether it is shared.
   */
  shared(pair: number): boolean {
    return this.#parents.has(pair);
  }

  #found(pair: number): void {
    if ((this.flags[pair] & FOUND) !== 0) return;
    this.flags[pair] |= FOUND;
    this.#marks.push(pair);
  }

  // Compares two values held at the same key of `pair`.
  #visit(pair: number, x: unknown, y: unknown): void {
    if (Object.is(x, y)) return;
    const kind = kindOf(x);
    if (kind === SCALAR || kind !== kindOf(y)) this.#found(pair);
    else this.#link(pair, x as object, y as object, kind);
  }

  // An object's own enumerable keys, in slices of what is left of the
  // step (as steps() does for a mapping). Added keys: only whether there
  // are some (the report lists a mapping's).
  *#ownKeys(pair: number): Generator<void> {
    const a = this.a[pair] as Record<string, unknown>;
    const b = this.b[pair] as Record<string, unknown>;
    const keys = Object.keys(a);
    let shared = 0;
    for (let i = 0; i < keys.length;) {
      const end = Math.min(keys.length, i + ITEMS_PER_STEP - this.#step);
      this.#step += end - i;
      this.compared += end - i;
      shared += this.#keys(pair, a, b, keys, i, end);
      i = end;
      if (this.#step >= ITEMS_PER_STEP) {
        this.#step = 0;
        yield;
        if (this.#past()) return;
      }
    }
    if (Object.keys(b).length !== shared) this.#found(pair);
  }

  #items(pair: number, a: unknown[], b: unknown[], i: number, end: number) {
    for (; i < end; i++) this.#visit(pair, a[i], b[i]);
  }

  // Returns how many of the keys `b` has too.
  #keys(
    pair: number,
    a: Record<string, unknown>,
    b: Record<string, unknown>,
    keys: string[],
    i: number,
    end: number,
  ): number {
    let shared = 0;
    for (; i < end; i++) {
      const key = keys[i];
      if (Object.hasOwn(b, key)) {
        shared++;
        this.#visit(pair, a[key], b[key]);
      } else this.#found(pair);
    }
    return shared;
  }

  // Dates, maps, sets, bytes and class instances of a custom loader: by
  // their prototype, what they hold, and their own enumerable keys.
  *#other(pair: number): Generator<void> {
    const a = this.a[pair];
    const b = this.b[pair];
    if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) {
      this.#found(pair);
      return;
    }
    if (types.isAnyArrayBuffer(a) || types.isArrayBufferView(a)) {
      // Their indexes are their bytes: compared as bytes, not as keys.
      yield* this.#bytes(pair, a, b);
      return;
    }
    this.compared++;
    if (types.isDate(a)) {
      this.#visit(pair, (a as Date).getTime(), (b as Date).getTime());
    } else if (types.isRegExp(a)) {
      const [x, y] = [a as RegExp, b as RegExp];
      this.#visit(pair, x.source, y.source);
      this.#visit(pair, x.flags, y.flags);
      this.#visit(pair, x.lastIndex, y.lastIndex);
    } else if (types.isBoxedPrimitive(a)) {
      this.#visit(pair, a.valueOf(), b.valueOf());
      return;
    } else if (types.isNativeError(a) || a instanceof Error) {
      const [x, y] = [a as Error, b as Error];
      this.#visit(pair, x.name, y.name);
      this.#visit(pair, x.message, y.message);
    } else if (types.isMap(a)) {
      yield* this.#map(
        pair,
        a as Map<unknown, unknown>,
        b as Map<unknown, unknown>,
      );
    } else if (types.isSet(a)) {
      yield* this.#set(pair, a as Set<unknown>, b as Set<unknown>);
    } else if (types.isWeakMap(a) || types.isWeakSet(a) || types.isPromise(a)) {
      // What they hold cannot be read: only the same one is equal.
      this.#found(pair);
      return;
    }
    if (!this.over) yield* this.#ownKeys(pair);
  }

  *#map(
    pair: number,
    a: Map<unknown, unknown>,
    b: Map<unknown, unknown>,
  ): Generator<void> {
    if (a.size !== b.size) {
      this.#found(pair);
      return;
    }
    // Keys match by identity (SameValueZero): an object key that is not
    // the very same object counts as a change.
    for (const [key, value] of a) {
      if (this.#tick()) {
        yield;
        if (this.#past()) return;
      }
      this.compared++;
      if (b.has(key)) this.#visit(pair, value, b.get(key));
      else {
        this.#found(pair);
        return;
      }
    }
  }

  *#set(pair: number, a: Set<unknown>, b: Set<unknown>): Generator<void> {
    if (a.size !== b.size) {
      this.#found(pair);
      return;
    }
    for (const value of a) {
      if (this.#tick()) {
        yield;
        if (this.#past()) return;
      }
      this.compared++;
      if (!b.has(value)) {
        this.#found(pair);
        return;
      }
    }
  }

  *#bytes(pair: number, a: object, b: object): Generator<void> {
    const bytesOf = (x: object) =>
      types.isAnyArrayBuffer(x) ? new Uint8Array(x) : new Uint8Array(
        (x as ArrayBufferView).buffer,
        (x as ArrayBufferView).byteOffset,
        (x as ArrayBufferView).byteLength,
      );
    const [x, y] = [bytesOf(a), bytesOf(b)];
    if (x.length !== y.length) {
      this.#found(pair);
      return;
    }
    // 64 bytes count as one value.
    for (let i = 0; i < x.length; i += 64) {
      if (this.#tick()) {
        yield;
        if (this.#past()) return;
      }
      this.compared++;
      for (let j = i; j < i + 64 && j < x.length; j++) {
        if (x[j] !== y[j]) {
          this.#found(pair);
          return;
        }
      }
    }
  }

  // Marks every pair from which a difference is reached: each pair once,
  // each link once.
  *#propagate(): Generator<void> {
    const marks = this.#marks;
    while (marks.length > 0) {
      if (this.#tick()) yield;
      const pair = marks.pop()!;
      if ((this.flags[pair] & DIFFERS) !== 0) continue;
      this.flags[pair] |= DIFFERS;
      const first = this.#parent[pair];
      if (first >= 0) marks.push(first);
      const others = this.#parents.get(pair);
      if (others !== undefined) {
        for (const other of others) {
          if (this.#tick()) yield;
          marks.push(other);
        }
      }
    }
  }

  #past(): boolean {
    if (this.compared > MAX_COMPARED) this.over = true;
    return this.over;
  }
}

// ------------------------------------------------------------- the report

// What a changed path ends in: a value changed (or compared whole), a key
// (or item) added or removed; or a pair that differs, listed under it.
const CHANGED = 0;
const ADDED = 1;
const REMOVED = 2;
const CHILD = 3;

// A pair being reported. A frame that counts goes through the pair's keys
// (or indexes) and adds up the paths under it in `total`. For a pair the
// report may come back to (`keep`: one met from several places, or one
// under such a pair), it keeps the keys that differ in `list` (key, what,
// pair), for the frames that come back to the pair only to show it.
// `shown` is the path shown so far, null once nothing more is shown under
// it.
interface Frame {
  pair: number;
  counts: boolean;
  at: number;
  keysA: string[] | null;
  keysB: string[] | null;
  list: (string | number)[];
  keep: boolean;
  total: number;
  shown: string | null;
}

class Diff {
  readonly #compare = new Comparison();
  readonly #before: unknown;
  readonly #after: unknown;
  readonly #showAfter: ShowKey;
  readonly #showBefore: ShowKey;
  #shown: string[] = [];
  #total = 0;
  // The whole config counts as changed: its root was replaced, or the
  // walk went past its bound.
  #whole = false;
  #step = 0;
  // The pair of the last value classified as CHILD.
  #to = -1;

  constructor(
    before: unknown,
    after: unknown,
    showAfter: ShowKey,
    showBefore: ShowKey,
  ) {
    this.#before = before;
    this.#after = after;
    this.#showAfter = showAfter;
    this.#showBefore = showBefore;
  }

  *steps(): Generator<void> {
    const compare = this.#compare;
    if (Object.is(this.#before, this.#after)) return;
    const root = compare.root(this.#before, this.#after);
    if (root >= 0) yield* compare.steps();
    if (root < 0 || compare.over || compare.kind[root] === OTHER) {
      if (root < 0 || compare.over || compare.flags[root] & DIFFERS) {
        this.#whole = true;
        this.#shown = [""];
        this.#total = 1;
      }
      return;
    }
    if (compare.flags[root] & DIFFERS) yield* this.#report(root);
  }

  changes(): Changes {
    const compare = this.#compare;
    const before = this.#before;
    const after = this.#after;
    const whole = this.#whole;
    return {
      shown: this.#shown,
      omitted: Math.max(0, this.#total - this.#shown.length),
      compared: compare.compared,
      changed(path: string): boolean {
        if (whole) return true;
        let a = before;
        let b = after;
        if (path === "") return compare.differs(a, b);
        for (const key of path.split(".")) {
          // Identical, or equal: nothing under it differs.
          if (!compare.differs(a, b)) return false;
          const kind = kindOf(a);
          // Replaced whole (or compared whole): everything under it differs.
          if (kind !== kindOf(b) || kind === SCALAR || kind === OTHER) {
            return true;
          }
          const inA = has(a as object, kind, key);
          const inB = has(b as object, kind, key);
          // Added or removed here, or absent on both sides.
          if (inA !== inB) return true;
          if (!inA) return false;
          a = (a as Record<string, unknown>)[key];
          b = (b as Record<string, unknown>)[key];
        }
        return compare.differs(a, b);
      },
    };
  }

  // What two values at the same key are, for the report: equal (-1),
  // CHANGED, or CHILD (a pair that differs, in #to).
  #classify(x: unknown, y: unknown): number {
    if (Object.is(x, y)) return -1;
    const kind = kindOf(x);
    if (kind === SCALAR || kind !== kindOf(y)) return CHANGED;
    // (Not met by the walk: a getter that gives another value each time.)
    const pair = this.#compare.pairOf(x as object, y as object);
    if (pair === undefined) return CHANGED;
    if ((this.#compare.flags[pair] & DIFFERS) === 0) return -1;
    if (kind === OTHER) return CHANGED;
    this.#to = pair;
    return CHILD;
  }

  // Lists the changed paths in document order, the first MAX_CHANGED
  // shown, and counts them all: a pair's count is worked out once, the
  // first time the walk reaches it, and added wherever it is met again.
  // A place where a pair holds itself again is a changed path, and the
  // walk goes no deeper there.
  *#report(root: number): Generator<void> {
    const compare = this.#compare;
    const pairs = compare.a.length;
    const counted = new Float64Array(pairs).fill(-1);
    const lists: ((string | number)[] | undefined)[] = [];
    const onPath = new Uint32Array(pairs);
    const stack: Frame[] = [];
    const push = (
      pair: number,
      shown: string | null,
      counts: boolean,
      under = false,
    ) => {
      onPath[pair]++;
      stack.push({
        pair,
        counts,
        at: 0,
        keysA: counts && compare.kind[pair] === MAPPING
          ? Object.keys(compare.a[pair])
          : null,
        keysB: null,
        list: counts ? [] : lists[pair]!,
        keep: counts && (under || compare.shared(pair)),
        total: 0,
        shown,
      });
    };
    push(root, "", true);
    while (stack.length > 0) {
      if (++this.#step >= ITEMS_PER_STEP) {
        this.#step = 0;
        yield;
      }
      const frame = stack[stack.length - 1];
      const { pair } = frame;
      let key: string | number;
      let code: number;
      let to = -1;
      if (frame.counts) {
        const a = compare.a[pair] as Record<string | number, unknown>;
        const b = compare.b[pair] as Record<string | number, unknown>;
        const at = frame.at++;
        if (frame.keysA === null) {
          // A sequence, by index.
          const na = (a as unknown as unknown[]).length;
          const nb = (b as unknown as unknown[]).length;
          if (at >= na && at >= nb) {
            this.#done(stack, frame, counted, lists, onPath);
            continue;
          }
          key = at;
          code = at >= na ? ADDED : at >= nb ? REMOVED : this.#classify(
            a[at],
            b[at],
          );
        } else if (at < frame.keysA.length) {
          key = frame.keysA[at];
          code = Object.hasOwn(b, key)
            ? this.#classify(a[key], b[key])
            : REMOVED;
        } else {
          // Then the keys only the new config has.
          frame.keysB ??= Object.keys(b);
          const next = at - frame.keysA.length;
          if (next >= frame.keysB.length) {
            this.#done(stack, frame, counted, lists, onPath);
            continue;
          }
          key = frame.keysB[next];
          code = Object.hasOwn(a, key) ? -1 : ADDED;
        }
        if (code < 0) continue;
        if (code === CHILD) to = this.#to;
        if (frame.keep) frame.list.push(key, code, to);
      } else {
        // Back at a pair counted before, only to show it.
        if (
          frame.at >= frame.list.length || this.#shown.length >= MAX_CHANGED
        ) {
          stack.pop();
          onPath[pair]--;
          continue;
        }
        key = frame.list[frame.at];
        code = frame.list[frame.at + 1] as number;
        to = frame.list[frame.at + 2] as number;
        frame.at += 3;
      }
      const show = frame.shown !== null && this.#shown.length < MAX_CHANGED;
      let path: string | null = null;
      if (show) {
        path = this.#join(frame.shown!, key, code);
        // A key shower may read the config's texts: one call, one step.
        this.#step = ITEMS_PER_STEP;
      }
      if (code !== CHILD || onPath[to] > 0) {
        if (frame.counts) frame.total = Math.min(frame.total + 1, MAX_SAFE);
        if (path !== null) this.#show(path);
        continue;
      }
      // Past MAX_SHOWN_PATH, every path under it is shown alike: once.
      if (path !== null && path.length > MAX_SHOWN_PATH) {
        this.#show(path);
        path = null;
      }
      if (counted[to] >= 0) {
        if (frame.counts) {
          frame.total = Math.min(frame.total + counted[to], MAX_SAFE);
        }
        if (path !== null) push(to, path, false);
      } else if (frame.counts) push(to, path, true, frame.keep);
    }
  }

  #done(
    stack: Frame[],
    frame: Frame,
    counted: Float64Array,
    lists: ((string | number)[] | undefined)[],
    onPath: Uint32Array,
  ): void {
    stack.pop();
    onPath[frame.pair]--;
    counted[frame.pair] = frame.total;
    // Only a pair met from several places, or under one, is come back to.
    if (frame.keep) lists[frame.pair] = frame.list;
    const up = stack[stack.length - 1];
    if (up === undefined) this.#total = frame.total;
    else up.total = Math.min(up.total + frame.total, MAX_SAFE);
  }

  // A path and one more key, as shown: sequence indexes as they are, a key
  // when the config that holds it may show it.
  #join(prefix: string, key: string | number, code: number): string {
    let shown: string;
    if (typeof key === "number") shown = String(key);
    else {
      const show = code === REMOVED ? this.#showBefore : this.#showAfter;
      shown = show(key) ? key : "…";
    }
    return prefix === "" ? shown : `${prefix}.${shown}`;
  }

  #show(path: string): void {
    if (this.#shown.length >= MAX_CHANGED) return;
    // A path 100 keys deep can be long: the start says where it is.
    const cut = path.lastIndexOf(".", MAX_SHOWN_PATH);
    this.#shown.push(
      path.length <= MAX_SHOWN_PATH
        ? path
        : `${path.slice(0, cut > 0 ? cut : MAX_SHOWN_PATH)}.…`,
    );
  }
}

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

// Whether `key` is an own key of a mapping, or an index of a sequence.
function has(node: object, kind: number, key: string): boolean {
  if (kind === SEQUENCE) {
    return /^(?:0|[1-9][0-9]*)$/.test(key) &&
      Number(key) < (node as unknown[]).length;
  }
  return Object.hasOwn(node, key);
}
