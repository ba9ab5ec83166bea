// The parser's worker: parses config text off the event loop, as
// parseText() does on it, and sends a large document back in pieces, one
// message at a time, each when the parent asks for the next. Started by
// OffThreadParser; never imported by anything else.
import type { ParseNext, ParseRequest, ParseResponse } from "./off_thread.ts";
import type { ParseOutcome } from "./parse_text.ts";
import { parseText } from "./parse_text.ts";
import { cutDocument, PIECE_NODES } from "./pieces.ts";
import { serveParent } from "../runtime/worker.ts";

// What is left to send, by request.
const sending = new Map<number, Iterator<ParseResponse>>();

serveParent((message, reply: (response: ParseResponse) => void) => {
  const request = message as ParseRequest | ParseNext;
  const answers = "next" in request ? sending.get(request.id) : answer(request);
  if (answers === undefined) return;
  const next = answers.next();
  if (next.done || "outcome" in next.value) sending.delete(request.id);
  else sending.set(request.id, answers);
  if (!next.done) reply(next.value);
});

function* answer(request: ParseRequest): Generator<ParseResponse> {
  const { id, format, text, limits } = request;
  let outcome: ParseOutcome;
  let cut;
  try {
    outcome = parseText(format, text, limits, false);
    if (outcome.ok) {
      cut = cutDocument(outcome.value, PIECE_NODES, outcome.shared !== false);
    }
  } catch (error) {
    // Only a fault of the parser itself gets here (a stack overflow, say).
    outcome = {
      ok: false,
      summary: "the parser failed",
      reason: error instanceof Error ? error.name : "unknown error",
    };
  }
  if (outcome.ok && cut !== undefined) {
    for (const pieces of cut.batches) yield { id, pieces };
    for (const links of cut.links) yield { id, links };
    outcome = {
      ok: true,
      value: cut.root as typeof outcome.value,
      ...(outcome.marked && { marked: true }),
    };
  }
  yield { id, outcome };
}
