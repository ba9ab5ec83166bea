// etcdSource(): options checked at call time, bounded reads of a server
// that never answers, and then a real etcd (HUP_ETCD, else `etcd` on the
// PATH), one per test, written to through its JSON gateway: reads, the
// watch and its calls, deletes, a server stopped and started again, a
// connection cut while the key changes and is compacted, authentication,
// and a child process that must exit once its watch stops. Without an etcd
// binary, those tests are skipped and one line says so. Last, a
// coordinator whose config lives in etcd, followed by sourceChanges().
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createServer, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import process from "node:process";
import { fileURLToPath } from "node:url";
import type { LogRecord } from "@logtape/logtape";
import { z } from "zod";
import { Coordinator } from "hup-reload";
import { metricsText } from "hup-reload/http";
import { nextReload } from "hup-reload/testing";
import { sourceChanges } from "hup-reload/watch";
import { type EtcdSource, etcdSource } from "../etcd.ts";
import { LoadError } from "../src/errors.ts";
import { CutProxy, EtcdServer, findEtcd, freePorts, NO_ETCD } from "./_etcd.ts";
import { captureLogs, jsonLines } from "./_helpers.ts";

const etcdBinary = await findEtcd();
if (etcdBinary === undefined) console.log(NO_ETCD);
const withEtcd = {
  skip: etcdBinary === undefined ? "no etcd binary" : false,
  timeout: 60_000,
};
const startEtcd = () => EtcdServer.start(etcdBinary!);

const MAX_BYTES = 1024 * 1024;
const SECRET_VALUE = "api_token: value-that-must-stay-secret-4b1d\n";
const PASSWORD = "password-that-must-stay-secret-9e7c";
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/** Captured logs, and a promise for the first record that matches. */
async function logs() {
  const waiters = new Set<() => void>();
  const captured = await captureLogs(() => {
    for (const look of [...waiters]) look();
  });
  const until = (match: (record: LogRecord) => boolean) =>
    new Promise<LogRecord>((resolve) => {
      const look = () => {
        const found = captured.records.find(match);
        if (found === undefined) return;
        waiters.delete(look);
        resolve(found);
      };
      waiters.add(look);
      look();
    });
  return Object.assign(captured, { until });
}

/** A record's message and properties, as one string. */
const recordText = (record: LogRecord) =>
  `${record.message.join("")} ${JSON.stringify(record.properties)}`;

/** The debug record of a watch answering with the key compared. */
const watching = (record: LogRecord) =>
  record.level === "debug" &&
  String(record.rawMessage).startsWith("Watching the etcd key from revision");

/** The debug record of the watch hearing of a change at `revision`. */
const heard = (revision: string) => (record: LogRecord) =>
  record.level === "debug" && record.properties.revision === revision &&
  String(record.rawMessage).startsWith("The etcd key was");

/**
 * An onChange that does what a reload pass does, read the source, and
 * records when it was called and which version (or error) each read saw.
 * `before` and `after` may hold a call, before and after its read.
 */
function passes(
  source: EtcdSource,
  gates: {
    before?: (call: number) => Promise<void> | void;
    after?: (call: number) => Promise<void> | void;
    read?: boolean;
  } = {},
) {
  const times: number[] = [];
  const seen: string[] = [];
  const waiters = new Set<() => void>();
  const wake = () => {
    for (const look of [...waiters]) look();
  };
  const onChange = async () => {
    const call = times.push(performance.now());
    wake();
    await gates.before?.(call);
    if (gates.read !== false) {
      try {
        seen.push((await source.read({ maxBytes: MAX_BYTES })).version!);
      } catch (error) {
        seen.push(
          error instanceof LoadError ? `LoadError: ${error.message}` : "other",
        );
      }
      wake();
    }
    await gates.after?.(call);
  };
  const waitUntil = (done: () => boolean) =>
    new Promise<void>((resolve) => {
      const look = () => {
        if (!done()) return;
        waiters.delete(look);
        resolve();
      };
      waiters.add(look);
      look();
    });
  return {
    onChange,
    times,
    seen,
    /** Resolves once `count` calls have begun. */
    calls: (count: number) => waitUntil(() => times.length >= count),
    /** Resolves once a read saw `version` (or this error message). */
    saw: (version: string) => waitUntil(() => seen.includes(version)),
  };
}

