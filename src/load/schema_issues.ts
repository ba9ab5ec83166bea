import type { FieldPath } from "./format/mod.ts";
import { Redactor, stringsIn, unescapeJson } from "../redact.ts";
import type { SchemaIssue } from "../schema.ts";

/** The most schema issues reported one by one; the rest are counted. */
export const MAX_ISSUES = 50;

/** The longest reason reported for one issue, in UTF-16 code units. */
const MAX_REASON = 300;

// How libraries mark an issue about a key the schema does not declare:
// valibot (`expected: "never"`) and arktype (`expected: "removed"`) point
// the path at the key; zod (`unrecognized_keys`) at its parent, quoting it.
const UNKNOWN_KEY_EXPECTATIONS = new Set(["never", "removed"]);

/** One schema issue as reported: where, and what, without any value. */
export interface ReportedIssue {
  /** The source (layer) the field was found in, when it was. */
  path?: string;
  /** The source's place among the layers, for the order of the reports. */
  layer?: number;
  /** The dotted path of the field, up to the first key not shown. */
  field?: string;
  /** Where in the file the issue is: its line and column. */
  line?: number;
  column?: number;
  /** What is wrong. */
  reason: string;
}

/** What {@linkcode reportSchemaIssues} needs besides the issues. */
export interface IssueContext {
  /** The mapping the schema was given. */
  input: unknown;
  /** Values substituted from the environment. */
  envValues: readonly string[];
  /**
   * Values substituted from secret files: removed wherever they occur,
   * whatever their length.
   */
  secrets?: readonly string[];
  /** Whether a key may be shown (see keyShower). */
  showKey: (key: string) => boolean;
  /**
   * Finds each path in the config's text, when it can: the layer it is
   * in (its name and place among the layers), its line and column.
   */
  locate(
    paths: readonly FieldPath[],
  ): (
    | { path: string; layer: number; line: number; column: number }
    | undefined
  )[];
}

/**
 * Turns the issues of a failed validation into reports that name the field
 * and line and hold no value: every string and number of the config and
 * every value from the environment are removed from the messages (also
 * JSON-escaped and quoted forms), and a key is shown only when it looks like
 * a name, did not come from the environment and is not the subject of an
 * "unknown key" issue: otherwise the field names its parent and the line of
 * the key. At most {@linkcode MAX_ISSUES} are reported; `more` counts the
 * rest.
 *
 * @param issues The issues, as the schema returned them.
 * @param context The input, the environment's values and a locator.
 * @returns The reports, and how many issues were left out.
 */
export function reportSchemaIssues(
  issues: readonly SchemaIssue[],
  context: IssueContext,
): { reports: ReportedIssue[]; more: number } {
  const shown = issues.slice(0, MAX_ISSUES);
  const { showKey } = context;
  const hiddenKeys: string[] = [];
  const located = shown.map((issue) => {
    const { path, hiddenAt } = analyse(issue, context.input, showKey);
    if (hiddenAt !== undefined) hiddenKeys.push(String(path[hiddenAt]));
    return { path, hiddenAt };
  });
  const values = new Redactor(
    [...stringsIn(context.input, 1, true), ...context.envValues],
    4,
  );
  values.add(hiddenKeys);
  const secrets = context.secrets === undefined || context.secrets.length === 0
    ? undefined
    : new Redactor(context.secrets, 1);
  const places = context.locate(
    located.map(({ path, hiddenAt }) =>
      hiddenAt === undefined ? path : path.slice(0, hiddenAt + 1)
    ),
  );
  const reports = shown.map((issue, i): ReportedIssue => {
    const { path, hiddenAt } = located[i];
    const visible = hiddenAt === undefined ? path : path.slice(0, hiddenAt);
    return {
      ...(visible.length > 0 && { field: visible.join(".") }),
      ...places[i],
      reason: scrubSecrets(
        values.redactMessage(messageOf(issue), MAX_REASON),
        secrets,
      ),
    };
  });
  // In the order of the files, as an operator reads them.
  reports.sort((a, b) =>
    (a.layer ?? Infinity) - (b.layer ?? Infinity) ||
    (a.line ?? Infinity) - (b.line ?? Infinity) ||
    (a.column ?? 0) - (b.column ?? 0)
  );
  return { reports, more: issues.length - shown.length };
}

