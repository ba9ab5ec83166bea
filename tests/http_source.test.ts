// httpSource(): every request goes to a real node:http server on
// 127.0.0.1, and the polling interval and backoff run on fake timers, so a
// test waits on events (a request arriving, a timer scheduled, a promise)
// and never sleeps. Secrets (a header value, a query token) are sent on
// every path and looked for in every output: names, errors, logs, stats.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import {
  createServer,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { generate } from "selfsigned";
import { configure, type LogRecord, reset } from "@logtape/logtape";
import { type HttpSource, httpSource } from "../remote.ts";
import { LoadError } from "../src/errors.ts";
import { fakeTimers } from "./_helpers.ts";

const HEADER_SECRET = "h3ader-t0ken-value";
const QUERY_SECRET = "qu3ry-t0ken-value";
const MIB = 1024 * 1024;
const READ = { maxBytes: MIB };

// ---------------------------------------------------------------------------
// Helpers

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

interface TestServer {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  /** Every request seen so far. */
  readonly requests: IncomingMessage[];
  /** Resolves with the next request to arrive. */
  nextRequest(): Promise<IncomingMessage>;
  close(): Promise<void>;
}

async function serve(handler: Handler): Promise<TestServer> {
  const requests: IncomingMessage[] = [];
  const waiters: ((request: IncomingMessage) => void)[] = [];
  const server = createServer((request, response) => {
    requests.push(request);
    for (const wake of waiters.splice(0)) wake(request);
    handler(request, response);
  });
  await new Promise<void>((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve())
  );
  const { port } = server.address() as { port: number };
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    nextRequest: () => new Promise((resolve) => waiters.push(resolve)),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port nothing listens on (one just closed). */
async function closedPort(): Promise<number> {
  const server = await serve(() => {});
  const port = Number(new URL(server.origin).port);
  await server.close();
  return port;
}

/** Captures LogTape records of `hup-reload` until `reset()`. */
async function captureLogs(): Promise<LogRecord[]> {
  const records: LogRecord[] = [];
  await configure({
    reset: true,
    sinks: { memory: (record) => records.push(record) },
    loggers: [
      { category: ["hup-reload"], sinks: ["memory"], lowestLevel: "debug" },
      { category: ["logtape", "meta"], sinks: [], lowestLevel: "error" },
    ],
  });
  return records;
}

/** A record as one line: its message with its values filled in. */
function renderRecord(record: LogRecord): string {
  return record.message.map((part) =>
    typeof part === "string" ? part : String(part)
  ).join("");
}

/** Everything a record holds, for looking for secrets. */
function recordText(record: LogRecord): string {
  return `${renderRecord(record)} ${JSON.stringify(record.properties)} ${
    JSON.stringify(record.rawMessage)
  }`;
}

function assertNoSecret(text: string, where: string): void {
  for (const secret of [HEADER_SECRET, QUERY_SECRET, "token="]) {
    assert.ok(!text.includes(secret), `${where} shows ${secret}: ${text}`);
  }
}

/** Asserts a LoadError naming `source`, showing no secret. */
function assertLoadError(
  error: unknown,
  source: HttpSource,
  message: string | RegExp,
): true {
  assert.ok(error instanceof LoadError, `a LoadError: ${error}`);
  assert.equal(error.path, source.name);
  if (typeof message === "string") assert.equal(error.message, message);
  else assert.match(error.message, message);
  assert.ok(error.message.includes(source.name));
  assert.equal(error.cause, undefined);
  assertNoSecret(
    `${error.message} ${error.problems.join(" ")} ${JSON.stringify(error)}`,
    "the error",
  );
  return true;
}

/** `Promise.withResolvers()`, which Node.js 20 lacks. */
function deferred<T>(): {
  promise: Promise<T>;
  resolve: (value: T) => void;
} {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((settle) => resolve = settle);
  return { promise, resolve };
}

const text = (bytes: Uint8Array | undefined) => new TextDecoder().decode(bytes);
const sha = (body: string) => createHash("sha256").update(body).digest("hex");

/**
 * A plain file server: one file, with an ETag and a Last-Modified, that
 * answers a conditional request with 304.
 */
function fileServer(file: { body: string; modified: Date }): Handler {
  return (request, response) => {
    const etag = `"${sha(file.body).slice(0, 16)}"`;
    const lastModified = file.modified.toUTCString();
    if (request.headers["if-none-match"] === etag) {
      response.writeHead(304, { etag, "last-modified": lastModified });
      response.end();
      return;
    }
    response.writeHead(200, {
      "content-type": "application/yaml",
      etag,
      "last-modified": lastModified,
    });
    response.end(file.body);
  };
}

// ---------------------------------------------------------------------------
// Creating a source

describe("httpSource()", () => {
  test("httpSource() names the source by the URL without credentials, query or fragment", () => {
    const source = httpSource(
      `https://user:${HEADER_SECRET}@config.internal:8443/app/config.yaml?token=${QUERY_SECRET}#top`,
    );
    assert.equal(source.name, "https://config.internal:8443/app/config.yaml");
    assert.equal(
      httpSource(new URL("http://config.internal:80/a%20b.json?x=1")).name,
      "http://config.internal/a%20b.json",
    );
  });

  test("httpSource() refuses a relative or non-http(s) URL without quoting it", () => {
    assert.throws(() => httpSource(`/config.yaml?token=${QUERY_SECRET}`), {
      name: "TypeError",
      message: "Cannot create the HTTP source as url is not an absolute URL",
    });
    assert.throws(() => httpSource(`ftp://host/config.yaml?token=x`), {
      name: "TypeError",
      message:
        "Cannot create the HTTP source as url is not an http: or https: URL: ftp:",
    });
    assert.throws(() => httpSource(42 as unknown as string), TypeError);
  });

  test("httpSource() refuses bad options with a TypeError or RangeError", () => {
    const url = "http://127.0.0.1/config.yaml";
    for (const every of [0, -1, Infinity, NaN, "10" as unknown as number]) {
      assert.throws(() => httpSource(url, { every }), {
        name: "RangeError",
        message:
          "Cannot create the HTTP source as options.every is not a positive number of milliseconds",
      });
    }
    assert.throws(() => httpSource(url, { every: 2 ** 31 }), {
      name: "RangeError",
      message:
        "Cannot create the HTTP source as options.every is more than 2147483647 milliseconds",
    });
    for (const timeout of [0, -5, Infinity]) {
      assert.throws(() => httpSource(url, { timeout }), {
        name: "RangeError",
        message:
          "Cannot create the HTTP source as options.timeout is not a positive number of milliseconds",
      });
    }
    for (const maxBytes of [0, 1.5, -1, Infinity]) {
      assert.throws(() => httpSource(url, { maxBytes }), {
        name: "RangeError",
        message:
          "Cannot create the HTTP source as options.maxBytes is not a positive integer",
      });
    }
    assert.throws(
      () => httpSource(url, { format: "ini" as unknown as "yaml" }),
      {
        name: "TypeError",
        message:
          "Cannot create the HTTP source as options.format is not one of yaml, json, toml",
      },
    );
    assert.throws(
      () =>
        httpSource(url, {
          headers: { "x-token": `${HEADER_SECRET}\nX-Injected: 1` },
        }),
      (error: unknown) => {
        assert.ok(error instanceof TypeError);
        assert.equal(
          error.message,
          "Cannot create the HTTP source as options.headers holds an invalid header name or value",
        );
        return true;
      },
    );
  });

  test("httpSource() starts with no request counted", () => {
    const source = httpSource("http://127.0.0.1/config.yaml");
    const stats = source.stats();
    assert.deepEqual(stats, {
      requests: { changed: 0, unchanged: 0, failed: 0 },
      consecutiveFailures: 0,
      lastSuccessAt: null,
    });
    assert.deepEqual(JSON.parse(JSON.stringify(stats)), stats);
  });
});

// ---------------------------------------------------------------------------
// Reading

describe("HttpSource.read()", () => {
  test("HttpSource.read() sends a conditional GET once it holds a body and reuses the body on a 304", async () => {
    const file = {
      body: "greeting: hello\n",
      modified: new Date("2026-12-01T10:00:00Z"),
    };
    const server = await serve(fileServer(file));
    try {
      const source = httpSource(`${server.origin}/app/config.yaml`);
      const first = await source.read(READ);
      assert.equal(text(first.bytes), "greeting: hello\n");
      assert.equal(first.format, "yaml");
      assert.equal(first.version, `etag:"${sha(file.body).slice(0, 16)}"`);
      assert.equal(first.directory, undefined);
      assert.equal(server.requests[0].headers["if-none-match"], undefined);
      assert.equal(server.requests[0].headers["if-modified-since"], undefined);

      const second = await source.read(READ);
      const conditional = server.requests[1].headers;
      assert.equal(
        conditional["if-none-match"],
        `"${sha(file.body).slice(0, 16)}"`,
      );
      assert.equal(
        conditional["if-modified-since"],
        file.modified.toUTCString(),
      );
      assert.equal(second.bytes, first.bytes, "the held bytes, not new ones");
      assert.equal(second.version, first.version);
      assert.equal(second.format, "yaml");

      file.body = "greeting: hi\n";
      file.modified = new Date("2026-12-02T10:00:00Z");
      const third = await source.read(READ);
      assert.equal(text(third.bytes), "greeting: hi\n");

      const stats = source.stats();
      assert.deepEqual(stats.requests, { changed: 2, unchanged: 1, failed: 0 });
      assert.equal(stats.consecutiveFailures, 0);
      assert.ok(stats.lastSuccessAt !== null);
      assert.equal(
        new Date(stats.lastSuccessAt).toISOString(),
        stats.lastSuccessAt,
      );
    } finally {
      await server.close();
    }
  });

  test("HttpSource.read() counts a 200 with the same bytes as unchanged and new bytes as changed", async () => {
    let body = "a: 1\n";
    const server = await serve((_request, response) => response.end(body));
    try {
      const source = httpSource(`${server.origin}/config.yaml`);
      await source.read(READ);
      const again = await source.read(READ);
      assert.equal(text(again.bytes), "a: 1\n");
      assert.equal(again.version, undefined, "no ETag, no Last-Modified");
      body = "a: 2\n";
      assert.equal(text((await source.read(READ)).bytes), "a: 2\n");
      assert.deepEqual(source.stats().requests, {
        changed: 2,
        unchanged: 1,
        failed: 0,
      });
      for (const request of server.requests) {
        assert.equal(request.headers["if-none-match"], undefined);
      }
    } finally {
      await server.close();
    }
  });

  test("HttpSource.read() takes the version from Last-Modified when there is no ETag", async () => {
    const modified = "Tue, 01 Dec 2026 10:00:00 GMT";
    const server = await serve((request, response) => {
      if (request.headers["if-modified-since"] === modified) {
        response.writeHead(304).end();
      } else {response.writeHead(200, { "last-modified": modified }).end(
          "a: 1\n",
        );}
    });
    try {
      const source = httpSource(`${server.origin}/config.yaml`);
      assert.equal(
        (await source.read(READ)).version,
        `last-modified:${modified}`,
      );
      assert.equal(
        (await source.read(READ)).version,
        `last-modified:${modified}`,
      );
      assert.equal(server.requests[1].headers["if-none-match"], undefined);
      assert.deepEqual(source.stats().requests, {
        changed: 1,
        unchanged: 1,
        failed: 0,
      });
    } finally {
      await server.close();
    }
  });

  test("HttpSource.read() takes the format from the Content-Type unless options.format names one", async () => {
    const server = await serve((request, response) => {
      const type = new URL(request.url!, "http://x").searchParams.get("type");
      response.writeHead(200, type === "" ? {} : { "content-type": type! });
      response.end("{}");
    });
    const cases: [string, string | undefined][] = [
      ["application/json", "json"],
      ["application/json; charset=utf-8", "json"],
      ["Application/JSON", "json"],
      ["application/vnd.app+json", "json"],
      ["application/yaml", "yaml"],
      ["application/x-yaml", "yaml"],
      ["text/yaml; charset=utf-8", "yaml"],
      ["text/x-yaml", "yaml"],
      ["application/toml", "toml"],
      ["text/x-toml", "toml"],
      ["text/plain", undefined],
      ["application/octet-stream", undefined],
      ["", undefined],
    ];
    try {
      for (const [type, format] of cases) {
        const url = `${server.origin}/config?type=${encodeURIComponent(type)}`;
        const content = await httpSource(url).read(READ);
        assert.equal(content.format, format, type);
        assert.equal("format" in content, format !== undefined, type);
        const named = await httpSource(url, { format: "toml" }).read(READ);
        assert.equal(named.format, "toml", type);
      }
    } finally {
      await server.close();
    }
  });

  test("HttpSource.read() sends options.headers and URL credentials as Basic auth", async () => {
    const server = await serve((_request, response) => response.end("a: 1\n"));
    try {
      await httpSource(`${server.origin}/a.yaml`, {
        headers: { "x-api-key": HEADER_SECRET },
      }).read(READ);
      assert.equal(server.requests[0].headers["x-api-key"], HEADER_SECRET);

      const url = new URL(`${server.origin}/b.yaml`);
      url.username = "app";
      url.password = "p@ss wörd";
      const source = httpSource(url);
      assert.equal(source.name, `${server.origin}/b.yaml`);
      await source.read(READ);
      const basic = server.requests[1].headers.authorization!;
      assert.equal(
        new TextDecoder().decode(
          Uint8Array.from(atob(basic.slice(6)), (c) => c.charCodeAt(0)),
        ),
        "app:p@ss wörd",
      );

      await httpSource(url, { headers: { authorization: "Bearer x" } }).read(
        READ,
      );
      assert.equal(server.requests[2].headers.authorization, "Bearer x");
    } finally {
      await server.close();
    }
  });

  test("HttpSource.read() follows redirects to the same origin, up to 5", async () => {
    const server = await serve((request, response) => {
      const url = new URL(request.url!, "http://x");
      const hops = Number(url.pathname.slice(1));
      if (hops > 0) {
        const status = [301, 302, 303, 307, 308][hops % 5];
        response.writeHead(status, {
          location: `/${hops - 1}?token=${QUERY_SECRET}`,
        });
        response.end("moved");
      } else response.end(`hops: ${url.search}\n`);
    });
    try {
      const five = httpSource(`${server.origin}/5`);
      assert.equal(
        text((await five.read(READ)).bytes),
        `hops: ?token=${QUERY_SECRET}\n`,
      );
      assert.equal(server.requests.length, 6);
      assert.equal(five.name, `${server.origin}/5`);

      const six = httpSource(`${server.origin}/6?token=${QUERY_SECRET}`);
      await assert.rejects(six.read(READ), (error) =>
        assertLoadError(
          error,
          six,
          `Cannot load config as the server redirected more than 5 times: ${server.origin}/6`,
        ));
      assert.equal(server.requests.length, 6 + 6);
    } finally {
      await server.close();
    }
  });

  test("HttpSource.read() refuses a redirect to another origin, naming only the origin", async () => {
    const other = await serve((_request, response) => response.end("a: 1\n"));
    const server = await serve((_request, response) => {
      response.writeHead(302, {
        location: `${other.origin}/elsewhere/config.yaml?token=${QUERY_SECRET}`,
      });
      response.end();
    });
    try {
      const source = httpSource(`${server.origin}/config.yaml`);
      await assert.rejects(source.read(READ), (error) =>
        assertLoadError(
          error,
          source,
          `Cannot load config as the server redirected to another origin: ${server.origin}/config.yaml: ${other.origin}`,
        ));
      assert.equal(
        other.requests.length,
        0,
        "nothing sent to the other origin",
      );
    } finally {
      await server.close();
      await other.close();
    }
  });
});

// ---------------------------------------------------------------------------
// Failures

describe("HttpSource.read() failures", () => {
  const headers = { authorization: `Bearer ${HEADER_SECRET}` };
  const query = `?token=${QUERY_SECRET}`;

  test("HttpSource.read() throws a LoadError when the connection is refused", async () => {
    const port = await closedPort();
    const source = httpSource(`http://127.0.0.1:${port}/config.yaml${query}`, {
      headers,
    });
    await assert.rejects(source.read(READ), (error) =>
      assertLoadError(
        error,
        source,
        `Cannot load config as the connection was refused (ECONNREFUSED): http://127.0.0.1:${port}/config.yaml`,
      ));
    assert.deepEqual(source.stats(), {
      requests: { changed: 0, unchanged: 0, failed: 1 },
      consecutiveFailures: 1,
      lastSuccessAt: null,
    });
  });

  test("HttpSource.read() throws a LoadError when the server's TLS certificate is not trusted", async () => {
    const pems = await generate([{ name: "commonName", value: "127.0.0.1" }], {
      keyType: "ec",
      algorithm: "sha256",
    });
    const server = createHttpsServer(
      { cert: pems.cert, key: pems.private },
      (_request, response) => response.end("a: 1\n"),
    );
    await new Promise<void>((resolve) =>
      server.listen(0, "127.0.0.1", () => resolve())
    );
    const { port } = server.address() as { port: number };
    try {
      // The path holds words of other failures: only the runtime's own
      // words count.
      const source = httpSource(
        `https://127.0.0.1:${port}/connection-refused.yaml${query}`,
        { headers },
      );
      await assert.rejects(source.read(READ), (error) =>
        assertLoadError(
          error,
          source,
          new RegExp(
            `^Cannot load config as the server's TLS certificate is not trusted \\([A-Z_]+\\): https://127\\.0\\.0\\.1:${port}/connection-refused\\.yaml$`,
          ),
        ));
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test("HttpSource.read() throws a LoadError naming the status of a 4xx or 5xx answer", async () => {
    let status = 500;
    const server = await serve((_request, response) => {
      response.writeHead(status, { "x-echo": HEADER_SECRET });
      response.end(`error page quoting ${HEADER_SECRET}`);
    });
    try {
      const source = httpSource(`${server.origin}/config.yaml${query}`, {
        headers,
      });
      for (status of [500, 503, 404, 403, 401, 204, 206]) {
        await assert.rejects(source.read(READ), (error) =>
          assertLoadError(
            error,
            source,
            `Cannot load config as the server answered ${status}: ${server.origin}/config.yaml`,
          ));
      }
      assert.equal(source.stats().consecutiveFailures, 7);
    } finally {
      await server.close();
    }
  });

  test("HttpSource.read() refuses a 304 when it holds no body", async () => {
    const server = await serve((_request, response) => {
      response.writeHead(304).end();
    });
    try {
      const source = httpSource(`${server.origin}/config.yaml`);
      await assert.rejects(source.read(READ), (error) =>
        assertLoadError(
          error,
          source,
          `Cannot load config as the server answered 304 to a request that was not conditional: ${server.origin}/config.yaml`,
        ));
    } finally {
      await server.close();
    }
  });

  test("HttpSource.read() times out after options.timeout ms, waiting for headers or for the body", async () => {
    const server = await serve((request, response) => {
      if (request.url!.startsWith("/body")) {
        response.writeHead(200, { "content-length": "100" });
        response.write("a: 1\n"); // and never the rest
      }
      // Otherwise never answers.
    });
    try {
      for (const path of ["/silent.yaml", "/body.yaml"]) {
        const source = httpSource(`${server.origin}${path}${query}`, {
          headers,
          timeout: 50,
        });
        await assert.rejects(source.read(READ), (error) =>
          assertLoadError(
            error,
            source,
            `Cannot load config as the request timed out after 50 ms: ${server.origin}${path}`,
          ));
      }
    } finally {
      await server.close();
    }
  });

  test("HttpSource.read() refuses a response larger than the limit by its Content-Length, before reading it", async () => {
    const server = await serve((_request, response) => {
      // Announces 2 MiB and sends none of it: only the header can refuse it.
      response.writeHead(200, { "content-length": String(2 * MIB) });
      response.flushHeaders();
    });
    try {
      const source = httpSource(`${server.origin}/big.yaml${query}`, {
        headers,
      });
      await assert.rejects(source.read(READ), (error) =>
        assertLoadError(
          error,
          source,
          `Cannot load config as the response is larger than ${MIB} bytes: ${server.origin}/big.yaml`,
        ));

      // The loader's maxBytes, when smaller, is the limit.
      const small = httpSource(`${server.origin}/big.yaml`, { maxBytes: 10 });
      await assert.rejects(small.read(READ), /larger than 10 bytes/);
      const loader = httpSource(`${server.origin}/big.yaml`);
      await assert.rejects(
        loader.read({ maxBytes: 100 }),
        /larger than 100 bytes/,
      );
    } finally {
      await server.close();
    }
  });

  test("HttpSource.read() stops reading a body without Content-Length once it passes the limit", async () => {
    const { promise: closed, resolve } = deferred<boolean>();
    const server = await serve((_request, response) => {
      // An endless body, sent as fast as the client takes it.
      const chunk = new Uint8Array(16 * 1024).fill(0x61);
      response.writeHead(200, { "content-type": "application/yaml" });
      const pump = () => {
        while (!response.destroyed && response.write(chunk));
      };
      response.on("drain", pump);
      response.on("close", () => resolve(response.writableFinished));
      pump();
    });
    try {
      const source = httpSource(`${server.origin}/endless.yaml${query}`, {
        headers,
        maxBytes: 100_000,
      });
      await assert.rejects(source.read(READ), (error) =>
        assertLoadError(
          error,
          source,
          `Cannot load config as the response is larger than 100000 bytes: ${server.origin}/endless.yaml`,
        ));
      assert.equal(await closed, false, "the body was cut off, not finished");
    } finally {
      await server.close();
    }
  });

  test("HttpSource.read() takes the limit from the loader when it is smaller", async () => {
    const server = await serve((_request, response) => {
      response.end("x".repeat(50)); // Content-Length: 50
    });
    try {
      const source = httpSource(`${server.origin}/config.yaml`);
      await assert.rejects(
        source.read({ maxBytes: 49 }),
        /larger than 49 bytes/,
      );
      assert.equal((await source.read({ maxBytes: 50 })).bytes.length, 50);
    } finally {
      await server.close();
    }
  });
});

// ---------------------------------------------------------------------------
// Watching

describe("HttpSource.watch()", () => {
  test("HttpSource.watch() polls every options.every ms and ignores a 304, counting it", async () => {
    const file = { body: "a: 1\n", modified: new Date("2026-12-01T10:00:00Z") };
    const server = await serve(fileServer(file));
    const clock = fakeTimers();
    try {
      const source = httpSource(`${server.origin}/config.yaml`);
      await source.read(READ);
      let calls = 0;
      const stop = source.watch(() => Promise.resolve(void calls++), {
        timers: clock.timers,
      });
      assert.deepEqual(clock.delays, [30_000], "the default interval");
      assert.equal(await clock.poll(), 30_000);
      assert.equal(await clock.poll(), 30_000);
      assert.equal(calls, 0);
      assert.equal(server.requests.length, 3);
      assert.ok(server.requests[2].headers["if-none-match"] !== undefined);
      assert.deepEqual(source.stats().requests, {
        changed: 1,
        unchanged: 2,
        failed: 0,
      });
      stop();
      assert.equal(clock.pending.size, 0);
    } finally {
      await server.close();
    }
  });

  test("HttpSource.watch() calls onChange on new bytes, waits for it, and the read it makes reuses them", async () => {
    const file = { body: "a: 1\n", modified: new Date("2026-12-01T10:00:00Z") };
    const server = await serve(fileServer(file));
    const clock = fakeTimers();
    try {
      const source = httpSource(`${server.origin}/config.yaml`, {
        every: 1000,
      });
      await source.read(READ);
      const called = deferred<void>();
      const pass = deferred<void>();
      const reads: string[] = [];
      const stop = source.watch(async () => {
        called.resolve();
        await pass.promise;
        reads.push(text((await source.read(READ)).bytes));
      }, { timers: clock.timers });

      file.body = "a: 2\n";
      file.modified = new Date("2026-12-02T10:00:00Z");
      const next = clock.scheduled();
      clock.fire();
      await called.promise;
      assert.equal(clock.pending.size, 0, "no poll while onChange runs");
      pass.resolve();
      assert.equal(await next, 1000);
      assert.deepEqual(reads, ["a: 2\n"]);
      // The read in onChange was conditional on what the poll fetched, and
      // got a 304: the body was downloaded once.
      const last = server.requests.at(-1)!;
      assert.equal(
        last.headers["if-none-match"],
        `"${sha("a: 2\n").slice(0, 16)}"`,
      );
      assert.deepEqual(source.stats().requests, {
        changed: 2,
        unchanged: 1,
        failed: 0,
      });

      // And the next poll finds nothing new.
      assert.equal(await clock.poll(), 1000);
      assert.equal(reads.length, 1);
      stop();
    } finally {
      await server.close();
    }
  });

  test("HttpSource.watch() calls onChange again while no read returned the new bytes", async () => {
    const file = { body: "a: 1\n", modified: new Date("2026-12-01T10:00:00Z") };
    const server = await serve(fileServer(file));
    const clock = fakeTimers();
    try {
      const source = httpSource(`${server.origin}/config.yaml`, { every: 100 });
      await source.read(READ);
      let calls = 0;
      let reading = false;
      const stop = source.watch(async () => {
        calls++;
        if (reading) await source.read(READ);
      }, { timers: clock.timers });
      file.body = "a: 2\n";
      await clock.poll();
      assert.equal(calls, 1);
      // A 304 to the next poll, yet the new bytes were never read.
      await clock.poll();
      assert.equal(calls, 2);
      assert.ok(server.requests.at(-1)!.headers["if-none-match"], "a 304");
      reading = true;
      await clock.poll();
      assert.equal(calls, 3);
      await clock.poll();
      assert.equal(calls, 3, "read: nothing new");
      stop();
    } finally {
      await server.close();
    }
  });

  test("HttpSource.watch() does not call onChange for a 200 with the same bytes", async () => {
    let body = "a: 1\n";
    let version = 1;
    const server = await serve((_request, response) => {
      // A new ETag each time, for the same bytes.
      response.writeHead(200, { etag: `"${version++}"` });
      response.end(body);
    });
    const clock = fakeTimers();
    try {
      const source = httpSource(`${server.origin}/config.yaml`, { every: 500 });
      await source.read(READ);
      let calls = 0;
      const stop = source.watch(() => Promise.resolve(void calls++), {
        timers: clock.timers,
      });
      await clock.poll();
      await clock.poll();
      assert.equal(calls, 0);
      body = "a: 2\n";
      await clock.poll();
      assert.equal(calls, 1);
      assert.deepEqual(source.stats().requests, {
        changed: 2,
        unchanged: 2,
        failed: 0,
      });
      stop();
    } finally {
      await server.close();
    }
  });

  test("HttpSource.watch() with nothing read yet reports the first content as a change", async () => {
    const server = await serve((_request, response) => response.end("a: 1\n"));
    const clock = fakeTimers();
    try {
      const source = httpSource(`${server.origin}/config.yaml`);
      let calls = 0;
      const stop = source.watch(() => Promise.resolve(void calls++), {
        timers: clock.timers,
      });
      await clock.poll();
      assert.equal(calls, 1);
      stop();
    } finally {
      await server.close();
    }
  });

  test("HttpSource.watch() backs off exponentially while polls fail, up to the cap, logging once", async () => {
    let failing = true;
    const server = await serve((_request, response) => {
      if (failing) response.writeHead(503).end(HEADER_SECRET);
      else response.end("a: 1\n");
    });
    const clock = fakeTimers();
    const records = await captureLogs();
    try {
      const source = httpSource(
        `${server.origin}/config.yaml?token=${QUERY_SECRET}`,
        {
          every: 1000,
          headers: { authorization: `Bearer ${HEADER_SECRET}` },
        },
      );
      let calls = 0;
      const stop = source.watch(() => Promise.resolve(void calls++), {
        timers: clock.timers,
      });
      const delays = [];
      for (let i = 0; i < 10; i++) delays.push(await clock.poll());
      assert.deepEqual(delays, [
        2000,
        4000,
        8000,
        16_000,
        32_000,
        64_000,
        128_000,
        256_000,
        300_000,
        300_000,
      ]);
      assert.equal(source.stats().consecutiveFailures, 10);
      assert.equal(source.stats().requests.failed, 10);

      failing = false;
      assert.equal(await clock.poll(), 1000, "back to every after a success");
      assert.equal(calls, 1);
      assert.equal(source.stats().consecutiveFailures, 0);
      failing = true;
      assert.equal(await clock.poll(), 2000, "backoff starts over");
      stop();

      const warnings = records.filter((r) => r.level === "warning");
      assert.equal(warnings.length, 2, "one warning each time failing starts");
      assert.deepEqual(warnings[0].category, ["hup-reload", "remote"]);
      assert.equal(
        renderRecord(warnings[0]),
        `Cannot poll the config source, retrying in 2000 ms: ${server.origin}/config.yaml: Cannot load config as the server answered 503: ${server.origin}/config.yaml`,
      );
      const again = records.filter((r) =>
        renderRecord(r).startsWith("The config source is reachable again")
      );
      assert.equal(again.length, 1);
      assert.equal(again[0].level, "info");
      assert.equal(
        renderRecord(again[0]),
        `The config source is reachable again: ${server.origin}/config.yaml`,
      );
      for (const record of records) assertNoSecret(recordText(record), "a log");
    } finally {
      await reset();
      await server.close();
    }
  });

  test("HttpSource.watch() caps the backoff at options.every when that is longer", async () => {
    const port = await closedPort();
    const clock = fakeTimers();
    const source = httpSource(`http://127.0.0.1:${port}/config.yaml`, {
      every: 600_000,
    });
    const stop = source.watch(() => Promise.resolve(), {
      timers: clock.timers,
    });
    assert.equal(await clock.poll(), 600_000);
    assert.equal(await clock.poll(), 600_000);
    stop();
    assert.equal(clock.pending.size, 0);
  });

  test("HttpSource.watch() logs an onChange that rejects and goes on polling", async () => {
    let body = "a: 1\n";
    const server = await serve((_request, response) => response.end(body));
    const clock = fakeTimers();
    const records = await captureLogs();
    try {
      const source = httpSource(`${server.origin}/config.yaml`, { every: 100 });
      await source.read(READ);
      const stop = source.watch(() => Promise.reject(new Error("boom")), {
        timers: clock.timers,
      });
      body = "a: 2\n";
      assert.equal(await clock.poll(), 100);
      const errors = records.filter((r) => r.level === "error");
      assert.equal(errors.length, 1);
      assert.equal(
        renderRecord(errors[0]),
        `The config source's onChange failed: ${server.origin}/config.yaml: boom`,
      );
      stop();
    } finally {
      await reset();
      await server.close();
    }
  });

  test("HttpSource.watch()'s stop function aborts a request in flight and leaves no timer", async () => {
    const server = await serve(() => {}); // never answers
    const clock = fakeTimers();
    try {
      // A timeout far off, so that only stop() can end the request.
      const source = httpSource(`${server.origin}/config.yaml`, {
        timeout: 600_000,
      });
      let calls = 0;
      const stop = source.watch(() => Promise.resolve(void calls++), {
        timers: clock.timers,
      });
      const arrived = server.nextRequest();
      clock.fire();
      const request = await arrived;
      const aborted = new Promise((resolve) => request.on("close", resolve));
      stop();
      // The client closed the connection; the guard fires only on failure.
      let guard: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        aborted,
        new Promise((_, reject) => {
          guard = setTimeout(
            () => reject(new Error("stop() did not abort the request")),
            5_000,
          );
        }),
      ]).finally(() => clearTimeout(guard));
      assert.equal(clock.pending.size, 0);
      stop(); // again: nothing
      assert.equal(calls, 0);
      assert.deepEqual(source.stats().requests, {
        changed: 0,
        unchanged: 0,
        failed: 0,
      });
    } finally {
      await server.close();
    }
  });

  test("HttpSource.watch()'s stop function, called while onChange runs, schedules nothing after it", async () => {
    let body = "a: 1\n";
    const server = await serve((_request, response) => response.end(body));
    const clock = fakeTimers();
    try {
      const source = httpSource(`${server.origin}/config.yaml`);
      await source.read(READ);
      const called = deferred<void>();
      const pass = deferred<void>();
      let stop = () => {};
      const settled = new Promise<void>((resolve) => {
        stop = source.watch(async () => {
          called.resolve();
          await pass.promise;
          resolve();
        }, { timers: clock.timers });
      });
      body = "a: 2\n";
      clock.fire();
      await called.promise;
      stop();
      pass.resolve();
      await settled;
      await Promise.resolve();
      assert.equal(clock.pending.size, 0);
      assert.equal(clock.delays.length, 1, "only the first poll was scheduled");
    } finally {
      await server.close();
    }
  });

  test("HttpSource.watch() keeps polls to the size limit of the last read", async () => {
    let body = "a: 1\n";
    const server = await serve((_request, response) => response.end(body));
    const clock = fakeTimers();
    try {
      const source = httpSource(`${server.origin}/config.yaml`, { every: 100 });
      await source.read({ maxBytes: 10 });
      const stop = source.watch(() => Promise.resolve(), {
        timers: clock.timers,
      });
      body = "a: 123456789\n";
      assert.equal(await clock.poll(), 200, "too large: a failure");
      stop();
    } finally {
      await server.close();
    }
  });
});

// ---------------------------------------------------------------------------
// Recipes: the servers a config commonly lives on

describe("HttpSource recipes", () => {
  test("HttpSource reads Consul's KV with ?raw, which sends X-Consul-Index and no ETag", async () => {
    const kv = { value: '{"port": 8080}', index: 42 };
    const server = await serve((request, response) => {
      const url = new URL(request.url!, "http://x");
      if (request.headers["x-consul-token"] !== HEADER_SECRET) {
        response.writeHead(403).end("ACL not found");
      } else if (
        url.pathname !== "/v1/kv/app/config" || !url.searchParams.has("raw")
      ) {
        response.writeHead(404).end();
      } else {
        response.writeHead(200, {
          "content-type": "text/plain; charset=utf-8",
          "x-consul-index": String(kv.index),
          "x-consul-knownleader": "true",
        });
        response.end(kv.value);
      }
    });
    const clock = fakeTimers();
    try {
      const source = httpSource(`${server.origin}/v1/kv/app/config?raw`, {
        headers: { "x-consul-token": HEADER_SECRET },
        format: "json",
        every: 5000,
      });
      assert.equal(source.name, `${server.origin}/v1/kv/app/config`);
      const content = await source.read(READ);
      assert.equal(text(content.bytes), '{"port": 8080}');
      assert.equal(content.format, "json");
      assert.equal(content.version, undefined);

      let calls = 0;
      const stop = source.watch(() => Promise.resolve(void calls++), {
        timers: clock.timers,
      });
      assert.equal(await clock.poll(), 5000);
      assert.equal(calls, 0, "the same value, though not a 304");
      kv.value = '{"port": 9090}';
      kv.index = 43;
      assert.equal(await clock.poll(), 5000);
      assert.equal(calls, 1);
      stop();
      assert.deepEqual(source.stats().requests, {
        changed: 2,
        unchanged: 1,
        failed: 0,
      });

      const denied = httpSource(`${server.origin}/v1/kv/app/config?raw`, {
        headers: { "x-consul-token": "wrong" },
      });
      await assert.rejects(denied.read(READ), (error) =>
        assertLoadError(
          error,
          denied,
          `Cannot load config as the server answered 403: ${server.origin}/v1/kv/app/config`,
        ));
    } finally {
      await server.close();
    }
  });

  test("HttpSource reads an S3 presigned URL and never shows its signature", async () => {
    const signature = `${QUERY_SECRET}0123456789abcdef`;
    let expired = false;
    const object = {
      body: "greeting: hello\n",
      etag: '"9b2cf535f27731c974343645a3985328"',
    };
    const server = await serve((request, response) => {
      const url = new URL(request.url!, "http://x");
      if (url.searchParams.get("X-Amz-Signature") !== signature || expired) {
        response.writeHead(403, { "content-type": "application/xml" });
        response.end(
          `<Error><Code>AccessDenied</Code><Message>Request has expired</Message><X-Amz-Signature>${signature}</X-Amz-Signature></Error>`,
        );
      } else if (request.headers["if-none-match"] === object.etag) {
        response.writeHead(304, { etag: object.etag }).end();
      } else {
        response.writeHead(200, {
          "content-type": "binary/octet-stream",
          etag: object.etag,
          "last-modified": "Tue, 01 Dec 2026 10:00:00 GMT",
        });
        response.end(object.body);
      }
    });
    const clock = fakeTimers();
    const records = await captureLogs();
    try {
      const query = "X-Amz-Algorithm=AWS4-HMAC-SHA256" +
        "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20261201%2Fus-east-1%2Fs3%2Faws4_request" +
        "&X-Amz-Date=20261201T100000Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host" +
        `&X-Amz-Signature=${signature}`;
      const source = httpSource(
        `${server.origin}/bucket/app/config.yaml?${query}`,
        {
          every: 1000,
        },
      );
      assert.equal(source.name, `${server.origin}/bucket/app/config.yaml`);
      const content = await source.read(READ);
      assert.equal(text(content.bytes), object.body);
      assert.equal(content.format, undefined, "the loader goes by .yaml");
      assert.equal(content.version, `etag:${object.etag}`);

      let calls = 0;
      const stop = source.watch(() => Promise.resolve(void calls++), {
        timers: clock.timers,
      });
      assert.equal(await clock.poll(), 1000, "a 304");
      expired = true;
      assert.equal(await clock.poll(), 2000, "a 403: backing off");
      stop();
      await assert.rejects(source.read(READ), (error) =>
        assertLoadError(
          error,
          source,
          `Cannot load config as the server answered 403: ${server.origin}/bucket/app/config.yaml`,
        ));
      assert.equal(calls, 0);
      assert.ok(records.some((r) => r.level === "warning"));
      for (const record of records) {
        const line = recordText(record);
        assertNoSecret(line, "a log");
        assert.ok(!line.includes("X-Amz"), line);
      }
      assertNoSecret(JSON.stringify(source.stats()), "the stats");
    } finally {
      await reset();
      await server.close();
    }
  });
});

// ---------------------------------------------------------------------------
// Secrets

test("HttpSource shows no header value or query in any error, log or stats, whatever fails", async () => {
  const port = await closedPort();
  const server = await serve((request, response) => {
    const path = new URL(request.url!, "http://x").pathname;
    const echo = { "x-echo": HEADER_SECRET, etag: `"${HEADER_SECRET}"` };
    switch (path) {
      case "/500":
        response.writeHead(500, echo).end(HEADER_SECRET);
        break;
      case "/big":
        response.writeHead(200, { ...echo, "content-length": String(2 * MIB) });
        response.flushHeaders();
        break;
      case "/away":
        response.writeHead(302, {
          location: `http://localhost:1/${HEADER_SECRET}?token=${QUERY_SECRET}`,
        }).end();
        break;
      case "/loop":
        response.writeHead(307, { location: `/loop?token=${QUERY_SECRET}` })
          .end();
        break;
      case "/bad-location":
        response.writeHead(302, { location: `http://[${HEADER_SECRET}` }).end();
        break;
      default:
        break; // never answers
    }
  });
  const records = await captureLogs();
  const options = {
    headers: {
      authorization: `Bearer ${HEADER_SECRET}`,
      "x-api-key": HEADER_SECRET,
    },
    timeout: 50,
    every: 10,
  };
  try {
    const urls = [
      `http://127.0.0.1:${port}/refused`,
      ...["/500", "/big", "/away", "/loop", "/bad-location", "/silent"].map((
        path,
      ) => `${server.origin}${path}`),
    ];
    for (const url of urls) {
      const source = httpSource(
        `${url}?token=${QUERY_SECRET}&X-Amz-Signature=${QUERY_SECRET}`,
        options,
      );
      await assert.rejects(
        source.read(READ),
        (error) => assertLoadError(error, source, /^Cannot load config as /),
      );
      const clock = fakeTimers();
      const stop = source.watch(() => Promise.resolve(), {
        timers: clock.timers,
      });
      await clock.poll();
      stop();
      assertNoSecret(JSON.stringify(source.stats()), "the stats");
    }
    assert.equal(
      records.filter((r) => r.level === "warning").length,
      urls.length,
    );
    for (const record of records) assertNoSecret(recordText(record), "a log");
  } finally {
    await reset();
    await server.close();
  }
});
