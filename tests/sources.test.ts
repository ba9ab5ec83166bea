// Config sources through a real Coordinator: a custom source from memory,
// layers of sources, a file beside an HTTP source, and httpSource() with
// sourceChanges() polling. Every HTTP request goes to a real node:http
// server on 127.0.0.1; polling runs on fake timers, so a test waits on
// events (a request arriving, a timer scheduled, a "reload" event) and
// never sleeps. Secrets (a bearer token, a query token) are sent through
// every failure and a success, and looked for in every output.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import {
  createServer,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import {
  AtomicConfig,
  type ConfigObject,
  type ConfigSource,
  Coordinator,
  fileSource,
  type Hook,
  HookStatus,
  LoadError,
  type ReloadEvent,
  type SourceContent,
  type SourceReadOptions,
  type TriggerContext,
} from "hup-reload";
import { reloadHandler } from "hup-reload/http";
import { type HttpSource, httpSource } from "hup-reload/remote";
import { ManualSignals } from "hup-reload/testing";
import { sourceChanges } from "hup-reload/watch";
import {
  captureLogs,
  deferred,
  everyOutput,
  fakeTimers,
  settle,
  tempConfig,
} from "./_helpers.ts";

const HEADER_SECRET = "b3arer-T0ken-Zq8";
const QUERY_SECRET = "qu3ry-T0ken-Zq9";
const encode = (text: string) => new TextEncoder().encode(text);

// ---------------------------------------------------------------------------
// Helpers

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

interface Exchange {
  readonly request: IncomingMessage;
  readonly response: ServerResponse;
}

interface TestServer {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  /** Every request seen so far, with the response it got. */
  readonly exchanges: Exchange[];
  /**
   * The status each request was answered with, in order; `undefined` for
   * one not answered (yet).
   */
  statuses(): (number | undefined)[];
  /** Resolves with the next request to arrive. */
  nextRequest(): Promise<IncomingMessage>;
  /** Stops listening, so that connecting is refused; keeps the port. */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
  close(): Promise<void>;
}

async function serve(handler: Handler): Promise<TestServer> {
  const exchanges: Exchange[] = [];
  const waiters: ((request: IncomingMessage) => void)[] = [];
  const server = createServer((request, response) => {
    // Each request on a connection of its own: once the server stops, the
    // next request is refused, rather than racing the close of a connection
    // the client kept alive.
    response.setHeader("connection", "close");
    exchanges.push({ request, response });
    for (const wake of waiters.splice(0)) wake(request);
    handler(request, response);
  });
  const listen = (port: number) =>
    new Promise<void>((resolve) =>
      server.listen(port, "127.0.0.1", () => resolve())
    );
  const stop = () =>
    new Promise<void>((resolve) => {
      if (!server.listening) return resolve();
      server.closeAllConnections();
      server.close(() => resolve());
    });
  await listen(0);
  const { port } = server.address() as { port: number };
  return {
    origin: `http://127.0.0.1:${port}`,
    exchanges,
    // The status is set when the handler writes the head, before the
    // client can have seen any of the response.
    statuses: () =>
      exchanges.map(({ response }) =>
        response.headersSent ? response.statusCode : undefined
      ),
    nextRequest: () => new Promise((resolve) => waiters.push(resolve)),
    stop,
    start: () => server.listening ? Promise.resolve() : listen(port),
    close: stop,
  };
}

/** How many requests were answered with `status`. */
function count(server: TestServer, status: number): number {
  return server.statuses().filter((s) => s === status).length;
}

/** A config source that serves bytes from memory, recording each read. */
function memorySource(
  name: string,
  text: string,
  format?: "yaml" | "json" | "toml",
) {
  const state = {
    text,
    /** What the next read does instead of serving `text`, if set. */
    instead: undefined as
      | undefined
      | ((options: SourceReadOptions) => Promise<unknown>),
    reads: [] as SourceReadOptions[],
  };
  const source: ConfigSource = {
    name,
    read(options) {
      state.reads.push(options);
      if (state.instead !== undefined) {
        return state.instead(options) as Promise<SourceContent | undefined>;
      }
      return Promise.resolve({
        bytes: encode(state.text),
        ...(format !== undefined && { format }),
      });
    },
  };
  return Object.assign(state, { source });
}

/** A server of one YAML file with an ETag, answering a match with 304. */
function etagServer(file: { body: string; type?: string }): Handler {
  return (request, response) => {
    const etag = etagOf(file.body);
    if (request.headers["if-none-match"] === etag) {
      response.writeHead(304, { etag }).end();
      return;
    }
    response.writeHead(200, {
      "content-type": file.type ?? "application/yaml",
      etag,
    });
    response.end(file.body);
  };
}

/** The ETag of a body: a short, stable hash of it. */
function etagOf(body: string): string {
  let h = 0;
  for (const c of body) h = (h * 31 + c.codePointAt(0)!) | 0;
  return `"${body.length}-${(h >>> 0).toString(16)}"`;
}

/**
 * A config as plain data: TOML tables come with a null prototype, which
 * strict deep equality tells apart.
 */
const plain = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

/** Reads a route of `reloadHandler` as a scraper or a browser would. */
async function get<C>(
  coordinator: Coordinator<C>,
  path: string,
  accept = "application/json",
): Promise<string> {
  const handler = reloadHandler(coordinator, { token: "t0ken-for-tests" });
  const response = await handler(
    new Request(`http://localhost/-/reload${path}`, { headers: { accept } }),
  );
  assert.equal(response.status, 200, path);
  return await response.text();
}

