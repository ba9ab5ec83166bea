import {
  boolCoreTag,
  constructFromEvents,
  CORE_SCHEMA,
  type Event,
  EVENT_ID,
  floatCoreTag,
  getScalarValue,
  intCoreTag,
  mergeTag,
  NOT_RESOLVED,
  nullCoreTag,
  parseEvents,
  SCALAR_STYLE,
  type ScalarEvent,
  type Schema,
  YAMLException,
} from "js-yaml";
import { markString } from "../marks.ts";
import {
  type ConfigFormat,
  FormatError,
  type FormatLimits,
  type Parsed,
} from "./types.ts";
import { tooManyNodes } from "./limits.ts";
import {
  locateYamlPaths,
  scrubYamlReason,
  unclosedBefore,
} from "./yaml_locate.ts";
import {
  expandedWithin,
  hideReferences,
  leadingSequence,
  nodePast,
  secondDocument,
} from "./yaml_scan.ts";

// YAML 1.2 core schema plus merge keys (`<<: *base`); no tag constructs an
// object.
const YAML_SCHEMA: Schema = CORE_SCHEMA.withTags(mergeTag);

/** YAML 1.2, with js-yaml: one document, the core schema, merge keys. */
export const yamlFormat: ConfigFormat = {
  name: "yaml",
  label: "YAML",
  extensions: [".yaml", ".yml"],
  parse: parseYaml,
  locate: locateYamlPaths,
  typePlain,
};

// The tags a plain scalar is tried against, in the core schema's order;
// a scalar none of them resolves is a string.
const PLAIN_TAGS = [nullCoreTag, boolCoreTag, intCoreTag, floatCoreTag];

/**
 * What a plain scalar of this text would be under the YAML 1.2 core
 * schema: null, a boolean, a number, or else the string itself. Never a
 * mapping or a sequence, whatever the text holds.
 *
 * @param text The scalar's text.
 * @returns Its value.
 */
function typePlain(text: string): unknown {
  for (const tag of PLAIN_TAGS) {
    const value: unknown = tag.resolve(text, false, tag.tagName);
    if (value !== NOT_RESOLVED) return value;
  }
  return text;
}

// The explicit tags that keep a scalar a string.
const STRING_TAGS = new Set(["!", "!!str", "!<tag:yaml.org,2002:str>"]);

function parseYaml(text: string, limits: FormatLimits): Parsed {
  // A top level that is plainly a sequence is refused before parsing it
  // whole: a 16 MiB list would cost seconds and most of a gigabyte.
  const at = leadingSequence(text);
  if (at !== -1) {
    throw new FormatError("the top level is a sequence, not a mapping", "", at);
  }
  // A second document is refused before parsing the first: js-yaml parses
  // every document of a stream before it says there are several.
  const second = secondDocument(text);
  if (second !== undefined) {
    throw new FormatError(
      "the file is not valid YAML",
      "expected a single document in the stream, but found more",
      second,
    );
  }
  let value: unknown;
  let positions: number[][] | undefined;
  let shared = false;
  let bounded = false;
  try {
    // What js-yaml's load() does, with the nodes counted between the two
    // steps: a document past maxNodes is refused before it is built.
    const events = parseEvents(hideReferences(text), {
      maxDepth: limits.maxDepth,
    });
    shared = text.includes("*");
    bounded = shared && expandedWithin(text, events, limits);
    // Within the bounds with aliases expanded is within them as written:
    // the nodes are counted once more only when that count said nothing.
    if (!bounded) {
      const past = nodePast(events, limits.maxNodes);
      if (past !== undefined) throw tooManyNodes(limits, past);
    }
    // Strings that hold a "$" are marked for expansion (see marks.ts).
    const marked = text.includes("$") ? markReferences(text, events) : null;
    if (marked !== null) positions = marked.positions;
    const documents = constructFromEvents(events, {
      source: marked?.source ?? text,
      schema: YAML_SCHEMA,
      // js-yaml's default (10,000) refuses ordinary large configs that
      // merge a base into each entry; the bound stays linear in the text.
      maxTotalMergeKeys: Math.max(10_000, text.length),
    });
    if (documents.length === 0) {
      throw new YAMLException("expected a document, but the input is empty");
    }
    value = documents[0];
  } catch (error) {
    if (error instanceof FormatError) throw error;
    if (!(error instanceof YAMLException)) {
      throw new FormatError(
        "the YAML parser failed",
        error instanceof Error ? error.name : "unknown error",
      );
    }
    const reason = scrubYamlReason(error.reason);
    if (/input is empty/.test(reason)) {
      throw new FormatError(
        "the file has no YAML document (it is empty or only comments)",
      );
    }
    const offset = error.mark?.position;
    const at = offset === undefined
      ? undefined
      : originalOffset(offset, text, positions);
    // js-yaml says "deficient indentation" (or "unexpected end") on the line
    // after a quote or a bracket left open: name what is open, and where.
    const open = at !== undefined &&
        /deficient indentation|unexpected end of the stream/.test(reason)
      ? unclosedBefore(text, at)
      : undefined;
    if (open !== undefined) {
      throw new FormatError(
        "the file is not valid YAML",
        `${open.what} opened here is not closed`,
        open.at,
      );
    }
    throw new FormatError("the file is not valid YAML", reason, at);
  }
  // Without an alias (`*name`) no node can be shared or loop, and the
  // parser already bounded the depth.
  return {
    value,
    shared,
    ...(bounded && { bounded }),
    ...(text.includes("$") && { marked: true }),
  };
}

