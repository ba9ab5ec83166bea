import { constants } from "node:fs";
import { open } from "node:fs/promises";

/** What {@linkcode readBounded} tells of the file it opened. */
export interface OpenedFile {
  /** Its permission bits and type, as `stat` gives them. */
  mode: number;
  /** Whether it is a regular file (not a FIFO, a device or a socket). */
  isFile: boolean;
  /** Whether it is a FIFO or a pipe (`<(command)` in a shell). */
  isFifo: boolean;
}

/** How {@linkcode readBounded} may read. */
export interface ReadOptions {
  /**
   * Ends the wait for a file that is not a regular one (a FIFO with no
   * writer, a pipe nobody writes to, a terminal): once aborted, reading
   * fails with {@linkcode ReadTimeout}. Without it, the file is opened and
   * read as it comes, which may wait for ever on a FIFO.
   */
  signal?: AbortSignal;
  /** Called with what the file is, once it is open, before it is read. */
  opened?(file: OpenedFile): void;
}

/** Reading did not end before the `signal` of {@linkcode ReadOptions}. */
export class ReadTimeout extends Error {
  /** Creates the error. */
  constructor() {
    super("Cannot read the file as nothing ended it in time");
    this.name = "ReadTimeout";
  }
}

// Opening a FIFO blocks until a writer opens it, in the open(2) call itself,
// which no runtime can abandon (and which keeps the process from exiting):
// with O_NONBLOCK it returns at once, and reads say EAGAIN instead of
// waiting. Windows has neither FIFOs nor the flag.
const NONBLOCK: number = constants.O_NONBLOCK ?? 0;

/**
 * Reads a file an option names, at most `max` bytes of it: a token or env
 * file named by mistake as `/dev/zero` or a log of gigabytes is refused
 * after `max + 1` bytes instead of read whole.
 *
 * With a `signal`, the file is opened without blocking (`O_NONBLOCK`), so
 * that a FIFO with no writer cannot hold the open call, and a file that is
 * not a regular one (a FIFO, a pipe, a terminal) is read as its writer
 * writes, until it ends or the signal aborts; a FIFO that no writer has
 * opened yet reads as empty, so it is waited for too. Node.js 20, Deno and
 * Bun all read a non-blocking descriptor this way (`EAGAIN` while empty).
 *
 * @param path The file.
 * @param max The most bytes accepted.
 * @param options The deadline, and what to tell of the file once open.
 * @returns The bytes, or `undefined` when the file holds more than `max`.
 * @throws {ReadTimeout} When the signal aborts first.
 * @throws {Error} What opening or reading threw (for `describeFileError`).
 */
export async function readBounded(
  path: string,
  max: number,
  options: ReadOptions = {},
): Promise<Uint8Array | undefined> {
  const { signal } = options;
  const file = await open(
    path,
    signal === undefined ? "r" : constants.O_RDONLY | NONBLOCK,
  );
  try {
    const stats = await file.stat();
    const isFifo = stats.isFIFO();
    options.opened?.({ mode: stats.mode, isFile: stats.isFile(), isFifo });
    const buffer = new Uint8Array(max + 1);
    let size = 0;
    let delay = MIN_DELAY;
    while (size < buffer.length) {
      let bytesRead: number;
      try {
        ({ bytesRead } = await file.read(buffer, size, buffer.length - size));
      } catch (error) {
        if (signal === undefined || !isWouldBlock(error)) throw error;
        bytesRead = -1; // nothing to read yet
      }
      // The end, except for a FIFO that no writer has opened yet: it reads
      // as ended until one does.
      if (bytesRead === 0 && !(isFifo && size === 0 && signal !== undefined)) {
        break;
      }
      if (bytesRead > 0) {
        size += bytesRead;
        delay = MIN_DELAY;
        continue;
      }
      // Only a file that has nothing to read yet waits, so only it can time
      // out: a regular file is read whole however long that takes.
      if (signal!.aborted) throw new ReadTimeout();
      await pause(delay, signal!);
      delay = Math.min(delay * 2, MAX_DELAY);
    }
    return size > max ? undefined : buffer.subarray(0, size);
  } finally {
    await file.close();
  }
}

/** The first and the longest wait between two reads of an empty FIFO, in ms. */
const MIN_DELAY = 5;
const MAX_DELAY = 100;

function isWouldBlock(error: unknown): boolean {
  const code = typeof error === "object" && error !== null
    ? (error as { code?: unknown }).code
    : undefined;
  return code === "EAGAIN" || code === "EWOULDBLOCK";
}

/** Waits `ms`, or until `signal` aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done);
  });
}
