import { Comparison } from "./diff.ts";
import { ITEMS_PER_STEP, runAll, runSliced } from "./slices.ts";

/**
 * The dotted paths among `paths` whose values differ between `a` and `b`,
 * compared as `changed` compares them (mappings by keys and values,
 * whatever their prototype; each pair of shared nodes once; in time linear
 * in the distinct pairs). A path segment indexes into mappings and
 * sequences alike (`servers.0.port`); a path missing on one side differs
 * from one present.
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
  const walk = changedPathsWalk(paths, a, b);
  runAll(walk.steps);
  return walk.result();
}

/**
 * {@linkcode changedPaths}, giving the event loop a turn every few
 * milliseconds.
 *
 * @param paths Dotted paths.
 * @param a One config.
 * @param b The other config.
 * @returns The differing paths, in the order given.
 */
export async function changedPathsSliced(
  paths: readonly string[],
  a: unknown,
  b: unknown,
): Promise<string[]> {
  const walk = changedPathsWalk(paths, a, b);
  await runSliced(walk.steps);
  return walk.result();
}

/**
 * The walk of {@linkcode changedPaths}: one step per
 * {@linkcode ITEMS_PER_STEP} items of work.
 *
 * @param paths Dotted paths.
 * @param a One config.
 * @param b The other config.
 * @returns The steps, and the paths they find once done.
 */
export function changedPathsWalk(
  paths: readonly string[],
  a: unknown,
  b: unknown,
): { steps: Generator<void>; result(): string[]; compared(): number } {
  const compare = new Comparison();
  const sides: [unknown, unknown][] = [];
  function* steps(): Generator<void> {
    let step = 0;
    for (const path of paths) {
      const segments = path.split(".");
      step += segments.length;
      if (step >= ITEMS_PER_STEP) {
        step = 0;
        yield;
      }
      const x = at(a, segments);
      const y = at(b, segments);
      sides.push([x, y]);
      compare.root(x, y);
    }
    yield* compare.steps();
  }
  return {
    steps: steps(),
    result: () => paths.filter((_, i) => compare.differs(...sides[i])),
    compared: () => compare.compared,
  };
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
