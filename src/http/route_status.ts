import { SAFE_HEADERS } from "../http_common.ts";
import { renderHistoryPage } from "./html.ts";
import { json } from "./respond.ts";
import type { ReloadView } from "./view.ts";

/**
 * `GET <prefix>`: the status as JSON; for a browser (`Accept: text/html`,
 * without `?format=json`), the history page.
 *
 * @param request The request.
 * @param view What the handler reads.
 * @returns The response.
 */
export function serveStatus(request: Request, view: ReloadView): Response {
  const drift = view.verification().drift;
  if (prefersHtml(request)) {
    return new Response(
      renderHistoryPage({
        generation: view.generation(),
        digest: view.digest(),
        runningFrom: view.runningFrom(),
        history: view.history(),
        configPath: view.configPath,
        url: request.url,
        drift,
        inProgress: view.inProgress(),
      }),
      {
        headers: {
          ...SAFE_HEADERS,
          "content-type": "text/html; charset=utf-8",
          "content-security-policy":
            "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
          "vary": "Accept",
        },
      },
    );
  }
  return json(
    {
      generation: view.generation(),
      config_digest: view.digest(),
      running_from: view.runningFrom(),
      drift,
      in_progress: view.inProgress(),
      last_result: view.lastResult(),
    },
    200,
    { "vary": "Accept" },
  );
}

// A browser asks for HTML; `?format=json` asks for the JSON whatever the
// Accept header says, so the page can link to it.
function prefersHtml(request: Request): boolean {
  const accept = request.headers.get("accept") ?? "";
  return /\btext\/html\b/.test(accept) &&
    new URL(request.url).searchParams.get("format") !== "json";
}
