/**
 * A fixed-size ring of the most recent items: memory stays bounded however
 * many are pushed.
 */
export class Ring<T> {
  readonly #items: (T | undefined)[];
  #next = 0;
  #size = 0;

  /**
   * Creates the ring.
   *
   * @param capacity How many items it keeps; a whole number from 1.
   * @throws {RangeError} If `capacity` is not a whole number from 1.
   */
  constructor(capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) {
      throw new RangeError(
        `Cannot keep a history of ${capacity} results: historySize must be a whole number from 1`,
      );
    }
    this.#items = new Array(capacity);
  }

  /** Adds an item, dropping the oldest when full. */
  push(item: T): void {
    this.#items[this.#next] = item;
    this.#next = (this.#next + 1) % this.#items.length;
    this.#size = Math.min(this.#size + 1, this.#items.length);
  }

  /** The items, newest first. */
  newestFirst(): T[] {
    const out: T[] = [];
    const n = this.#items.length;
    for (let i = 1; i <= this.#size; i++) {
      out.push(this.#items[(this.#next - i + n) % n] as T);
    }
    return out;
  }
}
