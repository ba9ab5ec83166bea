import { isDeepStrictEqual } from "node:util";

/** The most changed paths a result lists; the rest are counted. */
export const MAX_CHANGED = 100;

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
  const changedPaths = new Set<string>();
  const ancestors = new Set<string>();
  const shown: string[] = [];
  let count = 0;
  const record = (path: string[]) => {
    count++;
    const real = path.join(".");
    changedPaths.add(real);
    for (let i = 1; i < path.length; i++) {
      ancestors.add(path.slice(0, i).join("."));
    }
    if (shown.length < MAX_CHANGED) {
      shown.push(path.map((k) => showKey(k) ? k : "…").join("."));
    }
  };
  // Pairs to compare; a value present on one side only is pushed as the
  // pair (present before, present after), which always differs.
  const stack: [unknown, unknown, string[]][] = [[before, after, []]];
  while (stack.length > 0) {
    const [a, b, path] = stack.pop()!;
    if (Object.is(a, b)) continue;
    if (Array.isArray(a) && Array.isArray(b)) {
      // Pushed last first, so the walk reports in document order.
      for (let i = Math.max(a.length, b.length) - 1; i >= 0; i--) {
        if (i >= a.length || i >= b.length) {
          stack.push([i < a.length, i < b.length, [...path, String(i)]]);
        } else stack.push([a[i], b[i], [...path, String(i)]]);
      }
    } else if (isMapping(a) && isMapping(b)) {
      const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
      for (let i = keys.length - 1; i >= 0; i--) {
        const key = keys[i];
        const inA = Object.hasOwn(a, key);
        const inB = Object.hasOwn(b, key);
        stack.push(
          inA && inB
            ? [a[key], b[key], [...path, key]]
            : [inA, inB, [...path, key]],
        );
      }
    } else if (!isDeepStrictEqual(a, b)) {
      record(path);
    }
  }
  return {
    shown,
    omitted: count - shown.length,
    changed(path: string): boolean {
      if (changedPaths.has(path) || ancestors.has(path)) return true;
      // A value above it was replaced whole.
      for (
        let i = path.lastIndexOf(".");
        i > 0;
        i = path.lastIndexOf(".", i - 1)
      ) {
        if (changedPaths.has(path.slice(0, i))) return true;
      }
      return changedPaths.has("");
    },
  };
}

function isMapping(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return false;
  }
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
