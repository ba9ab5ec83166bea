import { getLogger } from "@logtape/logtape";
import { renderError } from "./render.ts";

/**
 * The parts of a `node:http` `IncomingMessage` that {@linkcode nodeListener}
 * reads.
 *
 * @example Usage
 * ```ts
 * import type { NodeRequestLike } from "@hup/reload";
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
  /** The path and query. */
  url?: string;
  /** The request headers, lower-cased. */
  headers: Record<string, string | string[] | undefined>;
  /** The body, as chunks. */
  [Symbol.asyncIterator](): AsyncIterator<unknown>;
}

/**
 * The parts of a `node:http` `ServerResponse` that {@linkcode nodeListener}
 * writes.
 *
 * @example Usage
 * ```ts
 * import type { NodeResponseLike } from "@hup/reload";
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
 * Bridges a web-standard handler (such as {@linkcode reloadHandler}) to a
 * `node:http` request listener, for Node.js servers without a framework.
 *
 * @example With node:http
 * ```ts ignore
 * import { createServer } from "node:http";
 * import { nodeListener, reloadHandler } from "hup-reload";
 *
 * createServer(nodeListener(reloadHandler(coordinator))).listen(9090, "127.0.0.1");
 * ```
 *
 * @param handler The web-standard handler.
 * @returns A listener for `http.createServer` or `server.on("request")`; it
 *   answers 500 (and logs) if the handler throws.
 */
export function nodeListener(
  handler: (request: Request) => Response | Promise<Response>,
): (req: NodeRequestLike, res: NodeResponseLike) => void {
  return (req, res) => {
    void bridge(handler, req, res).catch((error) => {
      getLogger(["hup-reload", "http"]).error(
        "The HTTP handler failed: {error}",
        { error: renderError(error) },
      );
      try {
        res.statusCode = 500;
        res.end(new TextEncoder().encode("Internal Server Error\n"));
      } catch {
        // The response was already sent.
      }
    });
  };
}

async function bridge(
  handler: (request: Request) => Response | Promise<Response>,
  req: NodeRequestLike,
  res: NodeResponseLike,
): Promise<void> {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (Array.isArray(value)) value.forEach((v) => headers.append(name, v));
    else if (value !== undefined) headers.set(name, value);
  }
  const method = req.method ?? "GET";
  let body: Uint8Array | undefined;
  if (method !== "GET" && method !== "HEAD") {
    const chunks: Uint8Array[] = [];
    for await (const chunk of req as AsyncIterable<Uint8Array | string>) {
      chunks.push(
        typeof chunk === "string" ? new TextEncoder().encode(chunk) : chunk,
      );
    }
    body = concat(chunks);
  }
  const url = new URL(
    req.url ?? "/",
    `http://${headers.get("host") ?? "localhost"}`,
  );
  const response = await handler(
    new Request(url, { method, headers, body: body as BodyInit | undefined }),
  );
  res.statusCode = response.status;
  response.headers.forEach((value, name) => void res.setHeader(name, value));
  res.end(new Uint8Array(await response.arrayBuffer()));
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}
