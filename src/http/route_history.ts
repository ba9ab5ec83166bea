import { json } from "./respond.ts";
import type { ReloadView } from "./view.ts";

/**
 * `GET <prefix>/history`: the recent results as JSON, newest first.
 *
 * @param _request The request.
 * @param view What the handler reads.
 * @returns The response.
 */
export function serveHistory(_request: Request, view: ReloadView): Response {
  return json(view.history());
}