/**
 * The value of one sample in a metrics text, by its name and labels (in
 * the order they are rendered); `undefined` when it is not there.
 */
function sample(
  text: string,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const rendered = Object.entries(labels).map(([k, v]) => `${k}="${v}"`)
    .join(",");
  const key = rendered === "" ? name : `${name}{${rendered}}`;
  for (const line of text.split("\n")) {
    if (line.startsWith(`${key} `)) return Number(line.slice(key.length + 1));
  }
  return undefined;
}

/** What `/metrics` says of one source. */
async function sourceMetrics<C>(
  coordinator: Coordinator<C>,
  source: ConfigSource,
) {
  const text = await get(coordinator, "/metrics");
  const requests = (outcome: string) =>
    sample(text, "hup_reload_source_requests_total", {
      source: source.name,
      outcome,
    });
  return {
    changed: requests("changed"),
    unchanged: requests("unchanged"),
    failed: requests("failed"),
    up: sample(text, "hup_reload_source_up", { source: source.name }),
    lastSuccess: sample(
      text,
      "hup_reload_source_last_success_timestamp_seconds",
      { source: source.name },
    ),
  };
}

function assertNoSecret(text: string, where: string): void {
  for (const secret of [HEADER_SECRET, QUERY_SECRET, "token="]) {
    assert.ok(
      !text.includes(secret),
      `${where} shows ${secret}:\n${text.slice(0, 3000)}`,
    );
  }
}

/** A hook that only says it applied, so a pass has something to run. */
const noop: Hook<ConfigObject> = {
  name: "noop",
  check() {},
  apply: () => HookStatus.Applied,
};

// ---------------------------------------------------------------------------
// Custom sources

