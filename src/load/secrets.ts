import { FileReadError, readSettled } from "./file_source.ts";

/** The largest secret file read, in bytes. */
export const MAX_SECRET_BYTES = 65536;

/** A secret file as read: its text and bytes, or what is wrong with it. */
export type SecretFile = { value: string; bytes: Uint8Array } | {
  what: string;
};

/**
 * Reads secret files for `${file:...}` references, all at once: each must
 * be a regular file (links followed, as in a Kubernetes secret volume) of
 * at most 64 KiB of UTF-8 text, read as files are (opened once without
 * blocking, left alone for `settle` ms, unchanged while read); its text
 * is the value, without one trailing newline. What goes wrong is said in
 * words that follow the path, never with the file's content.
 *
 * @param paths Absolute paths, each once.
 * @param settle The quiet time wanted, in ms.
 * @returns Each file's text and bytes, or what is wrong with it.
 */
export async function readSecretFiles(
  paths: readonly string[],
  settle: number,
): Promise<Map<string, SecretFile>> {
  const reads = await Promise.all(paths.map(async (path) => {
    try {
      const { bytes } = await readSettled(path, MAX_SECRET_BYTES, settle);
      let value: string;
      try {
        value = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
      } catch {
        return { what: "is not valid UTF-8 text" };
      }
      if (value.endsWith("\n")) {
        value = value.slice(0, value.endsWith("\r\n") ? -2 : -1);
      }
      return { value, bytes };
    } catch (error) {
      return {
        what: error instanceof FileReadError
          ? error.what
          : "cannot be read (unknown error)",
      };
    }
  }));
  return new Map(paths.map((path, i) => [path, reads[i]]));
}
