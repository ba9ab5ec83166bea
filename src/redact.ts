import { truncate } from "./render.ts";

// "received 1234" but not "received string": schema libraries name the type
// (harmless) or the value (maybe secret) after these words.
const RECEIVED_VALUE =
  /\b(received|got)\s+(?!(?:an?\s+)?(?:string|number|boolean|object|array|null|undefined|bigint|symbol|function|date|nan|map|set)\b)[^,;)\n]+/gi;

// Quoted text, with backslash escapes inside the quotes.
const QUOTED = /"((?:[^"\\\n]|\\.)*)"|'((?:[^'\\\n]|\\.)*)'|`([^`\n]*)`/g;

// A key shown in a field path looks like a name. Anything else (spaces,
// `:`, `=`, quotes: a value typed where a key belongs) is never shown.
const PLAIN_KEY = /^[A-Za-z0-9_][A-Za-z0-9_.\/-]{0,63}$/;

/**
 * Whether a mapping key may be shown in a field path, and, apart, whether it
 * holds a value substituted from the environment or a secret file.
 */
export interface KeyShower {
  /**
   * Whether `key` may be shown.
   *
   * @param key A mapping key.
   * @returns Whether it may be shown.
   */
  (key: string): boolean;
  /**
   * Whether `key` is, or holds (4 characters or more of it), a value
   * substituted from the environment or a secret file: never to be shown,
   * whichever config it came from.
   *
   * @param key A mapping key.
   * @returns Whether it holds such a value.
   */
  holdsValue(key: string): boolean;
}

/**
 * Decides which mapping keys may be shown in a field path: keys that look
 * like names (letters, digits, `_`, `-`, `.`, `/`; at most 64), that hold
 * no value taken from the environment or a secret file (the whole value,
 * or one of 4 characters or more inside the key), and, given the texts the
 * config was read from, that are written in one of them as they are (not
 * made by an escape, or by a substituted value).
 *
 * @param values The values substituted from the environment and files.
 * @param sources The texts the config was read from, when there are some.
 * @returns Whether a key may be shown (and whether it holds a value).
 */
export function keyShower(
  values: readonly string[],
  sources?: readonly string[],
): KeyShower {
  const fromEnv = values.length === 0 ? undefined : new Redactor(values, 4);
  const written = new Map<string, boolean>();
  const inSource = (key: string) => {
    if (sources === undefined) return true;
    let found = written.get(key);
    if (found === undefined) {
      found = sources.some((text) => text.includes(key));
      written.set(key, found);
    }
    return found;
  };
  const holdsValue = (key: string) =>
    fromEnv !== undefined &&
    (fromEnv.isValue(key) || fromEnv.scrub(key, Infinity) !== key);
  return Object.assign(
    (key: string) => PLAIN_KEY.test(key) && !holdsValue(key) && inSource(key),
    { holdsValue },
  );
}

/** What stands in for a value that was removed. */
export const REDACTED = "…";

/**
 * The forms in which a message may quote `value`: as is, escaped as in a
 * JSON string (how arktype and `JSON.stringify` quote it, `\"`, `\\`, `\n`,
 * `\u0001`), with non-ASCII escaped too, and escaped for single quotes.
 */
