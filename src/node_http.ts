import { getLogger } from "@logtape/logtape";
import { isAmbiguousPath, rawPath, textResponse } from "./http_common.ts";
import { renderError } from "./render.ts";

/**
 * The parts of a `node:http` `IncomingMessage` that {@linkcode nodeListener}
 * reads.
 *
 * @example Usage
 * ```ts
 * import type { NodeRequestLike } from "@hup/reload/http";
 *
 * const req: NodeRequestLike = {
 *   method: "GET",
 *   url: "/-/reload",
 *   headers: { host: "localhost" },
 *   async *[Symbol.asyncIterator]() {},
 * };
 * ```
 */
export interface NodeRequestLike {
  /** The request method. */
  method?: string;
  /** The request target as sent: a path and query, or an absolute URL. */
  url?: string;
  /** The request headers, lower-cased. */
  headers: Record<string, string | string[] | undefined>;
  /** The body, as chunks; iterated only if the handler reads the body. */
  [Symbol.asyncIterator](): AsyncIterator<unknown>;
}

/**
 * The parts of a `node:http` `ServerResponse` that {@linkcode nodeListener}
 * writes.
 *
 * @example Usage
 * ```ts
 * import type { NodeResponseLike } from "@hup/reload/http";
 *
 * const res: NodeResponseLike = { statusCode: 200, setHeader() {}, end() {} };
 * ```
 */
export interface NodeResponseLike {
  /** The status code to send. */
  statusCode: number;
  /** Sets one response header. */
  setHeader(name: string, value: string | string[]): unknown;
  /** Sends the body and ends the response. */
  end(body?: Uint8Array): unknown;
}

/**
 * Options of {@linkcode nodeListener}.
 *
 * @example Usage
 * ```ts
 * import type { NodeListenerOptions } from "@hup/reload/http";
 *
 * const options: NodeListenerOptions = { maxBodyBytes: 16 * 1024 };
 * ```
 */
export interface NodeListenerOptions {
  /**
   * The most bytes of a request body the handler can read. Reading past
   * them (or reading a body whose `Content-Length` is larger) fails, and the
   * client gets 413. It also bounds what is read and dropped of a body the
   * handler left unread, to keep the connection alive: a larger or chunked
   * one closes the connection instead.
   *
   * @default {65536}
   */
  maxBodyBytes?: number;
}

/** Methods a web-standard `Request` cannot carry. */
const FORBIDDEN_METHODS = new Set(["CONNECT", "TRACE", "TRACK"]);

/** A method: an RFC 9110 token. */
const METHOD = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** A `Host` header: a DNS name, an IPv4 address or a bracketed IPv6 one, and a port. */
const HOST = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._]+)(?::[0-9]{0,5})?$/;

/**
 * Bridges a web-standard handler (such as {@linkcode reloadHandler}) to a
 * `node:http` request listener, for Node.js servers without a framework.
 *
 * The handler sees a `Request` whose URL is built from the request path
 * alone: an origin-form target (`/path?query`) as sent, or the path of an
 * absolute-form one (`http://host/path`), under `http://<Host>` (`https`
 * on a TLS socket; `localhost` without a `Host` header). So `//host/path`
 * is a path, never an authority. A target of another form, one whose path
 * has a backslash, a dot segment (`/../`, `/%2e/`) or a control character,
 * and a malformed `Host` header get 400; `CONNECT`, `TRACE` and `TRACK`,
 * which a `Request` cannot carry, get 501.
 *
 * The body is never read ahead: the handler's `request.body` pulls it from
 * the connection on demand, at most `maxBodyBytes` (413 past them). When the
 * handler answers without reading a body (as {@linkcode reloadHandler}
 * does, or reads only part of it), the response goes out at once and the
 * rest is left on the wire: a declared one of at most `maxBodyBytes` is then
 * read and dropped to keep the connection alive, a larger or chunked one
 * closes the connection (`Connection: close`), as Go's `net/http` server
 * does. The listener's own answers (400, 413, 500, 501)
 * carry `X-Content-Type-Options: nosniff` and `Cache-Control: no-store`.
 *
 * @example With node:http
 * ```ts
 * import { createServer } from "node:http";
 * import type { AddressInfo } from "node:net";
 * import { AtomicConfig, Coordinator } from "@hup/reload";
 * import { nodeListener, reloadHandler } from "@hup/reload/http";
 * import assert from "node:assert/strict";
 *
 * const coordinator = new Coordinator({ configPath: "c.yaml", config: new AtomicConfig({}), load: () => ({}), hooks: [] });
 * const server = createServer(nodeListener(reloadHandler(coordinator, { allowUnauthenticated: true })));
 * await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve)); // the admin port, loopback only
 * const { port } = server.address() as AddressInfo;
 *
 * const response = await fetch(`http://127.0.0.1:${port}/-/reload`, { method: "POST" });
 * assert.equal(response.status, 200);
 * assert.equal((await response.json()).generation, 1);
 * await new Promise((resolve) => server.close(resolve));
 * ```
 *
 * @param handler The web-standard handler.
 * @param options The body limit.
 * @returns A listener for `http.createServer` or `server.on("request")`; it
 *   answers 500 (and logs) if the handler throws.
 * @throws {RangeError} If `maxBodyBytes` is not a whole number from 0.
 */