/**
 * Marks every scalar whose value holds a `$`: its value, marked, is added
 * after the text, and its event points there (as a scalar read as is), so
 * that the document is built with the marked string wherever the scalar
 * is used (aliases and merge keys included). One pass over the events.
 *
 * @param text The text.
 * @param events Its events; the marked scalars' events are changed.
 * @returns The text with the marked values after it, and for each marked
 *   scalar, where its value now starts and where it started in `text`.
 * @throws {FormatError} If a scalar with a `$` has an explicit tag other
 *   than a string's.
 */
function markReferences(
  text: string,
  events: Event[],
): { source: string; positions: number[][] } {
  const parts = [text];
  const positions: number[][] = [];
  let length = text.length;
  for (const event of events) {
    if (event.type !== EVENT_ID.SCALAR || event.valueStart === -1) continue;
    const raw = text.slice(event.valueStart, event.valueEnd);
    // A "$" is written as is, but in a double-quoted scalar's escapes.
    const escaped = event.style === SCALAR_STYLE.DOUBLE_QUOTED &&
      raw.includes("\\");
    if (!raw.includes("$") && !escaped) continue;
    const value = getScalarValue(text, event);
    if (!value.includes("$")) continue;
    const tagged = event.tagStart !== -1;
    if (
      tagged && !STRING_TAGS.has(text.slice(event.tagStart, event.tagEnd))
    ) {
      throw new FormatError(
        "the file is not valid YAML",
        "a scalar with an explicit tag other than !!str holds a ${...} reference (leave it untagged: the core schema types it once substituted)",
        event.tagStart,
      );
    }
    const plain = event.style === SCALAR_STYLE.PLAIN && !tagged;
    const marked = markString(
      plain ? "P" : "S",
      event.valueStart,
      event.valueEnd,
      value,
    );
    positions.push([length, event.valueStart]);
    (event as ScalarEvent).valueStart = length;
    (event as ScalarEvent).valueEnd = length + marked.length;
    (event as ScalarEvent).fast = true;
    parts.push(marked);
    length += marked.length;
  }
  return { source: parts.join(""), positions };
}

// An offset into the text with marked values after it, as an offset into
// the text itself: a place inside a marked value is its scalar's start.
function originalOffset(
  offset: number,
  text: string,
  positions: number[][] | undefined,
): number {
  if (offset <= text.length || positions === undefined) {
    return Math.min(offset, text.length);
  }
  let lo = 0;
  let hi = positions.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (positions[mid][0] <= offset) lo = mid;
    else hi = mid - 1;
  }
  return positions[lo]?.[1] ?? text.length;
}
