import type { ConfigSchema, SchemaResult } from "./schema.ts";
import { sha256 } from "./digest.ts";
import type { Loaded } from "./pass.ts";
import { deepFreezeSliced } from "./freeze.ts";
import { expandEnv, type Expansion } from "./env.ts";
import { LoadError, type LoadErrorLocation, MAX_PROBLEMS } from "./errors.ts";
import { formatFor, type FormatName } from "./load/format/mod.ts";
import { type IssueContext, reportSchemaIssues } from "./load/schema_issues.ts";
import { keyShower } from "./redact.ts";
import { type FileInfo, runtime } from "./runtime/mod.ts";
import { describeFileError } from "./file_errors.ts";
import { type OffThreadParser, WorkerUnavailable } from "./load/off_thread.ts";
import { type ParseOutcome, parseText } from "./load/parse_text.ts";

/**
 * A parsed config before validation: the top level of a config file is
 * always a mapping.
 *
 * @example Usage
 * ```ts
 * import { loadConfig, type ConfigObject } from "@hup/reload";
 *
 * async function read(path: string): Promise<ConfigObject> {
 *   return await loadConfig(path);
 * }
 * ```
 */
export type ConfigObject = { [key: string]: unknown };

/**
 * Options of {@linkcode loadConfig}.
 *
 * @example Usage
 * ```ts
 * import type { LoadOptions } from "@hup/reload";
 *
 * const options: LoadOptions = { env: (name) => ({ PORT: "8080" })[name] };
 * ```
 *
 * @typeParam C The config type the schema produces.
 */
export interface LoadOptions<C = ConfigObject> {
  /**
   * Validates (and may transform) the parsed mapping; any Standard Schema
   * library works (zod, valibot, arktype, ...). Without it the parsed mapping
   * is returned as is.
   *
   * @default {undefined}
   */
  schema?: ConfigSchema<C>;
  /**
   * Reads one environment variable for `${NAME}` expansion.
   *
   * @default {the process environment}
   */
  env?: (name: string) => string | undefined;
  /**
   * The largest file accepted, in bytes.
   *
   * @default {16777216}
   */
  maxBytes?: number;
  /**
   * The largest number of nodes (mappings, sequences and scalars) the parsed
   * document may have once aliases are expanded: a bound on "billion laughs"
   * files, which are small on disk but explode when walked.
   *
   * @default {1000000}
   */
  maxNodes?: number;
  /**
   * How long, in milliseconds, the file must have been left alone before it
   * is read, and the read is kept only if the file did not change during it:
   * a file being rewritten in place is never parsed half-written. A file
   * that keeps changing through 10 tries fails to load; a file replaced by
   * rename is always read whole.
   *
   * @default {15}
   */
  settle?: number;
  /**
   * The deepest nesting of mappings and sequences accepted.
   *
   * @default {100}
   */
  maxDepth?: number;
  /**
   * The size, in bytes, from which a coordinator parses the file in a
   * worker, off the event loop, so that a reload never holds it for the
   * length of a parse (`Infinity`: never). `loadConfig` alone always parses
   * on the event loop. Smaller files are parsed faster than a worker would
   * answer.
   *
   * @default {65536}
   */
  workerThreshold?: number;
  /**
   * The file's format: `"yaml"`, `"json"` or `"toml"`.
   *
   * @default {by the file name: `.json` is JSON, `.toml` TOML, anything else YAML}
   */
  format?: FormatName;
}

const SETTLE_ATTEMPTS = 10;
// From this size a coordinator parses in its worker (see workerThreshold).
const WORKER_THRESHOLD = 65536;
// Allowances for the clocks behind `settle`: file timestamps lag the time of
// the write by up to a kernel tick, Date.now() drops the fraction of a
// millisecond, and some filesystems keep whole seconds only.
const CLOCK_GRAIN_MS = 10;
const COARSE_GRAIN_MS = 1000;
// An mtime further ahead of the clock than this is taken as clock skew.
const FUTURE_SKEW_MS = 2000;

