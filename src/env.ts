/** Where one reference to an environment variable went wrong. */
export interface EnvProblem {
  /** What is wrong, without any value. */
  reason: string;
  /** Offset of the reference in the original text. */
  offset: number;
}

/** The outcome of {@linkcode expandEnv}. */
export interface Expansion {
  /** The text with every reference replaced. */
  text: string;
  /** Every reference that could not be expanded; empty on success. */
  problems: EnvProblem[];
  /** The values substituted, so messages can be scrubbed of them. */
  values: string[];
  /** Maps an offset in `text` back to the offset in the original text. */
  originalOffset(offset: number): number;
}

// A piece of the expanded text: copied as is (`literal`) or substituted.
interface Piece {
  from: number; // start in the expanded text
  orig: number; // start in the original text
  literal: boolean;
}

const NAME = /[A-Za-z_][A-Za-z0-9_]*/y;
const BRACED = /\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}\n]*))?\}/y;

/**
 * Expands `${NAME}`, `$NAME`, `${NAME:-default}` (default when unset or
 * empty), `${NAME-default}` (default when unset), `${NAME:?message}` and
 * `${NAME?message}` (fail with message) in `text`; `$$` stands for one `$`.
 * A `$` followed by anything else is kept. References inside YAML comments
 * (from a `#` at the start of a line or after a blank, outside quotes on that
 * line) are left alone.
 *
 * @param text The original text.
 * @param getEnv Reads one variable; `undefined` when unset.
 * @returns The expanded text, the problems found and an offset map.
 */
export function expandEnv(
  text: string,
  getEnv: (name: string) => string | undefined,
): Expansion {
  if (!text.includes("$")) {
    return { text, problems: [], values: [], originalOffset: (at) => at };
  }
  const out: string[] = [];
  const pieces: Piece[] = [];
  const problems: EnvProblem[] = [];
  const values: string[] = [];
  let length = 0; // of the expanded text so far
  let copied = 0; // original offset up to which text has been emitted
  const emit = (chunk: string, orig: number, literal: boolean) => {
    if (chunk === "") return;
    pieces.push({ from: length, orig, literal });
    out.push(chunk);
    length += chunk.length;
  };
  let quote = ""; // the open quote on the current line, if any
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch === "\n") {
      quote = "";
      i++;
      continue;
    }
    if (quote === "") {
      if (ch === "'" || ch === '"') {
        const prev = i === 0 ? "\n" : text[i - 1];
        // A quote opens a quoted scalar only where a scalar can start.
        if (/[\s:\[{,\-]/.test(prev)) quote = ch;
      } else if (ch === "#" && (i === 0 || /\s/.test(text[i - 1]))) {
        const end = text.indexOf("\n", i);
        i = end === -1 ? text.length : end;
        continue;
      }
    } else if (ch === quote) {
      if (quote === "'" && text[i + 1] === "'") i++; // '' escape
      else if (quote !== '"' || text[i - 1] !== "\\") quote = "";
    }
    if (ch !== "$") {
      i++;
      continue;
    }
    const start = i;
    let replacement: string | undefined;
    let end = i + 1;
    if (text[i + 1] === "$") {
      replacement = "$";
      end = i + 2;
    } else if (text[i + 1] === "{") {
      BRACED.lastIndex = i + 1;
      const m = BRACED.exec(text);
      if (m === null) {
        problems.push({
          reason:
            "a ${...} reference is malformed (expected ${NAME}, ${NAME:-default} or ${NAME:?message}, closed on the same line)",
          offset: start,
        });
        end = text.indexOf("}", i);
        end = end === -1 || text.lastIndexOf("\n", end) > i ? i + 2 : end + 1;
        replacement = "";
      } else {
        end = BRACED.lastIndex;
        const [, name, op, arg = ""] = m;
        const value = getEnv(name);
        const unset = value === undefined;
        const empty = unset || value === "";
        if (op === undefined) {
          if (unset) {
            problems.push({
              reason:
                `the environment variable ${name} is not set (give a default with \${${name}:-default})`,
              offset: start,
            });
          }
          replacement = value ?? "";
        } else if (op === ":-" || op === "-") {
          replacement = (op === ":-" ? empty : unset) ? arg : value!;
        } else {
          if (op === ":?" ? empty : unset) {
            problems.push({
              reason: `the environment variable ${name} is ${
                unset ? "not set" : "empty"
              }${arg === "" ? "" : ` (${arg})`}`,
              offset: start,
            });
          }
          replacement = value ?? "";
        }
        if (value !== undefined && replacement === value) values.push(value);
      }
    } else {
      NAME.lastIndex = i + 1;
      const m = NAME.exec(text);
      if (m !== null) {
        end = NAME.lastIndex;
        const value = getEnv(m[0]);
        if (value === undefined) {
          problems.push({
            reason: `the environment variable ${
              m[0]
            } is not set (give a default with \${${m[0]}:-default})`,
            offset: start,
          });
        } else {
          values.push(value);
        }
        replacement = value ?? "";
      }
    }
    if (replacement === undefined) {
      i++;
      continue;
    }
    emit(text.slice(copied, start), copied, true);
    emit(replacement, start, false);
    copied = end;
    i = end;
  }
  emit(text.slice(copied), copied, true);
  if (pieces.length === 0) pieces.push({ from: 0, orig: 0, literal: true });
  return {
    text: out.join(""),
    problems,
    values,
    originalOffset(offset: number): number {
      let lo = 0;
      let hi = pieces.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (pieces[mid].from <= offset) lo = mid;
        else hi = mid - 1;
      }
      const piece = pieces[lo];
      return piece.literal ? piece.orig + (offset - piece.from) : piece.orig;
    },
  };
}
