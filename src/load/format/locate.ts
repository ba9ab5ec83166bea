import type { FieldPath } from "./types.ts";

// How a locator answers for field paths, written once for every format.

/**
 * A path as one string, for a map from paths to offsets: its parts joined
 * by NUL, which config keys do not hold in practice (a key that does can
 * only misplace a line).
 *
 * @param path The path.
 * @returns The key.
 */
export const pathKey = (path: readonly (string | number)[]): string =>
  path.map(String).join("\u0000");

/**
 * Where each path is, from the offsets a locator found: the path's own, or
 * with `nearest`, that of its longest prefix that was found (a locator that
 * does not see every key places a field at the line that holds it).
 *
 * @param paths The paths asked for.
 * @param found The offset of each path found, by {@linkcode pathKey}.
 * @param nearest Whether to fall back to the nearest parent found.
 * @returns The offset of each path, or undefined.
 */
export function placesOf(
  paths: readonly FieldPath[],
  found: ReadonlyMap<string, number>,
  nearest: boolean,
): (number | undefined)[] {
  return paths.map((path) => {
    const at = found.get(pathKey(path));
    if (at !== undefined || !nearest) return at;
    for (let n = path.length - 1; n > 0; n--) {
      const parent = found.get(pathKey(path.slice(0, n)));
      if (parent !== undefined) return parent;
    }
    return undefined;
  });
}