/**
 * Reads a config file (YAML, JSON or TOML, by its name or `format`),
 * expands environment variables, parses it and validates it: the loader
 * every reload pass uses, on its own.
 *
 * Expansion happens on the text before parsing: `${NAME}` and `$NAME` take
 * the variable's value, `${NAME:-default}` falls back when it is unset or
 * empty, `${NAME:?message}` fails with the message, `$$` is a literal `$`.
 * Defaults and messages are expanded in turn when used, as in a shell:
 * `${A:-${B:-none}}` (up to 10 levels; a value substituted into a message
 * is shown as `…`). References in comments are left alone. An unset
 * variable without a default is an error. YAML is YAML 1.2 (core schema
 * plus merge keys `<<: *base`), JSON is strict JSON, TOML is TOML 1.0 with
 * dates as ISO 8601 strings; a duplicate key is an error in all three.
 * Without a schema, the mapping returned is deeply frozen.
 *
 * The file is opened once without blocking, and checked as opened: a pipe
 * or device is refused unread. Whatever the file holds, loading takes time
 * linear in its size, and the error lists at most 50 problems (then
 * `and N more`) in at most 4 KiB.
 *
 * @example Loading with a schema
 * ```ts
 * import { loadConfig } from "@hup/reload";
 * import assert from "node:assert/strict";
 * import { mkdtemp, writeFile } from "node:fs/promises";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 *
 * const dir = await mkdtemp(join(tmpdir(), "hup-"));
 * const path = join(dir, "config.yaml");
 * await writeFile(path, "port: ${PORT:-8080}\n");
 * const config = await loadConfig(path, { env: () => undefined });
 * assert.deepEqual(config, { port: 8080 });
 * ```
 *
 * @example Nested defaults
 * ```ts
 * import { loadConfig } from "@hup/reload";
 * import assert from "node:assert/strict";
 * import { mkdtemp, writeFile } from "node:fs/promises";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 *
 * const dir = await mkdtemp(join(tmpdir(), "hup-"));
 * const path = join(dir, "config.yaml");
 * await writeFile(path, "host: ${HOST:-${FALLBACK_HOST:-localhost}}\n");
 * const vars: Record<string, string> = { FALLBACK_HOST: "db.internal" };
 * const config = await loadConfig(path, { env: (name) => vars[name] });
 * assert.deepEqual(config, { host: "db.internal" });
 * ```
 *
 * @param path The file's path.
 * @param options Environment and limits.
 * @returns The parsed mapping.
 * @throws {LoadError} If the file cannot be read, is not valid UTF-8 or not
 *   valid in its format, uses an unset variable, is not a mapping, exceeds
 *   a limit or fails validation. The message names the file and line, column or field, and
 *   never a value from the file or the environment.
 */
export function loadConfig(
  path: string,
  options?: LoadOptions<ConfigObject> & { schema?: undefined },
): Promise<ConfigObject>;
/**
 * Reads, expands, parses and validates a config file; the config type is
 * the schema's output type.
 *
 * @example With a schema
 * ```ts ignore
 * import { loadConfig } from "@hup/reload";
 * import { z } from "zod";
 *
 * const config = await loadConfig("config.yaml", {
 *   schema: z.object({ port: z.number() }),
 * });
 * config.port; // number
 * ```
 *
 * @typeParam C The config type, inferred from `schema`.
 * @param path The file's path.
 * @param options Schema, environment and limits.
 * @returns The validated config.
 * @throws {LoadError} As for the overload without a schema, and when the
 *   schema reports issues (one line per issue: `field: message`).
 */
export function loadConfig<C>(
  path: string,
  options: LoadOptions<C> & { schema: ConfigSchema<C> },
): Promise<C>;
export function loadConfig<C>(
  path: string,
  options?: LoadOptions<C>,
): Promise<C> {
  return readConfigFile(path, options).then((loaded) => loaded.config);
}

/**
 * {@linkcode loadConfig} without overloads, for callers generic in `C`, that
 * also gives the digest of the bytes read: the loader of every pass.
 *
 * @param path The file's path.
 * @param options Schema, environment and limits.
 * @returns The config and the SHA-256 of the file's bytes.
 */
export async function readConfigFile<C>(
  path: string,
  options: LoadOptions<C> = {},
  parser?: OffThreadParser,
): Promise<Loaded<C>> {
  const {
    maxBytes = 16 * 1024 * 1024,
    maxNodes = 1_000_000,
    maxDepth = 100,
    settle = 15,
    workerThreshold = WORKER_THRESHOLD,
  } = options;
  const format = formatFor(path, options.format);
  const bytes = await readBytes(path, maxBytes, settle);
  const source = decodeUtf8(path, bytes);
  // `${ENV}` lookups go through `env`, a function a worker cannot call:
  // expansion stays here (linear, and nothing when the text has no "$").
  const expansion = expand(
    path,
    source,
    options.env ?? runtime().getEnv,
    format.name,
  );
  const limits = { maxDepth, maxNodes };
  let outcome: ParseOutcome | undefined;
  let offThread = false;
  if (parser !== undefined && bytes.length >= workerThreshold) {
    try {
      outcome = await parser.parse({
        format: format.name,
        text: expansion.text,
        limits,
      });
      offThread = true;
    } catch (error) {
      if (!(error instanceof WorkerUnavailable)) {
        throw loadError(path, "the parser failed off the event loop", [{
          reason: (error as Error).message,
        }]);
      }
    }
  }
  // Without a schema the parsed mapping is the config: freeze it while
  // measuring it. A schema gets it unfrozen (some transform their input).
  const freeze = options.schema === undefined;
  outcome ??= parseText(format.name, expansion.text, limits, freeze);
  const value = accept(path, outcome, source, expansion);
  // Frozen here when the worker parsed it: in slices, it may be large.
  if (freeze && offThread) await deepFreezeSliced(value);
  const showKey = keyShower(expansion.values, source);
  const config = options.schema === undefined
    ? value as C
    : await validate(path, value, options.schema, {
      input: value,
      envValues: expansion.values,
      showKey,
      locate: (paths) => {
        const found = format.locate(expansion.text, paths, maxDepth);
        const at = found.flatMap((offset) =>
          offset === undefined ? [] : [expansion.originalOffset(offset)]
        );
        const places = lineColumns(source, at);
        return found.map((offset) =>
          offset === undefined ? undefined : places.shift()
        );
      },
    });
  // Hashed once the file has loaded: a refused file needs no digest.
  return {
    config,
    digest: sha256(bytes),
    showKey,
  };
}

