import { LoadError } from "../errors.ts";
import type { ConfigFormat, FormatLimits } from "./format/mod.ts";
import { getLogger } from "@logtape/logtape";
import {
  type OffThreadParser,
  WorkerTimeout,
  WorkerUnavailable,
} from "./off_thread.ts";
import { type ParseOutcome, parseText } from "./parse_text.ts";
import { lineColumn } from "./position.ts";

/** How one layer is parsed. */
export interface ParseOptions {
  /** The depth and node bounds. */
  limits: FormatLimits;
  /** The size, in bytes, from which `parser` parses off the event loop. */
  workerThreshold: number;
  /** The worker, for large texts; without it, all parse on the event loop. */
  parser?: OffThreadParser;
  /** Whether to freeze the mapping as it is checked (no later change). */
  freeze: boolean;
}

/** A parsed layer: its mapping, and how it was parsed. */
export interface ParsedText {
  /** The mapping. */
  value: Record<string, unknown>;
  /** Whether strings that hold a `$` are marked for expansion. */
  marked: boolean;
  /** Whether the worker parsed it (then it is not frozen yet). */
  offThread: boolean;
}

/**
 * Parses one layer's text in its format, the parse step of a load: in the
 * worker when the text is `workerThreshold` bytes or more and a worker can
 * run, else on the event loop, with the same checks and messages either
 * way.
 *
 * @param name How messages name the source.
 * @param text The decoded text.
 * @param byteLength The size of the bytes it was decoded from.
 * @param format The format.
 * @param options Limits, the worker and its threshold.
 * @returns The mapping.
 * @throws {LoadError} If the text is not valid in its format, is not a
 *   mapping, or exceeds a limit; at the line and column where it is
 *   wrong.
 */
export async function parseLayer(
  name: string,
  text: string,
  byteLength: number,
  format: ConfigFormat,
  options: ParseOptions,
): Promise<ParsedText> {
  const { limits, parser, workerThreshold } = options;
  try {
    await format.prepare?.();
  } catch (error) {
    throw new LoadError(`the ${format.label} parser cannot be loaded`, [{
      path: name,
      reason: (error as Error).message,
    }]);
  }
  let outcome: ParseOutcome | undefined;
  let offThread = false;
  if (parser !== undefined && byteLength >= workerThreshold) {
    try {
      outcome = await parser.parse({ format: format.name, text, limits });
      offThread = true;
    } catch (error) {
      // A worker that did not answer in time is ended; the text is parsed
      // here instead, as it would be without a worker, so that a document
      // that loads on the event loop never fails for the worker's deadline.
      if (error instanceof WorkerTimeout) {
        getLogger(["hup-reload", "load"]).warn(
          "Parsing {source} on the event loop, as {error}",
          { source: name, error: error.message },
        );
      } else if (!(error instanceof WorkerUnavailable)) {
        throw new LoadError("the parser failed off the event loop", [{
          path: name,
          reason: (error as Error).message,
        }]);
      }
    }
  }
  outcome ??= parseText(format.name, text, limits, options.freeze);
  if (!outcome.ok) {
    const at = outcome.offset === undefined
      ? undefined
      : lineColumn(text, outcome.offset);
    throw new LoadError(outcome.summary, [{
      path: name,
      ...at,
      reason: outcome.reason,
    }]);
  }
  return {
    value: outcome.value,
    marked: outcome.marked === true,
    offThread,
  };
}