/** A promise and the function that resolves it. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => open = resolve);
  return { opened, open };
}

/** Catches unhandled rejections and uncaught exceptions until disposed. */
function strayErrors() {
  const errors: unknown[] = [];
  const record = (error: unknown) => errors.push(error);
  process.on("unhandledRejection", record);
  process.on("uncaughtException", record);
  return Object.assign(errors, {
    [Symbol.dispose]() {
      process.off("unhandledRejection", record);
      process.off("uncaughtException", record);
    },
  });
}

// ---------------------------------------------------------------- no etcd

test("etcdSource() refuses bad options with a TypeError naming the option", () => {
  const hosts = "http://127.0.0.1:2379";
  const refused: [unknown, string][] = [
    [undefined, "options is not an object"],
    [
      { hosts: 2379, key: "k" },
      "options.hosts is not a string or an array of strings",
    ],
    [{ hosts: [], key: "k" }, "options.hosts is empty"],
    [
      { hosts: [hosts, ""], key: "k" },
      "options.hosts[1] is not a non-empty string",
    ],
    [
      { hosts: `http://root:${PASSWORD}@127.0.0.1:2379`, key: "k" },
      "options.hosts holds user info; give credentials in options.auth",
    ],
    [
      { hosts: [hosts, "https://127.0.0.1:2380"], key: "k" },
      "options.hosts mixes https:// hosts with others",
    ],
    [{ hosts }, "options.key is not a non-empty string"],
    [{ hosts, key: "" }, "options.key is not a non-empty string"],
    [
      { hosts, key: "k", format: "xml" },
      "options.format is not one of yaml, json, toml",
    ],
    [{ hosts, key: "k", auth: "root" }, "options.auth is not an object"],
    [
      { hosts, key: "k", auth: { username: "", password: PASSWORD } },
      "options.auth.username is not a non-empty string",
    ],
    [
      { hosts, key: "k", auth: { username: "root" } },
      "options.auth.password is not a string",
    ],
    [
      { hosts, key: "k", credentials: { rootCertificate: "-----BEGIN" } },
      "options.credentials.rootCertificate is not a Uint8Array",
    ],
    [
      {
        hosts,
        key: "k",
        credentials: { rootCertificate: new Uint8Array(), privateKey: "k" },
      },
      "options.credentials.privateKey is not a Uint8Array",
    ],
    [
      { hosts, key: "k", timeout: 0 },
      "options.timeout is not a positive number of milliseconds",
    ],
    [
      { hosts, key: "k", timeout: NaN },
      "options.timeout is not a positive number of milliseconds",
    ],
    [
      { hosts, key: "k", timeout: "5000" },
      "options.timeout is not a positive number of milliseconds",
    ],
  ];
  for (const [options, what] of refused) {
    assert.throws(
      () => etcdSource(options as Parameters<typeof etcdSource>[0]),
      (error: Error) => {
        assert.ok(error instanceof TypeError, what);
        assert.equal(error.message, `Cannot create the etcd source as ${what}`);
        assert.ok(!error.message.includes(PASSWORD));
        return true;
      },
    );
  }
  for (const timeout of [2 ** 31, Infinity]) {
    assert.throws(() => etcdSource({ hosts, key: "k", timeout }), RangeError);
  }
});

test("etcdSource() names the source etcd:<key> and keeps the password out of it", () => {
  const source = etcdSource({
    hosts: ["http://127.0.0.1:2379", "http://127.0.0.1:22379"],
    key: "/app/config.json",
    auth: { username: "app", password: PASSWORD },
    credentials: { rootCertificate: new TextEncoder().encode("PEM") },
  });
  assert.equal(source.name, "etcd:/app/config.json");
  assert.equal(typeof source.watch, "function");
  const shown = JSON.stringify(source) + String(source);
  assert.ok(!shown.includes(PASSWORD), shown);
  assert.deepEqual(source.stats(), {
    requests: { changed: 0, unchanged: 0, failed: 0 },
    consecutiveFailures: 0,
    lastSuccessAt: null,
  });
});

