import {
  type JSONVisitor,
  type Node,
  parseTree,
  printParseErrorCode,
  visit,
} from "jsonc-parser";
import {
  type ConfigFormat,
  type FieldPath,
  FormatError,
  type FormatLimits,
  type Parsed,
} from "./types.ts";

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
    if (++nodes > limits.maxNodes) {
      throw new FormatError(
        `the document has more than ${limits.maxNodes} nodes`,
        "",
        offset,
      );
    }
    const top = containers[containers.length - 1];
    if (top === undefined) root = value;
    else if (Array.isArray(top)) top.push(value);
    else if (key !== "__proto__") top[key] = value;
    else {
      Object.defineProperty(top, key, {
        value,
        writable: true,
        enumerable: true,
        configurable: true,
      });
    }
  };
  const open = (value: Record<string, unknown> | unknown[], offset: number) => {
    if (containers.length >= limits.maxDepth) {
      throw new FormatError(
        `the document nests deeper than ${limits.maxDepth} levels`,
        "",
        offset,
      );
    }
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
    onLiteralValue(value, offset) {
      put(value, offset);
    },
    onError(error, offset) {
      fail(REASONS[printParseErrorCode(error)] ?? "malformed JSON", offset);
    },
  };
  visit(text, visitor, OPTIONS);
  return { value: root, shared: false };
}

// Only on a schema failure: the file parsed, so its depth is bounded.
function locateJsonPaths(
  text: string,
  paths: readonly FieldPath[],
): (number | undefined)[] {
  const root = parseTree(text, [], OPTIONS);
  return paths.map((path) => {
    let node: Node | undefined = root;
    let at = root?.offset;
    for (const segment of path) {
      if (node?.type === "object") {
        const entry: Node | undefined = node.children?.find((property) =>
          property.children?.[0]?.value === String(segment)
        );
        // A mapping entry is located at its key, as in YAML.
        at = entry?.children?.[0]?.offset;
        node = entry?.children?.[1];
      } else if (node?.type === "array") {
        node = node.children?.[Number(segment)];
        at = node?.offset;
      } else return undefined;
      if (node === undefined) return undefined;
    }
    return at;
  });
}