// The issue's path as keys, and the first of them not to be shown.
function analyse(
  issue: SchemaIssue,
  input: unknown,
  showKey: (key: string) => boolean,
): { path: (string | number)[]; hiddenAt: number | undefined } {
  const path: (string | number)[] = [];
  let hiddenAt: number | undefined;
  let node: unknown = input;
  const segments = readPath(issue);
  for (const [i, segment] of segments.entries()) {
    const parent = node;
    const key = typeof segment === "symbol" ? "(symbol)" : segment;
    path.push(Array.isArray(parent) && /^\d+$/.test(String(key)) ? +key : key);
    // A key the file has may hold a secret; one it lacks (a missing field)
    // is the schema's own name.
    const present = isObject(parent) && Object.hasOwn(parent, key);
    node = present ? (parent as Record<PropertyKey, unknown>)[key] : undefined;
    if (hiddenAt !== undefined || Array.isArray(parent)) continue;
    const name = String(key);
    const last = i === segments.length - 1;
    if (
      typeof segment === "symbol" ||
      (present && (!showKey(name) || (last && reportsUnknownKey(issue, name))))
    ) {
      hiddenAt = i;
    }
  }
  // An issue at an object that quotes one of its keys reports that key as
  // unknown (zod): locate it, never show it.
  if (hiddenAt === undefined && isObject(node) && !Array.isArray(node)) {
    const quoted = quotedKeyOf(messageOf(issue), node);
    if (quoted !== undefined) {
      path.push(quoted);
      hiddenAt = path.length - 1;
    }
  }
  return { path, hiddenAt };
}

function scrubSecrets(text: string, secrets: Redactor | undefined): string {
  return secrets === undefined ? text : secrets.scrub(text, MAX_REASON);
}

function reportsUnknownKey(issue: SchemaIssue, key: string): boolean {
  const expected = read(issue, "expected");
  if (typeof expected === "string" && UNKNOWN_KEY_EXPECTATIONS.has(expected)) {
    return true;
  }
  // Generic: the message quotes the key the path ends in.
  const message = messageOf(issue);
  return message.includes(`"${key}"`) || message.includes(`'${key}'`);
}

// A key of `node` that the message quotes. Libraries quote keys raw (zod:
// a quote inside the key is not escaped) or as JSON strings, so every text
// between two quotes of the same kind is tried (the first 32 quotes).
function quotedKeyOf(message: string, node: object): string | undefined {
  for (const quote of ['"', "'"]) {
    const at: number[] = [];
    for (
      let i = message.indexOf(quote);
      i !== -1 && at.length < 32;
      i = message.indexOf(quote, i + 1)
    ) at.push(i);
    for (let a = 0; a < at.length; a++) {
      for (let b = at.length - 1; b > a; b--) {
        const body = message.slice(at[a] + 1, at[b]);
        for (const key of [body, unescapeJson(body)]) {
          if (key !== undefined && Object.hasOwn(node, key)) return key;
        }
      }
    }
  }
  return undefined;
}

function readPath(issue: SchemaIssue): PropertyKey[] {
  const path = read(issue, "path");
  if (!Array.isArray(path)) return [];
  return path.slice(0, 100).map((segment: unknown) => {
    const key = isObject(segment) ? read(segment, "key") : segment;
    return typeof key === "string" || typeof key === "number" ||
        typeof key === "symbol"
      ? key
      : String(key);
  });
}

function messageOf(issue: SchemaIssue): string {
  const message = read(issue, "message");
  return typeof message === "string" ? message : "the schema gave no message";
}

// Schema libraries are user code: a getter may throw.
function read(target: object, key: string): unknown {
  try {
    return (target as Record<string, unknown>)[key];
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is object {
  return value !== null && typeof value === "object";
}
