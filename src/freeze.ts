import { ITEMS_PER_STEP, runAll, runSliced } from "./slices.ts";

// Roots whose whole tree is known to be frozen: walking them again would only
// cost time.
const deeplyFrozen = new WeakSet<object>();

/**
 * Freezes plain objects and arrays all the way down, so no hook or reader can
 * change a config that is shared with the holder, or a result shared with
 * `lastResult()`. Children of objects that were already frozen are frozen
 * too (a custom loader may freeze only the top), cycles and shared subtrees
 * are walked once, and class instances (and what they hold) are left alone.
 *
 * @param root The value to freeze.
 */
export function deepFreeze(root: unknown): void {
  runAll(freezeSteps(root));
}

/**
 * {@linkcode deepFreeze}, giving the event loop a turn every few
 * milliseconds: for a large config, frozen while the service serves.
 *
 * @param root The value to freeze.
 * @returns Settles once all is frozen.
 */
export function deepFreezeSliced(root: unknown): Promise<void> {
  return runSliced(freezeSteps(root));
}

/**
 * The walk of {@linkcode deepFreeze}: one step per
 * {@linkcode ITEMS_PER_STEP} nodes and children looked at.
 *
 * @param root The value to freeze.
 * @returns The walk.
 */
export function* freezeSteps(root: unknown): Generator<void> {
  if (root === null || typeof root !== "object" || deeplyFrozen.has(root)) {
    return;
  }
  const seen = new Set<object>();
  const stack: object[] = [root];
  let step = 0;
  while (stack.length > 0) {
    if (++step >= ITEMS_PER_STEP) {
      step = 0;
      yield;
    }
    const node = stack.pop()!;
    if (seen.has(node) || deeplyFrozen.has(node)) continue;
    seen.add(node);
    const proto = Object.getPrototypeOf(node);
    if (
      proto !== Object.prototype && proto !== null && proto !== Array.prototype
    ) continue;
    Object.freeze(node);
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        if (++step >= ITEMS_PER_STEP) {
          step = 0;
          yield;
        }
        const child: unknown = node[i];
        if (child !== null && typeof child === "object") stack.push(child);
      }
    } else {
      // Object.keys, not Object.values: the latter takes three times as
      // long on V8 for a large mapping, in one call.
      const record = node as Record<string, unknown>;
      const keys = Object.keys(record);
      for (let i = 0; i < keys.length; i++) {
        if (++step >= ITEMS_PER_STEP) {
          step = 0;
          yield;
        }
        const child = record[keys[i]];
        if (child !== null && typeof child === "object") stack.push(child);
      }
    }
  }
  deeplyFrozen.add(root);
}

/**
 * Records that every plain object and array under `root` is frozen, so that
 * {@linkcode deepFreeze} does not walk it again.
 *
 * @param root A value frozen all the way down by its creator.
 */
export function markDeeplyFrozen(root: object): void {
  deeplyFrozen.add(root);
}

/**
 * Whether `root` is known to be frozen all the way down: frozen by
 * {@linkcode deepFreeze} (or its walk), or marked by
 * {@linkcode markDeeplyFrozen}.
 *
 * @param root Any value.
 * @returns Whether its whole tree is known to be frozen.
 */
export function isDeeplyFrozen(root: unknown): boolean {
  return root !== null && typeof root === "object" && deeplyFrozen.has(root);
}