test("EtcdSource.read() fails with a LoadError after options.timeout when etcd never answers", async () => {
  // A server that takes connections and never says a word.
  const sockets = new Set<Socket>();
  const silent = createServer((socket) => {
    socket.on("error", () => {});
    sockets.add(socket);
  });
  silent.listen(0, "127.0.0.1");
  await once(silent, "listening");
  const { port } = silent.address() as AddressInfo;
  try {
    const source = etcdSource({
      hosts: `http://127.0.0.1:${port}`,
      key: "app.yaml",
      timeout: 300,
      auth: { username: "app", password: PASSWORD },
    });
    const started = performance.now();
    await assert.rejects(source.read({ maxBytes: MAX_BYTES }), (error) => {
      assert.ok(error instanceof LoadError);
      assert.equal(
        error.message,
        "Cannot load config as etcd cannot be reached: etcd:app.yaml: no answer within 300 ms",
      );
      assert.equal(error.path, "etcd:app.yaml");
      return true;
    });
    const elapsed = performance.now() - started;
    assert.ok(elapsed >= 250 && elapsed < 2300, `gave up after ${elapsed} ms`);
    const stats = source.stats();
    assert.deepEqual(stats.requests, { changed: 0, unchanged: 0, failed: 1 });
    assert.equal(stats.consecutiveFailures, 1);
  } finally {
    for (const socket of sockets) socket.destroy();
    silent.close();
  }
});

test("EtcdSource.read() fails at once with a LoadError when nothing listens", async () => {
  const [port] = await freePorts(1);
  const source = etcdSource({
    hosts: `127.0.0.1:${port}`,
    key: "app.yaml",
    auth: { username: "app", password: PASSWORD },
  });
  const started = performance.now();
  for (let i = 1; i <= 2; i++) {
    await assert.rejects(source.read({ maxBytes: MAX_BYTES }), (error) => {
      assert.ok(error instanceof LoadError);
      assert.match(
        error.message,
        /^Cannot load config as etcd cannot be reached: etcd:app\.yaml: /,
      );
      assert.ok(!error.message.includes(PASSWORD), error.message);
      return true;
    });
  }
  const elapsed = performance.now() - started;
  assert.ok(elapsed < 5000, `failed after ${elapsed} ms`);
  assert.equal(source.stats().consecutiveFailures, 2);
});

// ---------------------------------------------------------------- real etcd

test(
  "EtcdSource.read() gives the value as bytes and its mod revision as version",
  withEtcd,
  async () => {
    await using server = await startEtcd();
    const revision = await server.put("app/config.yaml", "greeting: hello\n");
    const source = etcdSource({
      hosts: server.endpoint,
      key: "app/config.yaml",
    });
    const content = await source.read({ maxBytes: MAX_BYTES });
    assert.equal(text(content.bytes), "greeting: hello\n");
    assert.equal(content.version, revision);
    assert.equal(content.format, undefined, "the name's ending decides");
    assert.equal(
      (await source.read({ maxBytes: MAX_BYTES })).version,
      revision,
    );

    const stats = source.stats();
    assert.deepEqual(stats.requests, { changed: 1, unchanged: 1, failed: 0 });
    assert.equal(stats.consecutiveFailures, 0);
    assert.ok(Date.parse(stats.lastSuccessAt!) <= Date.now());

    await server.put("app/config", '{"greeting": "hi"}');
    const json = etcdSource({
      hosts: [server.endpoint],
      key: "app/config",
      format: "json",
    });
    const read = await json.read({ maxBytes: MAX_BYTES });
    assert.equal(read.format, "json");
    assert.equal(text(read.bytes), '{"greeting": "hi"}');
  },
);

