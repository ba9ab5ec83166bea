/** The longest rendering of one hook error, in UTF-16 code units. */
export const MAX_HOOK_ERROR = 1024;

// How deep causes and inner errors of an AggregateError are followed, and how
// many inner errors are shown.
const MAX_DEPTH = 3;
const MAX_INNER = 5;

/**
 * Renders a thrown value as the one-line message shown in outcomes and logs:
 * an `Error`'s message (each inner message for an `AggregateError`), a
 * string as is, anything else described by its type.
 *
 * Total: whatever was thrown (an error whose `message` getter throws, a
 * `Proxy`, an `AggregateError` that contains itself, a symbol, an object
 * whose `toString` throws, a message of megabytes), it returns a string of at
 * most `max` code units, cut with "…", and never throws.
 *
 * @param error The thrown value.
 * @param max The longest result, in UTF-16 code units.
 * @returns The message.
 */
export function renderError(
  error: unknown,
  max: number = MAX_HOOK_ERROR,
): string {
  let text: string;
  try {
    text = render(error, 0, new Set(), max);
  } catch {
    text = "unreadable value thrown";
  }
  return truncate(text, max);
}

/**
 * Cuts `text` to at most `max` UTF-16 code units, ending with "…" when it was
 * longer, and never inside a surrogate pair.
 *
 * @param text The text.
 * @param max The longest result.
 * @returns The text, or its start and "…".
 */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${cut(text, Math.max(0, max - 1))}…`;
}

/** The longest hook or trigger name kept where a name is cut, in UTF-16 code units. */
export const MAX_NAME = 64;

/**
 * A hook's or trigger's name cut to at most {@linkcode MAX_NAME} UTF-16
 * code units, never inside a surrogate pair (an emoji at the cut is dropped
 * whole), so that what is kept is still well-formed text. The one way names
 * are cut: the result's `trigger` and the messages that quote a name.
 *
 * @param name The name.
 * @returns The name, or its start.
 */
export function cutName(name: string): string {
  return cut(name, MAX_NAME);
}

/** `text`'s first `max` code units, one fewer when the last would be a high surrogate. */
function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  const last = text.charCodeAt(max - 1);
  return text.slice(0, last >= 0xd800 && last <= 0xdbff ? max - 1 : max);
}

// C0 and C1 controls, DEL, line and paragraph separators, and the bidi
// overrides and isolates that could make a terminal show something else.
const UNSAFE =
  // deno-lint-ignore no-control-regex
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const UNSAFE_OR_NEWLINE =
  // deno-lint-ignore no-control-regex
  /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * `text` with every control character (C0, DEL, C1), line or paragraph
 * separator and bidi override or isolate written as a `\u{..}` escape, so
 * that it cannot end a log or terminal line and start a forged one, move
 * the cursor, recolour or reorder what is shown.
 *
 * @param text The text.
 * @param keepNewlines Whether `\n` and `\t` stay as they are.
 * @returns The text, with those characters escaped.
 */
export function escapeControls(text: string, keepNewlines = false): string {
  return text.replace(
    keepNewlines ? UNSAFE : UNSAFE_OR_NEWLINE,
    (c) => `\\u{${c.charCodeAt(0).toString(16)}}`,
  );
}

/**
 * A hook's or trigger's name as log records carry it: control characters
 * escaped ({@linkcode escapeControls}), so that a name such as
 * `"db\n... [ERR] ..."` stays on its record's line in any formatter, a raw
 * one included.
 *
 * @param name The name.
 * @returns The name to log.
 */
export function logName(name: string): string {
  return escapeControls(name);
}

function render(
  error: unknown,
  depth: number,
  seen: Set<unknown>,
  max: number,
): string {
  if (typeof error !== "object" || error === null) return primitive(error);
  if (seen.has(error)) return "(cycle)";
  seen.add(error);
  if (!isError(error)) {
    return `non-Error value thrown (${tagOf(error)})`;
  }
  const message = read(error, "message");
  const name = read(error, "name");
  let text = typeof message === "string" && message !== ""
    ? message
    : typeof name === "string" && name !== ""
    ? name
    : "Error";
  if (depth >= MAX_DEPTH || text.length >= max) return text;
  const inner = read(error, "errors");
  if (Array.isArray(inner) && isAggregate(error)) {
    const shown: string[] = [];
    const count = safe(() => inner.length, 0);
    for (let i = 0; i < Math.min(count, MAX_INNER); i++) {
      const item = safe(() => inner[i], undefined);
      shown.push(truncate(render(item, depth + 1, seen, max), max));
    }
    if (count > MAX_INNER) shown.push(`and ${count - MAX_INNER} more`);
    if (shown.length > 0) text = `${text}: ${shown.join("; ")}`;
  }
  return text;
}

function primitive(value: unknown): string {
  switch (typeof value) {
    case "string":
      return value === "" ? "empty string thrown" : value;
    case "number":
    case "boolean":
    case "bigint":
      return `${typeof value} ${String(value)} thrown`;
    case "symbol":
      return "symbol thrown";
    case "function":
      return "function thrown";
    default:
      return `${value} thrown`;
  }
}

// Reads a property that may be a throwing getter or a Proxy trap.
function read(target: object, key: string): unknown {
  return safe(() => (target as Record<string, unknown>)[key], undefined);
}

function safe<T>(get: () => T, fallback: T): T {
  try {
    return get();
  } catch {
    return fallback;
  }
}

function isError(value: object): boolean {
  return safe(() => value instanceof Error, false);
}

function isAggregate(value: object): boolean {
  return safe(() => value instanceof AggregateError, false);
}

function tagOf(value: object): string {
  return safe(() => Object.prototype.toString.call(value), "[object Object]");
}
