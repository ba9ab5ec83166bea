import { runtime } from "./runtime/mod.ts";

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
 * Gives the event loop one turn: due timers run, and what came in (an HTTP
 * request) is handled. On Node.js and Bun, `setImmediate`: a timer of 0 ms
 * waits at least 1 ms there, so a walk that yields 10 times lost 10 ms to
 * waiting alone. On Deno, a timer: its `setImmediate` lets timers run but
 * not the requests `Deno.serve` has received (12 answered in 200 turns
 * where a timer answers about 2,000, measured), which would then wait for
 * the whole walk. A 0 ms timer waits about 2 ms there, and an asynchronous
 * call answered at once (the SHA-256 of nothing, 8 µs) then `setImmediate`
 * would save that, but during a walk of 2 ms slices a request waited up to
 * 28 ms (p99 5.5 ms) against 4.4 ms (p99 2.6 ms) with the timer, measured.
 *
 * @returns Settles after the turn.
 */
export function giveTurn(): Promise<void> {
  return new Promise<void>((resolve) => schedule()(resolve));
}

/**
 * Gives the event loop one short turn: timers that are due and I/O that has
 * finished are handled, with no timer's minimum delay to wait for
 * (`setImmediate`, a microsecond or two on Deno, Node.js and Bun). Each
 * pass takes one before it loads: a pass can otherwise run from start to
 * end in microtasks (a small file is read synchronously), and passes
 * awaited one after another would keep everything else waiting.
 *
 * @returns Settles after the turn.
 */
export function shortTurn(): Promise<void> {
  return new Promise<void>((resolve) => immediate(resolve));
}

// `setImmediate` where the runtime has it, else a 0 ms timer.
const timer = (then: () => void) => void setTimeout(then, 0);
const immediate = typeof globalThis.setImmediate === "function"
  ? (then: () => void) => void setImmediate(then)
  : timer;

let scheduler: ((then: () => void) => void) | undefined;

function schedule(): (then: () => void) => void {
  return scheduler ??= runtime().name !== "deno" ? immediate : timer;
}

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
      await giveTurn();
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
