/**
 * Config from a remote server: `httpSource()` reads a config over HTTP(S)
 * as a {@linkcode ConfigSource}, with conditional requests (`ETag`,
 * `Last-Modified`) so that an unchanged config is not downloaded again,
 * and polls it for changes. Every request is bounded in time and size, and
 * no output (errors, logs, metrics) shows the URL's query or a header's
 * value, where tokens live.
 *
 * @example Reading a config, then noticing when it changes
 * ```ts
 * import { httpSource } from "@hup/reload/remote";
 * import assert from "node:assert/strict";
 * import { createServer } from "node:http";
 *
 * let text = "greeting: hello\n";
 * const server = createServer((request, response) => {
 *   const etag = `"${text.length}"`;
 *   if (request.headers["if-none-match"] === etag) {
 *     response.writeHead(304, { etag });
 *     response.end();
 *   } else {
 *     response.writeHead(200, { "content-type": "application/yaml", etag });
 *     response.end(text);
 *   }
 * });
 * await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
 * const { port } = server.address() as { port: number };
 *
 * const source = httpSource(`http://127.0.0.1:${port}/config.yaml`, { every: 10 });
 * const first = await source.read({ maxBytes: 1024 * 1024 });
 * assert.equal(new TextDecoder().decode(first.bytes), "greeting: hello\n");
 *
 * const { promise: changed, resolve } = Promise.withResolvers<void>();
 * const stop = source.watch(() => Promise.resolve(resolve()));
 * text = "greeting: hi there\n";
 * await changed;
 * stop();
 * const next = await source.read({ maxBytes: 1024 * 1024 }); // a 304: reused
 * assert.equal(new TextDecoder().decode(next.bytes), "greeting: hi there\n");
 * assert.equal(source.stats().requests.failed, 0);
 * server.closeAllConnections();
 * server.close();
 * ```
 *
 * @module
 */

export {
  type HttpSource,
  httpSource,
  type HttpSourceOptions,
} from "./src/remote/http_source.ts";
// Re-exported so this module documents on its own (`deno doc --lint`): the
// types its API names, the same ones the main entry point describes.
export type { Timers } from "./src/deadline.ts";
export type { FormatName } from "./src/load/format/types.ts";
export type * from "./src/load/source.ts";
