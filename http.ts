/**
 * The operator surface of a coordinator over HTTP: a web-standard
 * `Request => Response` handler (status JSON, an HTML history, Prometheus
 * metrics, and a POST that runs a pass) for `Deno.serve`, `Bun.serve`, Hono
 * or any web-standard server; a bridge to `node:http`; and the metrics text
 * for an application's own `/metrics`. Both read the coordinator through
 * {@linkcode ReloadView}, so any object with its members can stand in for
 * it.
 *
 * @example Serving it with Deno.serve, next to the application
 * ```ts ignore
 * import { Coordinator } from "@hup/reload";
 * import { reloadHandler } from "@hup/reload/http";
 *
 * const coordinator = await Coordinator.create({ configPath: "config.yaml" });
 * const admin = reloadHandler(coordinator, { token: Deno.env.get("RELOAD_TOKEN") });
 * Deno.serve((request) =>
 *   new URL(request.url).pathname.startsWith("/-/reload")
 *     ? admin(request)
 *     : new Response(`${coordinator.config.load().greeting}\n`)
 * );
 * ```
 *
 * @example Calling it directly, as a test would
 * ```ts
 * import { AtomicConfig, Coordinator } from "@hup/reload";
 * import { reloadHandler } from "@hup/reload/http";
 * import assert from "node:assert/strict";
 *
 * const coordinator = new Coordinator({ configPath: "c.yaml", config: new AtomicConfig({}), load: () => ({}) });
 * const handler = reloadHandler(coordinator, { token: "t0ken" });
 * const response = await handler(new Request("http://localhost/-/reload", {
 *   method: "POST",
 *   headers: { authorization: "Bearer t0ken" },
 * }));
 * assert.equal(response.status, 200);
 * ```
 *
 * @module
 */

export {
  reloadHandler,
  type ReloadHandlerOptions,
} from "./src/http/handler.ts";
export type { ReloadControl, ReloadView, ViewSource } from "./src/http/view.ts";
export { metricsText } from "./src/metrics.ts";
export {
  nodeListener,
  type NodeListenerOptions,
  type NodeRequestLike,
  type NodeResponseLike,
} from "./src/node_http.ts";