export function nodeListener(
  handler: (request: Request) => Response | Promise<Response>,
  options: NodeListenerOptions = {},
): (req: NodeRequestLike, res: NodeResponseLike) => void {
  const limit = options.maxBodyBytes ?? 65536;
  if (!Number.isSafeInteger(limit) || limit < 0) {
    throw new RangeError(
      "Cannot bridge the handler as the body limit is not a whole number from 0: options.maxBodyBytes",
    );
  }
  // Not built on `@remix-run/node-fetch-server` or `@hono/node-server`:
  // both build the URL from the raw target (dot segments and absolute form
  // included), read bodies without a limit, answer TRACE with 500, keep the
  // connection open behind an unread chunked body and need a real
  // `IncomingMessage`; what would remain of this file on top of either is
  // most of it, for a runtime dependency more.
  return (req, res) => void bridge(handler, req, res, limit);
}

/** What happened to the request body. */
interface BodyState {
  /** The request's body iterator, once the handler started reading. */
  iterator?: AsyncIterator<unknown>;
  /** The bytes pulled so far. */
  bytes: number;
  /** The iterator ended: every byte was read. */
  finished: boolean;
  /** The handler read past the limit. */
  exceeded: boolean;
}

async function bridge(
  handler: (request: Request) => Response | Promise<Response>,
  req: NodeRequestLike,
  res: NodeResponseLike,
  limit: number,
): Promise<void> {
  const state: BodyState = { bytes: 0, finished: false, exceeded: false };
  // The declared body length: 0 for none, `undefined` when chunked (the
  // length is unknown), `null` when `Content-Length` is malformed.
  const declared = contentLength(req.headers["content-length"]);
  const length = declared === null
    ? null
    : req.headers["transfer-encoding"] !== undefined
    ? undefined
    : declared ?? 0;
  // What to do with the part of the body the handler did not read, as Go's
  // net/http server does: a small declared body is discarded so the
  // connection serves the next request (node:http discards one nobody
  // started reading; the rest of a half-read one is drained here), and a
  // chunked or larger one closes the connection instead.
  const leftover = (): "none" | "drain" | "close" => {
    if (length === 0 || state.finished) return "none";
    if (length === undefined || (length ?? 0) > limit || state.exceeded) {
      return "close";
    }
    return state.iterator === undefined ? "none" : "drain";
  };
  let response: Response;
  try {
    const built = buildRequest(req, length, limit, state);
    response = built instanceof Response ? built : await handler(built);
    const body = new Uint8Array(await response.arrayBuffer());
    const plan = leftover();
    send(res, response, body, plan === "close");
    if (plan === "drain") await drain(state, limit);
    return;
  } catch (error) {
    if (state.exceeded) {
      response = textResponse(413, "Content Too Large");
    } else {
      getLogger(["hup-reload", "http"]).error(
        "The HTTP handler failed: {error}",
        { error: renderError(error) },
      );
      response = textResponse(500, "Internal Server Error");
    }
  }
  try {
    const body = new Uint8Array(await response.arrayBuffer());
    const plan = leftover();
    send(res, response, body, plan === "close" || response.status === 413);
    if (plan === "drain") await drain(state, limit);
  } catch {
    // The connection is gone.
  }
}

/**
 * Reads and drops what is left of a body the handler read in part, at most
 * `limit` bytes in all (node:http stops at `Content-Length`, which is below
 * it), so the connection can serve the next request.
 */
async function drain(state: BodyState, limit: number): Promise<void> {
  try {
    while (state.iterator !== undefined && state.bytes <= limit) {
      const next = await state.iterator.next();
      if (next.done === true) break;
      state.bytes += byteLength(next.value);
    }
  } catch {
    // The client went away.
  }
}

function byteLength(chunk: unknown): number {
  return typeof chunk === "string"
    ? new TextEncoder().encode(chunk).byteLength
    : (chunk as Uint8Array).byteLength;
}

/**
 * The web-standard request for `req`, or the response that refuses it: 400
 * for a malformed target, host, header or length, 501 for a method a
 * `Request` cannot carry. `length` is 0 when there is no body, `undefined`
 * for a chunked one, `null` when `Content-Length` is malformed.
 */