describe("Coordinator with a custom ConfigSource", () => {
  test("Coordinator.create() loads from a custom source and reload() reads it again", async () => {
    const memory = memorySource("memory.yaml", "greeting: hello\n");
    const coordinator = await Coordinator.create({
      source: memory.source,
      hooks: [noop],
      maxBytes: 4096,
    });
    try {
      assert.deepEqual(coordinator.config.load(), { greeting: "hello" });
      assert.deepEqual(coordinator.sources, [memory.source]);
      assert.equal(coordinator.configPath, "memory.yaml");
      assert.deepEqual(memory.reads, [{ maxBytes: 4096 }]);
      assert.match(coordinator.digest() ?? "", /^sha256:[0-9a-f]{64}$/);
      const first = coordinator.digest();

      memory.text = "greeting: hi\n";
      const result = await coordinator.reload();
      assert.equal(result.status, "full_success");
      assert.equal(result.generation, 1);
      assert.equal(coordinator.generation(), 1);
      assert.deepEqual(coordinator.config.load(), { greeting: "hi" });
      assert.equal(memory.reads.length, 2);
      assert.notEqual(coordinator.digest(), first);
    } finally {
      await coordinator.shutdown();
    }
  });

  test("Coordinator.create() takes the format a source gives over its name's ending", async () => {
    const memory = memorySource("settings.yaml", '{"a": [1, 2]}', "json");
    const coordinator = await Coordinator.create({ source: memory.source });
    try {
      assert.deepEqual(coordinator.config.load(), { a: [1, 2] });
      // As JSON, YAML that is not JSON is refused.
      memory.text = "a: [1, 2]\n";
      const result = await coordinator.reload();
      assert.equal(result.status, "load_failed");
      assert.match(result.load_error ?? "", /not valid JSON: settings\.yaml/);
    } finally {
      await coordinator.shutdown();
    }
  });

  test("Coordinator.create() merges a list of sources as layers: later ones override, mapping by mapping, sequences replace", async () => {
    const base = memorySource(
      "base.yaml",
      [
        "server:",
        "  port: 8080",
        "  host: 0.0.0.0",
        "  tls: { enabled: false, ciphers: [a, b] }",
        "log: { level: info, format: json }",
        "peers: [one, two, three]",
        "",
      ].join("\n"),
    );
    const production = memorySource(
      "production.json",
      JSON.stringify({
        server: { port: 9090, tls: { enabled: true } },
        peers: ["four"],
      }),
    );
    const local = memorySource("local.toml", '[log]\nlevel = "debug"\n');
    const coordinator = await Coordinator.create({
      source: [base.source, production.source, local.source],
    });
    try {
      assert.deepEqual(coordinator.config.load(), {
        server: {
          port: 9090,
          host: "0.0.0.0",
          tls: { enabled: true, ciphers: ["a", "b"] },
        },
        log: { level: "debug", format: "json" },
        peers: ["four"],
      });
      assert.equal(
        coordinator.configPath,
        "base.yaml + production.json + local.toml",
      );
      assert.deepEqual(
        coordinator.sources,
        [base.source, production.source, local.source],
      );

      // An absent optional layer is left out; the others still merge.
      local.instead = () => Promise.resolve(undefined);
      production.text = JSON.stringify({ server: { tls: { ciphers: [] } } });
      const result = await coordinator.reload();
      assert.equal(result.status, "full_success");
      assert.deepEqual(coordinator.config.load(), {
        server: {
          port: 8080,
          host: "0.0.0.0",
          tls: { enabled: false, ciphers: [] },
        },
        log: { level: "info", format: "json" },
        peers: ["one", "two", "three"],
      });
    } finally {
      await coordinator.shutdown();
    }
  });

  test("Coordinator.reload() reads every source at once", async () => {
    const first = memorySource("first.yaml", "a: 1\n");
    const second = memorySource("second.yaml", "b: 2\n");
    const coordinator = await Coordinator.create({
      source: [first.source, second.source],
    });
    try {
      const started = deferred();
      const release = deferred();
      first.instead = async () => {
        started.resolve();
        await release.promise;
        return { bytes: encode("a: 3\n") };
      };
      const pass = coordinator.reload();
      await started.promise;
      await settle();
      assert.equal(second.reads.length, 2, "read while the first one waits");
      release.resolve();
      assert.equal((await pass).status, "full_success");
      assert.deepEqual(coordinator.config.load(), { a: 3, b: 2 });
    } finally {
      await coordinator.shutdown();
    }
  });

  test("Coordinator.reload() fails the pass naming a source that throws, gives no bytes or too many, keeping the old config", async () => {
    const base = memorySource("base.yaml", "a: 1\n");
    const custom = memorySource("custom-store:app/config", "b: 2\n", "yaml");
    const coordinator = await Coordinator.create({
      source: [base.source, custom.source],
      hooks: [noop],
      maxBytes: 64,
    });
    const cases: [
      string,
      (options: SourceReadOptions) => Promise<unknown>,
      string,
    ][] = [
      [
        "a plain Error",
        () => Promise.reject(new Error("the store is sealed")),
        "Cannot load config as the source cannot be read: custom-store:app/config: the store is sealed",
      ],
      [
        "a synchronous throw",
        () => {
          throw new TypeError("no such key");
        },
        "Cannot load config as the source cannot be read: custom-store:app/config: no such key",
      ],
      [
        "no bytes",
        () => Promise.resolve({ version: "7" }),
        "Cannot load config as the source gave no bytes: custom-store:app/config: read() did not return { bytes: Uint8Array }",
      ],
      [
        "a string for bytes",
        () => Promise.resolve({ bytes: "b: 3\n" }),
        "Cannot load config as the source gave no bytes: custom-store:app/config: read() did not return { bytes: Uint8Array }",
      ],
      [
        "null",
        () => Promise.resolve(null),
        "Cannot load config as the source gave no bytes: custom-store:app/config: read() did not return { bytes: Uint8Array }",
      ],
      [
        "more than maxBytes",
        (options) =>
          Promise.resolve({
            bytes: encode(`b: "${"x".repeat(options.maxBytes)}"\n`),
          }),
        "Cannot load config as the content is larger than 64 bytes (70 bytes): custom-store:app/config",
      ],
    ];
    try {
      for (const [what, read, message] of cases) {
        custom.instead = read;
        const result = await coordinator.reload();
        assert.equal(result.status, "load_failed", what);
        assert.equal(result.load_error, message, what);
        assert.deepEqual(result.outcomes, [], `${what}: no hook ran`);
        assert.equal(result.generation, 0, what);
        assert.equal(coordinator.generation(), 0, what);
        assert.deepEqual(coordinator.config.load(), { a: 1, b: 2 }, what);
      }
      assert.ok(custom.reads.every((r) => r.maxBytes === 64));

      custom.instead = undefined;
      custom.text = "b: 3\n";
      const result = await coordinator.reload();
      assert.equal(result.status, "full_success");
      assert.equal(result.generation, 1);
      assert.deepEqual(coordinator.config.load(), { a: 1, b: 3 });
    } finally {
      await coordinator.shutdown();
    }
  });

  test("Coordinator.reload() fails the pass naming a source that gives an unknown format, without quoting it", async () => {
    const custom = memorySource("custom-store:app/config", "b: 2\n");
    const coordinator = await Coordinator.create({ source: custom.source });
    try {
      for (const format of ["ini", "__proto__", "toString", ""]) {
        custom.instead = () =>
          Promise.resolve({ bytes: encode("b: 3\n"), format });
        const result = await coordinator.reload();
        assert.equal(result.status, "load_failed", format);
        assert.equal(
          result.load_error,
          "Cannot load config as the source gave an unknown format: custom-store:app/config: read() returned a format that is not one of yaml, json, toml",
          format,
        );
        assert.deepEqual(coordinator.config.load(), { b: 2 });
      }
    } finally {
      await coordinator.shutdown();
    }
  });

  test("Coordinator.reload() names the first source in layer order when several fail", async () => {
    const first = memorySource("first.yaml", "a: 1\n");
    const second = memorySource("second.yaml", "b: 2\n");
    const coordinator = await Coordinator.create({
      source: [first.source, second.source],
    });
    try {
      const failed = deferred();
      // The second fails first; the error is the first one's all the same.
      second.instead = () => {
        failed.resolve();
        return Promise.reject(new Error("second is down"));
      };
      first.instead = async () => {
        await failed.promise;
        await settle();
        throw new Error("first is down");
      };
      const result = await coordinator.reload();
      assert.equal(result.status, "load_failed");
      assert.equal(
        result.load_error,
        "Cannot load config as the source cannot be read: first.yaml: first is down",
      );
    } finally {
      await coordinator.shutdown();
    }
  });

  test("Coordinator.create() fails to start on a source that cannot be read, naming it", async () => {
    const base = memorySource("base.yaml", "a: 1\n");
    const broken = memorySource("vault:kv/app", "");
    broken.instead = () => Promise.reject(new Error("permission denied"));
    await assert.rejects(
      Coordinator.create({ source: [base.source, broken.source] }),
      (error) => {
        assert.ok(error instanceof LoadError);
        assert.equal(error.path, "vault:kv/app");
        assert.equal(
          error.message,
          "Cannot load config as the source cannot be read: vault:kv/app: permission denied",
        );
        return true;
      },
    );
  });

  test("Coordinator.watch() gives a trigger the sources, what each last held, and a call after every pass", async () => {
    const base = memorySource("base.yaml", "a: 1\n");
    const local = memorySource("local.yaml", "b: 2\n");
    let context: TriggerContext | undefined;
    let passes = 0;
    const coordinator = await Coordinator.create({
      source: [base.source, local.source],
      signals: new ManualSignals(),
      triggers: [{
        name: "probe",
        start(given) {
          context = given;
          const off = given.onPass(() => void passes++);
          return off;
        },
      }],
    });
    const sha = (text: string) =>
      `sha256:${createHash("sha256").update(text).digest("hex")}`;
    try {
      coordinator.watch();
      assert.ok(context !== undefined);
      assert.deepEqual(context.sources(), [base.source, local.source]);
      assert.equal(context.configPath, "base.yaml + local.yaml");
      assert.equal(context.digestOf(base.source), sha("a: 1\n"));
      assert.equal(context.digestOf(local.source), sha("b: 2\n"));

      local.instead = () => Promise.resolve(undefined);
      base.text = "a: 3\n";
      const result = await context.reload();
      assert.equal(result.trigger, "probe");
      assert.equal(passes, 1);
      assert.equal(context.digestOf(base.source), sha("a: 3\n"));
      assert.equal(context.digestOf(local.source), null, "absent");

      local.instead = () => Promise.reject(new Error("gone"));
      await coordinator.reload();
      assert.equal(passes, 2);
      assert.equal(context.digestOf(local.source), undefined, "not read");

      await coordinator.shutdown();
      await coordinator.reload();
      assert.equal(passes, 2, "none after shutdown");
    } finally {
      await coordinator.shutdown();
    }
  });

  test("Coordinator.create() and new Coordinator() refuse configPath and source together", async () => {
    const memory = memorySource("memory.yaml", "a: 1\n");
    await assert.rejects(
      Coordinator.create({ configPath: "config.yaml", source: memory.source }),
      {
        name: "TypeError",
        message:
          "Cannot create the coordinator as both options.configPath and options.source are given: give one",
      },
    );
    assert.throws(
      () =>
        new Coordinator({
          configPath: "config.yaml",
          source: [memory.source],
          config: new AtomicConfig({ a: 1 }),
          load: () => ({ a: 1 }),
        }),
      {
        name: "TypeError",
        message:
          "Cannot create the coordinator as both deps.configPath and deps.source are given: give one",
      },
    );
    assert.deepEqual(memory.reads, [], "nothing was read");
  });

  test("Coordinator.create() merges a file layer with an HTTP layer, and reload() reads both", async () => {
    await using file = await tempConfig(
      "server:\n  port: 8080\n  host: 127.0.0.1\nfeatures: [a, b]\n",
    );
    const remote = {
      body: '{"server": {"port": 9090}, "features": ["c"]}',
      type: "application/json",
    };
    const server = await serve(etagServer(remote));
    const coordinator = await Coordinator.create({
      source: [
        fileSource(file.path),
        httpSource(`${server.origin}/app/overrides`),
      ],
      hooks: [noop],
    });
    try {
      assert.deepEqual(coordinator.config.load(), {
        server: { port: 9090, host: "127.0.0.1" },
        features: ["c"],
      });
      assert.equal(
        coordinator.configPath,
        `${file.path} + ${server.origin}/app/overrides`,
      );

      await file.write("server:\n  port: 8080\n  host: 0.0.0.0\n");
      remote.body = '{"server": {"port": 9191}}';
      const result = await coordinator.reload();
      assert.equal(result.status, "full_success");
      assert.deepEqual(coordinator.config.load(), {
        server: { port: 9191, host: "0.0.0.0" },
      });

      // A file that breaks fails the pass naming the file.
      await file.write("server: [\n");
      const broken = await coordinator.reload();
      assert.equal(broken.status, "load_failed");
      assert.match(broken.load_error ?? "", /not valid YAML/);
      assert.ok(broken.load_error?.includes(file.path));
      assert.equal(coordinator.generation(), 1);
      assert.deepEqual(server.statuses(), [200, 200, 304]);
    } finally {
      await coordinator.shutdown();
      await server.close();
    }
  });
});

