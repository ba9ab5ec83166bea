import { isDeepStrictEqual } from "node:util";

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
    return !isDeepStrictEqual(at(a, segments), at(b, segments));
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