test(
  "EtcdSource.read() refuses a missing key and a value over maxBytes, quoting nothing of the value",
  withEtcd,
  async () => {
    await using server = await startEtcd();
    await server.put("secret.yaml", SECRET_VALUE);
    const source = etcdSource({ hosts: server.endpoint, key: "secret.yaml" });
    await assert.rejects(source.read({ maxBytes: 10 }), (error) => {
      assert.ok(error instanceof LoadError);
      assert.equal(
        error.message,
        `Cannot load config as the value is larger than 10 bytes (${SECRET_VALUE.length} bytes): etcd:secret.yaml`,
      );
      return true;
    });
    const missing = etcdSource({ hosts: server.endpoint, key: "missing.yaml" });
    await assert.rejects(missing.read({ maxBytes: MAX_BYTES }), (error) => {
      assert.ok(error instanceof LoadError);
      assert.equal(
        error.message,
        "Cannot load config as the key does not exist in etcd: etcd:missing.yaml",
      );
      return true;
    });
    assert.equal(source.stats().requests.failed, 1);
    assert.equal(missing.stats().consecutiveFailures, 1);
    assert.equal(missing.stats().lastSuccessAt, null);
  },
);

test(
  "EtcdSource.watch() calls onChange after a put, and the next read() sees its value and revision",
  withEtcd,
  async () => {
    await using server = await startEtcd();
    await using log = await logs();
    await server.put("app.yaml", "n: 1\n");
    const source = etcdSource({ hosts: server.endpoint, key: "app.yaml" });
    await source.read({ maxBytes: MAX_BYTES });
    const recorded = passes(source);
    const stop = source.watch(recorded.onChange);
    try {
      await log.until(watching);
      const revision = await server.put("app.yaml", "n: 2\n");
      await recorded.saw(revision);
      assert.deepEqual(recorded.seen, [revision]);
      const content = await source.read({ maxBytes: MAX_BYTES });
      assert.equal(text(content.bytes), "n: 2\n");
      assert.equal(content.version, revision);
      // Reads: the first, onChange's (changed) and this one; and the
      // watch's re-read when it connected.
      assert.deepEqual(source.stats().requests, {
        changed: 2,
        unchanged: 2,
        failed: 0,
      });
    } finally {
      stop();
    }
  },
);

test(
  "EtcdSource.watch() calls onChange when the key changed between read() and the watch",
  withEtcd,
  async () => {
    await using server = await startEtcd();
    await server.put("app.yaml", "n: 1\n");
    const source = etcdSource({ hosts: server.endpoint, key: "app.yaml" });
    await source.read({ maxBytes: MAX_BYTES });
    const revision = await server.put("app.yaml", "n: 2\n");
    const recorded = passes(source);
    const stop = source.watch(recorded.onChange);
    try {
      await recorded.saw(revision);
      assert.deepEqual(recorded.seen, [revision]);
    } finally {
      stop();
    }
  },
);

test(
  "EtcdSource.watch() turns the puts made during a slow onChange into one more call",
  withEtcd,
  async () => {
    await using server = await startEtcd();
    await using log = await logs();
    await server.put("app.yaml", "n: 0\n");
    const source = etcdSource({ hosts: server.endpoint, key: "app.yaml" });
    await source.read({ maxBytes: MAX_BYTES });
    const slow = gate();
    // The first call reads, then takes its time (a slow hook).
    const recorded = passes(source, {
      after: (call) => call === 1 ? slow.opened : undefined,
    });
    const stop = source.watch(recorded.onChange);
    try {
      await log.until(watching);
      const first = await server.put("app.yaml", "n: 1\n");
      await recorded.saw(first);
      let last = "";
      for (let n = 2; n <= 6; n++) {
        last = await server.put("app.yaml", `n: ${n}\n`);
      }
      await log.until(heard(last));
      assert.equal(recorded.times.length, 1, "calls never overlap");
      slow.open();
      await recorded.saw(last);
      // A put after the burst: its call comes next, with none between.
      const probe = await server.put("app.yaml", "n: 7\n");
      await recorded.saw(probe);
      assert.deepEqual(recorded.seen, [first, last, probe]);
    } finally {
      stop();
    }
  },
);

