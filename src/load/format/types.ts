/**
 * The config formats the loader reads; the `format` option of
 * {@linkcode loadConfig} and `Coordinator.create` names one.
 *
 * @example Usage
 * ```ts
 * import type { FormatName } from "@hup/reload";
 *
 * const format: FormatName = "toml";
 * ```
 */
export type FormatName = "yaml" | "json" | "toml";

/** A path into a config: mapping keys and sequence indexes. */
export type FieldPath = readonly (string | number)[];

/**
 * A file that a format cannot read: what is wrong, phrased to follow
 * "Cannot load config as", a detail, and where. Neither quotes the file.
 */
export class FormatError extends Error {
  /** What is wrong: "the file is not valid JSON". */
  readonly summary: string;
  /** The detail, from a fixed list; "" when there is none. */
  readonly reason: string;
  /** Where, as an offset into the parsed text, when known. */
  readonly offset: number | undefined;

  /**
   * Creates the error.
   *
   * @param summary What is wrong.
   * @param reason The detail, or "".
   * @param offset Where, in the parsed text.
   */
  constructor(summary: string, reason: string = "", offset?: number) {
    super(reason === "" ? summary : `${summary}: ${reason}`);
    this.name = "FormatError";
    this.summary = summary;
    this.reason = reason;
    this.offset = offset;
  }
}

/** The limits a format keeps while it parses. */
export interface FormatLimits {
  /** The deepest nesting of mappings and sequences. */
  maxDepth: number;
  /** The most nodes (mappings, sequences, scalars). */
  maxNodes: number;
}

/** What a format parsed. */
export interface Parsed {
  /** The value; the loader checks that it is a mapping. */
  value: unknown;
  /**
   * Whether nodes may be shared or form cycles (YAML aliases): the loader
   * then measures the value as a walker would see it.
   */
  shared: boolean;
  /**
   * Whether the format already knows that the value, aliases expanded, is
   * within the node and depth bounds and holds no cycle: the loader then
   * need not measure it. Only a bound: when it is not known, the loader
   * measures.
   */
  bounded?: boolean;
  /**
   * Whether the strings that hold a `$` carry a mark for expansion (YAML:
   * see `marks.ts`).
   */
  marked?: boolean;
}

/**
 * One config format: how its text becomes plain data, and where a field is
 * in the text. Every format gives plain objects and arrays, never calls
 * user code, makes a `__proto__` key an own property, and bounds its depth.
 */
export interface ConfigFormat {
  /** The format's name. */
  readonly name: FormatName;
  /** How messages name it: "YAML". */
  readonly label: string;
  /** The file name endings it is chosen for, lower case: `.yaml`. */
  readonly extensions: readonly string[];
  /**
   * Imports the format's parser on first use; `undefined` when there is
   * nothing to wait for. `parse` and `locate` need it settled.
   */
  prepare?(): Promise<void> | undefined;
  /**
   * Parses the text.
   *
   * @throws {FormatError} If the text is not valid, or exceeds a limit.
   */
  parse(text: string, limits: FormatLimits): Parsed;
  /**
   * Where each path starts in the text (the key of a mapping entry, the
   * item of a sequence), for the lines of schema issues.
   */
  locate(
    text: string,
    paths: readonly FieldPath[],
    maxDepth: number,
  ): (number | undefined)[];
  /**
   * What a plain (unquoted) scalar of this text is, for a format whose
   * plain scalars are typed by their text (YAML): `port: ${PORT}` is a
   * number once substituted.
   */
  typePlain?(text: string): unknown;
}
