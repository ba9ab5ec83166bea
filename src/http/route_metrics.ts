import { SAFE_HEADERS } from "../http_common.ts";
import { metricsText } from "../metrics.ts";
import type { ReloadView } from "./view.ts";

/**
 * `GET <prefix>/metrics`: the Prometheus text format.
 *
 * @param _request The request.
 * @param view What the handler reads.
 * @returns The response.
 */
export function serveMetrics(_request: Request, view: ReloadView): Response {
  return new Response(metricsText(view), {
    headers: {
      ...SAFE_HEADERS,
      "content-type": "text/plain; version=0.0.4; charset=utf-8",
    },
  });
}