test(
  "EtcdSource.watch() makes no more call for puts that onChange's own read already saw",
  withEtcd,
  async () => {
    await using server = await startEtcd();
    await using log = await logs();
    await server.put("app.yaml", "n: 0\n");
    const source = etcdSource({ hosts: server.endpoint, key: "app.yaml" });
    await source.read({ maxBytes: MAX_BYTES });
    const slow = gate();
    // The first call waits, then reads: it sees the whole burst.
    const recorded = passes(source, {
      before: (call) => call === 1 ? slow.opened : undefined,
    });
    const stop = source.watch(recorded.onChange);
    try {
      await log.until(watching);
      await server.put("app.yaml", "n: 1\n");
      await recorded.calls(1);
      let last = "";
      for (let n = 2; n <= 6; n++) {
        last = await server.put("app.yaml", `n: ${n}\n`);
      }
      await log.until(heard(last));
      slow.open();
      await recorded.saw(last);
      const probe = await server.put("app.yaml", "n: 7\n");
      await recorded.saw(probe);
      assert.deepEqual(recorded.seen, [last, probe]);
    } finally {
      stop();
    }
  },
);

test(
  "EtcdSource.watch() calls onChange after a delete, and read() then throws a LoadError",
  withEtcd,
  async () => {
    await using server = await startEtcd();
    await using log = await logs();
    await server.put("app.yaml", SECRET_VALUE);
    const source = etcdSource({ hosts: server.endpoint, key: "app.yaml" });
    await source.read({ maxBytes: MAX_BYTES });
    const recorded = passes(source);
    const stop = source.watch(recorded.onChange);
    try {
      await log.until(watching);
      await server.delete("app.yaml");
      const missing =
        "LoadError: Cannot load config as the key does not exist in etcd: etcd:app.yaml";
      await recorded.saw(missing);
      assert.deepEqual(recorded.seen, [missing]);
      // Put back, it is read again.
      const revision = await server.put("app.yaml", "n: 1\n");
      await recorded.saw(revision);
      assert.deepEqual(recorded.seen, [missing, revision]);
      for (const record of log.records) {
        assert.ok(!recordText(record).includes("must-stay-secret"));
      }
    } finally {
      stop();
    }
  },
);

test(
  "EtcdSource.watch() logs what onChange throws and goes on watching",
  withEtcd,
  async () => {
    await using server = await startEtcd();
    await using log = await logs();
    using stray = strayErrors();
    await server.put("app.yaml", "n: 1\n");
    const source = etcdSource({ hosts: server.endpoint, key: "app.yaml" });
    await source.read({ maxBytes: MAX_BYTES });
    const recorded = passes(source, {
      after: (call) => {
        if (call === 1) throw new Error("the hook failed");
        return call === 2 ? Promise.reject(new Error("later")) : undefined;
      },
    });
    const stop = source.watch(recorded.onChange);
    try {
      await log.until(watching);
      const revisions: string[] = [];
      for (let n = 2; n <= 4; n++) {
        const revision = await server.put("app.yaml", `n: ${n}\n`);
        revisions.push(revision);
        await recorded.saw(revision);
      }
      assert.deepEqual(recorded.seen, revisions);
      const failed = log.records.filter((r) => r.level === "error");
      assert.deepEqual(failed.map((r) => r.properties.error), [
        "the hook failed",
        "later",
      ]);
      assert.deepEqual([...stray], []);
    } finally {
      stop();
    }
  },
);

