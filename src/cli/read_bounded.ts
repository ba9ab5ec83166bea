import { open } from "node:fs/promises";

/**
 * Reads a file an option names, at most `max` bytes of it: a token or env
 * file named by mistake as `/dev/zero` or a log of gigabytes is refused
 * after `max + 1` bytes instead of read whole.
 *
 * @param path The file.
 * @param max The most bytes accepted.
 * @returns The bytes, or `undefined` when the file holds more than `max`.
 * @throws {Error} What opening or reading threw (for `describeFileError`).
 */
export async function readBounded(
  path: string,
  max: number,
): Promise<Uint8Array | undefined> {
  const file = await open(path, "r");
  try {
    const buffer = new Uint8Array(max + 1);
    let size = 0;
    while (size < buffer.length) {
      const { bytesRead } = await file.read(buffer, size, buffer.length - size);
      if (bytesRead === 0) break;
      size += bytesRead;
    }
    return size > max ? undefined : buffer.subarray(0, size);
  } finally {
    await file.close();
  }
}
