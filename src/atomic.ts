import { notifyAll } from "./listeners.ts";

/**
 * A config together with the generation of the reload pass that stored it.
 *
 * @example Usage
 * ```ts
 * import { AtomicConfig, type ConfigSnapshot } from "@hup/reload";
 * import assert from "node:assert/strict";
 *
 * const snap: ConfigSnapshot<{ port: number }> = new AtomicConfig({ port: 8080 }).snapshot();
 * assert.equal(snap.generation, 0);
 * ```
 */
export interface ConfigSnapshot<C> {
  /** The config. */
  readonly config: C;
  /** The generation of the pass that stored it; 0 for the initial value. */
  readonly generation: number;
}

/**
 * The reading side of a holder that is never empty, as
 * `coordinator.config` gives it: what request handlers need.
 *
 * @example Usage
 * ```ts
 * import { AtomicConfig, type ConfigReader } from "@hup/reload";
 * import assert from "node:assert/strict";
 *
 * const reader: ConfigReader<{ port: number }> = new AtomicConfig({ port: 8080 }) as ConfigReader<{ port: number }>;
 * assert.equal(reader.load().port, 8080);
 * assert.equal(reader.snapshot().generation, 0);
 * ```
 *
 * @typeParam C The config type.
 */
export interface ConfigReader<C> {
  /**
   * Returns the config in effect: one property read, never waits, never a
   * mix of two configs.
   *
   * @returns The config.
   */
  load(): C;
  /**
   * Returns the config in effect with its generation, read together.
   *
   * @returns The snapshot.
   */
  snapshot(): ConfigSnapshot<C>;
  /**
   * Calls `listener` after every swap; see {@linkcode AtomicConfig.subscribe}.
   *
   * @param listener Called with the new snapshot.
   * @returns A function that unsubscribes `listener`.
   */
  subscribe(listener: (snapshot: ConfigSnapshot<C>) => unknown): () => void;
}

// The state of an empty holder: a real object, so that load() is a plain
// property read with no branch (the read path is called per request).
const EMPTY: ConfigSnapshot<undefined> = Object.freeze({
  config: undefined,
  generation: 0,
});

// What snapshot() returns for an empty holder: reading it throws, so that
// snapshot() itself needs no branch either.
const emptyError = () =>
  new TypeError(
    "Cannot take a snapshot as the holder is empty: store a config first",
  );
const EMPTY_SNAPSHOT: ConfigSnapshot<never> = Object.freeze({
  get config(): never {
    throw emptyError();
  },
  get generation(): never {
    throw emptyError();
  },
});

/**
 * A holder for the current config that readers can call on every request.
 *
 * The config and its generation live in one immutable snapshot that is
 * replaced by a single reference assignment, so a reader always sees one
 * whole config, never a mix of two, and never waits.
 *
 * @example Usage
 * ```ts
 * import { AtomicConfig } from "@hup/reload";
 * import assert from "node:assert/strict";
 *
 * const holder = new AtomicConfig({ greeting: "hello" });
 * assert.equal(holder.load()?.greeting, "hello");
 * holder.store({ greeting: "hi" });
 * assert.deepEqual(holder.snapshot(), { config: { greeting: "hi" }, generation: 1 });
 * ```
 *
 * @typeParam C The config type.
 */
export class AtomicConfig<C> {
  #current: ConfigSnapshot<C | undefined> = EMPTY;
  #snapshot: ConfigSnapshot<C> = EMPTY_SNAPSHOT;
  readonly #listeners = new Set<(snapshot: ConfigSnapshot<C>) => unknown>();

  /**
   * Creates a holder, empty or holding `initial` at generation 0.
   *
   * @param initial The config in effect at start-up.
   */
  constructor(initial?: C) {
    if (initial !== undefined) {
      this.#current = this.#snapshot = Object.freeze({
        config: initial,
        generation: 0,
      });
    }
  }

  /**
   * Returns the current config.
   *
   * @example Usage
   * ```ts
   * import { AtomicConfig } from "@hup/reload";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new AtomicConfig<{ a: number }>().load(), undefined);
   * assert.deepEqual(new AtomicConfig({ a: 1 }).load(), { a: 1 });
   * ```
   *
   * @returns The current config, or `undefined` while the holder is empty.
   */
  load(): C | undefined {
    return this.#current.config;
  }

  /**
   * Replaces the config; its generation becomes the previous one plus one.
   *
   * @example Usage
   * ```ts
   * import { AtomicConfig } from "@hup/reload";
   * import assert from "node:assert/strict";
   *
   * const holder = new AtomicConfig({ a: 1 });
   * holder.store({ a: 2 });
   * assert.equal(holder.snapshot().generation, 1);
   * ```
   *
   * @param config The new config.
   * @throws {TypeError} If `config` is `undefined`.
   */
  store(config: C): void {
    if (config === undefined) {
      throw new TypeError("Cannot store the config as it is undefined");
    }
    const snapshot = Object.freeze({
      config,
      generation: this.#current.generation + 1,
    });
    this.#current = this.#snapshot = snapshot;
    notifyAll(this.#listeners, [snapshot], {
      category: ["config"],
      message: "A config subscriber failed: {error}",
      properties: { generation: snapshot.generation },
    });
  }

  /**
   * Returns the current config and its generation, read together.
   *
   * @example Usage
   * ```ts
   * import { AtomicConfig } from "@hup/reload";
   * import assert from "node:assert/strict";
   *
   * const { config, generation } = new AtomicConfig({ a: 1 }).snapshot();
   * assert.deepEqual(config, { a: 1 });
   * assert.equal(generation, 0);
   * ```
   *
   * @returns The snapshot (frozen; the same object until the next store).
   * @throws {TypeError} On reading the snapshot of an empty holder (its
   *   `config` or `generation`).
   */
  snapshot(): ConfigSnapshot<C> {
    return this.#snapshot;
  }

  /**
   * Calls `listener` with the new snapshot after every store (a pass that
   * swaps the config in, or {@linkcode AtomicConfig.store}). A listener that
   * throws is logged (category `["hup-reload", "config"]`) and does not stop
   * the store or the other listeners.
   *
   * @example Usage
   * ```ts
   * import { AtomicConfig } from "@hup/reload";
   * import assert from "node:assert/strict";
   *
   * const holder = new AtomicConfig({ a: 1 });
   * const seen: number[] = [];
   * const unsubscribe = holder.subscribe(({ config }) => void seen.push(config.a));
   * holder.store({ a: 2 });
   * unsubscribe();
   * holder.store({ a: 3 });
   * assert.deepEqual(seen, [2]);
   * ```
   *
   * @param listener Called with the new snapshot.
   * @returns A function that unsubscribes `listener`.
   */
  subscribe(listener: (snapshot: ConfigSnapshot<C>) => unknown): () => void {
    const own = (snapshot: ConfigSnapshot<C>) => listener(snapshot);
    this.#listeners.add(own);
    return () => void this.#listeners.delete(own);
  }
}
