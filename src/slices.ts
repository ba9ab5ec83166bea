/** How long one slice of a long walk may hold the event loop, in ms. */
export const SLICE_MS = 2;

/** How many items a walk handles between two steps (and looks at the clock). */
export const ITEMS_PER_STEP = 256;

/**
 * The clock that {@linkcode runSliced} reads, in ms: the runtime's, unless
 * a test puts a fake one in its place to drive the slices.
 */
export const sliceClock: { now(): number } = { now: () => performance.now() };

/**
 * Runs `steps` to the end, giving the event loop a turn whenever a slice
 * has taken `sliceMs`: a walk over a large config then never holds the
 * loop longer than that, while a small one runs in one slice, with no turn
 * given and no time lost.
 *
 * @param steps The walk, one step per {@linkcode ITEMS_PER_STEP} items.
 * @param sliceMs The longest slice.
 * @returns What the walk returns, once it is done.
 */
export async function runSliced<R = unknown>(
  steps: Iterator<unknown, R>,
  sliceMs: number = SLICE_MS,
): Promise<R> {
  let start = sliceClock.now();
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    if (sliceClock.now() - start > sliceMs) {
      await new Promise((resolve) => setTimeout(resolve, 0));
      start = sliceClock.now();
    }
  }
}

/**
 * Runs `steps` to the end at once.
 *
 * @param steps The walk.
 */
export function runAll(steps: Iterator<unknown>): void {
  while (!steps.next().done);
}
