import type { Coordinator } from "./coordinator.ts";

/**
 * Builds a web-standard `Request => Response` handler that reports the last
 * reload pass as JSON: `{ generation, last_result }`, where `last_result` is
 * `null` before the first pass. Works as is with `Deno.serve`, `Bun.serve`
 * and Hono; answers 405 (with `Allow`) to anything but GET and HEAD.
 *
 * @example Usage
 * ```ts
 * import { AtomicConfig, Coordinator, statusHandler } from "@hup/reload";
 * import assert from "node:assert/strict";
 *
 * const coordinator = new Coordinator({ configPath: "c.yaml", config: new AtomicConfig({}), load: () => ({}), hooks: [] });
 * await coordinator.reload();
 * const handler = statusHandler(coordinator);
 * const response = handler(new Request("http://localhost/-/reload"));
 * assert.equal(response.status, 200);
 * const body = await response.json();
 * assert.equal(body.generation, 1);
 * assert.equal(body.last_result.status, "full_success");
 * ```
 *
 * @param coordinator The coordinator to report on.
 * @returns The handler.
 */
export function statusHandler<C>(
  coordinator: Coordinator<C>,
): (request: Request) => Response {
  return (request) => {
    if (request.method !== "GET" && request.method !== "HEAD") {
      return new Response("Method Not Allowed\n", {
        status: 405,
        headers: { allow: "GET, HEAD", "content-type": "text/plain" },
      });
    }
    const body = JSON.stringify(
      {
        generation: coordinator.generation(),
        last_result: coordinator.lastResult(),
      },
      null,
      2,
    ) + "\n";
    return new Response(request.method === "HEAD" ? null : body, {
      headers: {
        "content-type": "application/json; charset=utf-8",
        "cache-control": "no-store",
      },
    });
  };
}
