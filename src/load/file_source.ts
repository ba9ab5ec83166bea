import { dirname, resolve } from "node:path";
import { LoadError } from "../errors.ts";
import { describeFileError } from "../file_errors.ts";
import { type FileInfo, runtime } from "../runtime/mod.ts";
import { FORMAT_NAMES } from "./format/mod.ts";
import type { FormatName } from "./format/types.ts";
import type {
  ConfigSource,
  SourceContent,
  SourceReadOptions,
} from "./source.ts";

/**
 * Options of {@linkcode fileSource}.
 *
 * @example Usage
 * ```ts
 * import type { FileSourceOptions } from "@hup/reload";
 *
 * const options: FileSourceOptions = { optional: true, format: "toml" };
 * ```
 */
export interface FileSourceOptions {
  /**
   * Whether the file may be missing: a missing optional layer is left out
   * (and picked up once it appears), a missing required one fails the
   * load.
   *
   * @default {false}
   */
  optional?: boolean;
  /**
   * The file's format: `"yaml"`, `"json"` or `"toml"`.
   *
   * @default {by the file name: `.json` is JSON, `.toml` TOML, anything else YAML}
   */
  format?: FormatName;
  /**
   * How long, in milliseconds, the file must have been left alone before it
   * is read, and the read is kept only if the file did not change during it:
   * a file being rewritten in place is never parsed half-written. A file
   * that keeps changing through 10 tries fails to load; a file replaced by
   * rename is always read whole, and without this wait when the rename is
   * seen to have come after its last write (see {@linkcode renamedWhole}).
   *
   * @default {15}
   */
  settle?: number;
}

const SETTLE_ATTEMPTS = 10;
// Allowances for the clocks behind `settle`: file timestamps lag the time of
// the write by up to a kernel tick, Date.now() drops the fraction of a
// millisecond, and some filesystems keep whole seconds only.
const CLOCK_GRAIN_MS = 10;
const COARSE_GRAIN_MS = 1000;
// An mtime further ahead of the clock than this is taken as clock skew.
const FUTURE_SKEW_MS = 2000;

/**
 * A config file as a {@linkcode ConfigSource}: what `configPath` stands
 * for. Each read opens the file once, without ever blocking, and checks
 * the open file: a directory, pipe or device is refused unread, and so is
 * a file larger than `maxBytes`. A file being written in place is read
 * only once it has been left alone for `settle` ms, and the read is kept
 * only if the file did not change during it. The path is resolved against
 * the current directory once, now, and messages name the file by its
 * absolute path; relative `${file:...}` references in it start from its
 * directory.
 *
 * @example Layers: a base, the environment's overrides, an optional local file
 * ```ts
 * import { Coordinator, fileSource } from "@hup/reload";
 * import assert from "node:assert/strict";
 * import { mkdtemp, writeFile } from "node:fs/promises";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 *
 * const dir = await mkdtemp(join(tmpdir(), "hup-"));
 * await writeFile(join(dir, "base.yaml"), "port: 8080\nlog: { level: info }\n");
 * await writeFile(join(dir, "production.json"), '{ "log": { "level": "warning" } }');
 * const coordinator = await Coordinator.create({
 *   source: [
 *     fileSource(join(dir, "base.yaml")),
 *     fileSource(join(dir, "production.json")),
 *     fileSource(join(dir, "local.yaml"), { optional: true }),
 *   ],
 * });
 * assert.deepEqual(coordinator.config.load(), { port: 8080, log: { level: "warning" } });
 * ```
 *
 * @param path The file's path.
 * @param options Whether it may be missing, its format and the settle wait.
 * @returns The source.
 * @throws {TypeError} If `path` is not a non-empty string, or
 *   `options.format` is not a format.
 * @throws {RangeError} If `options.settle` is not a finite number from 0.
 */
export function fileSource(
  path: string,
  options: FileSourceOptions = {},
): ConfigSource {
  return new FileSource(path, options);
}

/**
 * The file behind a source made by {@linkcode fileSource}, for the file
 * watch; `undefined` for any other source.
 *
 * @param source A source.
 * @returns The file's absolute path, or `undefined`.
 */
export function sourceFile(source: ConfigSource): string | undefined {
  return source instanceof FileSource ? source.file : undefined;
}

class FileSource implements ConfigSource {
  readonly name: string;
  /** The absolute path, resolved once. */
  readonly file: string;
  readonly #optional: boolean;
  readonly #format: FormatName | undefined;
  readonly #settle: number;
  /** Which file (`<device>:<inode>`) the last whole read found. */
  #read: string | undefined = undefined;

