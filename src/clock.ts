// The coordinator's clock: the `now` option, which tests step through, and
// which may fail or give an invalid date; a pass still needs its times, so
// the runtime's clock stands in.

/**
 * A clock that never throws: `now()` when it gives a valid `Date`, else
 * the runtime's time.
 *
 * @param now The injected clock, if any.
 * @returns The clock.
 */
export function safeClock(now: (() => Date) | undefined): () => Date {
  if (now === undefined) return () => new Date();
  return () => {
    try {
      const date = now();
      if (date instanceof Date && !Number.isNaN(date.getTime())) return date;
    } catch {
      // Fall through to the runtime's clock.
    }
    return new Date();
  };
}
