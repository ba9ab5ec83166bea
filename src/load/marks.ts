/**
 * How a YAML document hands its strings that hold a `$` to expansion,
 * whichever thread parsed it: each such string (value or key) is prefixed
 * with a mark saying whether it was a plain scalar (typed by the core
 * schema once substituted) and where it is in the text. Every string that
 * holds a `$` is marked, exactly once, so reading a mark off is never
 * ambiguous; expansion removes every mark before anything else sees the
 * document.
 */

/** How a marked string was written: plain and untagged, or otherwise. */
export type MarkKind = "P" | "S";

/** What a mark says about the string it prefixes. */
export interface Mark {
  /** `P` for a plain untagged scalar, `S` for any other string. */
  kind: MarkKind;
  /** Where the scalar starts in the text (its first character). */
  start: number;
  /** Where it ends in the text. */
  end: number;
  /** The string itself, as parsed. */
  value: string;
}

const PREFIX = "\u0000";

/**
 * Prefixes `value` with its mark.
 *
 * @param kind How the scalar was written.
 * @param start Where it starts in the text.
 * @param end Where it ends.
 * @param value The string as parsed.
 * @returns The marked string.
 */
export function markString(
  kind: MarkKind,
  start: number,
  end: number,
  value: string,
): string {
  return `${PREFIX}${kind}${start},${end}:${value}`;
}

/**
 * Reads the mark off a string of a marked document.
 *
 * @param text A string of a document whose strings with a `$` are marked.
 * @returns The mark, or `undefined` if the string has none.
 */
export function readMark(text: string): Mark | undefined {
  if (text[0] !== PREFIX) return undefined;
  const comma = text.indexOf(",", 2);
  const colon = text.indexOf(":", comma + 1);
  if (comma === -1 || colon === -1) return undefined;
  return {
    kind: text[1] === "P" ? "P" : "S",
    start: Number(text.slice(2, comma)),
    end: Number(text.slice(comma + 1, colon)),
    value: text.slice(colon + 1),
  };
}
