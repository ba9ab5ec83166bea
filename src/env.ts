/** Where one reference to an environment variable went wrong. */
export interface EnvProblem {
  /** What is wrong, without any value. */
  reason: string;
  /** Offset of the reference in the original text. */
  offset: number;
}

/** The outcome of {@linkcode expandEnv}. */
export interface Expansion {
  /**
   * The text with every reference replaced; only begun when a reference
   * could not be expanded (the text is of no use then).
   */
  text: string;
  /**
   * The first `maxProblems` references that could not be expanded, in the
   * order of the text; empty on success.
   */
  problems: EnvProblem[];
  /** How many references could not be expanded, listed or not. */
  problemCount: number;
  /** The values substituted (each once), so messages can be scrubbed of them. */
  values: string[];
  /** Maps an offset in `text` back to the offset in the original text. */
  originalOffset(offset: number): number;
}

/** How deep `${...}` references may nest in defaults and messages. */
export const MAX_NESTING = 10;

// A piece of the expanded text: copied as is (step 1), substituted (step
// 0: every offset maps to the reference), or a run of "$$" written as "$"
// (step 2).
interface Piece {
  from: number; // start in the expanded text
  orig: number; // start in the original text
  step: 0 | 1 | 2;
}

// A parsed reference: `$NAME` (no op), `${NAME}`, or `${NAME<op><arg>}`
// whose argument is literal text and nested references.
interface Reference {
  offset: number;
  name: string;
  /** Written `$NAME`, not `${NAME}`: maybe a `$` in a value, not a reference. */
  bare?: boolean;
  op?: ":-" | "-" | ":?" | "?";
  arg?: (string | Reference)[];
}

type Parsed = { ref: Reference; end: number } | {
  fail: EnvProblem;
};

const NAME = /[A-Za-z_][A-Za-z0-9_]*/y;
const MALFORMED =
  "a ${...} reference is malformed (expected ${NAME}, ${NAME:-default} or ${NAME:?message}, closed on the same line)";
const TOO_DEEP =
  `a \${...} reference is nested more than ${MAX_NESTING} levels deep in a default or message`;
// What a value substituted into a `:?` message is shown as.
const HIDDEN = "…";

/**
 * Expands `${NAME}`, `$NAME`, `${NAME:-default}` (default when unset or
 * empty), `${NAME-default}` (default when unset), `${NAME:?message}` and
 * `${NAME?message}` (fail with message) in `text`; `$$` stands for one `$`.
 * Defaults and messages are expanded in turn, as shells do, when used
 * (`${A:-${B:-x}}`), up to {@linkcode MAX_NESTING} levels; a value
 * substituted into a message is shown as `…`. A `$` followed by anything
 * else is kept. References inside comments are left alone: in YAML from a
 * `#` at the start of a line or after a blank, in TOML from any `#`, outside
 * quotes on that line (JSON has no comments).
 *
 * Runs in time linear in the length of `text`.
 *
 * @param text The original text.
 * @param getEnv Reads one variable, given its name, the offset of its
 *   reference and whether it was written `$NAME`; `undefined` when unset.
 * @param maxProblems How many problems to list (all are counted).
 * @param syntax Whose comments and quotes to follow.
 * @returns The expanded text, the problems found and an offset map.
 */
