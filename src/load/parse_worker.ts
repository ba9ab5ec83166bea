// The parser's worker: parses config text off the event loop, as
// parseText() does on it, and sends the document back as a tape (see
// pieces.ts), in parts of bounded size, each made when the parent asks for
// the next. Started by OffThreadParser; never imported by anything else.
import type { ParseNext, ParseRequest, ParseResponse } from "./off_thread.ts";
import type { ParseOutcome } from "./parse_text.ts";
import { formatFor } from "./format/mod.ts";
import { parseText } from "./parse_text.ts";
import { writeTape } from "./pieces.ts";
import { serveParent } from "../runtime/worker.ts";

// What is left to send, by request: one answer at a time is the rule (the
// parent asks for one parse at a time), but nothing here depends on it.
const sending = new Map<number, Iterator<ParseResponse>>();

serveParent((message, reply: (response: ParseResponse) => void) => {
  const request = message as ParseRequest | ParseNext;
  if ("next" in request) {
    send(request.id, sending.get(request.id), reply);
    return;
  }
  // The format's parser is imported on its first use, here too.
  const loading = formatFor("", request.format).prepare?.();
  if (loading === undefined) send(request.id, answer(request), reply);
  else {
    loading.then(
      () => send(request.id, answer(request), reply),
      (error) => reply({ id: request.id, outcome: failed(error) }),
    );
  }
});

// Sends the next part of an answer, and keeps the rest for the next ask.
function send(
  id: number,
  answers: Iterator<ParseResponse> | undefined,
  reply: (response: ParseResponse) => void,
): void {
  if (answers === undefined) return;
  const next = answers.next();
  if (next.done || "outcome" in next.value) sending.delete(id);
  else sending.set(id, answers);
  if (!next.done) reply(next.value);
}

function* answer(request: ParseRequest): Generator<ParseResponse> {
  const { id, format, text, limits } = request;
  let outcome: ParseOutcome;
  try {
    outcome = parseText(format, text, limits, false);
  } catch (error) {
    // Only a fault of the parser itself gets here (a stack overflow, say).
    outcome = failed(error);
  }
  if (!outcome.ok) {
    yield { id, outcome };
    return;
  }
  const shared = outcome.shared !== false;
  const marked = outcome.marked === true;
  const parts = writeTape(outcome.value, shared);
  let first = true;
  for (;;) {
    let part;
    try {
      part = parts.next();
    } catch (error) {
      yield { id, outcome: failed(error) };
      return;
    }
    if (part.done) break;
    yield first ? { id, tape: part.value, shared } : { id, tape: part.value };
    first = false;
  }
  yield { id, outcome: { ok: true, value: {}, ...(marked && { marked }) } };
}

function failed(error: unknown): ParseOutcome {
  return {
    ok: false,
    summary: "the parser failed",
    reason: error instanceof Error ? error.name : "unknown error",
  };
}
