import { getLogger } from "@logtape/logtape";
import { hasBearerToken } from "./auth.ts";
import type { Coordinator } from "./coordinator.ts";
import { renderHistoryPage } from "./html.ts";
import { renderMetrics } from "./metrics.ts";
import type { ReloadStatus } from "./status.ts";

/**
 * Options of {@linkcode reloadHandler}.
 *
 * @example Usage
 * ```ts
 * import type { ReloadHandlerOptions } from "@hup/reload";
 *
 * const options: ReloadHandlerOptions = { prefix: "/admin/reload", token: "from-a-secret-store" };
 * ```
 */
export interface ReloadHandlerOptions {
  /**
   * Where the routes live: `GET|POST <prefix>`, `GET <prefix>/metrics`,
   * `GET <prefix>/history`.
   *
   * @default {"/-/reload"}
   */
  prefix?: string;
  /**
   * The bearer token that `POST` must carry (`Authorization: Bearer
   * <token>`), compared in constant time.
   *
   * @default {undefined}
   */
  token?: string;
  /**
   * Lets `POST` run a pass without a token, when no `token` is set: only for
   * a listener that untrusted clients cannot reach (loopback, a private
   * admin port).
   *
   * @default {false}
   */
  allowUnauthenticated?: boolean;
}

/** The HTTP status that answers a `POST` whose pass ended with each status. */
const POST_STATUS: Record<ReloadStatus, number> = {
  full_success: 200,
  partial_applied: 500,
  validation_failed: 422,
  load_failed: 422,
};

const JSON_HEADERS = {
  "content-type": "application/json; charset=utf-8",
  "cache-control": "no-store",
};

/**
 * Builds the operator surface of a coordinator as a web-standard
 * `Request => Response` handler, for `Deno.serve`, `Bun.serve`, Hono, or
 * `node:http` through {@linkcode nodeListener}:
 *
 * - `GET <prefix>`: `{ generation, config_digest, last_result }` as JSON
 *   (`last_result` is `null` before the first pass); with
 *   `Accept: text/html`, a self-contained page with the recent history as a
 *   timeline.
 * - `POST <prefix>`: runs a pass (joining one that is about to run, never
 *   overlapping) and answers with its result: 200 on `full_success`, 500 on
 *   `partial_applied`, 422 on `validation_failed` and `load_failed`, so
 *   `curl -f` fails when the reload did. Needs the bearer `token`, or
 *   `allowUnauthenticated`; otherwise 401 (wrong or missing token, no
 *   detail) or 403 (no token configured).
 * - `GET <prefix>/metrics`: Prometheus text format.
 * - `GET <prefix>/history`: the recent results as JSON, newest first.
 *
 * Other methods get 405 with `Allow`; other paths 404. No response carries a
 * config value: results hold rendered errors only.
 *
 * @example Usage
 * ```ts
 * import { AtomicConfig, Coordinator, reloadHandler } from "@hup/reload";
 * import assert from "node:assert/strict";
 *
 * const coordinator = new Coordinator({ configPath: "c.yaml", config: new AtomicConfig({}), load: () => ({}), hooks: [] });
 * const handler = reloadHandler(coordinator, { token: "t0ken" });
 *
 * const denied = await handler(new Request("http://localhost/-/reload", { method: "POST" }));
 * assert.equal(denied.status, 401);
 * const ok = await handler(new Request("http://localhost/-/reload", {
 *   method: "POST",
 *   headers: { authorization: "Bearer t0ken" },
 * }));
 * assert.equal(ok.status, 200);
 * assert.equal((await ok.json()).status, "full_success");
 * ```
 *
 * @typeParam C The config type.
 * @param coordinator The coordinator to serve.
 * @param options Prefix and write access.
 * @returns The handler.
 * @throws {TypeError} If `prefix` does not start with `/`, or `token` is
 *   given but empty.
 */
export function reloadHandler<C>(
  coordinator: Coordinator<C>,
  options: ReloadHandlerOptions = {},
): (request: Request) => Promise<Response> {
  const prefix = (options.prefix ?? "/-/reload").replace(/\/+$/, "");
  if (!(options.prefix ?? "/").startsWith("/")) {
    throw new TypeError(
      `Cannot mount the reload handler as the prefix does not start with "/": options.prefix`,
    );
  }
  const { token, allowUnauthenticated = false } = options;
  if (token !== undefined && (typeof token !== "string" || token === "")) {
    throw new TypeError(
      "Cannot protect the reload handler with an empty token: options.token",
    );
  }
  const log = getLogger(["hup-reload", "http"]);

  const status = (request: Request): Response => {
    if (prefersHtml(request)) {
      return new Response(
        renderHistoryPage({
          generation: coordinator.generation(),
          digest: coordinator.digest(),
          history: coordinator.history(),
          configPath: coordinator.configPath,
        }),
        {
          headers: {
            "content-type": "text/html; charset=utf-8",
            "cache-control": "no-store",
            "content-security-policy":
              "default-src 'none'; style-src 'unsafe-inline'",
          },
        },
      );
    }
    return json({
      generation: coordinator.generation(),
      config_digest: coordinator.digest(),
      last_result: coordinator.lastResult(),
    });
  };

  const reload = async (request: Request): Promise<Response> => {
    if (token !== undefined) {
      if (!(await hasBearerToken(request, token))) {
        log.warn("Refused an HTTP reload request: bad or missing token");
        return text(401, "Unauthorized", {
          "www-authenticate": 'Bearer realm="hup-reload"',
        });
      }
    } else if (!allowUnauthenticated) {
      return text(
        403,
        "Forbidden: reloading over HTTP is disabled (no token is configured)",
      );
    }
    log.info("Reload requested over HTTP");
    const result = await coordinator.reload();
    return json(result, POST_STATUS[result.status]);
  };

  return async (request) => {
    const path = new URL(request.url).pathname.replace(/\/+$/, "");
    const method = request.method;
    const read = method === "GET" || method === "HEAD";
    let response: Response;
    if (path === prefix) {
      response = read
        ? status(request)
        : method === "POST"
        ? await reload(request)
        : notAllowed("GET, HEAD, POST");
    } else if (path === `${prefix}/metrics`) {
      response = read
        ? new Response(
          renderMetrics({
            generation: coordinator.generation(),
            stats: coordinator.stats(),
            lastStatus: coordinator.lastResult()?.status ?? null,
            requiresRestart:
              coordinator.lastResult()?.requires_restart?.length ?? 0,
          }),
          {
            headers: {
              "content-type": "text/plain; version=0.0.4; charset=utf-8",
              "cache-control": "no-store",
            },
          },
        )
        : notAllowed("GET, HEAD");
    } else if (path === `${prefix}/history`) {
      response = read ? json(coordinator.history()) : notAllowed("GET, HEAD");
    } else {
      response = text(404, "Not Found");
    }
    return method === "HEAD"
      ? new Response(null, {
        status: response.status,
        headers: response.headers,
      })
      : response;
  };
}

function prefersHtml(request: Request): boolean {
  const accept = request.headers.get("accept") ?? "";
  return /\btext\/html\b/.test(accept);
}

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body, null, 2) + "\n", {
    status,
    headers: JSON_HEADERS,
  });
}

function text(
  status: number,
  body: string,
  headers: Record<string, string> = {},
): Response {
  return new Response(`${body}\n`, {
    status,
    headers: { "content-type": "text/plain; charset=utf-8", ...headers },
  });
}

function notAllowed(allow: string): Response {
  return text(405, "Method Not Allowed", { allow });
}
