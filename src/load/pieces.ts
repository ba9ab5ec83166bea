/**
 * How the parser's worker sends a parsed document back: as a "tape", a flat
 * list of primitives in the order of a walk of the document (each mapping
 * or sequence before what it holds), cut into parts of bounded size. A
 * structured clone of a part is read back in one synchronous step, so no
 * part may be large; and reading a part back into objects is a loop of
 * small steps (see {@linkcode TapeReader}), so it can yield.
 *
 * Nothing on the tape grows with where a node is (no paths), and nothing
 * is sent twice: a node met again (a YAML alias) is its number, and a long
 * string met again (an aliased scalar, or a key that merge keys copy into
 * many mappings) is its number too. The tape of a document is therefore
 * never much larger than its text plus a few bytes per node, whatever its
 * aliases, anchors, keys and depth.
 *
 * The tape, at a place where a value is read:
 *
 * - a string, boolean, `null`, `undefined` or bigint is that scalar;
 * - a number is a code, with what follows it:
 *   - `NUMBER`, then the number;
 *   - `MAP n` (or `BARE_MAP n`, a mapping without a prototype), then `n`
 *     times a key and a value;
 *   - `SEQ n`, then `n` values;
 *   - `NODE i`: the `i`th mapping or sequence read (counting from 0), for
 *     a node met again; only in a document whose nodes may be shared;
 *   - `NEW_STRING s`: the string `s`, long, which later parts name by
 *     number; `STRING i`: the `i`th such string.
 *
 * At a place where a key is read: a string is that key; `NEW_STRING s` or
 * `STRING i` as above.
 *
 * @module
 */

/** The codes of a tape (see the module's documentation). */
export const CODE = {
  NUMBER: 0,
  MAP: 1,
  BARE_MAP: 2,
  SEQ: 3,
  NODE: 4,
  NEW_STRING: 5,
  STRING: 6,
} as const;

/** One part of a tape: primitives only. */
export type Tape = unknown[];

/**
 * About how many bytes of a tape one part holds: a part's structured clone
 * is read back in one step, a few milliseconds at this size.
 */
export const TAPE_BYTES: number = 256 * 1024;

/**
 * From how many characters a string is sent once and then named by number:
 * a shorter one costs no more than its number would, and is not looked up.
 */
export const LONG_STRING = 64;

// What a tape's bytes are counted as: each item, plus a string's characters.
const ITEM_BYTES = 8;

interface WriteFrame {
  readonly node: Record<string | number, unknown>;
  /** A mapping's keys; a sequence is walked by index. */
  readonly keys: string[] | null;
  readonly length: number;
  next: number;
}

/**
 * Writes a parsed document as a tape, in parts of about `budget` bytes
 * (one string longer than that makes a part of its own), each made only
 * when the one before was taken: the caller decides when to ask for the
 * next. Linear in the document; the document is left as it is.
 *
 * @param root The document: a mapping.
 * @param shared Whether a node may be reached twice (YAML aliases); if
 *   not, nothing is recorded per node.
 * @param budget About how many bytes a part holds.
 * @returns The parts, in order.
 */
export function* writeTape(
  root: object,
  shared: boolean,
  budget: number = TAPE_BYTES,
): Generator<Tape, void, undefined> {
  const numbers = shared ? new Map<object, number>() : undefined;
  const strings = new Map<string, number>();
  let tape: Tape = [];
  let bytes = 0;
  const stack: WriteFrame[] = [];

  const string = (value: string): void => {
    if (value.length < LONG_STRING) {
      tape.push(value);
      bytes += ITEM_BYTES + value.length;
      return;
    }
    const number = strings.get(value);
    if (number !== undefined) {
      tape.push(CODE.STRING, number);
      bytes += 2 * ITEM_BYTES;
      return;
    }
    strings.set(value, strings.size);
    tape.push(CODE.NEW_STRING, value);
    bytes += 2 * ITEM_BYTES + value.length;
  };

  const value = (value: unknown): void => {
    if (value === null || typeof value !== "object") {
      if (typeof value === "number") {
        tape.push(CODE.NUMBER, value);
        bytes += 2 * ITEM_BYTES;
      } else if (typeof value === "string") string(value);
      else {
        tape.push(value);
        bytes += ITEM_BYTES;
      }
      return;
    }
    if (numbers !== undefined) {
      const number = numbers.get(value);
      if (number !== undefined) {
        tape.push(CODE.NODE, number);
        bytes += 2 * ITEM_BYTES;
        return;
      }
      numbers.set(value, numbers.size);
    }
    const node = value as Record<string | number, unknown>;
    let keys: string[] | null = null;
    let length: number;
    if (Array.isArray(node)) {
      length = node.length;
      tape.push(CODE.SEQ, length);
    } else {
      keys = Object.keys(node);
      length = keys.length;
      tape.push(
        Object.getPrototypeOf(node) === null ? CODE.BARE_MAP : CODE.MAP,
        length,
      );
    }
    bytes += 2 * ITEM_BYTES;
    if (length > 0) stack.push({ node, keys, length, next: 0 });
  };

  value(root);
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    if (top.next === top.length) {
      stack.pop();
      continue;
    }
    // A part ends only between two entries: a key always travels with the
    // start of its value.
    if (bytes >= budget) {
      yield tape;
      tape = [];
      bytes = 0;
    }
    const i = top.next++;
    if (top.keys === null) value(top.node[i]);
    else {
      const key = top.keys[i];
      string(key);
      value(top.node[key]);
    }
  }
  yield tape;
}