type Problem = Omit<LoadErrorLocation, "path"> & { reason: string };

// Every LoadError of the loader is made here; the LoadError bounds the
// number of problems listed and the length of the message.
function loadError(
  path: string,
  reason: string,
  problems: Problem[] = [{ reason: "" }],
  options?: { cause?: unknown; omitted?: number },
): LoadError {
  return new LoadError(
    reason,
    problems.map((p) => ({ ...p, path })),
    options,
  );
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

// Whether a file looked the same before and after it was read.
const same = (a: FileInfo, b: FileInfo) =>
  a.kind === b.kind && a.size === b.size && a.mtimeMs === b.mtimeMs &&
  a.ctimeMs === b.ctimeMs;

async function readBytes(
  path: string,
  maxBytes: number,
  settle: number,
): Promise<Uint8Array> {
  const tooLarge = (size: number) =>
    loadError(
      path,
      `the file is larger than ${maxBytes} bytes (${size} bytes)`,
    );
  try {
    for (let attempt = 1;; attempt++) {
      // The file is opened once (never blocking, even on a pipe) and every
      // check is made on the opened file: a pipe or device would block or
      // never end, and a huge file would be read whole before its size
      // could be refused. A file written in place may be half-written:
      // read it only once it has been quiet for `settle` ms, and only keep
      // a read during which it did not change.
      let wait = 0;
      const read = await runtime().readRegularFile(path, maxBytes, (info) => {
        wait = settleDelay(
          info.mtimeMs,
          Date.now(),
          settle,
          coarseTimestamps(path, info),
        );
        return wait === 0;
      });
      const { before, bytes, after } = read;
      if (before.kind === "directory") {
        throw loadError(path, "the file is a directory");
      }
      if (before.kind !== "file") {
        throw loadError(
          path,
          "the file is not a regular file (a device, pipe or socket)",
        );
      }
      if (before.size > maxBytes) throw tooLarge(before.size);
      const whole = bytes !== undefined && after !== undefined &&
        same(before, after) && bytes.length === before.size;
      if (whole) return bytes;
      // Still changing, or changed during the read. A file that was not
      // left alone is never read as it is, even after the last try: it
      // may be torn yet unchanged during a read that fell between two
      // writes.
      if (bytes !== undefined && bytes.length > maxBytes) {
        throw tooLarge(bytes.length);
      }
      if (attempt > SETTLE_ATTEMPTS) {
        throw loadError(
          path,
          `the file kept changing while it was read (${SETTLE_ATTEMPTS} tries); replace it by rename for atomic updates`,
        );
      }
      if (bytes === undefined) {
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
  } catch (error) {
    if (error instanceof LoadError) throw error;
    throw loadError(path, `the file ${describeFileError(error)}`, undefined, {
      cause: error,
    });
  }
}

function decodeUtf8(path: string, bytes: Uint8Array): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    // By its byte order mark: UTF-32 (LE, BE) before UTF-16, whose LE mark
    // starts UTF-32 LE's.
    const [b0, b1, b2, b3] = bytes;
    const utf32 = (b0 === 0xff && b1 === 0xfe && b2 === 0 && b3 === 0) ||
      (b0 === 0 && b1 === 0 && b2 === 0xfe && b3 === 0xff);
    const utf16 = (b0 === 0xff && b1 === 0xfe) || (b0 === 0xfe && b1 === 0xff);
    const reason = utf32
      ? "the file is UTF-32 text, not UTF-8 (save it as UTF-8)"
      : utf16
      ? "the file is UTF-16 text, not UTF-8 (save it as UTF-8)"
      : "the file is not valid UTF-8 text";
    // The text before the first bad byte is valid: its end is the place.
    const before = new TextDecoder("utf-8").decode(
      bytes.subarray(0, firstInvalidUtf8(bytes)),
    );
    throw loadError(path, reason, [{
      ...lineColumn(before, before.length),
      reason: "",
    }]);
  }
}

// The index of the first byte that does not start or continue a well-formed
// UTF-8 sequence (as the WHATWG decoder sees it), or the length.
function firstInvalidUtf8(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length;) {
    const b = bytes[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    const need = b >= 0xc2 && b <= 0xdf
      ? 1
      : b >= 0xe0 && b <= 0xef
      ? 2
      : b >= 0xf0 && b <= 0xf4
      ? 3
      : 0;
    if (need === 0) return i;
    // The second byte's range excludes overlong forms, surrogates and
    // code points past U+10FFFF.
    const lo = b === 0xe0 ? 0xa0 : b === 0xf0 ? 0x90 : 0x80;
    const hi = b === 0xed ? 0x9f : b === 0xf4 ? 0x8f : 0xbf;
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (
        c === undefined || c < (k === 1 ? lo : 0x80) ||
        c > (k === 1 ? hi : 0xbf)
      ) return i;
    }
    i += need + 1;
  }
  return bytes.length;
}

