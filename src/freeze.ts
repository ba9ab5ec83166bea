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

function* freezeSteps(root: unknown): Generator<void> {
  if (root === null || typeof root !== "object" || deeplyFrozen.has(root)) {
    return;
  }
  const seen = new Set<object>();
  const stack: object[] = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (seen.has(node) || deeplyFrozen.has(node)) continue;
    seen.add(node);
    const proto = Object.getPrototypeOf(node);
    if (
      proto !== Object.prototype && proto !== null && proto !== Array.prototype
    ) continue;
    Object.freeze(node);
    const children: unknown[] = Array.isArray(node)
      ? node
      : Object.values(node);
    for (const child of children) {
      if (child !== null && typeof child === "object") stack.push(child);
    }
    if (seen.size % ITEMS_PER_STEP === 0) yield;
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