interface ReadFrame {
  readonly node: Record<string, unknown> | unknown[];
  readonly map: boolean;
  /** How many entries are still to come. */
  left: number;
}

/** How many entries {@linkcode TapeReader.read} reads between two yields. */
export const ENTRIES_PER_STEP = 256;

/**
 * Reads a tape written by {@linkcode writeTape} back into the document,
 * part by part, as the parts come: each part is read in steps of
 * {@linkcode ENTRIES_PER_STEP} entries, so that the caller can give the
 * event loop a turn between two; a part once read is no longer needed.
 * Every mapping is made as the event loop's parser makes it (an object
 * literal, or one without a prototype where the worker's had none), and a
 * key named `__proto__` is an own data property.
 */
export class TapeReader {
  readonly #nodes: object[] | undefined;
  readonly #strings: string[] = [];
  readonly #stack: ReadFrame[] = [];
  #root: Record<string, unknown> | undefined;

  /**
   * Creates a reader for one document.
   *
   * @param shared Whether its nodes may be shared (then every mapping and
   *   sequence is kept until the end, to be named again).
   */
  constructor(shared: boolean) {
    this.#nodes = shared ? [] : undefined;
  }

  /**
   * Reads one part, yielding every {@linkcode ENTRIES_PER_STEP} entries.
   *
   * @param tape The part.
   * @returns Steps; done once the part is read.
   * @throws {Error} If the part does not follow from those before it.
   */
  *read(tape: Tape): Generator<void, void, undefined> {
    let at = 0;
    const item = (): unknown => {
      if (at >= tape.length) fail("a part ends inside an entry");
      return tape[at++];
    };
    const index = (limit: number): number => {
      const n = item();
      if (
        typeof n !== "number" || !Number.isInteger(n) || n < 0 || n >= limit
      ) {
        fail("a number is out of range");
      }
      return n as number;
    };
    const string = (code: unknown): string => {
      if (typeof code === "string") return code;
      if (code === CODE.NEW_STRING) {
        const s = item();
        if (typeof s !== "string") fail("a string is not one");
        this.#strings.push(s as string);
        return s as string;
      }
      if (code === CODE.STRING) {
        return this.#strings[index(this.#strings.length)];
      }
      return fail("a key is not a string");
    };
    const stack = this.#stack;
    let steps = 0;
    if (this.#root === undefined && at < tape.length) {
      const code = item();
      if (code !== CODE.MAP && code !== CODE.BARE_MAP) {
        fail("the top level is not a mapping");
      }
      this.#root = code === CODE.MAP ? {} : Object.create(null);
      this.#nodes?.push(this.#root!);
      const left = index(Infinity);
      if (left > 0) stack.push({ node: this.#root!, map: true, left });
    }
    while (at < tape.length) {
      while (stack.length > 0 && stack[stack.length - 1].left === 0) {
        stack.pop();
      }
      const top = stack[stack.length - 1];
      if (top === undefined) fail("the tape goes on past the document");
      const key = top.map ? string(item()) : undefined;
      const code = item();
      let child: unknown;
      let left = 0;
      if (typeof code !== "number") child = code;
      else {
        switch (code) {
          case CODE.NUMBER:
            child = item();
            if (typeof child !== "number") fail("a number is not one");
            break;
          case CODE.NEW_STRING:
          case CODE.STRING:
            child = string(code);
            break;
          case CODE.NODE:
            if (this.#nodes === undefined) fail("a node is met again");
            child = this.#nodes![index(this.#nodes!.length)];
            break;
          case CODE.MAP:
          case CODE.BARE_MAP:
          case CODE.SEQ:
            child = code === CODE.MAP
              ? {}
              : code === CODE.SEQ
              ? []
              : Object.create(null);
            this.#nodes?.push(child as object);
            left = index(Infinity);
            break;
          default:
            fail("an unknown code");
        }
      }
      if (key === undefined) (top.node as unknown[]).push(child);
      else if (key === "__proto__") {
        // An own data property, never the prototype's setter.
        Object.defineProperty(top.node, key, {
          value: child,
          writable: true,
          enumerable: true,
          configurable: true,
        });
      } else (top.node as Record<string, unknown>)[key] = child;
      top.left--;
      if (left > 0) {
        stack.push({
          node: child as ReadFrame["node"],
          map: code !== CODE.SEQ,
          left,
        });
      }
      if (++steps === ENTRIES_PER_STEP) {
        steps = 0;
        yield;
      }
    }
  }

  /**
   * The document, once every part is read.
   *
   * @returns The root mapping.
   * @throws {Error} If the tape ended before the document did.
   */
  result(): Record<string, unknown> {
    while (this.#stack.length > 0 && this.#stack.at(-1)!.left === 0) {
      this.#stack.pop();
    }
    if (this.#root === undefined || this.#stack.length > 0) {
      fail("the tape ends before the document does");
    }
    return this.#root!;
  }
}

function fail(why: string): never {
  throw new Error(`the document's tape does not fit together: ${why}`);
}