  constructor(path: string, options: FileSourceOptions) {
    if (typeof path !== "string" || path === "") {
      throw new TypeError(
        "Cannot create the file source as path is not a non-empty string",
      );
    }
    const { optional = false, format, settle = 15 } = options ?? {};
    if (format !== undefined && !FORMAT_NAMES.includes(format)) {
      throw new TypeError(
        `Cannot create the file source as the format is unknown: options.format must be one of ${
          FORMAT_NAMES.join(", ")
        }: ${path}`,
      );
    }
    if (typeof settle !== "number" || !(settle >= 0 && settle < Infinity)) {
      throw new RangeError(
        `Cannot create the file source as options.settle is not a finite number from 0: ${path}`,
      );
    }
    // Resolved once: a later chdir changes nothing, and messages show
    // where the file is.
    this.file = resolve(path);
    this.name = this.file;
    this.#optional = optional === true;
    this.#format = format;
    this.#settle = settle;
  }

  async read(options: SourceReadOptions): Promise<SourceContent | undefined> {
    let read: { bytes: Uint8Array; info: FileInfo };
    try {
      read = await readSettled(
        this.file,
        options.maxBytes,
        this.#settle,
        this.#read,
      );
    } catch (error) {
      if (!(error instanceof FileReadError)) throw error;
      if (this.#optional && isMissing(error)) return undefined;
      throw new LoadError(
        `the file ${error.what}`,
        [{ path: this.name, reason: "" }],
        error.cause === undefined ? undefined : { cause: error.cause },
      );
    }
    const { bytes, info } = read;
    this.#read = info.id;
    return {
      bytes,
      ...(info.mtimeMs !== null &&
        { version: new Date(info.mtimeMs).toISOString() }),
      ...(this.#format !== undefined && { format: this.#format }),
      directory: dirname(this.file),
    };
  }
}

// Whether a failed read found no file (as opposed to a file it refused).
function isMissing(error: FileReadError): boolean {
  const cause = error.cause as { code?: unknown; name?: unknown } | undefined;
  const code = cause?.code ?? cause?.name;
  return code === "ENOENT" || code === "ENOTDIR" || code === "NotFound";
}

/**
 * How long to wait before a file last modified at `mtimeMs` has been left
 * alone for `settle` ms, at time `now`; 0 when it has. An mtime within the
 * window on either side of `now` counts as recent: timestamps can be a
 * fraction of a millisecond ahead of Date.now() (which drops it) or a
 * kernel tick behind the write, and whole-second timestamps may be up to a
 * second behind it. An mtime more than 2 s ahead is clock skew: waiting
 * for it could stall reloads for long, so the file is read at once and the
 * read kept only if the file did not change during it.
 *
 * @param mtimeMs The file's mtime, if known.
 * @param now The current time (`Date.now()`).
 * @param settle The quiet time wanted, in ms.
 * @param coarse Whether the file's timestamps may be whole seconds (by
 *   default: whether this one is; see {@linkcode coarseTimestamps}).
 * @returns The time to wait, in ms.
 */
export function settleDelay(
  mtimeMs: number | null,
  now: number,
  settle: number,
  coarse: boolean = mtimeMs !== null && mtimeMs % 1000 === 0,
): number {
  if (mtimeMs === null || !(settle > 0)) return 0;
  const grain = coarse ? COARSE_GRAIN_MS : CLOCK_GRAIN_MS;
  const age = now - mtimeMs;
  if (age >= settle + grain || age <= -FUTURE_SKEW_MS) return 0;
  return settle + grain - age;
}

// Paths whose timestamps were seen with a fraction of a second: their
// filesystem keeps more than whole seconds. Bounded: forgotten past 256.
const fineTimestamps = new Set<string>();

/**
 * Whether the timestamps of the file at `path` may be whole seconds, given
 * its facts now: only if they are whole seconds now and never had a
 * fraction before. One timestamp in a thousand is a whole second by chance
 * on a filesystem that keeps milliseconds (as Deno's `node:fs` gives them):
 * taken as coarse, it would make a save wait a second, not 25 ms.
 *
 * @param path The file's path.
 * @param info Its facts now.
 * @returns Whether to allow for whole-second timestamps.
 */
export function coarseTimestamps(path: string, info: FileInfo): boolean {
  const whole = (ms: number | null) => ms === null || ms % 1000 === 0;
  if (whole(info.mtimeMs) && whole(info.ctimeMs)) {
    return !fineTimestamps.has(path);
  }
  if (fineTimestamps.size >= 256) fineTimestamps.clear();
  fineTimestamps.add(path);
  return false;
}

/**
 * Whether the file, as opened, was renamed over the path whole: another
 * file (device and inode) than the one read before, not empty, and not
 * written since its last status change (its ctime is later than its
 * mtime). A rename changes the ctime only; every write sets both, so a
 * file written in place after it was renamed in, or created at the path
 * and being written (an editor that moves the original aside), fails the
 * test and waits for `settle` as any in-place write. So does a rename in
 * the same tick of the file system's clock as the last write (equal
 * times), the first read of a path, which knows no file before it, and a
 * file whose timestamps may be whole seconds (a whole-second mtime may be
 * earlier than a write in the same second).
 *
 * @param info The opened file's facts.
 * @param known Which file the last whole read found, if any.
 * @param coarse Whether the file's timestamps may be whole seconds (see
 *   {@linkcode coarseTimestamps}).
 * @returns Whether to read it without waiting.
 */
export function renamedWhole(
  info: FileInfo,
  known: string | undefined,
  coarse: boolean,
): boolean {
  return !coarse && known !== undefined && info.id !== undefined &&
    info.id !== known &&
    info.kind === "file" && info.size > 0 && info.mtimeMs !== null &&
    info.ctimeMs !== null && info.ctimeMs > info.mtimeMs;
}

// Whether a file looked the same before and after it was read.
const same = (a: FileInfo, b: FileInfo) =>
  a.kind === b.kind && a.size === b.size && a.mtimeMs === b.mtimeMs &&
  a.ctimeMs === b.ctimeMs;

/**
 * A file that {@linkcode readSettled} could not read: what is wrong with
 * it, as words that follow "the file" ("does not exist", "is a
 * directory"), and the runtime's error, if any.
 */
export class FileReadError extends Error {
  /** What is wrong, following "the file". */
  readonly what: string;

  /**
   * Creates the error.
   *
   * @param what What is wrong, following "the file".
   * @param cause The runtime's error, if any.
   */
  constructor(what: string, cause?: unknown) {
    super(`The file ${what}`, cause === undefined ? undefined : { cause });
    this.name = "FileReadError";
    this.what = what;
  }
}

/**
 * Reads a whole regular file of at most `maxBytes` bytes once it has been
 * left alone for `settle` ms, or at once when it was renamed over the path
 * whole since `known` was read ({@linkcode renamedWhole}), keeping only a
 * read during which it did not change (at most 10 tries).
 *
 * @param path The file's path.
 * @param maxBytes The largest file read.
 * @param settle The quiet time wanted, in ms.
 * @param known Which file (`<device>:<inode>`) the last whole read of the
 *   path found, if any.
 * @returns The bytes, and the file's facts as read.
 * @throws {FileReadError} If it cannot be read, is not a regular file, is
 *   too large or keeps changing.
 */
export async function readSettled(
  path: string,
  maxBytes: number,
  settle: number,
  known?: string,
): Promise<{ bytes: Uint8Array; info: FileInfo }> {
  const tooLarge = (size: number) =>
    new FileReadError(`is larger than ${maxBytes} bytes (${size} bytes)`);
  try {
    for (let attempt = 1;; attempt++) {
      // The file is opened once (never blocking, even on a pipe) and every
      // check is made on the opened file: a pipe or device would block or
      // never end, and a huge file would be read whole before its size
      // could be refused. A file written in place may be half-written:
      // read it only once it has been quiet for `settle` ms, and only keep
      // a read during which it did not change. A file renamed in after its
      // last write is whole already.
      let wait = 0;
      const read = await runtime().readRegularFile(path, maxBytes, {
        ready: (info) => {
          const coarse = coarseTimestamps(path, info);
          if (renamedWhole(info, known, coarse)) return true;
          wait = settleDelay(info.mtimeMs, Date.now(), settle, coarse);
          return wait === 0;
        },
        recheck: true,
      });
      const { before, bytes, after } = read;
      if (before.kind === "directory") {
        throw new FileReadError("is a directory");
      }
      if (before.kind !== "file") {
        throw new FileReadError(
          "is not a regular file (a device, pipe or socket)",
        );
      }
      if (before.size > maxBytes) throw tooLarge(before.size);
      const whole = bytes !== undefined && after !== undefined &&
        same(before, after) && bytes.length === before.size;
      if (whole) return { bytes, info: before };
      // Still changing, or changed during the read. A file that was not
      // left alone is never read as it is, even after the last try: it
      // may be torn yet unchanged during a read that fell between two
      // writes.
      if (bytes !== undefined && bytes.length > maxBytes) {
        throw tooLarge(bytes.length);
      }
      if (attempt > SETTLE_ATTEMPTS) {
        throw new FileReadError(
          `kept changing while it was read (${SETTLE_ATTEMPTS} tries); replace it by rename for atomic updates`,
        );
      }
      if (bytes === undefined) {
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
  } catch (error) {
    if (error instanceof FileReadError) throw error;
    throw new FileReadError(describeFileError(error), error);
  }
}