function buildRequest(
  req: NodeRequestLike,
  length: number | undefined | null,
  limit: number,
  state: BodyState,
): Request | Response {
  const badRequest = () =>
    textResponse(400, "Bad Request", { connection: "close" });
  const method = req.method ?? "GET";
  if (!METHOD.test(method)) return badRequest();
  if (FORBIDDEN_METHODS.has(method.toUpperCase())) {
    return textResponse(501, "Not Implemented");
  }
  const target = pathAndQuery(req.url ?? "/");
  const authority = authorityOf(req.headers.host);
  if (target === undefined || authority === undefined || length === null) {
    return badRequest();
  }
  const scheme = isEncrypted(req) ? "https" : "http";
  let url: URL;
  const headers = new Headers();
  try {
    url = new URL(`${scheme}://${authority}${target}`);
    for (const [name, value] of Object.entries(req.headers)) {
      if (Array.isArray(value)) value.forEach((v) => headers.append(name, v));
      else if (value !== undefined) headers.set(name, value);
    }
  } catch {
    return badRequest();
  }
  const upper = method.toUpperCase();
  const body = length !== 0 && upper !== "GET" && upper !== "HEAD"
    ? lazyBody(req, length, limit, state)
    : null;
  try {
    return new Request(url, {
      method,
      headers,
      body,
      duplex: "half",
    } as RequestInit);
  } catch {
    return badRequest();
  }
}

/**
 * The request body as a stream that pulls one chunk from `req` each time
 * the handler reads, and errors (setting `state.exceeded`) past `limit`
 * bytes, or at once when `Content-Length` already says so. Nothing is read
 * unless the handler reads. Cancelling leaves the rest on the wire: ending
 * a `node:http` request's iterator would destroy the socket, and the
 * response with it; {@linkcode drain} reads it after the response.
 */
function lazyBody(
  req: NodeRequestLike,
  length: number | undefined,
  limit: number,
  state: BodyState,
): ReadableStream<Uint8Array> {
  const tooLarge = () => {
    state.exceeded = true;
    return new RangeError(
      `Cannot read the request body as it is larger than ${limit} bytes: maxBodyBytes`,
    );
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (length !== undefined && length > limit) {
        controller.error(tooLarge());
        return;
      }
      state.iterator ??= req[Symbol.asyncIterator]();
      const next = await state.iterator.next();
      if (next.done === true) {
        state.finished = true;
        controller.close();
        return;
      }
      const chunk = typeof next.value === "string"
        ? new TextEncoder().encode(next.value)
        : next.value as Uint8Array;
      state.bytes += chunk.byteLength;
      if (state.bytes > limit) controller.error(tooLarge());
      else controller.enqueue(chunk);
    },
  }, { highWaterMark: 0 });
}

/**
 * The path and query of a request target, from origin form (`/p?q`) or the
 * path of absolute form (`http://host/p?q`); `undefined` for any other form
 * (`*`, `host:port`), or a path a parser could read as another one.
 */
function pathAndQuery(target: string): string | undefined {
  // deno-lint-ignore no-control-regex
  if (/[\x00-\x20\x7f]/.test(target)) return undefined;
  let rest = target;
  if (!target.startsWith("/")) {
    const authority = /^https?:\/\/[^/?#]*/i.exec(target);
    if (authority === null) return undefined;
    rest = target.slice(authority[0].length);
    if (!rest.startsWith("/")) rest = `/${rest}`;
  }
  const path = rawPath(rest);
  return path === undefined || isAmbiguousPath(path) ? undefined : rest;
}

/** Whether `req` came over TLS (a `node:https` socket has `encrypted`). */
function isEncrypted(req: NodeRequestLike): boolean {
  const socket = (req as { socket?: unknown }).socket;
  return typeof socket === "object" && socket !== null &&
    (socket as { encrypted?: unknown }).encrypted === true;
}

/** The URL authority for a `Host` header value; `undefined` if malformed. */
function authorityOf(host: string | string[] | undefined): string | undefined {
  if (host === undefined || host === "") return "localhost";
  if (typeof host !== "string" || !HOST.test(host)) return undefined;
  try {
    const url = new URL(`http://${host}`);
    return url.host === "" ? undefined : url.host;
  } catch {
    return undefined; // a port past 65535, a malformed address
  }
}

/**
 * The declared body length: `undefined` without the header, `null` when it
 * is not one decimal number.
 */
function contentLength(
  value: string | string[] | undefined,
): number | undefined | null {
  if (value === undefined) return undefined;
  if (typeof value !== "string" || !/^[0-9]{1,15}$/.test(value)) return null;
  return Number(value);
}

function send(
  res: NodeResponseLike,
  response: Response,
  body: Uint8Array,
  close: boolean,
): void {
  res.statusCode = response.status;
  response.headers.forEach((value, name) => {
    if (name !== "set-cookie") res.setHeader(name, value);
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) res.setHeader("set-cookie", cookies);
  if (close) res.setHeader("connection", "close");
  res.end(body);
}
