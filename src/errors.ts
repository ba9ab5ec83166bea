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

/**
 * The config file could not be read, expanded, parsed or validated.
 *
 * The message names what is wrong and where (file, line, column, field); it
 * never contains a value from the file or from the environment. When several
 * things are wrong (unset variables, schema issues) `problems` lists each one
 * and the message has one line per problem.
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
  /** The config file's path. */
  readonly path: string;
  /** 1-based line of the first problem, when it has one. */
  readonly line?: number;
  /** 1-based column of the first problem, when it has one. */
  readonly column?: number;
  /** Dotted path of the field of the first problem, when it has one. */
  readonly field?: string;
  /** Each problem, rendered with its location; at least one. */
  readonly problems: readonly string[];

  /**
   * Creates the error.
   *
   * @param reason What is wrong, phrased to follow "Cannot load config as".
   * @param problems Each problem, with its location; the first one also sets
   *   `line`, `column` and `field`.
   * @param options `cause`: the underlying error, when it holds no value from
   *   the file.
   */
  constructor(
    reason: string,
    problems: readonly (LoadErrorLocation & { reason: string })[],
    options?: { cause?: unknown },
  ) {
    const rendered = problems.map(renderProblem);
    super(
      rendered.length === 1
        ? `Cannot load config as ${reason}: ${rendered[0]}`
        : `Cannot load config as ${reason}:\n  ${rendered.join("\n  ")}`,
      options,
    );
    this.name = "LoadError";
    const first = problems[0];
    this.path = first.path;
    if (first.line !== undefined) this.line = first.line;
    if (first.column !== undefined) this.column = first.column;
    if (first.field !== undefined) this.field = first.field;
    this.problems = Object.freeze(rendered);
  }
}

function renderProblem(p: LoadErrorLocation & { reason: string }): string {
  let where = p.path;
  if (p.line !== undefined) where += ` line ${p.line}`;
  if (p.column !== undefined) where += `, column ${p.column}`;
  if (p.field !== undefined) where += ` field ${p.field}`;
  return p.reason === "" ? where : `${where}: ${p.reason}`;
}