// ---------------------------------------------------------------------------
// httpSource() through the coordinator

describe("Coordinator with httpSource()", () => {
  test("Coordinator.create() loads the start-up config from the server", async () => {
    const server = await serve(etagServer({ body: "greeting: hello\n" }));
    try {
      const source = httpSource(
        `${server.origin}/app/config.yaml?token=${QUERY_SECRET}`,
      );
      const coordinator = await Coordinator.create({ source });
      assert.deepEqual(coordinator.config.load(), { greeting: "hello" });
      assert.equal(coordinator.configPath, `${server.origin}/app/config.yaml`);
      assert.equal(coordinator.generation(), 0);
      assert.deepEqual(server.statuses(), [200]);
      assert.equal(
        server.exchanges[0].request.url,
        `/app/config.yaml?token=${QUERY_SECRET}`,
      );
      const metrics = await sourceMetrics(coordinator, source);
      assert.deepEqual(
        { ...metrics, lastSuccess: metrics.lastSuccess! > 0 },
        { changed: 1, unchanged: 0, failed: 0, up: 1, lastSuccess: true },
      );
      await coordinator.shutdown();
    } finally {
      await server.close();
    }
  });

  test("Coordinator.create() parses an HTTP source by its Content-Type, over the URL's ending", async () => {
    const files: Record<string, [type: string, body: string]> = {
      "/json": ["application/json; charset=utf-8", '{"port": 8080}'],
      "/vnd": ["application/vnd.app+json", '{"port": 8081}'],
      "/toml.yaml": ["application/toml", "port = 8082\n"],
      "/yaml.json": ["text/yaml", "port: 8083\n"],
      "/not.yaml": ["application/json", "port: 8084\n"],
    };
    const server = await serve((request, response) => {
      const [type, body] = files[new URL(request.url!, "http://x").pathname];
      response.writeHead(200, { "content-type": type }).end(body);
    });
    try {
      for (
        const [path, port] of [
          ["/json", 8080],
          ["/vnd", 8081],
          ["/toml.yaml", 8082],
          ["/yaml.json", 8083],
        ] as const
      ) {
        const coordinator = await Coordinator.create({
          source: httpSource(`${server.origin}${path}?token=${QUERY_SECRET}`),
        });
        assert.deepEqual(plain(coordinator.config.load()), { port }, path);
        await coordinator.shutdown();
      }
      await assert.rejects(
        Coordinator.create({ source: httpSource(`${server.origin}/not.yaml`) }),
        (error) => {
          assert.ok(error instanceof LoadError);
          assert.match(
            error.message,
            new RegExp(`not valid JSON: ${server.origin}/not\\.yaml`),
          );
          return true;
        },
      );
    } finally {
      await server.close();
    }
  });

  test("Coordinator.create() parses an HTTP source by the URL's ending when the Content-Type names no format", async () => {
    const files: Record<string, string> = {
      "/app/config.toml": "[server]\nport = 8080\n",
      "/app/config.json": '{"server": {"port": 8081}}',
      "/app/config.yaml": "server:\n  port: 8082\n",
      "/app/config": "server:\n  port: 8083\n",
    };
    const server = await serve((request, response) => {
      const { pathname } = new URL(request.url!, "http://x");
      response.writeHead(200, { "content-type": "text/plain" });
      response.end(files[pathname]);
    });
    try {
      for (
        const [path, port] of Object.entries(files).map(([p], i) =>
          [p, 8080 + i] as const
        )
      ) {
        // The query is no part of the name, so it cannot choose the format.
        const coordinator = await Coordinator.create({
          source: httpSource(`${server.origin}${path}?format=.json`),
        });
        assert.deepEqual(
          plain(coordinator.config.load()),
          { server: { port } },
          path,
        );
        await coordinator.shutdown();
      }
      // options.format wins over both.
      const coordinator = await Coordinator.create({
        source: httpSource(`${server.origin}/app/config.json`, {
          format: "yaml",
        }),
      });
      assert.deepEqual(coordinator.config.load(), { server: { port: 8081 } });
      await coordinator.shutdown();
    } finally {
      await server.close();
    }
  });

  test("sourceChanges() polls an HTTP source: a 304 runs no pass, new bytes run one whose read reuses them", async () => {
    const file = { body: "greeting: hello\n" };
    const server = await serve(etagServer(file));
    const clock = fakeTimers();
    const source = httpSource(`${server.origin}/config.yaml`, { every: 1000 });
    const coordinator = await Coordinator.create({
      source,
      hooks: [noop],
      triggers: [sourceChanges({ timers: clock.timers })],
      signals: new ManualSignals(),
    });
    try {
      coordinator.watch();
      assert.deepEqual(clock.delays, [1000]);

      // Nothing changed: a 304, no pass.
      assert.equal(await clock.poll(), 1000);
      assert.equal(await clock.poll(), 1000);
      assert.deepEqual(server.statuses(), [200, 304, 304]);
      assert.deepEqual(coordinator.history(), []);
      assert.equal(coordinator.lastResult(), null);
      let metrics = await sourceMetrics(coordinator, source);
      assert.equal(metrics.unchanged, 2);
      assert.equal(metrics.changed, 1);
      assert.equal(metrics.up, 1);

      // New bytes: one pass, whose read is answered 304.
      file.body = "greeting: hi\n";
      const reloads: string[] = [];
      coordinator.addEventListener("reload", (event) => {
        reloads.push((event as ReloadEvent).result.trigger);
      });
      assert.equal(await clock.poll(), 1000);
      assert.deepEqual(reloads, ["source"]);
      assert.equal(coordinator.history().length, 1);
      assert.equal(coordinator.lastResult()?.status, "full_success");
      assert.equal(coordinator.generation(), 1);
      assert.deepEqual(coordinator.config.load(), { greeting: "hi" });
      assert.deepEqual(server.statuses(), [200, 304, 304, 200, 304]);
      assert.equal(count(server, 200), 2, "each body downloaded once");
      assert.equal(
        server.exchanges[4].request.headers["if-none-match"],
        etagOf("greeting: hi\n"),
      );

      // And the next poll finds nothing new.
      assert.equal(await clock.poll(), 1000);
      assert.equal(coordinator.history().length, 1);
      metrics = await sourceMetrics(coordinator, source);
      assert.deepEqual(
        [metrics.changed, metrics.unchanged, metrics.failed],
        [2, 4, 0],
      );
    } finally {
      await coordinator.shutdown();
      await server.close();
    }
  });

  test("Coordinator.reload() runs a pass on an unchanged HTTP source without downloading it again", async () => {
    const server = await serve(etagServer({ body: "greeting: hello\n" }));
    const source = httpSource(`${server.origin}/config.yaml`);
    const coordinator = await Coordinator.create({ source, hooks: [noop] });
    try {
      const digest = coordinator.digest();
      for (let i = 1; i <= 2; i++) {
        const result = await coordinator.reload();
        assert.equal(result.status, "full_success");
        assert.equal(result.generation, i);
        assert.deepEqual(result.outcomes.map((o) => o.status), ["applied"]);
      }
      assert.deepEqual(coordinator.config.load(), { greeting: "hello" });
      assert.equal(coordinator.digest(), digest);
      assert.deepEqual(server.statuses(), [200, 304, 304]);
      const metrics = await sourceMetrics(coordinator, source);
      assert.deepEqual(
        [metrics.changed, metrics.unchanged, metrics.failed, metrics.up],
        [1, 2, 0, 1],
      );
    } finally {
      await coordinator.shutdown();
      await server.close();
    }
  });

  test("Coordinator.reload() fails on an HTTP source that fails, keeps the old config, and /metrics shows it down until it recovers", async () => {
    let mode = "ok";
    const other = await serve((_request, response) => response.end("a: 9\n"));
    const server = await serve((request, response) => {
      switch (mode) {
        case "500":
          response.writeHead(500).end("internal error");
          break;
        case "silent":
          break; // never answers
        case "big":
          response.writeHead(200, { "content-type": "application/yaml" });
          response.end(`a: 2\n#${"x".repeat(2048)}\n`);
          break;
        case "away":
          response.writeHead(302, {
            location: `${other.origin}/config.yaml`,
          }).end();
          break;
        default:
          etagServer({ body: "a: 1\n" })(request, response);
      }
    });
    const source = httpSource(`${server.origin}/config.yaml`, {
      timeout: 1000,
      maxBytes: 1024,
    });
    const coordinator = await Coordinator.create({ source, hooks: [noop] });
    const name = source.name;
    const cases: [what: string, message: string][] = [
      ["500", `Cannot load config as the server answered 500: ${name}`],
      [
        "refused",
        `Cannot load config as the connection was refused (ECONNREFUSED): ${name}`,
      ],
      [
        "silent",
        `Cannot load config as the request timed out after 1000 ms: ${name}`,
      ],
      [
        "big",
        `Cannot load config as the response is larger than 1024 bytes: ${name}`,
      ],
      [
        "away",
        `Cannot load config as the server redirected to another origin: ${name}: ${other.origin}`,
      ],
    ];
    try {
      let failed = 0;
      let generation = 0;
      for (const [what, message] of cases) {
        if (what === "refused") await server.stop();
        else mode = what;
        const result = await coordinator.reload();
        failed++;
        assert.equal(result.status, "load_failed", what);
        assert.equal(result.load_error, message, what);
        assert.equal(result.generation, generation, what);
        assert.equal(coordinator.generation(), generation, what);
        assert.deepEqual(coordinator.config.load(), { a: 1 }, what);
        let metrics = await sourceMetrics(coordinator, source);
        assert.equal(metrics.up, 0, what);
        assert.equal(metrics.failed, failed, what);
        const text = await get(coordinator, "/metrics");
        assert.equal(
          sample(text, "hup_reload_config_last_reload_successful"),
          0,
          what,
        );
        assert.equal(
          sample(text, "hup_reload_passes_total", { status: "load_failed" }),
          failed,
          what,
        );

        mode = "ok";
        await server.start(); // after "refused"
        const recovered = await coordinator.reload();
        assert.equal(recovered.status, "full_success", what);
        generation++;
        assert.equal(recovered.generation, generation, what);
        metrics = await sourceMetrics(coordinator, source);
        assert.equal(metrics.up, 1, what);
        assert.equal(metrics.failed, failed, what);
        assert.ok(metrics.lastSuccess! > 0, what);
      }
      assert.equal(other.exchanges.length, 0, "nothing sent to another origin");
      // The config was downloaded once (the other 200 is the large one):
      // every recovery was a 304.
      assert.equal(count(server, 200), 2);
      assert.equal(count(server, 304), cases.length);
    } finally {
      await coordinator.shutdown();
      await server.close();
      await other.close();
    }
  });

  test("sourceChanges() runs the pass again once the server recovers, when the pass a change asked for could not read it", async () => {
    const file = { body: "greeting: hello\n" };
    let failNext = false;
    const serveFile = etagServer(file);
    const server = await serve((request, response) => {
      if (failNext) {
        failNext = false;
        response.writeHead(503).end();
        return;
      }
      serveFile(request, response);
      // The server goes down right after it served the new body.
      failNext = file.body !== "greeting: hello\n" &&
        response.statusCode === 200;
    });
    const clock = fakeTimers();
    const source = httpSource(`${server.origin}/config.yaml`, { every: 1000 });
    const coordinator = await Coordinator.create({
      source,
      hooks: [noop],
      triggers: [sourceChanges({ timers: clock.timers })],
      signals: new ManualSignals(),
    });
    try {
      coordinator.watch();
      file.body = "greeting: hi\n";
      assert.equal(await clock.poll(), 1000);
      assert.deepEqual(server.statuses(), [200, 200, 503]);
      assert.equal(coordinator.lastResult()?.status, "load_failed");
      assert.equal(
        coordinator.lastResult()?.load_error,
        `Cannot load config as the server answered 503: ${source.name}`,
      );
      assert.deepEqual(coordinator.config.load(), { greeting: "hello" });

      // The poll finds what it already downloaded (a 304), which the config
      // in effect does not hold yet: a pass reads it, without downloading
      // it again.
      assert.equal(await clock.poll(), 1000);
      assert.deepEqual(server.statuses(), [200, 200, 503, 304, 304]);
      assert.equal(coordinator.history().length, 2);
      assert.equal(coordinator.lastResult()?.status, "full_success");
      assert.deepEqual(coordinator.config.load(), { greeting: "hi" });

      // Once read, the same content asks for no more passes.
      assert.equal(await clock.poll(), 1000);
      assert.equal(coordinator.history().length, 2);
    } finally {
      await coordinator.shutdown();
      await server.close();
    }
  });

  test("sourceChanges() runs no pass when a poll fails, and /metrics shows the source down until a poll succeeds", async () => {
    let failing = false;
    const server = await serve((request, response) => {
      if (failing) response.writeHead(503).end();
      else etagServer({ body: "a: 1\n" })(request, response);
    });
    const clock = fakeTimers();
    const source = httpSource(`${server.origin}/config.yaml`, { every: 1000 });
    await using logs = await captureLogs();
    const coordinator = await Coordinator.create({
      source,
      triggers: [sourceChanges({ timers: clock.timers })],
      signals: new ManualSignals(),
    });
    try {
      coordinator.watch();
      failing = true;
      assert.equal(await clock.poll(), 2000, "backing off");
      assert.equal(await clock.poll(), 4000);
      assert.deepEqual(coordinator.history(), []);
      let metrics = await sourceMetrics(coordinator, source);
      assert.deepEqual([metrics.up, metrics.failed], [0, 2]);
      assert.equal(
        logs.records.filter((r) => r.level === "warning").length,
        1,
        "one warning when polls start failing",
      );

      failing = false;
      assert.equal(await clock.poll(), 1000);
      assert.deepEqual(coordinator.history(), [], "the content is the same");
      metrics = await sourceMetrics(coordinator, source);
      assert.deepEqual(
        [metrics.up, metrics.failed, metrics.unchanged],
        [1, 2, 1],
      );
      assert.deepEqual(coordinator.config.load(), { a: 1 });
    } finally {
      await coordinator.shutdown();
      await server.close();
    }
  });
});