function formsOf(value: string): string[] {
  const json = JSON.stringify(value).slice(1, -1);
  const ascii = json.replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
  const single = value.replace(/\\/g, "\\\\").replace(/'/g, "\\'");
  return [...new Set([value, json, ascii, single])];
}

/**
 * Removes known values from text, in time linear in the text kept: every
 * occurrence of a value (in any form a message may quote it in, see
 * `formsOf`) of at least `minLength` characters is replaced by "…", the
 * longest first.
 */
export class Redactor {
  readonly #exact = new Set<string>();
  readonly #byLength = new Map<number, Set<string>>();
  readonly #firstChars = new Set<number>();
  #lengths: number[] = [];
  #joined: string | undefined;
  readonly #minLength: number;

  /**
   * Creates a redactor.
   *
   * @param values The values to remove.
   * @param minLength The shortest value removed wherever it occurs; shorter
   *   ones are removed only as whole quoted text (see
   *   {@linkcode Redactor.redactMessage}).
   */
  constructor(values: Iterable<string>, minLength: number) {
    this.#minLength = minLength;
    this.add(values);
  }

  /**
   * Adds values to remove.
   *
   * @param values The values.
   */
  add(values: Iterable<string>): void {
    for (const value of values) {
      if (value === "" || this.#exact.has(value)) continue;
      this.#exact.add(value);
      if (value.length < this.#minLength) continue;
      this.#joined = undefined;
      for (const form of formsOf(value)) {
        let set = this.#byLength.get(form.length);
        if (set === undefined) {
          set = new Set();
          this.#byLength.set(form.length, set);
        }
        set.add(form);
        this.#firstChars.add(form.charCodeAt(0));
      }
    }
    this.#lengths = [...this.#byLength.keys()].sort((a, b) => b - a);
  }

  /**
   * Whether `text` is one of the values, of any length.
   *
   * @param text The text.
   * @returns Whether it is a value.
   */
  isValue(text: string): boolean {
    return this.#exact.has(text);
  }

  /**
   * Replaces each occurrence of a value in `text` by "…" and cuts the result
   * to `max` code units. Only the part of `text` that is kept is read, so a
   * message of megabytes costs no more than a short one; a value that starts
   * inside the kept part is removed whole, never left half-shown.
   *
   * @param text The text.
   * @param max The longest result.
   * @returns The text without values.
   */
  scrub(text: string, max: number): string {
    if (this.#lengths.length === 0) return truncate(text, max);
    let out = "";
    let copied = 0;
    let i = 0;
    // Stop once the result is surely longer than `max`.
    while (i < text.length && out.length + (i - copied) <= max) {
      const length = this.#firstChars.has(text.charCodeAt(i))
        ? this.#matchAt(text, i)
        : 0;
      if (length === 0) {
        i++;
        continue;
      }
      out += text.slice(copied, i) + REDACTED;
      i += length;
      copied = i;
    }
    return truncate(out + text.slice(copied, i), max);
  }

  /**
   * Scrubs a message that a schema library wrote about the config: every
   * value as in {@linkcode Redactor.scrub}, quoted text that is a value (of
   * any length) or part of a long one, and "received ..." / "got ..." tails
   * that are not a type name. Quoted text that is not a value (the allowed
   * options, say) stays.
   *
   * @param message The message.
   * @param max The longest result.
   * @returns The message, safe to show.
   */
  redactMessage(message: string, max: number): string {
    return this.scrub(message, max)
      .replace(QUOTED, (quoted, a, b, c) => {
        const body: string = a ?? b ?? c;
        return this.#quotesValue(body) ? `${quoted[0]}…${quoted[0]}` : quoted;
      })
      .replace(RECEIVED_VALUE, "$1 …");
  }

  #quotesValue(body: string): boolean {
    if (this.#exact.has(body)) return true;
    const unescaped = unescapeJson(body);
    if (unescaped !== undefined && this.#exact.has(unescaped)) return true;
    // A library may quote only the start of a long value.
    if (body.length < 8) return false;
    this.#joined ??= [...this.#exact].join("\u0000");
    return this.#joined.includes(body);
  }

  #matchAt(text: string, at: number): number {
    for (const length of this.#lengths) {
      if (at + length > text.length) continue;
      if (this.#byLength.get(length)!.has(text.slice(at, at + length))) {
        return length;
      }
    }
    return 0;
  }
}

/**
 * The text of a JSON string's body (what is between its quotes), as libraries
 * quote values and keys in messages.
 *
 * @param body The text between the quotes.
 * @returns The unescaped text, or `undefined` when `body` is not valid JSON
 *   string content.
 */
export function unescapeJson(body: string | undefined): string | undefined {
  if (body === undefined) return undefined;
  try {
    const text: unknown = JSON.parse(`"${body}"`);
    return typeof text === "string" ? text : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Every string held in `root` (values, not keys), and with `numbers` every
 * number as text too, walking each object once.
 *
 * @param root A config.
 * @param minLength The shortest string collected.
 * @param numbers Whether to collect numbers as text.
 * @returns The strings.
 */
export function stringsIn(
  root: unknown,
  minLength: number,
  numbers: boolean,
): string[] {
  const seen = new Set<object>();
  const found: string[] = [];
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (typeof node === "string") {
      if (node.length >= minLength) found.push(node);
    } else if (
      numbers && (typeof node === "number" || typeof node === "bigint")
    ) {
      const text = String(node);
      if (text.length >= minLength) found.push(text);
    } else if (node !== null && typeof node === "object" && !seen.has(node)) {
      seen.add(node);
      for (const child of Object.values(node)) stack.push(child);
    }
  }
  return found;
}