function expand(
  path: string,
  source: string,
  env: (name: string) => string | undefined,
  syntax: FormatName,
): Expansion {
  const expansion = expandEnv(
    source,
    (name, offset, bare) => {
      try {
        return env(name);
      } catch (error) {
        // A `$NAME` may be a `$` inside a value: its name is not shown.
        const what = bare
          ? "an environment variable that a $ names"
          : `the environment variable ${name}`;
        throw loadError(
          path,
          `${what} cannot be read (${
            error instanceof Error ? error.name : "error"
          }; with Deno, allow it with --allow-env=${bare ? "NAME" : name})`,
          [{ ...lineColumn(source, offset), reason: "" }],
        );
      }
    },
    MAX_PROBLEMS,
    syntax,
  );
  const { problems, problemCount } = expansion;
  if (problemCount > 0) {
    const at = lineColumns(source, problems.map((p) => p.offset));
    throw loadError(
      path,
      problemCount === 1
        ? "an environment variable cannot be expanded"
        : "environment variables cannot be expanded",
      problems.map((p, i) => ({ ...at[i], reason: p.reason })),
      { omitted: problemCount - problems.length },
    );
  }
  return expansion;
}

// The parsed mapping, or the LoadError for what is wrong, placed in the
// original text.
function accept(
  path: string,
  outcome: ParseOutcome,
  source: string,
  expansion: Expansion,
): ConfigObject {
  if (outcome.ok) return outcome.value;
  const at = outcome.offset === undefined
    ? undefined
    : lineColumn(source, expansion.originalOffset(outcome.offset));
  throw loadError(path, outcome.summary, [{ ...at, reason: outcome.reason }]);
}

async function validate<C>(
  path: string,
  value: ConfigObject,
  schema: ConfigSchema<C>,
  context: IssueContext,
): Promise<C> {
  let outcome: SchemaResult<C>;
  try {
    outcome = await schema["~standard"].validate(value);
  } catch (error) {
    throw loadError(path, "the schema threw while validating", [{
      reason: error instanceof Error ? error.name : "non-error value thrown",
    }]);
  }
  if (outcome.issues === undefined) return outcome.value;
  // Schema libraries may quote the offending value, or a key: report the
  // field and line without them.
  const { reports, more } = reportSchemaIssues(outcome.issues, context);
  throw loadError(path, "it does not match the schema", reports, {
    omitted: more,
  });
}

// The 1-based line and column (in UTF-16 code units) of each offset, in one
// pass over the text up to the last of them.
function lineColumns(
  text: string,
  offsets: readonly number[],
): { line: number; column: number }[] {
  const order = offsets.map((_, i) => i).sort((a, b) =>
    offsets[a] - offsets[b]
  );
  const found: { line: number; column: number }[] = new Array(offsets.length);
  let line = 1;
  let lineStart = 0;
  let newline = text.indexOf("\n");
  for (const i of order) {
    while (newline !== -1 && newline < offsets[i]) {
      line++;
      lineStart = newline + 1;
      newline = text.indexOf("\n", lineStart);
    }
    found[i] = { line, column: offsets[i] - lineStart + 1 };
  }
  return found;
}

function lineColumn(
  text: string,
  offset: number,
): { line: number; column: number } {
  return lineColumns(text, [offset])[0];
}