// ---------------------------------------------------------------------------
// Secrets

test("no output shows an HTTP source's bearer token or query token, whatever fails", async () => {
  let mode = "ok";
  const other = await serve((_request, response) => response.end("a: 9\n"));
  const server = await serve((request, response) => {
    // The secrets arrive, and an unauthorised request is refused.
    const url = new URL(request.url!, "http://x");
    if (
      request.headers.authorization !== `Bearer ${HEADER_SECRET}` ||
      url.searchParams.get("token") !== QUERY_SECRET
    ) {
      response.writeHead(401).end();
      return;
    }
    // Each failure echoes the secrets back, in headers and body.
    const echo = {
      "x-echo": HEADER_SECRET,
      "www-authenticate": `Bearer ${HEADER_SECRET}`,
    };
    switch (mode) {
      case "500":
        response.writeHead(500, echo).end(`${HEADER_SECRET} ${QUERY_SECRET}`);
        break;
      case "403":
        response.writeHead(403, echo).end(request.url);
        break;
      case "silent":
        break;
      case "big":
        response.writeHead(200, { ...echo, "content-length": "4096" });
        response.flushHeaders();
        break;
      case "endless": {
        response.writeHead(200, echo);
        const chunk = `# ${HEADER_SECRET}\n`.repeat(64);
        const pump = () => {
          while (!response.destroyed && response.write(chunk));
        };
        response.on("drain", pump);
        pump();
        break;
      }
      case "away":
        response.writeHead(302, {
          location: `${other.origin}/${HEADER_SECRET}?token=${QUERY_SECRET}`,
        }).end();
        break;
      case "loop":
        response.writeHead(307, {
          location: `/config.yaml?token=${QUERY_SECRET}&n=${Math.random()}`,
        }).end();
        break;
      case "not-http":
        response.writeHead(302, {
          location: `ftp://user:${HEADER_SECRET}@host/?token=${QUERY_SECRET}`,
        }).end();
        break;
      case "bad-location":
        response.writeHead(302, { location: `http://[${HEADER_SECRET}` })
          .end();
        break;
      case "bad-yaml":
        response.writeHead(200, { "content-type": "application/yaml" });
        response.end("a: [\n");
        break;
      default:
        etagServer({ body: "a: 1\n" })(request, response);
    }
  });
  const clock = fakeTimers();
  await using logs = await captureLogs();
  const source: HttpSource = httpSource(
    `${server.origin}/config.yaml?token=${QUERY_SECRET}`,
    {
      headers: { authorization: `Bearer ${HEADER_SECRET}` },
      timeout: 1000,
      maxBytes: 1024,
      every: 1000,
    },
  );
  const coordinator = await Coordinator.create({
    source,
    hooks: [noop],
    triggers: [sourceChanges({ timers: clock.timers })],
    signals: new ManualSignals(),
  });
  try {
    coordinator.watch();
    const modes: Record<string, string> = {
      "500": "the server answered 500",
      "403": "the server answered 403",
      refused: "the connection was refused (ECONNREFUSED)",
      silent: "the request timed out after 1000 ms",
      big: "the response is larger than 1024 bytes",
      endless: "the response is larger than 1024 bytes",
      away: "the server redirected to another origin",
      loop: "the server redirected more than 5 times",
      "not-http": "the server redirected to a URL that is not http: or https:",
      "bad-location": "the server redirected to an invalid URL",
      "bad-yaml": "the file is not valid YAML",
    };
    for (const [what, reason] of Object.entries(modes)) {
      if (what === "refused") await server.stop();
      else mode = what;
      // An explicit reload, then a poll (which logs its own failure).
      const result = await coordinator.reload();
      assert.equal(result.status, "load_failed", what);
      assert.ok(
        result.load_error?.startsWith(
          `Cannot load config as ${reason}: ${source.name}`,
        ),
        `${what}: ${result.load_error}`,
      );
      await clock.poll();
      assertNoSecret(await everyOutput(coordinator, logs.records), what);
      assertNoSecret(JSON.stringify(source.stats()), `${what}: the stats`);

      mode = "ok";
      await server.start();
      const recovered = await coordinator.reload();
      assert.equal(recovered.status, "full_success", what);
      await clock.poll();
      assertNoSecret(await everyOutput(coordinator, logs.records), what);
    }
    const output = await everyOutput(coordinator, logs.records);
    assert.ok(output.includes(source.name), "the outputs name the source");
    assert.ok(
      logs.records.some((r) => r.level === "warning"),
      "the failed polls were logged",
    );
    assert.ok(
      server.exchanges.every(({ response }) => response.statusCode !== 401),
      "every request carried both tokens",
    );
    assert.equal(other.exchanges.length, 0);

    // At start-up, too: the LoadError.
    mode = "500";
    const error = await Coordinator.create({
      source: httpSource(`${server.origin}/config.yaml?token=${QUERY_SECRET}`, {
        headers: { authorization: `Bearer ${HEADER_SECRET}` },
      }),
    }).then(() => assert.fail("expected a LoadError"), (e: Error) => e);
    assert.ok(error instanceof LoadError);
    assertNoSecret(
      `${error.message}\n${JSON.stringify(error)}\n${String(error.cause)}`,
      "the LoadError",
    );
  } finally {
    await coordinator.shutdown();
    await server.close();
    await other.close();
  }
});

