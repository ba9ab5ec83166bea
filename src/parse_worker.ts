// The parser's worker: parses config text off the event loop, as
// parseText() does on it, and digests the file's bytes. Started by
// OffThreadParser; never imported by anything else.
import { sha256 } from "./digest.ts";
import type { ParseRequest, ParseResponse } from "./off_thread.ts";
import { parseText } from "./parse_text.ts";
import { serveParent } from "./runtime/worker.ts";

serveParent((message): ParseResponse => {
  const request = message as ParseRequest;
  try {
    return {
      id: request.id,
      outcome: parseText(request.format, request.text, request.limits, false),
      digest: sha256(request.bytes),
    };
  } catch (error) {
    // Only a fault of the parser itself gets here (a stack overflow, say).
    return {
      id: request.id,
      outcome: {
        ok: false,
        summary: "the parser failed",
        reason: error instanceof Error ? error.name : "unknown error",
      },
      digest: "",
    };
  }
});
