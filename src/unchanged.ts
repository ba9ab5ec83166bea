import { ITEMS_PER_STEP } from "./slices.ts";

/**
 * The most values {@linkcode unchangedSteps} looks at before it leaves the
 * question to the full comparison: twice what a loaded file of a million
 * nodes holds, so that only a config that shares nodes (a custom loader's
 * DAG, a cycle) gets there.
 */
export const MAX_UNCHANGED_VALUES = 2_000_000;

// Plain data only: anything else (a Date, a Map, a class instance, an
// array of another prototype) is left to the full comparison.
const plainMapping = (proto: unknown) =>
  proto === Object.prototype || proto === null;

/**
 * The common case of a pass, in one walk: whether the new config equals
 * the one in effect (as the comparison of `diff.ts` would find: mappings
 * by their own keys and values whatever their prototype, sequences by
 * length and items, scalars with `Object.is`), freezing each mapping and
 * sequence of `after` as it goes. It answers `true` only when every value
 * of `after` was reached, so every one of them is frozen; `false` when a
 * difference was found, or when it cannot tell cheaply (a node both sides
 * share, a value that is not plain data, more than
 * {@linkcode MAX_UNCHANGED_VALUES} values): the caller then freezes and
 * compares in full, as without it. One step per
 * {@linkcode ITEMS_PER_STEP} values.
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
  const stack: unknown[] = [before, after];
  let values = 0;
  let step = 0;
  while (stack.length > 0) {
    const b = stack.pop() as object;
    const a = stack.pop() as object;
    if (Array.isArray(a)) {
      if (
        !Array.isArray(b) || Object.getPrototypeOf(a) !== Array.prototype ||
        Object.getPrototypeOf(b) !== Array.prototype || a.length !== b.length
      ) return false;
      for (let i = 0; i < a.length; i++) {
        if (!same(a[i], b[i], stack)) return false;
        if (++step >= ITEMS_PER_STEP) {
          step = 0;
          yield;
        }
      }
      values += a.length + 1;
    } else {
      if (
        Array.isArray(b) || !plainMapping(Object.getPrototypeOf(a)) ||
        !plainMapping(Object.getPrototypeOf(b))
      ) return false;
      const keys = Object.keys(a);
      if (keys.length !== Object.keys(b).length) return false;
      const x = a as Record<string, unknown>;
      const y = b as Record<string, unknown>;
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i];
        if (!Object.hasOwn(y, key) || !same(x[key], y[key], stack)) {
          return false;
        }
        if (++step >= ITEMS_PER_STEP) {
          step = 0;
          yield;
        }
      }
      values += keys.length + 1;
    }
    Object.freeze(b);
    if (values > MAX_UNCHANGED_VALUES) return false;
    if (++step >= ITEMS_PER_STEP) {
      step = 0;
      yield;
    }
  }
  return true;
}

// Whether two values held at the same place may be equal: scalars are
// compared here, two objects are pushed to be compared in turn.
function same(x: unknown, y: unknown, stack: unknown[]): boolean {
  if (x === null || typeof x !== "object") return Object.is(x, y);
  // A node both sides hold (a custom loader's) is left to the full walk,
  // which knows whether it is frozen all the way down.
  if (y === null || typeof y !== "object" || x === y) return false;
  stack.push(x, y);
  return true;
}