test(
  "EtcdSource.watch() survives etcd stopping and picks up a put made while it was away",
  withEtcd,
  async () => {
    await using server = await startEtcd();
    await using log = await logs();
    using stray = strayErrors();
    const key = "app.yaml";
    await server.put(key, SECRET_VALUE);
    const source = etcdSource({ hosts: server.endpoint, key, timeout: 1000 });
    await source.read({ maxBytes: MAX_BYTES });
    const recorded = passes(source);
    const stop = source.watch(recorded.onChange);
    try {
      await log.until(watching);
      await server.stop();
      const lost = await log.until((r) => r.level === "warning");
      assert.match(
        String(lost.rawMessage),
        /^Cannot watch the etcd key, keeping the config and reconnecting/,
      );
      assert.equal(lost.properties.source, "etcd:app.yaml");

      const started = performance.now();
      await assert.rejects(source.read({ maxBytes: MAX_BYTES }), (error) => {
        assert.ok(error instanceof LoadError);
        assert.match(
          error.message,
          /^Cannot load config as etcd cannot be reached: etcd:app\.yaml: /,
        );
        return true;
      });
      const elapsed = performance.now() - started;
      assert.ok(elapsed < 1000 + 1000, `failed after ${elapsed} ms`);
      assert.deepEqual(recorded.seen, [], "a lost connection calls nothing");

      await server.restart();
      const revision = await server.put(key, "n: 2\n");
      await recorded.saw(revision);
      await log.until((r) =>
        String(r.rawMessage).startsWith("Watching the etcd key again")
      );
      const warnings = log.records.filter((r) => r.level === "warning");
      assert.equal(warnings.length, 1, warnings.map(recordText).join("\n"));
      assert.ok(!log.records.some((r) => r.level === "error"));
      for (const record of log.records) {
        assert.ok(!recordText(record).includes("must-stay-secret"));
      }
      assert.deepEqual([...stray], []);
    } finally {
      stop();
    }
  },
);

test(
  "EtcdSource.watch() re-reads the key after a cut connection, even once etcd compacted what it missed",
  withEtcd,
  async () => {
    await using server = await startEtcd();
    await using proxy = await CutProxy.start(server.endpoint);
    await using log = await logs();
    using stray = strayErrors();
    await server.put("app.yaml", "n: 1\n");
    const source = etcdSource({ hosts: proxy.endpoint, key: "app.yaml" });
    await source.read({ maxBytes: MAX_BYTES });
    const recorded = passes(source);
    const stop = source.watch(recorded.onChange);
    try {
      await log.until(watching);
      proxy.cut();
      await log.until((r) => r.level === "warning");
      // Changed twice while away, and the history compacted: the watch cannot
      // resume where it was; the re-read on reconnecting finds the change.
      await server.put("app.yaml", "n: 2\n");
      const revision = await server.put("app.yaml", "n: 3\n");
      await server.compact(revision);
      proxy.restore();
      await recorded.saw(revision);
      assert.deepEqual(recorded.seen, [revision]);
      // etcd then cancels the watch that resumed from a compacted revision;
      // a new one is made, and hears the next put.
      const cancelled = await log.until((r) =>
        String(r.rawMessage).startsWith("etcd cancelled the watch")
      );
      const after = log.records.indexOf(cancelled);
      await log.until((r) => watching(r) && log.records.indexOf(r) > after);
      const next = await server.put("app.yaml", "n: 4\n");
      await recorded.saw(next);
      assert.deepEqual(recorded.seen, [revision, next]);
      assert.deepEqual([...stray], []);
    } finally {
      stop();
    }
  },
);

test(
  "EtcdSource.read() and watch() authenticate, and no message or log holds the password or the value",
  withEtcd,
  async () => {
    await using server = await startEtcd();
    await using log = await logs();
    await server.put("app.yaml", SECRET_VALUE);
    await server.enableAuth(PASSWORD);
    const source = (username: string, password: string) =>
      etcdSource({
        hosts: server.endpoint,
        key: "app.yaml",
        auth: { username, password },
      });

    const root = source("root", PASSWORD);
    assert.equal(
      text((await root.read({ maxBytes: MAX_BYTES })).bytes),
      SECRET_VALUE,
    );
    const recorded = passes(root);
    const stop = root.watch(recorded.onChange);
    try {
      await log.until(watching);
      const revision = await server.put("app.yaml", "n: 2\n");
      await recorded.saw(revision);
    } finally {
      stop();
    }

    const failures: [EtcdSource, RegExp][] = [
      [
        source("root", `not-${PASSWORD}`),
        /^Cannot load config as etcd refused the credentials: etcd:app\.yaml: /,
      ],
      [
        source("nobody", PASSWORD),
        /^Cannot load config as etcd denied access to the key: etcd:app\.yaml: /,
      ],
    ];
    for (const [refused, message] of failures) {
      await assert.rejects(refused.read({ maxBytes: 4 }), (error) => {
        assert.ok(error instanceof LoadError);
        assert.match(error.message, message);
        assert.ok(!error.message.includes("must-stay-secret"), error.message);
        assert.ok(!error.problems.join("").includes("must-stay-secret"));
        return true;
      });
    }
    // A watch whose credentials are refused keeps trying, and says so once.
    const refused = source("root", `not-${PASSWORD}`);
    const stopRefused = refused.watch(() => Promise.resolve());
    try {
      await log.until((r) => r.level === "warning");
    } finally {
      stopRefused();
    }
    for (const record of log.records) {
      assert.ok(
        !recordText(record).includes("must-stay-secret"),
        recordText(record),
      );
    }
  },
);

