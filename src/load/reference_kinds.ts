import { isAbsolute, resolve } from "node:path";
import { fileSource } from "./file_source.ts";
import type { ConfigSource } from "./source.ts";

/**
 * A kind of `${kind:target}` reference: where a target's value is read
 * from. Every value read this way is a secret (never shown in any output),
 * is part of the config's digest, and its source is watched like a layer.
 */
export interface ReferenceKind {
  /**
   * The source a target reads, given the directory of the file that holds
   * the reference (if it is a file); or why it cannot be read. The same
   * value must get a source of the same `name`.
   */
  source(
    target: string,
    directory: string | undefined,
    options: { settle: number },
  ): ConfigSource | { problem: string };
  /**
   * How messages name the value a source reads: `the secret file
   * /run/secrets/db`. Never the value.
   */
  describe(source: ConfigSource): string;
}

/** `${file:PATH}`: a secret file, its path relative to the config's file. */
const fileReference: ReferenceKind = {
  source(target, directory, { settle }) {
    if (isAbsolute(target)) return fileSource(resolve(target), { settle });
    if (directory === undefined) {
      return {
        problem:
          `the secret file ${target} is a relative path in a config that is not read from a file (write an absolute path)`,
      };
    }
    return fileSource(resolve(directory, target), { settle });
  },
  describe: (source) => `the secret file ${source.name}`,
};

/** The kinds of `${kind:target}` reference the loader knows, by name. */
export const REFERENCE_KINDS: Readonly<Record<string, ReferenceKind>> = {
  file: fileReference,
};

/** The largest value a `${kind:target}` reference reads, in bytes. */
export const MAX_REFERENCE_BYTES = 65536;

/**
 * The value of a reference's content: its UTF-8 text without one trailing
 * newline (`\n` or `\r\n`), as secret files are written.
 *
 * @param bytes The content.
 * @returns The value, or why it is not one.
 */
export function referenceValue(
  bytes: Uint8Array,
): { value: string } | { why: string } {
  let value: string;
  try {
    value = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return { why: "it is not valid UTF-8 text" };
  }
  if (value.endsWith("\n")) {
    value = value.slice(0, value.endsWith("\r\n") ? -2 : -1);
  }
  return { value };
}
