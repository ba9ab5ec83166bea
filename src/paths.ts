/**
 * The dotted paths among `paths` whose values differ (deep equality) between
 * `a` and `b`. A path segment indexes into mappings and sequences alike
 * (`servers.0.port`); a path missing on one side differs from one present.
 *
 * @param paths Dotted paths.
 * @param a One config.
 * @param b The other config.
 * @returns The differing paths, in the order given.
 */
export function changedPaths(
  paths: readonly string[],
  a: unknown,
  b: unknown,
): string[] {
  return paths.filter((path) => {
    const segments = path.split(".");
    return !deepEqual(at(a, segments), at(b, segments));
  });
}

function at(root: unknown, segments: readonly string[]): unknown {
  let node = root;
  for (const segment of segments) {
    if (
      node === null || typeof node !== "object" || !Object.hasOwn(node, segment)
    ) {
      return undefined;
    }
    node = (node as Record<string, unknown>)[segment];
  }
  return node;
}

/**
 * Deep equality for the data a config holds: primitives (`NaN` equals
 * itself), arrays, plain objects, `Date`s, `Map`s and `Set`s.
 *
 * @param a One value.
 * @param b The other value.
 * @returns Whether they are equal.
 */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (
    a === null || b === null || typeof a !== "object" || typeof b !== "object"
  ) {
    return false;
  }
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  if (a instanceof Date) return a.getTime() === (b as Date).getTime();
  if (a instanceof Map) {
    const m = b as Map<unknown, unknown>;
    if (a.size !== m.size) return false;
    for (const [key, value] of a) {
      if (!m.has(key) || !deepEqual(value, m.get(key))) return false;
    }
    return true;
  }
  if (a instanceof Set) {
    const s = b as Set<unknown>;
    return a.size === s.size && [...a].every((value) => s.has(value));
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((key) =>
    Object.hasOwn(b, key) &&
    deepEqual(
      (a as Record<string, unknown>)[key],
      (b as Record<string, unknown>)[key],
    )
  );
}
