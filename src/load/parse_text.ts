import { deepFreeze, markDeeplyFrozen } from "../freeze.ts";
import {
  FormatError,
  formatFor,
  type FormatLimits,
  type FormatName,
} from "./format/mod.ts";
import { measure } from "./measure.ts";

/** A parsed config: the top level of a config file is always a mapping. */
type Mapping = { [key: string]: unknown };

/**
 * What parsing gave: the mapping, or what is wrong (phrased to follow
 * "Cannot load config as", quoting nothing of the text) and where, as an
 * offset into the text. Plain data, so a worker can send it back.
 */
export type ParseOutcome =
  | {
    ok: true;
    value: Mapping;
    /** Whether a node may be reached twice (YAML aliases). */
    shared?: boolean;
    /** Whether strings that hold a `$` are marked for expansion. */
    marked?: boolean;
  }
  | { ok: false; summary: string; reason: string; offset?: number };

/**
 * Parses config text in `format` and checks it: a mapping at the
 * top, and, when nodes may be shared (YAML aliases), a bounded size, depth
 * and no cycle. The same on the event loop and in the parser's worker, so
 * that both give the same messages.
 *
 * @param format The format's name.
 * @param text The text.
 * @param limits The depth and node bounds.
 * @param freeze Whether to freeze the mapping (not when it is to be sent).
 * @returns The mapping, or what is wrong.
 */
export function parseText(
  format: FormatName,
  text: string,
  limits: FormatLimits,
  freeze: boolean,
): ParseOutcome {
  const { maxDepth, maxNodes } = limits;
  const parser = formatFor("", format);
  let value: unknown;
  let shared: boolean;
  let marked: boolean | undefined;
  let bounded: boolean | undefined;
  try {
    ({ value, shared, marked, bounded } = parser.parse(text, limits));
  } catch (error) {
    if (error instanceof FormatError) {
      return {
        ok: false,
        summary: error.summary,
        reason: error.reason,
        ...(error.offset !== undefined && { offset: error.offset }),
      };
    }
    return {
      ok: false,
      summary: `the ${parser.label} parser failed`,
      reason: error instanceof Error ? error.name : "unknown error",
    };
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    const kind = value === null
      ? "empty (null)"
      : Array.isArray(value)
      ? "a sequence"
      : `a ${typeof value}`;
    return failed(`the top level is ${kind}, not a mapping`);
  }
  // Unless nodes may be shared (YAML aliases), the document cannot expand or
  // loop, and the parser already bounded it: measuring would only cost time.
  // A format that counted the expanded document while parsing has said so.
  if (!shared || bounded) {
    if (freeze) deepFreeze(value);
    return {
      ok: true,
      value: value as Mapping,
      shared,
      ...(marked && { marked }),
    };
  }
  const size = measure(value, maxNodes, freeze);
  if (size.cycle) {
    return failed(
      "an alias refers to a node that contains it (the document is cyclic)",
    );
  }
  if (size.nodes > maxNodes) {
    return failed(
      `the document expands to more than ${maxNodes} nodes (aliases that repeat large parts, as in a "billion laughs" file)`,
    );
  }
  if (size.depth > maxDepth) {
    return failed(`aliases nest the document deeper than ${maxDepth} levels`);
  }
  if (freeze) markDeeplyFrozen(value);
  return {
    ok: true,
    value: value as Mapping,
    shared: true,
    ...(marked && { marked }),
  };
}

function failed(summary: string): ParseOutcome {
  return { ok: false, summary, reason: "" };
}