test(
  "EtcdSource.watch() reports put to onChange within milliseconds (p50 and p99 printed)",
  withEtcd,
  async () => {
    await using server = await startEtcd();
    await using log = await logs();
    await server.put("app.yaml", "n: 0\n");
    const source = etcdSource({ hosts: server.endpoint, key: "app.yaml" });
    await source.read({ maxBytes: MAX_BYTES });
    const recorded = passes(source, { read: false });
    const stop = source.watch(recorded.onChange);
    const samples: number[] = [];
    try {
      await log.until(watching);
      for (let n = 1; n <= 30; n++) {
        const started = performance.now();
        await server.put("app.yaml", `n: ${n}\n`);
        await recorded.calls(n);
        samples.push(recorded.times[n - 1] - started);
      }
    } finally {
      stop();
    }
    samples.sort((a, b) => a - b);
    const rank = (p: number) => samples[Math.ceil(p * samples.length) - 1];
    const runtime = "Deno" in globalThis
      ? "Deno"
      : process.versions.bun !== undefined
      ? "Bun"
      : "Node.js";
    console.log(
      `etcd put -> onChange on ${runtime}, ${samples.length} puts: p50 ${
        rank(0.5).toFixed(1)
      } ms, p99 ${rank(0.99).toFixed(1)} ms`,
    );
    assert.equal(samples.length, 30);
  },
);

// ---------------------------------------------------------------- exiting

const isTs = import.meta.url.endsWith(".ts");
const child = fileURLToPath(
  new URL(`./fixtures/etcd_child.${isTs ? "ts" : "js"}`, import.meta.url),
);

