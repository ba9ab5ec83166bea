import { FormatError, type FormatLimits } from "./types.ts";

// The limits' messages, written once for every format: the same words
// whichever format a file is in.

/**
 * The error for a document that nests past `limits.maxDepth`.
 *
 * @param limits The limits the format keeps.
 * @param offset Where the nesting goes too deep, when known.
 * @returns The error to throw.
 */
export const tooDeep = (limits: FormatLimits, offset?: number): FormatError =>
  new FormatError(
    `the document nests deeper than ${limits.maxDepth} levels`,
    "",
    offset,
  );

/**
 * The error for a document of more than `limits.maxNodes` nodes.
 *
 * @param limits The limits the format keeps.
 * @param offset Where the count went past the limit, when known.
 * @returns The error to throw.
 */
export const tooManyNodes = (
  limits: FormatLimits,
  offset?: number,
): FormatError =>
  new FormatError(
    `the document has more than ${limits.maxNodes} nodes`,
    "",
    offset,
  );

/**
 * Sets `key` on a plain object as an own, enumerable property: a
 * `__proto__` key too, which plain assignment would take for the prototype.
 *
 * @param target The object.
 * @param key The key.
 * @param value The value.
 */
export function setOwn(
  target: Record<string, unknown>,
  key: string,
  value: unknown,
): void {
  if (key !== "__proto__") target[key] = value;
  else {
    Object.defineProperty(target, key, {
      value,
      writable: true,
      enumerable: true,
      configurable: true,
    });
  }
}