// ---------------------------------------------------------------------------
// Shutdown

describe("sourceChanges() after Coordinator.shutdown()", () => {
  test("sourceChanges() leaves no timer and sends no request once the coordinator shuts down", async () => {
    await using file = await tempConfig("a: 1\n");
    const server = await serve(etagServer({ body: '{"b": 2}' }));
    const clock = fakeTimers();
    const coordinator = await Coordinator.create({
      source: [
        fileSource(file.path),
        httpSource(`${server.origin}/b.json`, { every: 500 }),
      ],
      triggers: [sourceChanges({ timers: clock.timers })],
      signals: new ManualSignals(),
    });
    try {
      coordinator.watch();
      assert.equal(await clock.poll(), 500);
      assert.equal(server.exchanges.length, 2);
      await coordinator.shutdown();
      assert.equal(clock.pending.size, 0);
      await settle();
      assert.equal(server.exchanges.length, 2);
      assert.deepEqual(clock.delays, [500, 500]);
      await coordinator.shutdown(); // again: nothing
      assert.equal(clock.pending.size, 0);
    } finally {
      await coordinator.shutdown();
      await server.close();
    }
  });

  test("sourceChanges() aborts a poll in flight at shutdown and schedules nothing after it", async () => {
    let silent = false;
    const server = await serve((request, response) => {
      if (!silent) etagServer({ body: "a: 1\n" })(request, response);
    });
    const clock = fakeTimers();
    const source = httpSource(`${server.origin}/config.yaml`);
    const coordinator = await Coordinator.create({
      source,
      triggers: [sourceChanges({ timers: clock.timers })],
      signals: new ManualSignals(),
    });
    try {
      coordinator.watch();
      silent = true;
      const arrived = server.nextRequest();
      clock.fire();
      await arrived;
      const { response } = server.exchanges.at(-1)!;
      const closed = new Promise((resolve) => response.on("close", resolve));
      await coordinator.shutdown();
      await closed; // the client gave the request up
      await settle();
      assert.equal(clock.pending.size, 0);
      assert.equal(clock.delays.length, 1);
      assert.equal(server.exchanges.length, 2);
      assert.deepEqual(coordinator.history(), []);
      assert.deepEqual(
        source.stats().requests,
        { changed: 1, unchanged: 0, failed: 0 },
        "an aborted poll is no failure",
      );
    } finally {
      await server.close();
    }
  });

  test("sourceChanges() schedules no poll after a pass that shutdown waited for", async () => {
    const file = { body: "a: 1\n" };
    const server = await serve(etagServer(file));
    const clock = fakeTimers();
    const checking = deferred();
    const release = deferred();
    const coordinator = await Coordinator.create({
      source: httpSource(`${server.origin}/config.yaml`),
      hooks: [{
        name: "slow",
        // Held by the test, which starts once create() has returned.
        checkOnStart: false,
        async check() {
          checking.resolve();
          await release.promise;
        },
        apply: () => HookStatus.Applied,
      }],
      triggers: [sourceChanges({ timers: clock.timers })],
      signals: new ManualSignals(),
    });
    try {
      coordinator.watch();
      file.body = "a: 2\n";
      clock.fire();
      await checking.promise;
      const done = coordinator.shutdown();
      release.resolve();
      await done;
      await settle();
      assert.equal(coordinator.lastResult()?.status, "full_success");
      assert.deepEqual(coordinator.config.load(), { a: 2 });
      assert.equal(clock.pending.size, 0);
      assert.equal(clock.delays.length, 1, "only the first poll was scheduled");
      assert.deepEqual(server.statuses(), [200, 200, 304]);
    } finally {
      release.resolve();
      await coordinator.shutdown();
      await server.close();
    }
  });
});
