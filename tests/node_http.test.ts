import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  Agent,
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  request as httpRequest,
  type Server,
} from "node:http";
import { type AddressInfo, connect } from "node:net";
import { AtomicConfig, Coordinator, HookStatus } from "hup-reload";
import {
  nodeListener,
  type NodeListenerOptions,
  type NodeRequestLike,
  type NodeResponseLike,
  reloadHandler,
} from "hup-reload/http";
import { deferred } from "./_helpers.ts";

const MiB = 1024 * 1024;
const TOKEN = "t0ken";

function coordinator() {
  return new Coordinator({
    configPath: "/etc/app/config.yaml",
    config: new AtomicConfig({}),
    load: () => ({}),
    hooks: [{ name: "noop", check() {}, apply: () => HookStatus.Applied }],
  });
}

/** What the listener pulled from the real request's body iterator. */
interface Pulled {
  iterated: boolean;
  bytes: number;
}

/**
 * A node:http server on 127.0.0.1 port 0 running `nodeListener(handler)`,
 * with the real request's body iterator wrapped to count what is pulled.
 */
async function serve(
  handler: (request: Request) => Response | Promise<Response>,
  options?: NodeListenerOptions,
) {
  const pulled: Pulled = { iterated: false, bytes: 0 };
  const listener = nodeListener(handler, options);
  const server = createServer((req, res) => {
    const iterate = req[Symbol.asyncIterator].bind(req);
    Object.defineProperty(req, Symbol.asyncIterator, {
      value: () => {
        pulled.iterated = true;
        const inner = iterate();
        return {
          async next() {
            const next = await inner.next();
            if (next.done !== true) pulled.bytes += next.value.length;
            return next;
          },
          [Symbol.asyncIterator]() {
            return this;
          },
        };
      },
    });
    listener(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    port,
    pulled,
    base: `http://127.0.0.1:${port}`,
    close: () => closeServer(server),
  };
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  /** Body bytes the client had handed to the socket when the answer came. */
  sentWhenAnswered: number;
}

/**
 * POSTs a body of `total` bytes in 1 MiB chunks, honouring backpressure,
 * and stops sending as soon as the response arrives. A server that reads
 * nothing lets the client send only what the socket buffers hold.
 */
function streamingPost(
  port: number,
  headers: Record<string, string>,
  total = 32 * MiB,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    let sent = 0;
    let answered = false;
    const req = httpRequest({
      host: "127.0.0.1",
      port,
      method: "POST",
      path: "/-/reload",
      headers,
    });
    req.on("error", (error) => {
      if (!answered) reject(error); // after the answer: the server hung up
    });
    req.on("response", (res: IncomingMessage) => {
      answered = true;
      const sentWhenAnswered = sent;
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => {
        req.destroy();
        resolve({
          status: res.statusCode!,
          headers: res.headers,
          body: Buffer.concat(chunks).toString(),
          sentWhenAnswered,
        });
      });
    });
    const chunk = new Uint8Array(MiB).fill(0x61);
    const write = () => {
      while (!answered && sent < total) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once("drain", write);
      }
      if (!answered) req.end();
    };
    write();
  });
}

/** Sends `text` on a new connection and parses the first response. */
function rawExchange(port: number, text: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    // Written, not ended: a client that half-closes before the answer may
    // get none from Deno's node:http when the handler awaits a turn of the
    // event loop (a reload pass takes one); each request says
    // `Connection: close`, so the server ends the exchange.
    const socket = connect(port, "127.0.0.1", () => socket.write(text));
    const chunks: Buffer[] = [];
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", reject);
    socket.on("close", () => {
      const raw = Buffer.concat(chunks).toString("latin1");
      const split = raw.indexOf("\r\n\r\n");
      const [statusLine, ...lines] = raw.slice(0, split).split("\r\n");
      const headers: IncomingHttpHeaders = {};
      for (const line of lines) {
        const colon = line.indexOf(":");
        headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1)
          .trim();
      }
      const length = Number(headers["content-length"] ?? NaN);
      const rest = raw.slice(split + 4);
      resolve({
        status: Number(statusLine.split(" ")[1]),
        headers,
        body: Number.isNaN(length) ? rest : rest.slice(0, length),
        sentWhenAnswered: 0,
      });
    });
  });
}

