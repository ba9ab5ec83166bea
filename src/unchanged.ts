import { ITEMS_PER_STEP } from "./slices.ts";

/**
 * The most values {@linkcode unchangedSteps} looks at before it leaves the
 * question to the full comparison: twice what a loaded file of a million
 * nodes holds, so that only a config that shares nodes many times over (a
 * schema's output built as a DAG) gets there.
 */
export const MAX_UNCHANGED_VALUES = 2_000_000;

// What one step found.
const GOING = 0;
const SAME = 1;
const DIFFERENT = 2;

// Plain data only: anything else (a Date, a Map, a class instance, an
// array of another prototype) is left to the full comparison.
const plainMapping = (proto: unknown) =>
  proto === Object.prototype || proto === null;

/**
 * The common case of a pass, in one walk: whether the new config is the
 * one in effect over again, so alike that the pass can keep the config in
 * effect instead: mappings of the same prototype with the same own keys in
 * the same order, sequences of the same length, scalars equal by
 * `Object.is` (so the comparison of `diff.ts` finds no change either). It
 * answers `true` only when every value of `after` was reached and found
 * alike; `false` when a difference was found (keys in another order
 * included: a service may read them in order), or when it cannot tell
 * cheaply (a node both sides share, a value that is not plain data, more
 * than {@linkcode MAX_UNCHANGED_VALUES} values): the caller then freezes
 * and compares in full, as without it. It changes neither side. One step
 * per {@linkcode ITEMS_PER_STEP} values.
 *
 * @param before The config in effect.
 * @param after The new config.
 * @returns The walk; its return value is the answer.
 */
export function* unchangedSteps(
  before: unknown,
  after: unknown,
): Generator<void, boolean> {
  if (
    before === null || typeof before !== "object" || after === null ||
    typeof after !== "object" || before === after
  ) return false;
  const walk = new UnchangedWalk(before, after);
  for (;;) {
    const found = walk.step();
    if (found !== GOING) return found === SAME;
    yield;
  }
}

// The walk's state between steps: pairs to compare, and the pair whose
// items are being compared (`keys` null for two sequences).
class UnchangedWalk {
  readonly #stack: unknown[];
  #a: Record<string, unknown> | unknown[] | null = null;
  #b: Record<string, unknown> | unknown[] | null = null;
  #keys: string[] | null = null;
  #keysB: string[] | null = null;
  #i = 0;
  #n = 0;
  #values = 0;

  constructor(before: object, after: object) {
    this.#stack = [before, after];
  }

  // Compares up to a step's worth of values.
  step(): number {
    let budget = ITEMS_PER_STEP;
    const stack = this.#stack;
    while (budget > 0) {
      if (this.#a === null) {
        if (stack.length === 0) return SAME;
        const b = stack.pop() as object;
        const a = stack.pop() as object;
        if (!this.#open(a, b)) return DIFFERENT;
        budget--;
        continue;
      }
      const a = this.#a as Record<string, unknown>;
      const b = this.#b as Record<string, unknown>;
      const keys = this.#keys;
      const keysB = this.#keysB!;
      const end = Math.min(this.#n, this.#i + budget);
      budget -= end - this.#i;
      for (let i = this.#i; i < end; i++) {
        let x: unknown;
        let y: unknown;
        if (keys === null) {
          x = (a as unknown as unknown[])[i];
          y = (b as unknown as unknown[])[i];
        } else {
          const key = keys[i];
          if (keysB[i] !== key) return DIFFERENT;
          x = a[key];
          y = b[key];
        }
        if (x === null || typeof x !== "object") {
          if (!Object.is(x, y)) return DIFFERENT;
        } else if (y === null || typeof y !== "object" || x === y) {
          // A node both sides hold (a custom loader's) is left to the full
          // walk, which knows whether it is frozen all the way down.
          return DIFFERENT;
        } else {
          stack.push(x, y);
        }
      }
      this.#i = end;
      if (end === this.#n) {
        this.#a =
          this.#b =
          this.#keys =
          this.#keysB =
            null;
      }
    }
    return GOING;
  }

  // Starts comparing the items of a pair; false when they differ in kind,
  // length or keys (or cannot be told apart cheaply).
  #open(a: object, b: object): boolean {
    let n: number;
    let keys: string[] | null = null;
    let keysB: string[] | null = null;
    if (Array.isArray(a)) {
      if (
        !Array.isArray(b) || Object.getPrototypeOf(a) !== Array.prototype ||
        Object.getPrototypeOf(b) !== Array.prototype || a.length !== b.length
      ) return false;
      n = a.length;
    } else {
      const proto = Object.getPrototypeOf(a);
      if (
        Array.isArray(b) || !plainMapping(proto) ||
        Object.getPrototypeOf(b) !== proto
      ) return false;
      keys = Object.keys(a);
      keysB = Object.keys(b);
      if (keys.length !== keysB.length) return false;
      n = keys.length;
    }
    this.#values += n + 1;
    if (this.#values > MAX_UNCHANGED_VALUES) return false;
    this.#a = a as Record<string, unknown>;
    this.#b = b as Record<string, unknown>;
    this.#keys = keys;
    this.#keysB = keysB;
    this.#i = 0;
    this.#n = n;
    return true;
  }
}
