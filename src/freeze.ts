// Freezes plain objects and arrays, so no hook or reader can change a config
// that is shared with the holder, or a result shared with lastResult().
// Class instances from a custom loader are left alone.
export function deepFreeze(root: unknown): void {
  const stack = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (node === null || typeof node !== "object" || Object.isFrozen(node)) {
      continue;
    }
    const proto = Object.getPrototypeOf(node);
    if (
      proto !== Object.prototype && proto !== null && proto !== Array.prototype
    ) continue;
    Object.freeze(node);
    for (const child of Object.values(node)) stack.push(child);
  }
}
