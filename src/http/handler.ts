import { getLogger } from "@logtape/logtape";
import { hasBearerToken, isBearerToken } from "../auth.ts";
import {
  hostName,
  isAmbiguousPath,
  isLoopbackHost,
  rawPath,
  SAFE_HEADERS,
  textResponse,
} from "../http_common.ts";
import { escapeControls, renderError, truncate } from "../render.ts";
import { type Route, ROUTES } from "./routes.ts";
import type { ReloadControl, ReloadView } from "./view.ts";

/**
 * Options of {@linkcode reloadHandler}.
 *
 * @example Usage
 * ```ts
 * import type { ReloadHandlerOptions } from "@hup/reload/http";
 *
 * const options: ReloadHandlerOptions = {
 *   prefix: "/admin/reload",
 *   token: "from-a-secret-store",
 *   protectReads: true, // the status, history and metrics need the token too
 * };
 * ```
 */
export interface ReloadHandlerOptions {
  /**
   * Where the routes live: `GET|POST|PUT <prefix>`, `GET <prefix>/metrics`,
   * `GET <prefix>/history`. A path of plain segments (letters, digits and
   * `-._~!$&'()*+,;=:@%`); a final `/` is ignored.
   *
   * @default {"/-/reload"}
   */
  prefix?: string;
  /**
   * The bearer token that `POST` must carry (`Authorization: Bearer
   * <token>`), compared in constant time. It must be an RFC 6750
   * `b64token` (letters, digits, `-._~+/`, then any `=`), the only form a
   * request can carry, such as `openssl rand -base64 32` prints. An empty
   * string is no token (an unset variable often arrives as one): `POST`
   * then answers 403.
   *
   * @default {undefined}
   */
  token?: string;
  /**
   * Lets `POST` run a pass without a token, when no `token` is set: only for
   * a listener that untrusted clients cannot reach (loopback, a private
   * admin port). Browsers' cross-origin `POST`s are refused all the same,
   * and so, against DNS rebinding, is every request (reads too) whose host
   * is neither a loopback one nor one of {@linkcode ReloadHandlerOptions.allowedHosts}: 421.
   *
   * @default {false}
   */
  allowUnauthenticated?: boolean;
  /**
   * The host names, besides the loopback ones (`localhost`, `127.0.0.0/8`,
   * `[::1]`), that requests may name in their `Host` header (or HTTP/2
   * `:authority`) and URL: DNS names or IP addresses (IPv6 in brackets),
   * without a port, such as `["admin.internal", "10.0.0.5"]`; matched without
   * regard to case, port or a final dot. A request naming another host gets
   * 421 (Misdirected Request), so a web page whose own name an attacker
   * rebinds to this machine's address (DNS rebinding) can neither reload
   * nor read. The check is made with `allowUnauthenticated`, where no token
   * stands in the way, and whenever this option is given (`[]`: loopback
   * names only); behind a proxy that passes the public `Host` on, list that
   * name.
   *
   * @example Answering to the admin network's name too
   * ```ts
   * import { AtomicConfig, Coordinator } from "@hup/reload";
   * import { reloadHandler } from "@hup/reload/http";
   * import assert from "node:assert/strict";
   *
   * const coordinator = new Coordinator({ configPath: "c.yaml", config: new AtomicConfig({}), load: () => ({}), hooks: [] });
   * const handler = reloadHandler(coordinator, { allowUnauthenticated: true, allowedHosts: ["admin.internal"] });
   *
   * const ok = await handler(new Request("http://admin.internal:9090/-/reload", { method: "POST" }));
   * assert.equal(ok.status, 200);
   * const rebound = await handler(new Request("http://rebind.evil.example:9090/-/reload", { method: "POST" }));
   * assert.equal(rebound.status, 421);
   * ```
   *
   * @default {undefined}
   */
  allowedHosts?: readonly string[];
  /**
   * Makes the read routes (`GET`/`HEAD` of the status JSON, the history
   * page, `/history` and `/metrics`) need the bearer `token` too, answering
   * 401 without it. Needs `token`. A Prometheus scrape then sets
   * `authorization: { credentials: <token> }`; a browser cannot show the
   * history page unless a proxy in front adds the header.
   *
   * @example Protecting the reads
   * ```ts
   * import { AtomicConfig, Coordinator } from "@hup/reload";
   * import { reloadHandler } from "@hup/reload/http";
   * import assert from "node:assert/strict";
   *
   * const coordinator = new Coordinator({ configPath: "c.yaml", config: new AtomicConfig({}), load: () => ({}), hooks: [] });
   * const handler = reloadHandler(coordinator, { token: "t0ken", protectReads: true });
   *
   * const denied = await handler(new Request("http://localhost/-/reload/metrics"));
   * assert.equal(denied.status, 401);
   * const metrics = await handler(new Request("http://localhost/-/reload/metrics", {
   *   headers: { authorization: "Bearer t0ken" },
   * }));
   * assert.equal(metrics.status, 200);
   * ```
   *
   * @default {false}
   */
  protectReads?: boolean;
}

