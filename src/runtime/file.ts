import { constants, open } from "node:fs/promises";
import type { FileInfo, FileRead } from "./types.ts";

// O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer
// (in a worker thread on Node.js and Deno, on the event loop itself on Bun).
// O_NOCTTY: a terminal device must not become the controlling terminal.
// Both are ignored for regular files and absent on Windows.
const FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) |
  (constants.O_NOCTTY ?? 0);

interface Stats {
  isFile(): boolean;
  isDirectory(): boolean;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
}

function facts(stats: Stats): FileInfo {
  const time = (ms: number) => Number.isFinite(ms) && ms !== 0 ? ms : null;
  return {
    kind: stats.isFile() ? "file" : stats.isDirectory() ? "directory" : "other",
    size: stats.size,
    mtimeMs: time(stats.mtimeMs),
    ctimeMs: time(stats.ctimeMs),
  };
}

/**
 * {@linkcode Runtime.readRegularFile} with `node:fs/promises`, which Deno,
 * Node.js and Bun all provide with the flags it needs (`Deno.open` has no
 * way to open without blocking). Needs only read permission for `path`.
 *
 * @param path The file's path.
 * @param maxBytes The most bytes wanted; one more is read at most.
 * @param ready Whether to read, given the open file's facts.
 * @returns What was found and read.
 */
export async function readRegularFile(
  path: string,
  maxBytes: number,
  ready: (before: FileInfo) => boolean = () => true,
): Promise<FileRead> {
  const handle = await open(path, FLAGS);
  try {
    const before = facts(await handle.stat());
    if (before.kind !== "file" || before.size > maxBytes || !ready(before)) {
      return { before };
    }
    // Room for the size seen plus one byte, to notice a file that grew;
    // grown on demand up to maxBytes + 1.
    const limit = maxBytes + 1;
    let buffer = new Uint8Array(Math.min(before.size + 1, limit));
    let length = 0;
    for (;;) {
      if (length === buffer.length) {
        if (length === limit) break;
        const bigger = new Uint8Array(Math.min(length * 2, limit));
        bigger.set(buffer);
        buffer = bigger;
      }
      const { bytesRead } = await handle.read(
        buffer,
        length,
        buffer.length - length,
        length,
      );
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    const after = facts(await handle.stat());
    return { before, bytes: buffer.subarray(0, length), after };
  } finally {
    await handle.close();
  }
}
