/** Where in a config file a {@linkcode LoadError} points. */
export interface LoadErrorLocation {
  /** The config file's path. */
  path: string;
  /** 1-based line, when the problem has one. */
  line?: number;
  /** 1-based column, when the problem has one. */
  column?: number;
  /** Dotted path of the field, when the problem is about one field. */
  field?: string;
}

/** At most this many problems are listed; the rest are counted. */
export const MAX_PROBLEMS = 50;
/** The longest message (and problem line), in bytes of UTF-8. */
export const MAX_MESSAGE_BYTES = 4096;

/**
 * The config file could not be read, expanded, parsed or validated.
 *
 * The message names what is wrong and where (file, line, column, field); it
 * never contains a value from the file or from the environment. When several
 * things are wrong (unset variables, schema issues) `problems` lists each one
 * and the message has one line per problem.
 *
 * Both are bounded, whatever the file: `problems` lists at most 50
 * problems, each at most 4 KiB (UTF-8), then one line `and N more` for the
 * rest; the message is at most 4 KiB, with as many of those lines as fit
 * and its own `and N more` for the others. A line too long is cut short
 * with `…`.
 *
 * @example Handling a bad file at start-up
 * ```ts
 * import { loadConfig, LoadError } from "@hup/reload";
 * import assert from "node:assert/strict";
 *
 * try {
 *   await loadConfig("/nonexistent/config.yaml");
 *   assert.fail("expected a LoadError");
 * } catch (error) {
 *   assert.ok(error instanceof LoadError);
 *   assert.equal(error.path, "/nonexistent/config.yaml");
 *   assert.match(error.message, /does not exist/);
 * }
 * ```
 */
export class LoadError extends Error {
  /**
   * What is wrong, phrased to follow "Cannot load config as": `the file
   * does not exist`. Never a value.
   */
  readonly reason: string;
  /** The config file's path. */
  readonly path: string;
  /** 1-based line of the first problem, when it has one. */
  readonly line?: number;
  /** 1-based column of the first problem, when it has one. */
  readonly column?: number;
  /** Dotted path of the field of the first problem, when it has one. */
  readonly field?: string;
  /**
   * Each problem listed (at least one, at most 50), rendered with its
   * location, then `and N more` when some were left out.
   */
  readonly problems: readonly string[];

  /**
   * Creates the error.
   *
   * @example Many problems, listed up to a bound
   * ```ts
   * import { LoadError } from "@hup/reload";
   * import assert from "node:assert/strict";
   *
   * const problems = Array.from({ length: 1000 }, (_, i) => ({
   *   path: "app.yaml",
   *   line: i + 1,
   *   reason: "the environment variable X is not set",
   * }));
   * const error = new LoadError("environment variables cannot be expanded", problems);
   * assert.equal(error.problems.length, 51);
   * assert.equal(error.problems[50], "and 950 more");
   * assert.ok(new TextEncoder().encode(error.message).length <= 4096);
   * ```
   *
   * @param reason What is wrong, phrased to follow "Cannot load config as".
   * @param problems Each problem, with its location; the first one also sets
   *   `line`, `column` and `field`. Only the first 50 are rendered.
   * @param options `cause`: the underlying error, when it holds no value from
   *   the file; `omitted`: how many more problems there are beyond
   *   `problems`, for a caller that listed only the first ones.
   */
  constructor(
    reason: string,
    problems: readonly (LoadErrorLocation & { reason: string })[],
    options?: { cause?: unknown; omitted?: number },
  ) {
    const total = problems.length + Math.max(0, options?.omitted ?? 0);
    const more = (n: number) => `and ${n} more`;
    const listed = problems.slice(0, MAX_PROBLEMS).map((problem) =>
      fitUtf8(renderProblem(problem), MAX_MESSAGE_BYTES)
    );
    if (total > listed.length) listed.push(more(total - listed.length));
    const head = `Cannot load config as ${reason}:`;
    let message: string;
    if (listed.length === 1) {
      message = `${head} ${listed[0]}`;
    } else {
      // As many lines as fit, each costing its length and "\n  ", with
      // room kept for the last one, "and N more"; the first one always,
      // cut short if it must be.
      let budget = MAX_MESSAGE_BYTES - utf8Length(head) -
        utf8Length(`\n  ${more(total)}`);
      let shown = 0;
      const lines: string[] = [];
      for (const line of listed.slice(0, problems.length)) {
        const cost = 3 + utf8Length(line, budget);
        if (cost > budget) {
          if (shown === 0) lines.push(fitUtf8(line, budget - 3)), shown++;
          break;
        }
        lines.push(line);
        budget -= cost;
        shown++;
      }
      if (total > shown) lines.push(more(total - shown));
      message = `${head}\n  ${lines.join("\n  ")}`;
    }
    super(
      fitUtf8(message, MAX_MESSAGE_BYTES),
      options?.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = "LoadError";
    this.reason = fitUtf8(reason, MAX_MESSAGE_BYTES);
    const first = problems[0];
    this.path = first.path;
    if (first.line !== undefined) this.line = first.line;
    if (first.column !== undefined) this.column = first.column;
    if (first.field !== undefined) {
      this.field = fitUtf8(first.field, MAX_MESSAGE_BYTES);
    }
    this.problems = Object.freeze(listed);
  }
}

function renderProblem(p: LoadErrorLocation & { reason: string }): string {
  let where = p.path;
  if (p.line !== undefined) where += ` line ${p.line}`;
  if (p.column !== undefined) where += `, column ${p.column}`;
  if (p.field !== undefined) where += ` field ${p.field}`;
  return p.reason === "" ? where : `${where}: ${p.reason}`;
}

// The length of `text` in UTF-8, looking at no more than `limit + 1` bytes'
// worth of it.
function utf8Length(text: string, limit = Infinity): number {
  let bytes = 0;
  for (let i = 0; i < text.length && bytes <= limit; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c < 0xdc00 && isLow(text.charCodeAt(i + 1))) {
      bytes += 4; // a surrogate pair
      i++;
    } else bytes += 3;
  }
  return bytes;
}

const isLow = (c: number) => c >= 0xdc00 && c < 0xe000;

// `text` if it fits in `max` bytes of UTF-8, else its longest prefix that
// fits with "…" after it, never cutting a surrogate pair.
function fitUtf8(text: string, max: number): string {
  if (text.length * 3 <= max || utf8Length(text, max) <= max) return text;
  const budget = max - 3; // "…" is 3 bytes
  let bytes = 0;
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    const pair = c >= 0xd800 && c < 0xdc00 && isLow(text.charCodeAt(i + 1));
    const size = c < 0x80 ? 1 : c < 0x800 ? 2 : pair ? 4 : 3;
    if (bytes + size > budget) break;
    bytes += size;
    i += pair ? 2 : 1;
  }
  return `${text.slice(0, i)}…`;
}