function assertSafeHeaders(headers: IncomingHttpHeaders | Headers, what = "") {
  const get = (name: string) =>
    headers instanceof Headers ? headers.get(name) : headers[name];
  assert.equal(get("x-content-type-options"), "nosniff", what);
  assert.equal(get("cache-control"), "no-store", what);
}

describe("nodeListener() on a real node:http server", () => {
  test("nodeListener() serves a web-standard handler from node:http", async () => {
    const c = coordinator();
    const server = await serve(
      reloadHandler(c, { allowUnauthenticated: true }),
    );
    try {
      const base = `${server.base}/-/reload`;
      const posted = await fetch(base, { method: "POST", body: "ignored" });
      assert.equal(posted.status, 200);
      assert.equal((await posted.json()).generation, 1);
      const got = await fetch(base);
      assert.match(got.headers.get("content-type")!, /^application\/json/);
      assert.equal((await got.json()).generation, 1);
      const denied = await fetch(`${base}/metrics`, { method: "DELETE" });
      assert.equal(denied.status, 405);
      assert.equal(denied.headers.get("allow"), "GET, HEAD");
      await denied.body?.cancel();
      assert.equal(server.pulled.iterated, false, "the body was never read");
    } finally {
      await server.close();
    }
  });

  test("nodeListener() answers a refused POST at once and never reads its body", async () => {
    const c = coordinator();
    const server = await serve(reloadHandler(c, { token: TOKEN }));
    try {
      const cases: Record<string, string>[] = [
        { "transfer-encoding": "chunked" },
        { "content-length": String(32 * MiB) },
        { "transfer-encoding": "chunked", origin: "https://evil.example" },
      ];
      for (const headers of cases) {
        const what = JSON.stringify(headers);
        const answer = await streamingPost(server.port, headers);
        assert.equal(answer.status, headers.origin ? 403 : 401, what);
        assert.ok(
          answer.sentWhenAnswered < 32 * MiB,
          `answered only after the whole body was sent: ${what}`,
        );
        assert.equal(server.pulled.bytes, 0, what);
        assert.equal(server.pulled.iterated, false, what);
        assert.equal(answer.headers.connection, "close", what);
        assertSafeHeaders(answer.headers, what);
      }
      assert.equal(c.lastResult(), null, "no pass ran");
    } finally {
      await server.close();
    }
  });

  test("nodeListener() keeps the connection alive after a small unread body and closes it after a chunked one", async () => {
    const c = coordinator();
    const server = await serve(reloadHandler(c, { token: TOKEN }));
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const send = (
      method: string,
      headers: Record<string, string>,
      body?: string,
    ) =>
      new Promise<Answer & { reused: boolean }>((resolve, reject) => {
        const req = httpRequest({
          host: "127.0.0.1",
          port: server.port,
          method,
          path: "/-/reload",
          agent,
          headers,
        });
        req.on("error", reject);
        req.on("response", (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("end", () =>
            resolve({
              status: res.statusCode!,
              headers: res.headers,
              body: Buffer.concat(chunks).toString(),
              sentWhenAnswered: 0,
              reused: req.reusedSocket,
            }));
        });
        req.end(body);
      });
    const small = "x".repeat(1000);
    const length = { "content-length": "1000" };
    const bearer = { authorization: `Bearer ${TOKEN}` };
    try {
      const refused = await send("POST", length, small);
      assert.equal(refused.status, 401);
      assert.notEqual(refused.headers.connection, "close");
      const got = await send("GET", {});
      assert.equal(got.status, 200);
      assert.equal(got.reused, true, "the connection survived the unread body");
      assert.equal(JSON.parse(got.body).generation, 0);
      const posted = await send("POST", { ...length, ...bearer }, small);
      assert.equal(posted.status, 200);
      assert.equal(posted.reused, true);
      assert.equal(JSON.parse(posted.body).generation, 1);
      const chunked = await send(
        "POST",
        { "transfer-encoding": "chunked" },
        small,
      );
      assert.equal(chunked.status, 401);
      assert.equal(chunked.headers.connection, "close");
      const after = await send("GET", {});
      assert.equal(after.status, 200);
      assert.equal(after.reused, false, "a new connection");
      assert.equal(server.pulled.bytes, 0);
    } finally {
      agent.destroy();
    }
    // Nothing hangs: the server closes once the client's sockets are gone.
    await new Promise<void>((resolve) => server.server.close(() => resolve()));
  });

  test("nodeListener() discards the rest of a body the handler read only in part and keeps the connection", async () => {
    const server = await serve(async (request) => {
      if (request.body === null) return new Response("no body");
      const reader = request.body.getReader();
      const first = await reader.read();
      await reader.cancel();
      return new Response(`read ${first.value?.byteLength}`);
    }, { maxBodyBytes: 8 * MiB });
    try {
      // Two requests on one connection: a 4 MiB POST, then a GET.
      const responses = await new Promise<string>((resolve, reject) => {
        const socket = connect(server.port, "127.0.0.1", () => {
          socket.write(
            `POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ${4 * MiB}\r\n\r\n`,
          );
          socket.write(new Uint8Array(4 * MiB).fill(0x61));
          socket.end("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        });
        const chunks: Buffer[] = [];
        socket.on("data", (chunk: Buffer) => chunks.push(chunk));
        socket.on("error", reject);
        socket.on("close", () => resolve(Buffer.concat(chunks).toString()));
      });
      const statuses = responses.match(/HTTP\/1\.1 \d+/g);
      assert.deepEqual(statuses, ["HTTP/1.1 200", "HTTP/1.1 200"], responses);
      const [, bodyOfPost] = /\r\n\r\n(read \d+)/.exec(responses) ?? [];
      assert.ok(bodyOfPost !== undefined, responses);
      assert.ok(Number(bodyOfPost.slice(5)) < 4 * MiB, "read in part");
      assert.ok(responses.endsWith("no body"), responses);
      assert.doesNotMatch(
        responses.slice(0, responses.indexOf("read ")),
        /connection: close/i,
      );
      assert.equal(server.pulled.bytes, 4 * MiB, "the rest was drained");
    } finally {
      await server.close();
    }
  });

  test("nodeListener() gives a handler that reads the body at most maxBodyBytes, then 413", async () => {
    const echo = async (request: Request) =>
      new Response(`${(await request.arrayBuffer()).byteLength}`);
    const server = await serve(echo);
    try {
      const small = await fetch(`${server.base}/`, {
        method: "POST",
        body: "x".repeat(1000),
      });
      assert.equal(await small.text(), "1000");
      assert.equal(server.pulled.bytes, 1000);

      server.pulled.bytes = 0;
      const streamed = await streamingPost(server.port, {
        "transfer-encoding": "chunked",
      });
      assert.equal(streamed.status, 413);
      assert.equal(streamed.body, "Content Too Large\n");
      assert.equal(streamed.headers.connection, "close");
      assertSafeHeaders(streamed.headers);
      assert.ok(streamed.sentWhenAnswered < 32 * MiB);
      assert.ok(
        server.pulled.bytes > 65536 && server.pulled.bytes <= 65536 + MiB,
        `pulled ${server.pulled.bytes} bytes`,
      );

      server.pulled.bytes = 0;
      server.pulled.iterated = false;
      const declared = await streamingPost(server.port, {
        "content-length": String(10 * MiB),
      }, 10 * MiB);
      assert.equal(declared.status, 413);
      assert.equal(server.pulled.iterated, false, "refused on its length");
    } finally {
      await server.close();
    }
  });

  test("nodeListener() builds the URL from the path alone and refuses ambiguous targets and hosts", async () => {
    const c = coordinator();
    const reload = reloadHandler(c, { allowUnauthenticated: true });
    const seen: string[] = [];
    const server = await serve((request) => {
      seen.push(request.url);
      return reload(request);
    });
    const host = `127.0.0.1:${server.port}`;
    const exchange = (
      method: string,
      target: string,
      headers = `Host: ${host}\r\n`,
      version = "1.1",
    ) => {
      seen.length = 0;
      return rawExchange(
        server.port,
        `${method} ${target} HTTP/${version}\r\n${headers}Content-Length: 0\r\nConnection: close\r\n\r\n`,
      );
    };
    try {
      const cases: [string, string, number, string | null][] = [
        [
          "POST",
          "//evil.example/-/reload",
          404,
          `http://${host}//evil.example/-/reload`,
        ],
        ["POST", "//evil.example/", 404, `http://${host}//evil.example/`],
        ["GET", "/-%2Freload", 404, `http://${host}/-%2Freload`],
        [
          "GET",
          "/-/reload%2Fmetrics",
          404,
          `http://${host}/-/reload%2Fmetrics`,
        ],
        ["GET", "/-/reload/..%2Fx", 404, `http://${host}/-/reload/..%2Fx`],
        ["POST", "/-/reload/../x", 400, null],
        ["POST", "/x/../-/reload", 400, null],
        ["POST", "/x/%2e%2E/-/reload", 400, null],
        ["GET", "/-/reload/./metrics", 400, null],
        ["POST", "/-\\reload", 400, null],
        ["OPTIONS", "*", 400, null],
        ["POST", "evil.example:80", 400, null],
        ["POST", "ftp://evil.example/-/reload", 400, null],
      ];
      for (const [method, target, status, url] of cases) {
        const answer = await exchange(method, target);
        assert.equal(answer.status, status, `${method} ${target}`);
        assert.deepEqual(seen, url === null ? [] : [url], target);
        if (status === 400) {
          assert.equal(answer.headers.connection, "close");
        }
      }
      assert.equal(c.lastResult(), null, "no pass ran");

      // Absolute form: the path is what matters; the authority is the Host.
      const absolute = await exchange("POST", "http://evil.example/-/reload");
      assert.equal(absolute.status, 200);
      assert.deepEqual(seen, [`http://${host}/-/reload`]);
      assert.equal(JSON.parse(absolute.body).generation, 1);

      for (
        const bad of [
          "evil example",
          "a@evil.example",
          "localhost:99999",
          "[::1",
          "a/b",
        ]
      ) {
        const answer = await exchange("GET", "/-/reload", `Host: ${bad}\r\n`);
        assert.equal(answer.status, 400, bad);
        assert.deepEqual(seen, [], bad);
        assertSafeHeaders(answer.headers, bad);
      }
      const noHost = await exchange("GET", "/-/reload?x=1", "", "1.0");
      assert.equal(noHost.status, 200);
      assert.deepEqual(seen, ["http://localhost/-/reload?x=1"]);
      const v6 = await exchange("GET", "/-/reload", "Host: [::1]:8080\r\n");
      assert.equal(v6.status, 200);
      assert.deepEqual(seen, ["http://[::1]:8080/-/reload"]);
      const upper = await exchange("GET", "/-/reload", "Host: LOCALHOST\r\n");
      assert.equal(upper.status, 200);
      assert.deepEqual(seen, ["http://localhost/-/reload"]);
      assert.equal(c.generation(), 1);
    } finally {
      await server.close();
    }
  });

  test("nodeListener() answers HEAD without a body and TRACE with 501", async () => {
    const c = coordinator();
    const server = await serve(reloadHandler(c, { token: TOKEN }));
    try {
      for (const [path, status] of [["/-/reload", 200], ["/nope", 404]]) {
        const head = await fetch(`${server.base}${path}`, { method: "HEAD" });
        assert.equal(head.status, status);
        assert.equal(await head.text(), "");
        assertSafeHeaders(head.headers, path as string);
      }
      const trace = await rawExchange(
        server.port,
        "TRACE /-/reload HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
      );
      assert.equal(trace.status, 501);
      assertSafeHeaders(trace.headers);
    } finally {
      await server.close();
    }
  });

  test("nodeListener() answers 500 when the handler throws", async () => {
    const server = await serve(() => {
      throw new Error("handler bug");
    });
    try {
      const response = await fetch(`${server.base}/`);
      assert.equal(response.status, 500);
      assertSafeHeaders(response.headers);
      assert.equal(await response.text(), "Internal Server Error\n");
    } finally {
      await server.close();
    }
  });

  test("nodeListener() with reloadHandler's allowUnauthenticated refuses a Host that is neither loopback nor allowed (DNS rebinding) with 421", async () => {
    const c = coordinator();
    const server = await serve(
      reloadHandler(c, {
        allowUnauthenticated: true,
        allowedHosts: ["admin.internal"],
      }),
    );
    const { port } = server;
    const send = (host: string | null, line = "POST /-/reload HTTP/1.1") =>
      rawExchange(
        port,
        `${line}\r\n${
          host === null ? "" : `Host: ${host}\r\n`
        }Content-Length: 0\r\nConnection: close\r\n\r\n`,
      );
    try {
      const rebound = [
        `rebind.evil.example:${port}`,
        "evil.example",
        `app.localhost:${port}`,
        `10.0.0.1:${port}`,
        "127.0.0.1.nip.io",
        `[::2]:${port}`,
        `admin.internal.evil.example:${port}`,
      ];
      for (const host of rebound) {
        const answer = await send(host);
        assert.equal(answer.status, 421, host);
        assert.match(answer.body, /^Misdirected Request/);
        assertSafeHeaders(answer.headers, host);
        const read = await send(host, "GET /-/reload/history HTTP/1.1");
        assert.equal(read.status, 421, `GET ${host}`);
      }
      // An absolute-form target naming loopback counts by its path; the
      // Host header still names the host.
      const absolute = await send(
        "evil.example",
        "POST http://127.0.0.1/-/reload HTTP/1.1",
      );
      assert.equal(absolute.status, 421);
      assert.equal(c.lastResult(), null, "no pass ran");

      let generation = 0;
      for (
        const host of [
          `127.0.0.1:${port}`,
          `localhost:${port}`,
          `LOCALHOST.:${port}`,
          `[::1]:${port}`,
          `admin.internal:${port}`,
          "ADMIN.INTERNAL",
        ]
      ) {
        const answer = await send(host);
        assert.equal(answer.status, 200, host);
        assert.equal(JSON.parse(answer.body).generation, ++generation);
      }
      // HTTP/1.0 without a Host header: the listener's localhost. No
      // browser sends a request without one.
      const bare = await send(null, "POST /-/reload HTTP/1.0");
      assert.equal(bare.status, 200);
    } finally {
      await server.close();
    }
  });
});

/** A fake `node:http` response that records what is written to it. */
function fakeResponse() {
  const ended = deferred<void>();
  const headers = new Map<string, string | string[]>();
  const res: NodeResponseLike & {
    headers: Map<string, string | string[]>;
    body?: Uint8Array;
    ends: number;
    ended: Promise<void>;
  } = {
    statusCode: 200,
    headers,
    ends: 0,
    ended: ended.promise,
    setHeader(name, value) {
      headers.set(name.toLowerCase(), value);
    },
    end(body) {
      res.body = body;
      res.ends++;
      ended.resolve();
    },
  };
  return res;
}

/** A fake request whose body is `chunks` chunks of `size` bytes, counted as pulled. */
function fakeRequest(
  init: Partial<NodeRequestLike> & { chunks?: number; size?: number },
) {
  const { chunks = 0, size = 65536, ...rest } = init;
  const pulled = { bytes: 0 };
  const req: NodeRequestLike = {
    method: "POST",
    url: "/-/reload",
    headers: { host: "localhost" },
    ...rest,
    async *[Symbol.asyncIterator]() {
      for (let i = 0; i < chunks; i++) {
        pulled.bytes += size;
        yield new Uint8Array(size);
      }
    },
  };
  return { req, pulled };
}

async function run(
  handler: (request: Request) => Response | Promise<Response>,
  req: NodeRequestLike,
  options?: NodeListenerOptions,
) {
  const res = fakeResponse();
  nodeListener(handler, options)(req, res);
  await res.ended;
  return { res, text: new TextDecoder().decode(res.body) };
}

describe("nodeListener() with fake request and response objects", () => {
  test("nodeListener() answers without pulling a body the handler does not read", async () => {
    const handler = reloadHandler(coordinator(), { token: TOKEN });
    for (
      const headers of [
        { host: "localhost", "transfer-encoding": "chunked" },
        { host: "localhost", "content-length": String(32 * MiB) },
      ]
    ) {
      const { req, pulled } = fakeRequest({ headers, chunks: 512 });
      const { res } = await run(handler, req);
      assert.equal(res.statusCode, 401);
      assert.equal(pulled.bytes, 0, JSON.stringify(headers));
      assert.equal(res.headers.get("connection"), "close");
      assert.equal(res.ends, 1);
    }
    // Transfer-Encoding wins over Content-Length: the length is unknown.
    const both = fakeRequest({
      headers: {
        host: "localhost",
        "transfer-encoding": "chunked",
        "content-length": "10",
      },
      chunks: 4,
    });
    const smuggled = await run(handler, both.req);
    assert.equal(smuggled.res.statusCode, 401);
    assert.equal(both.pulled.bytes, 0);
    assert.equal(smuggled.res.headers.get("connection"), "close");
    // A small declared body is left for node:http to discard: the
    // connection stays usable.
    const { req, pulled } = fakeRequest({
      headers: { host: "localhost", "content-length": "100" },
      chunks: 1,
      size: 100,
    });
    const { res } = await run(handler, req);
    assert.equal(res.statusCode, 401);
    assert.equal(pulled.bytes, 0);
    assert.equal(res.headers.get("connection"), undefined);
  });

  test("nodeListener() stops pulling at maxBodyBytes and answers 413", async () => {
    const echo = async (request: Request) =>
      new Response(`${(await request.arrayBuffer()).byteLength}`);
    const chunked = { host: "localhost", "transfer-encoding": "chunked" };
    const big = fakeRequest({ headers: chunked, chunks: 512 });
    const { res, text } = await run(echo, big.req);
    assert.equal(res.statusCode, 413);
    assert.equal(text, "Content Too Large\n");
    assert.equal(big.pulled.bytes, 2 * 65536, "one chunk past the limit");
    assert.equal(res.headers.get("connection"), "close");
    assert.equal(res.headers.get("x-content-type-options"), "nosniff");

    const limited = fakeRequest({ headers: chunked, chunks: 3, size: 64 });
    const small = await run(echo, limited.req, { maxBodyBytes: 128 });
    assert.equal(small.res.statusCode, 413);
    assert.equal(limited.pulled.bytes, 192);
    const fits = fakeRequest({ headers: chunked, chunks: 2, size: 64 });
    const ok = await run(echo, fits.req, { maxBodyBytes: 128 });
    assert.equal(ok.text, "128");
    assert.equal(ok.res.headers.get("connection"), undefined);

    const strings: NodeRequestLike = {
      method: "POST",
      url: "/",
      headers: { "content-length": "5" },
      async *[Symbol.asyncIterator]() {
        yield "hé";
        yield "y";
      },
    };
    assert.equal((await run(echo, strings)).text, "4");

    for (const maxBodyBytes of [-1, 1.5, Number.NaN, Infinity]) {
      assert.throws(
        () => nodeListener(echo, { maxBodyBytes }),
        /^RangeError: Cannot bridge the handler as the body limit is not a whole number from 0: options\.maxBodyBytes$/,
      );
    }
  });

  test("nodeListener() hands the handler a URL built from the path, the Host and the socket", async () => {
    let seen: string | undefined;
    const spy = (request: Request) => {
      seen = request.url;
      return new Response("ok");
    };
    const cases: [Partial<NodeRequestLike>, string | null][] = [
      [
        { url: "//evil.example/-/reload" },
        "http://localhost//evil.example/-/reload",
      ],
      [
        { url: "http://evil.example/-/reload?a=b" },
        "http://localhost/-/reload?a=b",
      ],
      [{ url: "HTTPS://evil.example" }, "http://localhost/"],
      [{ url: "http://evil.example?q" }, "http://localhost/?q"],
      [{ url: undefined, method: undefined }, "http://localhost/"],
      [
        { url: "/x", headers: { host: "Example.COM:8080" } },
        "http://example.com:8080/x",
      ],
      [{ url: "/x", headers: {} }, "http://localhost/x"],
      [{ url: "/x", headers: { host: "" } }, "http://localhost/x"],
      [
        {
          url: "/x",
          headers: { host: "a.example" },
          socket: { encrypted: true },
        } as Partial<
          NodeRequestLike
        >,
        "https://a.example/x",
      ],
      [{ url: "/x/../y" }, null],
      [{ url: "/x\\y" }, null],
      [{ url: "/x\ny" }, null],
      [{ url: "/x y" }, null],
      [{ url: "x" }, null],
      [{ url: "javascript:alert(1)" }, null],
      [{ url: "/x", headers: { host: ["a", "b"] } }, null],
      [{ url: "/x", headers: { host: "a b" } }, null],
      [{ url: "/x", headers: { host: "user@a" } }, null],
      [{ url: "/x", headers: { host: "a:99999" } }, null],
      [{ url: "/x", headers: { "content-length": "12a" } }, null],
      [{ url: "/x", headers: { "content-length": ["1", "1"] } }, null],
      [{ url: "/x", headers: { "x-bad": "a\u0000b" } }, null],
      [{ url: "/x", method: "bad method" }, null],
    ];
    for (const [init, url] of cases) {
      seen = undefined;
      const { req } = fakeRequest({ method: "GET", ...init });
      const { res } = await run(spy, req);
      const what = JSON.stringify(init);
      if (url === null) {
        assert.equal(res.statusCode, 400, what);
        assert.equal(seen, undefined, what);
        assert.equal(res.headers.get("x-content-type-options"), "nosniff");
        assert.equal(res.headers.get("connection"), "close");
      } else {
        assert.equal(res.statusCode, 200, what);
        assert.equal(seen, url, what);
      }
    }
    for (const method of ["TRACE", "CONNECT", "track"]) {
      seen = undefined;
      const { req } = fakeRequest({ method });
      const { res } = await run(spy, req);
      assert.equal(res.statusCode, 501, method);
      assert.equal(seen, undefined);
    }
  });

  test("nodeListener() copies the status and every header, several cookies included", async () => {
    const headers = new Headers({ "x-one": "1" });
    headers.append("set-cookie", "a=1");
    headers.append("set-cookie", "b=2");
    const { req } = fakeRequest({ method: "GET" });
    const { res, text } = await run(
      () => new Response("made", { status: 201, headers }),
      req,
    );
    assert.equal(res.statusCode, 201);
    assert.equal(text, "made");
    assert.equal(res.headers.get("x-one"), "1");
    assert.deepEqual(res.headers.get("set-cookie"), ["a=1", "b=2"]);
  });

  test("nodeListener() answers 500 with safe headers when the handler or its body fails", async () => {
    const failing = [
      () => {
        throw new Error("bug");
      },
      () => Promise.reject(new Error("bug")),
      () =>
        new Response(
          new ReadableStream({
            pull(controller) {
              controller.error(new Error("stream bug"));
            },
          }),
        ),
    ];
    for (const handler of failing) {
      const { req } = fakeRequest({ method: "GET" });
      const { res, text } = await run(handler, req);
      assert.equal(res.statusCode, 500);
      assert.equal(text, "Internal Server Error\n");
      assert.equal(res.headers.get("x-content-type-options"), "nosniff");
      assert.equal(res.headers.get("cache-control"), "no-store");
      assert.equal(res.ends, 1);
    }
  });
});
