import type * as Jsonc from "jsonc-parser";
import type { JSONVisitor } from "jsonc-parser";
import { type LazyModule, lazyModule } from "./lazy.ts";
import {
  type ConfigFormat,
  type FieldPath,
  FormatError,
  type FormatLimits,
  type Parsed,
} from "./types.ts";
import { setOwn, tooDeep, tooManyNodes } from "./limits.ts";
import { pathKey, placesOf } from "./locate.ts";

const jsonc: LazyModule<typeof Jsonc> = lazyModule(
  "JSON",
  () => import("jsonc-parser"),
);

// What each of the scanner's error codes means, quoting nothing.
const REASONS: Record<string, string> = {
  InvalidSymbol: "unexpected character",
  InvalidNumberFormat: "malformed number",
  PropertyNameExpected: "a key (a string in double quotes) is expected",
  ValueExpected: "a value is expected",
  ColonExpected: "a colon is expected after the key",
  CommaExpected: "a comma is expected",
  CloseBraceExpected: "a closing } is expected",
  CloseBracketExpected: "a closing ] is expected",
  EndOfFileExpected: "the file goes on after its value",
  InvalidCommentToken: "comments are not allowed in JSON",
  UnexpectedEndOfComment: "comments are not allowed in JSON",
  UnexpectedEndOfString: "a string is not closed",
  UnexpectedEndOfNumber: "a number ends too early",
  InvalidUnicode: "malformed \\u escape",
  InvalidEscapeCharacter: "unknown escape in a string",
  InvalidCharacter: "control character in a string",
};

const OPTIONS = {
  disallowComments: true,
  allowTrailingComma: false,
  allowEmptyContent: false,
} as const;

/** JSON (RFC 8259), with jsonc-parser's scanner: strict, no comments. */
export const jsonFormat: ConfigFormat = {
  name: "json",
  label: "JSON",
  extensions: [".json"],
  prepare: () => jsonc.prepare(),
  parse: parseJson,
  locate: locateJsonPaths,
};

// One pass of the scanner builds the value, so every error has an offset,
// a duplicate key is refused (as in YAML and TOML, where JSON.parse would
// keep the last silently), a `__proto__` key is an own property, and nesting
// past the limit stops the scan before it goes deeper.
function parseJson(text: string, limits: FormatLimits): Parsed {
  if (/^[\s\uFEFF]*$/.test(text)) {
    throw new FormatError("the file has no JSON value (it is empty)");
  }
  const fail = (reason: string, offset: number): never => {
    throw new FormatError("the file is not valid JSON", reason, offset);
  };
  const containers: (Record<string, unknown> | unknown[])[] = [];
  let root: unknown;
  let key = "";
  let nodes = 0;
  // Plain assignment, but for `__proto__`, which would set the prototype.
  const put = (value: unknown, offset: number) => {
    if (++nodes > limits.maxNodes) throw tooManyNodes(limits, offset);
    const top = containers[containers.length - 1];
    if (top === undefined) root = value;
    else if (Array.isArray(top)) top.push(value);
    else setOwn(top, key, value);
  };
  const open = (value: Record<string, unknown> | unknown[], offset: number) => {
    if (containers.length >= limits.maxDepth) throw tooDeep(limits, offset);
    put(value, offset);
    containers.push(value);
  };
  const visitor: JSONVisitor = {
    onObjectBegin(offset) {
      open({}, offset);
    },
    // Each value is put before the next key is read: a key seen before is
    // already an own property.
    onObjectProperty(name, offset) {
      if (Object.hasOwn(containers[containers.length - 1], name)) {
        fail("duplicated mapping key", offset);
      }
      key = name;
    },
    onObjectEnd() {
      containers.pop();
    },
    onArrayBegin(offset) {
      open([], offset);
    },
    onArrayEnd() {
      containers.pop();
    },
    onLiteralValue(value, offset, length) {
      // As in TOML: a number a double cannot hold is refused, never
      // rounded (an integer past 2^53) or turned into Infinity.
      if (typeof value === "number") {
        if (!Number.isFinite(value)) fail("a number is too large", offset);
        if (
          !Number.isSafeInteger(value) &&
          /^-?\d+$/.test(text.slice(offset, offset + length))
        ) {
          fail(
            "an integer is beyond 2^53, which a number does not hold exactly",
            offset,
          );
        }
      }
      put(value, offset);
    },
    onError(error, offset) {
      fail(
        REASONS[jsonc.get().printParseErrorCode(error)] ?? "malformed JSON",
        offset,
      );
    },
  };
  jsonc.get().visit(text, visitor, OPTIONS);
  return { value: root, shared: false };
}

interface Open {
  /** The container's path, as `pathKey` writes it. */
  path: string;
  /** Whether it is the top level, whose children's paths have no prefix. */
  top: boolean;
  /** In an array, the index of the next item. */
  index: number;
  array: boolean;
}

// Only on a schema failure: the file parsed, so it is valid and its depth
// bounded. One scan, which calls back only inside the containers some path
// goes through: a mapping entry is located at its key (as in YAML), a
// sequence item at its value.
function locateJsonPaths(
  text: string,
  paths: readonly FieldPath[],
): (number | undefined)[] {
  const wanted = new Set(paths.map(pathKey));
  const through = new Set(
    paths.flatMap((path) => path.map((_, n) => pathKey(path.slice(0, n)))),
  );
  const found = new Map<string, number>();
  const open: Open[] = [];
  let key = "";
  const place = (path: string, offset: number) => {
    if (wanted.has(path) && !found.has(path)) found.set(path, offset);
  };
  const child = (parent: Open, name: string) =>
    parent.top ? name : pathKey([parent.path, name]);
  // The path of the value that starts at `offset`, placed if it is an item
  // (or the top level).
  const start = (offset: number): string => {
    const parent = open[open.length - 1];
    if (parent === undefined) {
      place("", offset);
      return "";
    }
    if (!parent.array) return child(parent, key);
    const path = child(parent, String(parent.index++));
    place(path, offset);
    return path;
  };
  const begin = (array: boolean) => (offset: number) => {
    const path = start(offset);
    open.push({ path, top: open.length === 0, index: 0, array });
    // Nothing wanted inside: the scan goes on without calling back.
    return through.has(path);
  };
  jsonc.get().visit(text, {
    onObjectBegin: begin(false),
    onArrayBegin: begin(true),
    onObjectEnd: () => void open.pop(),
    onArrayEnd: () => void open.pop(),
    onObjectProperty(name, offset) {
      key = name;
      place(child(open[open.length - 1], name), offset);
    },
    onLiteralValue(_value, offset) {
      start(offset);
    },
  }, OPTIONS);
  return placesOf(paths, found, false);
}