/** Starts the child on this runtime; settles with its exit or a timeout. */
function startChild(endpoint: string, key: string, mode: string) {
  const args = "Deno" in globalThis
    ? [
      "run",
      "--quiet",
      "--allow-read",
      "--allow-env",
      "--allow-net=127.0.0.1",
      child,
      endpoint,
      key,
      mode,
    ]
    : [child, endpoint, key, mode];
  const spawned = spawn(process.execPath, args, {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const lines = jsonLines(spawned);
  /** The exit code, or "still running" after `ms`. */
  const exit = async (ms: number) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<string>((resolve) => {
      timer = setTimeout(() => resolve("still running"), ms);
    });
    const code = await Promise.race([
      lines.exited.then(({ code }) => code),
      late,
    ]);
    clearTimeout(timer);
    if (code === "still running") spawned.kill("SIGKILL");
    return code;
  };
  return { ...lines, exit };
}

test(
  "EtcdSource.watch()'s stop function leaves nothing that keeps the process alive",
  withEtcd,
  async () => {
    await using server = await startEtcd();
    await server.put("app.yaml", "n: 1\n");
    const running = startChild(server.endpoint, "app.yaml", "change");
    await running.waitFor((line) => line.watching === true);
    await server.put("app.yaml", "n: 2\n");
    await running.waitFor((line) => line.stopped === true);
    assert.equal(await running.exit(10_000), 0);
  },
);

test(
  "EtcdSource.watch()'s stop function, called while etcd is away, leaves nothing running",
  withEtcd,
  async () => {
    await using server = await startEtcd();
    await server.put("app.yaml", "n: 1\n");
    const running = startChild(server.endpoint, "app.yaml", "outage");
    await running.waitFor((line) => line.watching === true);
    await server.stop();
    await running.waitFor((line) => line.stopped === true);
    assert.equal(await running.exit(10_000), 0);
  },
);

// A coordinator whose config lives in etcd, through sourceChanges().
const APP_KEY = "/apps/demo/config.yaml";
const appSchema = z.strictObject({ greeting: z.string(), port: z.number() });

test(
  "a coordinator loads its config from etcd and follows puts, deletes and a restarted server",
  withEtcd,
  async () => {
    await using etcd = await startEtcd();
    await etcd.put(APP_KEY, "greeting: hello\nport: ${PORT}\n");
    const coordinator = await Coordinator.create({
      source: etcdSource({ hosts: etcd.endpoint, key: APP_KEY, timeout: 2000 }),
      schema: appSchema,
      env: (name) => name === "PORT" ? "8080" : undefined,
      triggers: [sourceChanges()],
    });
    try {
      // Expanded and typed as any YAML source is; named by its key.
      assert.deepEqual(coordinator.config.load(), {
        greeting: "hello",
        port: 8080,
      });
      assert.equal(coordinator.configPath, `etcd:${APP_KEY}`);
      coordinator.watch();
      const greeting = () => coordinator.config.load().greeting;
      const until = (text: string) =>
        nextReload(coordinator, () => greeting() === text);

      // A put runs a pass through the watch, no polling.
      let next = until("hi");
      await etcd.put(APP_KEY, "greeting: hi\nport: 1\n");
      const result = await next;
      assert.equal(result.trigger, "source");
      assert.deepEqual([...result.changed ?? []].sort(), ["greeting", "port"]);

      // A deleted key: load_failed, the old config keeps serving.
      next = nextReload(coordinator, (r) => r.status === "load_failed");
      await etcd.delete(APP_KEY);
      const deleted = await next;
      assert.match(deleted.load_error ?? "", /the key does not exist in etcd/);
      assert.equal(greeting(), "hi");

      // The server goes away: an explicit reload fails within the bound, and
      // the config stays.
      next = until("back");
      await etcd.put(APP_KEY, "greeting: back\nport: 2\n");
      await next;
      await etcd.stop();
      const away = await coordinator.reload();
      assert.equal(away.status, "load_failed");
      assert.match(away.load_error ?? "", /etcd cannot be reached/);
      assert.equal(greeting(), "back");
      assert.match(
        metricsText(coordinator),
        /hup_reload_source_up\{source="etcd:\/apps\/demo\/config\.yaml"\} 0/,
      );

      // Back again: the watch reconnects, and a put made then is picked up.
      next = until("again");
      await etcd.restart();
      await etcd.put(APP_KEY, "greeting: again\nport: 3\n");
      await next;
      assert.match(
        metricsText(coordinator),
        /hup_reload_source_up\{source="etcd:\/apps\/demo\/config\.yaml"\} 1/,
      );
    } finally {
      await coordinator.shutdown();
    }
  },
);

test(
  "a put made while the watch is away is picked up once etcd is back",
  withEtcd,
  async () => {
    await using etcd = await startEtcd();
    await etcd.put(APP_KEY, "greeting: one\nport: 1\n");
    const coordinator = await Coordinator.create({
      source: etcdSource({ hosts: etcd.endpoint, key: APP_KEY, timeout: 2000 }),
      schema: appSchema,
      triggers: [sourceChanges()],
    });
    try {
      coordinator.watch();
      const next = nextReload(
        coordinator,
        () => coordinator.config.load().greeting === "two",
      );
      await etcd.stop();
      await etcd.restart();
      // Written at once, possibly before the watch is back: the revision is
      // compared when it reconnects.
      await etcd.put(APP_KEY, "greeting: two\nport: 2\n");
      await next;
      assert.equal(coordinator.config.load().port, 2);
    } finally {
      await coordinator.shutdown();
    }
  },
);
