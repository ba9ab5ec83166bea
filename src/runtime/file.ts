import {
  closeSync,
  constants,
  fstatSync,
  openSync,
  read,
  readSync,
} from "node:fs";
import type { FileInfo, FileRead, ReadRegularFileOptions } from "./types.ts";

// O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer
// (in a worker thread on Node.js and Deno, on the event loop itself on Bun).
// O_NOCTTY: a terminal device must not become the controlling terminal.
// Both are ignored for regular files and absent on Windows.
const FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) |
  (constants.O_NOCTTY ?? 0);

function facts(fd: number): FileInfo {
  const stats = fstatSync(fd);
  const time = (ms: number) => Number.isFinite(ms) && ms !== 0 ? ms : null;
  return {
    kind: stats.isFile() ? "file" : stats.isDirectory() ? "directory" : "other",
    size: stats.size,
    mtimeMs: time(stats.mtimeMs),
    ctimeMs: time(stats.ctimeMs),
    // Deno gives no inode on some platforms (null or 0).
    ...(stats.ino ? { id: `${stats.dev}:${stats.ino}` } : {}),
  };
}

const readAt = (fd: number, buffer: Uint8Array, at: number) =>
  new Promise<number>((resolve, reject) =>
    read(
      fd,
      buffer,
      at,
      buffer.length - at,
      at,
      (error, bytesRead) => error ? reject(error) : resolve(bytesRead),
    )
  );

// Up to this size a regular file is read synchronously: the read takes a
// few microseconds from the page cache, far less than sending it to the
// I/O threads and back (which, on a busy machine, waits for a core).
const SYNC_READ_MAX = 65536;

/**
 * {@linkcode Runtime.readRegularFile} with `node:fs`, which Deno, Node.js
 * and Bun all provide with the flags it needs (`Deno.open` has no way to
 * open without blocking). Needs only read permission for `path`.
 *
 * Opening without blocking and looking at the open file take microseconds
 * on a local disk, far less than the scheduling of an asynchronous call, so
 * they are synchronous; so is the read of a small file (under 64 KiB), and
 * a larger one is read asynchronously. The second look, after the read,
 * is made only when asked for: the loader needs it to keep only a read
 * during which the file did not change, while the watch and secret files
 * use the bytes alone.
 *
 * @param path The file's path.
 * @param maxBytes The most bytes wanted; one more is read at most.
 * @param options Whether to read, given the open file's facts, and whether
 *   to look at it again once read.
 * @returns What was found and read.
 */
export async function readRegularFile(
  path: string,
  maxBytes: number,
  options: ReadRegularFileOptions = {},
): Promise<FileRead> {
  const { ready, recheck = false } = options;
  const fd = openSync(path, FLAGS);
  try {
    const before = facts(fd);
    if (
      before.kind !== "file" || before.size > maxBytes ||
      (ready !== undefined && !ready(before))
    ) {
      return { before };
    }
    // Room for the size seen plus one byte, to notice a file that grew;
    // grown on demand up to maxBytes + 1. A read that comes back short is
    // the end of a regular file (a short read mid-file would leave fewer
    // bytes than `before.size`, which the caller sees).
    const limit = maxBytes + 1;
    let buffer = new Uint8Array(Math.min(before.size + 1, limit));
    let length = 0;
    const small = before.size < SYNC_READ_MAX;
    for (;;) {
      const bytesRead = small && buffer.length <= SYNC_READ_MAX
        ? readSync(fd, buffer, length, buffer.length - length, length)
        : await readAt(fd, buffer, length);
      length += bytesRead;
      if (length < buffer.length || length === limit) break;
      const bigger = new Uint8Array(Math.min(length * 2, limit));
      bigger.set(buffer);
      buffer = bigger;
    }
    const bytes = buffer.subarray(0, length);
    return recheck ? { before, bytes, after: facts(fd) } : { before, bytes };
  } finally {
    closeSync(fd);
  }
}
