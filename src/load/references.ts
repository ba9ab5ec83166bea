/** How deep `${...}` references may nest in defaults and messages. */
export const MAX_NESTING = 10;

/** A reference to an environment variable: `$NAME` or `${NAME...}`. */
export interface EnvReference {
  /** Where the reference starts in the string (its `$`). */
  offset: number;
  /** Where it ends (after its `}`, or after the name of `$NAME`). */
  end: number;
  /** The variable's name. */
  name: string;
  /** Written `$NAME`, not `${NAME}`: maybe a `$` in a value, not a reference. */
  bare?: boolean;
  /** The operator of `${NAME<op><arg>}`, if any. */
  op?: ":-" | "-" | ":?" | "?";
  /** The default or message: literal text and nested references. */
  arg?: Template;
}

/**
 * A reference to a value kept elsewhere: `${KIND:TARGET}`, such as
 * `${file:/run/secrets/db}`. The kind is a lower-case word; what it reads
 * is up to the kinds the loader knows (`reference_kinds.ts`).
 */
export interface KindReference {
  /** Where the reference starts in the string (its `$`). */
  offset: number;
  /** Where it ends (after its `}`). */
  end: number;
  /** The kind: `file`. */
  kind: string;
  /** What it names, as written: a path. */
  target: string;
}

/** A parsed reference. */
export type Reference = EnvReference | KindReference;

/** A string as literal text and references, in order. */
export type Template = (string | Reference)[];

/** What is wrong with one reference, without any value. */
export interface TemplateProblem {
  /** What is wrong. */
  reason: string;
  /** Where the reference starts in the string. */
  offset: number;
  /** Where it ends, when it could be read. */
  end?: number;
}

/** What {@linkcode parseTemplate} found in a string. */
export interface ParsedTemplate {
  /** The parts; `undefined` when the string holds no reference at all. */
  template: Template | undefined;
  /** The references that cannot be read (malformed or nested too deeply). */
  problems: TemplateProblem[];
}

const NAME = /[A-Za-z_][A-Za-z0-9_]*/y;
// The name of a reference kind: `${file:...}`.
const KIND = /^[a-z][a-z0-9]*$/;
const MALFORMED =
  "a ${...} reference is malformed (expected ${NAME}, ${NAME:-default}, ${NAME:?message} or ${file:PATH}, closed on the same line)";
const TOO_DEEP =
  `a \${...} reference is nested more than ${MAX_NESTING} levels deep in a default or message`;

type Parsed = { ref: Reference; end: number } | { fail: TemplateProblem };

// Reads `${...}` references in one text: parses one at a given `$`, and
// says whether one opened there can be closed on its line. The next "}" and
// the next line end at or after the place looked at are kept, so that many
// references on one long line do not each scan to its end.
class Scanner {
  readonly text: string;
  #braceAt = -1;
  #newlineAt = -1;

  constructor(text: string) {
    this.text = text;
  }