export function expandEnv(
  text: string,
  getEnv: (name: string, offset: number, bare: boolean) => string | undefined,
  maxProblems: number = Infinity,
  syntax: "yaml" | "json" | "toml" = "yaml",
): Expansion {
  if (!text.includes("$")) {
    return {
      text,
      problems: [],
      problemCount: 0,
      values: [],
      originalOffset: (at) => at,
    };
  }
  const out: string[] = [];
  const pieces: Piece[] = [];
  const problems: EnvProblem[] = [];
  let problemCount = 0;
  const values = new Set<string>();
  const problem = (reason: string, offset: number) => {
    problemCount++;
    if (problems.length < maxProblems) problems.push({ reason, offset });
  };
  let length = 0; // of the expanded text so far
  let copied = 0; // original offset up to which text has been emitted
  // Once a reference has failed the text is never used: stop building it.
  const emit = (chunk: string, orig: number, step: 0 | 1 | 2) => {
    if (chunk === "" || problemCount > 0) return;
    pieces.push({ from: length, orig, step });
    out.push(chunk);
    length += chunk.length;
  };

  // The next "}" and the next line end at or after the reference being
  // looked at: kept, so that many references on one long line do not each
  // scan to its end.
  let braceAt = -1;
  let newlineAt = -1;

  // Parses the `${...}` at `at` (text[at] is "$", text[at + 1] is "{").
  // Each character is looked at once: a nested reference is parsed by the
  // recursive call and skipped by its caller.
  const parseBraced = (at: number, depth: number): Parsed => {
    if (depth > MAX_NESTING) return { fail: { reason: TOO_DEEP, offset: at } };
    NAME.lastIndex = at + 2;
    const m = NAME.exec(text);
    if (m === null) return { fail: { reason: MALFORMED, offset: at } };
    const ref: Reference = { offset: at, name: m[0] };
    let pos = NAME.lastIndex;
    if (text[pos] === "}") return { ref, end: pos + 1 };
    const op = text[pos] === ":"
      ? text[pos + 1] === "-" ? ":-" : text[pos + 1] === "?" ? ":?" : undefined
      : text[pos] === "-" || text[pos] === "?"
      ? text[pos] as "-" | "?"
      : undefined;
    if (op === undefined) return { fail: { reason: MALFORMED, offset: at } };
    ref.op = op;
    const arg: (string | Reference)[] = [];
    ref.arg = arg;
    pos += op.length;
    let literal = pos;
    const flush = (to: number) => {
      if (to > literal) arg.push(text.slice(literal, to));
    };
    for (;;) {
      const ch = text[pos];
      if (ch === undefined || ch === "\n") {
        return { fail: { reason: MALFORMED, offset: at } };
      }
      if (ch === "}") {
        flush(pos);
        return { ref, end: pos + 1 };
      }
      if (ch !== "$") {
        pos++;
        continue;
      }
      const next = text[pos + 1];
      if (next === "$") {
        flush(pos + 1); // keeps one "$"
        pos += 2;
      } else if (next === "{") {
        flush(pos);
        const inner = parseBraced(pos, depth + 1);
        if ("fail" in inner) return inner;
        arg.push(inner.ref);
        pos = inner.end;
      } else {
        NAME.lastIndex = pos + 1;
        const name = NAME.exec(text);
        if (name === null) {
          pos++;
          continue;
        }
        flush(pos);
        arg.push({ offset: pos, name: name[0] });
        pos = NAME.lastIndex;
      }
      literal = pos;
    }
  };

  // The text a reference stands for; with `hide`, values from the
  // environment are replaced by "…" (for messages).
  const evaluate = (ref: Reference, hide: boolean): string => {
    const { name, op, offset } = ref;
    const value = getEnv(name, offset, ref.bare === true);
    const unset = value === undefined;
    const empty = unset || value === "";
    if (op === ":-" || op === "-") {
      if (op === ":-" ? empty : unset) return evaluateAll(ref.arg!, hide);
    } else if (op === ":?" || op === "?") {
      if (op === ":?" ? empty : unset) {
        const message = evaluateAll(ref.arg!, true);
        problem(
          `the environment variable ${name} is ${unset ? "not set" : "empty"}${
            message === "" ? "" : ` (${message})`
          }`,
          offset,
        );
        return value ?? "";
      }
    } else if (unset) {
      // A `$` inside a value (a password, say) reads as `$NAME` too: the
      // name is then part of the value, so it is not shown.
      problem(
        ref.bare
          ? "a $ starts a reference to an environment variable that is not set (write $$ for a literal $, or give a default with ${NAME:-default})"
          : `the environment variable ${name} is not set (give a default with \${${name}:-default})`,
        offset,
      );
      return "";
    }
    values.add(value!);
    return hide && value !== "" ? HIDDEN : value!;
  };
  const evaluateAll = (arg: (string | Reference)[], hide: boolean) => {
    let s = "";
    for (const part of arg) {
      s += typeof part === "string" ? part : evaluate(part, hide);
    }
    return s;
  };

  let quote = ""; // the open quote on the current line, if any
  let i = 0;
  while (i < text.length) {
    const code = text.charCodeAt(i);
    if (code === 0x0a) { // "\n"
      quote = "";
      i++;
      continue;
    }
    if (code !== 0x24) { // not "$"
      const ch = text[i];
      if (quote === "") {
        if (ch === '"' || (ch === "'" && syntax !== "json")) {
          const prev = i === 0 ? "\n" : text[i - 1];
          // In YAML a quote opens a quoted scalar only where a scalar can
          // start; in JSON and TOML any quote outside a string opens one.
          if (syntax !== "yaml" || /[\s:\[{,\-]/.test(prev)) quote = ch;
        } else if (
          ch === "#" && syntax !== "json" &&
          (syntax === "toml" || i === 0 || /\s/.test(text[i - 1]))
        ) {
          const eol = text.indexOf("\n", i);
          i = eol === -1 ? text.length : eol;
          continue;
        }
      } else if (ch === quote) {
        if (quote === "'" && text[i + 1] === "'") i++; // '' escape
        else if (quote !== '"' || text[i - 1] !== "\\") quote = "";
      }
      i++;
      continue;
    }
    const start = i;
    const next = text[i + 1];
    if (next === "$") {
      // A run of "$$": one "$" each, as one piece.
      let end = start + 2;
      while (
        text.charCodeAt(end) === 0x24 && text.charCodeAt(end + 1) === 0x24
      ) {
        end += 2;
      }
      emit(text.slice(copied, start), copied, 1);
      emit("$".repeat((end - start) / 2), start, 2);
      copied = i = end;
      continue;
    }
    let replacement: string | undefined;
    let end = i + 1;
    if (next === "{") {
      if (braceAt < i) {
        braceAt = text.indexOf("}", i);
        if (braceAt === -1) braceAt = text.length;
      }
      if (newlineAt < i) {
        newlineAt = text.indexOf("\n", i);
        if (newlineAt === -1) newlineAt = text.length;
      }
      // Without a "}" before the line ends it cannot be closed: say so
      // without scanning the rest of the line for each such reference.
      const closable = braceAt < newlineAt;
      const parsed = closable
        ? parseBraced(i, 1)
        : { fail: { reason: MALFORMED, offset: i } };
      if ("fail" in parsed) {
        problem(parsed.fail.reason, parsed.fail.offset);
        // Skip to the next "}" on the line, if any.
        end = closable ? braceAt + 1 : i + 2;
        replacement = "";
      } else {
        end = parsed.end;
        replacement = evaluate(parsed.ref, false);
      }
    } else {
      NAME.lastIndex = i + 1;
      const m = NAME.exec(text);
      if (m !== null) {
        end = NAME.lastIndex;
        replacement = evaluate(
          { offset: start, name: m[0], bare: true },
          false,
        );
      }
    }
    if (replacement === undefined) {
      i++;
      continue;
    }
    emit(text.slice(copied, start), copied, 1);
    emit(replacement, start, 0);
    copied = end;
    i = end;
  }
  emit(text.slice(copied), copied, 1);
  if (pieces.length === 0) pieces.push({ from: 0, orig: 0, step: 1 });
  // Problems from a message come before the reference that holds it.
  problems.sort((a, b) => a.offset - b.offset);
  return {
    text: out.join(""),
    problems,
    problemCount,
    values: [...values],
    originalOffset(offset: number): number {
      let lo = 0;
      let hi = pieces.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (pieces[mid].from <= offset) lo = mid;
        else hi = mid - 1;
      }
      const piece = pieces[lo];
      return piece.orig + piece.step * (offset - piece.from);
    },
  };
}
