// Shared by the tests of the parser's worker: fake timers to fire by hand,
// and small versions of the hostile inputs of bench/hostile_inputs.mjs
// (tests never import bench/): documents that were cheap on the event loop
// and costly to send from the worker.
import type { Timers } from "hup-reload";

/** A timer set through {@linkcode fakeTimers}. */
export interface FakeTimer {
  ms: number;
  fire(): void;
}

/**
 * Timers that fire only by hand: `pending` (by handle), `only()` (the one
 * pending, asserting there is one), `next()` (waits until one is set).
 */
export function fakeTimers(): {
  timers: Timers;
  pending: Map<number, FakeTimer>;
  only(): FakeTimer;
  next(): Promise<FakeTimer>;
} {
  const pending = new Map<number, FakeTimer>();
  let handles = 0;
  const timers: Timers = {
    setTimeout: (callback, ms) => {
      const handle = ++handles;
      pending.set(handle, {
        ms,
        fire: () => {
          pending.delete(handle);
          callback();
        },
      });
      return handle;
    },
    clearTimeout: (handle) => void pending.delete(handle as number),
  };
  return {
    timers,
    pending,
    only() {
      if (pending.size !== 1) {
        throw new Error(`${pending.size} timers pending, not one`);
      }
      return [...pending.values()][0];
    },
    async next() {
      while (pending.size === 0) {
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      return [...pending.values()].at(-1)!;
    },
  };
}

// `depth` nested flow mappings under keys of `keyLength` characters, around
// `inner`, after `head`.
function nested(
  depth: number,
  keyLength: number,
  inner: string,
  head = "base: &a {x: 1}\n",
): string {
  let open = "";
  let close = "";
  for (let i = 0; i < depth; i++) {
    open += `${`k${i}_`.padEnd(keyLength, "x")}: {`;
    close += "}";
  }
  return `${head}${open}${inner}${close}\n`;
}

/**
 * `count` aliases of an empty mapping in one flow sequence (`list`), `depth`
 * mappings deep under keys `k0_x`, `k1_x`, ...
 */
export function manyAliases(count: number, depth: number): string {
  return nested(
    depth,
    4,
    `list: [${new Array(count).fill("*a").join(",")}]`,
    "base: &a {}\n",
  );
}

/** Small hostile documents, by name; every one loads on the event loop. */
export const hostileInputs: Record<string, string> = {
  "aliases under long keys": nested(
    95,
    800,
    Array.from({ length: 400 }, (_, i) => `a${i}: *a`).join(", "),
  ),
  "many aliases, deep": manyAliases(20_000, 95),
  "a deep alias chain": nested(
    8,
    300,
    [
      "c0: &c0 {v: 1}",
      ...Array.from(
        { length: 80 },
        (_, i) => `c${i + 1}: &c${i + 1} {${"n".repeat(300)}: *c${i}}`,
      ),
      `uses: [${new Array(200).fill("*c80").join(", ")}]`,
    ].join(", "),
    "",
  ),
  "a long string aliased": `s: &s ${"z".repeat(10_000)}\nuses: [${
    new Array(500).fill("*s").join(", ")
  }]\nkeys: {*s : 1}\n`,
  "a long key merged": `m: &m {${"m".repeat(5000)}: [1], b: 2}\nuses: [${
    new Array(500).fill("{<<: *m}").join(", ")
  }]\n`,
  "marked strings": `a: &a "\${HOST}-${"h".repeat(100)}"\nb: [*a, *a]\n` +
    `"\${K}": {c: *a}\n`,
};

/**
 * The shape of a document's sharing: for each mapping or sequence in the
 * order of a walk, -1 where it is met first, else the number of its first
 * meeting. Two documents with the same shape share the same places.
 */
export function sharing(root: object): number[] {
  const ids = new Map<object, number>();
  const out: number[] = [];
  const walk = (node: object): void => {
    for (const child of Object.values(node)) {
      if (child === null || typeof child !== "object") continue;
      const id = ids.get(child);
      if (id !== undefined) out.push(id);
      else {
        ids.set(child, ids.size);
        out.push(-1);
        walk(child);
      }
    }
  };
  walk(root);
  return out;
}

/**
 * Keeps the event loop alive until disposed: with fake timers, nothing else
 * does while a worker (which never keeps the process alive) answers.
 */
export function keepAlive(): Disposable {
  const handle = setInterval(() => {}, 20);
  return { [Symbol.dispose]: () => clearInterval(handle) };
}