  // Whether a `${` at `at` has a "}" before its line ends; without one it
  // cannot be closed, and is not parsed (which would scan the rest of the
  // line for each such `${`).
  closable(at: number): boolean {
    const { text } = this;
    if (this.#braceAt < at) {
      this.#braceAt = text.indexOf("}", at);
      if (this.#braceAt === -1) this.#braceAt = text.length;
    }
    if (this.#newlineAt < at) {
      this.#newlineAt = text.indexOf("\n", at);
      if (this.#newlineAt === -1) this.#newlineAt = text.length;
    }
    return this.#braceAt < this.#newlineAt;
  }

  // The next "}" at or after `at` (once `closable(at)` was asked).
  braceAfter(): number {
    return this.#braceAt;
  }

  // Parses the `${...}` at `at` (text[at] is "$", text[at + 1] is "{").
  // Each character is looked at once: a nested reference is parsed by the
  // recursive call and skipped by its caller.
  braced(at: number, depth: number): Parsed {
    const { text } = this;
    if (depth > MAX_NESTING) return { fail: { reason: TOO_DEEP, offset: at } };
    NAME.lastIndex = at + 2;
    const m = NAME.exec(text);
    if (m === null) return { fail: { reason: MALFORMED, offset: at } };
    let pos = NAME.lastIndex;
    if (text[pos] === "}") {
      return { ref: { offset: at, end: pos + 1, name: m[0] }, end: pos + 1 };
    }
    // `${kind:target}`: a lower-case word and a colon that starts no
    // operator (`${file:-x}` is the variable `file`, defaulting to x).
    if (
      text[pos] === ":" && text[pos + 1] !== "-" && text[pos + 1] !== "?" &&
      KIND.test(m[0])
    ) {
      const close = text.indexOf("}", pos + 1);
      const target = text.slice(pos + 1, close);
      if (close === -1 || target === "" || target.includes("\n")) {
        return { fail: { reason: MALFORMED, offset: at } };
      }
      return {
        ref: { offset: at, end: close + 1, kind: m[0], target },
        end: close + 1,
      };
    }
    const op = text[pos] === ":"
      ? text[pos + 1] === "-" ? ":-" : text[pos + 1] === "?" ? ":?" : undefined
      : text[pos] === "-" || text[pos] === "?"
      ? text[pos] as "-" | "?"
      : undefined;
    if (op === undefined) return { fail: { reason: MALFORMED, offset: at } };
    const arg: Template = [];
    pos += op.length;
    let start = pos;
    let chunk = ""; // literal text of the argument not yet pushed
    const flush = (to: number) => {
      chunk += text.slice(start, to);
    };
    const pushText = () => {
      if (chunk !== "") arg.push(chunk);
      chunk = "";
    };
    for (;;) {
      const ch = text[pos];
      if (ch === undefined || ch === "\n") {
        return { fail: { reason: MALFORMED, offset: at } };
      }
      if (ch === "}") {
        flush(pos);
        pushText();
        const ref: EnvReference = { offset: at, end: pos + 1, name: m[0], op };
        ref.arg = arg;
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
        pushText();
        const inner = this.braced(pos, depth + 1);
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
        pushText();
        arg.push({ offset: pos, end: NAME.lastIndex, name: name[0] });
        pos = NAME.lastIndex;
      }
      start = pos;
    }
  }
}

/**
 * Reads the references in one string value or key: `${NAME}`, `$NAME`,
 * `${NAME:-default}` (default when unset or empty), `${NAME-default}`
 * (default when unset), `${NAME:?message}` and `${NAME?message}` (fail with
 * the message), `${file:PATH}` (a secret file's text); `$$` stands for one
 * `$`, and a `$` followed by anything else is kept. Defaults and messages
 * may hold references in turn, up to {@linkcode MAX_NESTING} levels.
 *
 * Runs in time linear in the length of `text`: each character is looked at
 * a bounded number of times, however many references fail.
 *
 * @param text The string, as parsed.
 * @returns The template (literal text and references), or `undefined` when
 *   the string has nothing to expand, and the references that cannot be
 *   read.
 */
export function parseTemplate(text: string): ParsedTemplate {
  const problems: TemplateProblem[] = [];
  if (!text.includes("$")) return { template: undefined, problems };
  const parts: Template = [];
  let literal = ""; // the literal text since the last reference
  let copied = 0; // where the text not yet added to `literal` starts
  let changed = false; // whether any `$$` or reference was seen
  const scanner = new Scanner(text);
  const addReference = (ref: Reference) => {
    if (literal !== "") parts.push(literal);
    literal = "";
    parts.push(ref);
  };

  let i = text.indexOf("$");
  while (i !== -1) {
    const next = text[i + 1];
    let end = i + 1;
    if (next === "$") {
      // A run of "$$": one "$" each.
      end = i + 2;
      while (
        text.charCodeAt(end) === 0x24 && text.charCodeAt(end + 1) === 0x24
      ) {
        end += 2;
      }
      literal += text.slice(copied, i) + "$".repeat((end - i) / 2);
      copied = end;
      changed = true;
    } else if (next === "{") {
      const closable = scanner.closable(i);
      const parsed: Parsed = closable
        ? scanner.braced(i, 1)
        : { fail: { reason: MALFORMED, offset: i } };
      literal += text.slice(copied, i);
      changed = true;
      if ("fail" in parsed) {
        problems.push(parsed.fail);
        // Skip to the next "}" on the line, if any.
        end = closable ? scanner.braceAfter() + 1 : i + 2;
      } else {
        addReference(parsed.ref);
        end = parsed.end;
      }
      copied = end;
    } else {
      NAME.lastIndex = i + 1;
      const m = NAME.exec(text);
      if (m !== null) {
        end = NAME.lastIndex;
        literal += text.slice(copied, i);
        addReference({ offset: i, end, name: m[0], bare: true });
        copied = end;
        changed = true;
      }
    }
    i = text.indexOf("$", end);
  }
  if (!changed) return { template: undefined, problems };
  literal += text.slice(copied);
  if (literal !== "") parts.push(literal);
  return { template: parts, problems };
}

/**
 * Where the well-formed `${...}` references of a text are (nested ones
 * inside their outer one), as `[start, end)` pairs in order: for a format
 * whose syntax the characters of a reference could break (a YAML flow
 * collection), to hide them from the parser. Linear in the text.
 *
 * @param text A whole config text.
 * @returns The references' spans.
 */
export function bracedSpans(text: string): [number, number][] {
  const spans: [number, number][] = [];
  const scanner = new Scanner(text);
  for (let i = text.indexOf("${"); i !== -1;) {
    let next = i + 2;
    if (scanner.closable(i)) {
      const parsed = scanner.braced(i, 1);
      if ("ref" in parsed) {
        spans.push([i, parsed.end]);
        next = parsed.end;
      } else {
        // As parseTemplate does: past the next "}" on the line.
        next = scanner.braceAfter() + 1;
      }
    }
    i = text.indexOf("${", next);
  }
  return spans;
}

/**
 * Whether a template is exactly one reference, with no text around it:
 * such a plain YAML scalar is typed by the YAML core schema once
 * substituted (`port: ${PORT}` is a number).
 *
 * @param template The template.
 * @returns Whether it is one reference alone.
 */
export function isSingleReference(template: Template): boolean {
  return template.length === 1 && typeof template[0] !== "string";
}

/**
 * Calls `visit` for every reference of `template`, nested ones included.
 *
 * @param template The template.
 * @param visit Called with each reference.
 */
export function eachReference(
  template: Template,
  visit: (ref: Reference) => void,
): void {
  const stack: Template[] = [template];
  while (stack.length > 0) {
    for (const part of stack.pop()!) {
      if (typeof part === "string") continue;
      visit(part);
      if ("arg" in part && part.arg !== undefined) stack.push(part.arg);
    }
  }
}
