// The responses the routes build, beside the plain-text ones of
// http_common.ts.

import { SAFE_HEADERS } from "../http_common.ts";

/**
 * A JSON response carrying {@linkcode SAFE_HEADERS}, indented for people
 * reading it with curl.
 *
 * @param body The value; plain JSON.
 * @param status The status code.
 * @param headers More headers, which win over the safe ones.
 * @returns The response.
 */
export function json(
  body: unknown,
  status = 200,
  headers: Record<string, string> = {},
): Response {
  return new Response(JSON.stringify(body, null, 2) + "\n", {
    status,
    headers: {
      ...SAFE_HEADERS,
      "content-type": "application/json; charset=utf-8",
      ...headers,
    },
  });
}