/** What a prefix may hold: `/`-separated RFC 3986 path characters. */
const PREFIX = /^(?:\/[A-Za-z0-9\-._~!$&'()*+,;=:@%]+)*\/?$/;

/**
 * Builds the operator surface of a coordinator as a web-standard
 * `Request => Response` handler, for `Deno.serve`, `Bun.serve`, Hono, or
 * `node:http` through {@linkcode nodeListener}:
 *
 * - `GET <prefix>`: `{ generation, config_digest, running_from, drift,
 *   in_progress, last_result }` as JSON (`in_progress` is `{ trigger,
 *   started_at, dry_run }` while a pass or dry run runs, else `null`;
 *   `last_result` is `null` before the first pass;
 *   `running_from` is `"last_good"` after a start from the last known-good
 *   config, else `"source"`; `drift` is `{ since, digest }` while the
 *   sources differ from the config in effect, else `null`: see
 *   `Coordinator.verify`); with
 *   `Accept: text/html` (and no `?format=json`), a self-contained page with
 *   the recent history as a timeline, which `?refresh=<seconds>` (5 to
 *   3600) makes reload itself.
 * - `POST <prefix>` (or `PUT`, as Prometheus accepts): runs a pass (joining one that is about to run, never
 *   overlapping) and answers with its result: 200 on `full_success`, 500 on
 *   `partial_applied`, 422 on `validation_failed` and `load_failed`, so
 *   `curl -f` fails when the reload did. With `?dry_run=1` (or `true`) it
 *   runs a dry run instead (`Coordinator.reload({ dryRun: true })`: load
 *   and check, apply nothing) and answers 200 on `would_apply`, 422 on
 *   `validation_failed` and `load_failed`; a `dry_run` other than `1`,
 *   `true`, `0` or `false`, or given twice, gets 400 and runs nothing. Needs the bearer `token`, or
 *   `allowUnauthenticated`; otherwise 401 (wrong or missing token, no
 *   detail) or 403 (no token configured). A browser's cross-origin `POST`
 *   (`Sec-Fetch-Site` other than `same-origin` or `none`, or else an
 *   `Origin` whose host is not the request's) gets 403 in every mode. The
 *   request body is never read.
 * - `GET <prefix>/metrics`: Prometheus text format.
 * - `GET <prefix>/history`: the recent results as JSON, newest first.
 *
 * With `protectReads`, the `GET` routes need the token too. With
 * `allowUnauthenticated` or `allowedHosts`, a request whose host (its URL's,
 * and its `Host` header's when it has one) is neither a loopback name nor
 * an allowed one gets 421 on every route, before the token is checked: the
 * defence against DNS rebinding. Routing looks at
 * the path only (never the host, the query, or a method-override header;
 * the query's `dry_run` only chooses between a pass and a dry run),
 * as sent: a path with a backslash, a dot segment (`/../`, `/%2e/`) or a
 * control character gets 400, and an encoded `/` (`%2F`) is not a
 * separator. Other methods get 405 with `Allow`; other paths 404. Every
 * response, errors and `HEAD` included, carries `X-Content-Type-Options:
 * nosniff`, `Cache-Control: no-store` and a `Content-Security-Policy` that
 * forbids framing; `HEAD` has no body. If anything throws, the answer is a
 * bare 500 and the error is logged. No response carries a config value:
 * results hold rendered errors only.
 *
 * The handler reads the coordinator only through {@linkcode ReloadView}
 * and runs passes only through {@linkcode ReloadControl}: any object with
 * those members can stand in for it (results kept elsewhere, a test), and
 * one without `reload()` serves the read routes only.
 *
 * @example Usage
 * ```ts
 * import { AtomicConfig, Coordinator } from "@hup/reload";
 * import { reloadHandler } from "@hup/reload/http";
 * import assert from "node:assert/strict";
 *
 * const coordinator = new Coordinator({ configPath: "c.yaml", config: new AtomicConfig({}), load: () => ({}), hooks: [] });
 * const handler = reloadHandler(coordinator, { token: "t0ken" });
 *
 * const denied = await handler(new Request("http://localhost/-/reload", { method: "POST" }));
 * assert.equal(denied.status, 401);
 * assert.equal(denied.headers.get("x-content-type-options"), "nosniff");
 * const ok = await handler(new Request("http://localhost/-/reload", {
 *   method: "POST",
 *   headers: { authorization: "Bearer t0ken" },
 * }));
 * assert.equal(ok.status, 200);
 * assert.equal((await ok.json()).status, "full_success");
 * ```
 *
 * @example A dry run: what a reload would do, changing nothing
 * ```ts
 * import { AtomicConfig, Coordinator } from "@hup/reload";
 * import { reloadHandler } from "@hup/reload/http";
 * import assert from "node:assert/strict";
 *
 * const coordinator = new Coordinator({ configPath: "c.yaml", config: new AtomicConfig({ n: 1 }), load: () => ({ n: 2 }) });
 * const handler = reloadHandler(coordinator, { token: "t0ken" });
 * const answer = await handler(new Request("http://localhost/-/reload?dry_run=1", {
 *   method: "POST",
 *   headers: { authorization: "Bearer t0ken" },
 * }));
 * assert.equal(answer.status, 200);
 * const result = await answer.json();
 * assert.equal(result.status, "would_apply");
 * assert.deepEqual(result.changed, ["n"]);
 * assert.equal(coordinator.generation(), 0); // nothing was applied
 * ```
 *
 * @example Refusing a cross-site POST on an open admin port
 * ```ts
 * import { AtomicConfig, Coordinator } from "@hup/reload";
 * import { reloadHandler } from "@hup/reload/http";
 * import assert from "node:assert/strict";
 *
 * const coordinator = new Coordinator({ configPath: "c.yaml", config: new AtomicConfig({}), load: () => ({}), hooks: [] });
 * const handler = reloadHandler(coordinator, { allowUnauthenticated: true });
 *
 * const forged = await handler(new Request("http://127.0.0.1:9090/-/reload", {
 *   method: "POST",
 *   headers: { origin: "https://evil.example" },
 * }));
 * assert.equal(forged.status, 403);
 * assert.equal(coordinator.lastResult(), null); // no pass ran
 * const curl = await handler(new Request("http://127.0.0.1:9090/-/reload", { method: "POST" }));
 * assert.equal(curl.status, 200);
 * ```
 *
 * @typeParam C The config type of a coordinator passed as such; unused.
 * @param coordinator What to serve: a `Coordinator`, or any
 *   {@linkcode ReloadView} (with `reload()`, a {@linkcode ReloadControl},
 *   for `POST`; without it, `POST` and `PUT` get 405).
 * @param options Prefix, write access and read access.
 * @returns The handler.
 * @throws {TypeError} If `prefix` is not a path of plain segments, `token`
 *   is given but is not a bearer token (with a space or a character outside
 *   the RFC 6750 `b64token` syntax), `protectReads` is set without a
 *   `token`, or `allowedHosts` is not a list of host names without ports.
 */
export function reloadHandler<C = unknown>(
  coordinator: ReloadView & Partial<ReloadControl>,
  options: ReloadHandlerOptions = {},
): (request: Request) => Promise<Response> {
  const rawPrefix = options.prefix ?? "/-/reload";
  if (
    typeof rawPrefix !== "string" || !rawPrefix.startsWith("/") ||
    !PREFIX.test(rawPrefix) || isAmbiguousPath(rawPrefix)
  ) {
    throw new TypeError(
      `Cannot mount the reload handler as the prefix is not a path of plain segments starting with "/": options.prefix`,
    );
  }
  const prefix = trimSlashes(rawPrefix);
  const { allowUnauthenticated = false, protectReads = false } = options;
  // An empty token is no token: an unset variable often arrives as "".
  const token = options.token === "" ? undefined : options.token;
  if (token !== undefined && !isBearerToken(token)) {
    throw new TypeError(
      "Cannot protect the reload handler as the token is not a bearer token (one or more of A-Z a-z 0-9 - . _ ~ + / then any =): options.token",
    );
  }
  if (protectReads && token === undefined) {
    throw new TypeError(
      "Cannot protect the read routes as no token is configured: options.protectReads",
    );
  }
  const allowedHosts = readAllowedHosts(options.allowedHosts);
  const checkHost = allowUnauthenticated || allowedHosts !== undefined;
  const log = getLogger(["hup-reload", "http"]);

  const unauthorized = (): Response =>
    textResponse(401, "Unauthorized", {
      "www-authenticate": 'Bearer realm="hup-reload"',
    });

  // The routes by the path they answer at; POST only when the view can
  // reload.
  const control = typeof coordinator.reload === "function"
    ? coordinator as ReloadControl
    : undefined;
  const routes = new Map<string, Route[]>();
  for (const route of ROUTES) {
    if (route.access === "write" && control === undefined) continue;
    const at = prefix + route.path;
    routes.set(at, [...routes.get(at) ?? [], route]);
  }

  /** Runs a read route if reads are open or the request carries the token. */
  const read = async (
    request: Request,
    serve: () => Response | Promise<Response>,
  ): Promise<Response> => {
    if (protectReads && !(await hasBearerToken(request, token!))) {
      log.warn("Refused an HTTP read request: bad or missing token");
      return unauthorized();
    }
    return await serve();
  };

  /** Runs a write route for a same-origin request with the token. */
  const write = async (
    request: Request,
    serve: () => Promise<Response>,
  ): Promise<Response> => {
    if (isCrossOrigin(request)) {
      log.warn("Refused an HTTP reload request: it came from another origin");
      return textResponse(403, "Forbidden: cross-origin request");
    }
    if (token !== undefined) {
      if (!(await hasBearerToken(request, token))) {
        log.warn("Refused an HTTP reload request: bad or missing token");
        return unauthorized();
      }
    } else if (!allowUnauthenticated) {
      return textResponse(
        403,
        "Forbidden: reloading over HTTP is disabled (no token is configured)",
      );
    }
    return await serve();
  };

  const route = async (request: Request): Promise<Response> => {
    const path = rawPath(request.url);
    if (path === undefined || isAmbiguousPath(path)) {
      return textResponse(400, "Bad Request");
    }
    const refused = checkHost ? refusedHost(request, allowedHosts) : undefined;
    if (refused !== undefined) {
      log.warn(
        "Refused an HTTP request for host {host}: it is neither a loopback name nor one of allowedHosts",
        // As sent, which may be anything: cut and escaped, so that it names
        // the host to allow without forging a line.
        { host: escapeControls(truncate(refused, 256)) },
      );
      return textResponse(
        421,
        "Misdirected Request: this host name is not served here (a loopback name or one of allowedHosts)",
      );
    }
    const here = routes.get(trimSlashes(path));
    if (here === undefined) return textResponse(404, "Not Found");
    const method = request.method;
    const chosen = here.find((r) =>
      (r.methods as readonly string[]).includes(method)
    );
    if (chosen === undefined) {
      return textResponse(405, "Method Not Allowed", {
        allow: here.flatMap((r) => r.methods).join(", "),
      });
    }
    return chosen.access === "read"
      ? await read(request, () => chosen.serve(request, coordinator))
      : await write(request, () => chosen.serve(request, control!));
  };

  return async (request) => {
    let response: Response;
    try {
      response = await route(request);
    } catch (error) {
      log.error("The reload handler failed: {error}", {
        error: renderError(error),
      });
      response = textResponse(500, "Internal Server Error");
    }
    const headers = new Headers(response.headers);
    for (const [name, value] of Object.entries(SAFE_HEADERS)) {
      if (!headers.has(name)) headers.set(name, value);
    }
    return new Response(request.method === "HEAD" ? null : response.body, {
      status: response.status,
      headers,
    });
  };
}

/**
 * Whether a browser sent the request from a page of another origin, as Go's
 * `http.CrossOriginProtection` decides: by `Sec-Fetch-Site` when present
 * (only `same-origin` and `none`, a typed URL or bookmark, are the same
 * origin; `same-site` is another origin too), else by comparing `Origin`
 * with the request's host. A request with neither header (curl, scripts,
 * old browsers) is not cross-origin.
 */
function isCrossOrigin(request: Request): boolean {
  const site = request.headers.get("sec-fetch-site");
  if (site !== null) return site !== "same-origin" && site !== "none";
  const origin = request.headers.get("origin");
  if (origin === null) return false;
  try {
    return new URL(origin).host !== new URL(request.url).host;
  } catch {
    return true; // "null" (sandboxed pages, file: URLs) or garbage
  }
}

/**
 * `allowedHosts` as the host names to compare, or `undefined` when not
 * given.
 */
function readAllowedHosts(
  hosts: readonly string[] | undefined,
): ReadonlySet<string> | undefined {
  if (hosts === undefined) return undefined;
  const fail = (where: string) =>
    new TypeError(
      `Cannot mount the reload handler as allowedHosts is not a list of host names (a DNS name or an IP address, IPv6 in brackets, without a port): ${where}`,
    );
  if (!Array.isArray(hosts)) throw fail("options.allowedHosts");
  const names = new Set<string>();
  hosts.forEach((host: unknown, i) => {
    // A port would be ignored: refuse it rather than let it mislead.
    const name = typeof host === "string" &&
        /^(?:\[[0-9A-Fa-f:.]+\]|[^:[\]]+)$/.test(host)
      ? hostName(host)
      : undefined;
    if (name === undefined) throw fail(`options.allowedHosts[${i}]`);
    names.add(name);
  });
  return names;
}

/**
 * The host a request names, in its URL or in its `Host` header when it has
 * one (the two agree unless something in front rewrote one), that is
 * neither a loopback name nor one of `allowed`; `undefined` when both are.
 */
function refusedHost(
  request: Request,
  allowed: ReadonlySet<string> | undefined,
): string | undefined {
  const ok = (host: string): boolean => {
    const name = hostName(host);
    return name !== undefined &&
      (isLoopbackHost(name) || (allowed?.has(name) ?? false));
  };
  let urlHost: string;
  try {
    urlHost = new URL(request.url).host;
  } catch {
    return request.url;
  }
  const header = request.headers.get("host");
  return !ok(urlHost)
    ? urlHost
    : header !== null && !ok(header)
    ? header
    : undefined;
}

/** `path` without its final slashes, in linear time (a regex would not be). */
function trimSlashes(path: string): string {
  let end = path.length;
  while (end > 0 && path.charCodeAt(end - 1) === 0x2f) end--;
  return path.slice(0, end);
}
