// TlsCertificateReloader and rotateSecureContext: unit tests on generated
// certificates, the tls_certificate hook through a Coordinator, and a real
// TLS server on 127.0.0.1 whose certificate rotates under live connections.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import {
  connect,
  createServer as createTlsServer,
  type TLSSocket,
} from "node:tls";
import { fileURLToPath } from "node:url";
import type { LogRecord } from "@logtape/logtape";
import { generate } from "selfsigned";
import { AtomicConfig, Coordinator } from "hup-reload";
import {
  rotateSecureContext,
  type TlsCertificateInfo,
  TlsCertificateReloader,
  type TlsFiles,
  tlsHook,
  type TlsKeyPair,
} from "../src/tls.ts";
import { captureLogs, deferred, jsonLines } from "./_helpers.ts";

const isBun = process.versions.bun !== undefined;
const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;

interface Config {
  server: { log_level: string; tls?: TlsFiles };
}
const cfg = (tls?: TlsFiles): Config => ({
  server: { log_level: "info", ...(tls && { tls }) },
});
const select = (config: Config) => config.server.tls;

// ---------------------------------------------------------------- fixtures

async function makePair(
  notBeforeDate: Date,
  notAfterDate: Date,
): Promise<TlsKeyPair> {
  const pems = await generate(
    [{ name: "commonName", value: "localhost" }],
    { keyType: "ec", algorithm: "sha256", notBeforeDate, notAfterDate },
  );
  return { cert: pems.cert, key: pems.private };
}

// Generated once per file, at import; every test awaits the same promise.
const now = Date.now();
const certs = (async () => {
  const [a, b, expired, future, expiring] = await Promise.all([
    makePair(new Date(now - DAY), new Date(now + 365 * DAY)),
    makePair(new Date(now - DAY), new Date(now + 365 * DAY)),
    makePair(new Date(now - 30 * DAY), new Date(now - DAY)),
    makePair(new Date(now + DAY), new Date(now + 365 * DAY)),
    makePair(new Date(now - DAY), new Date(now + 2 * HOUR)),
  ]);
  return { a, b, expired, future, expiring };
})();

interface TempDir {
  dir: string;
  /** Writes a cert and a key (each text, or a pair's half) under `name`. */
  write(name: string, cert: string, key: string): Promise<TlsFiles>;
  [Symbol.asyncDispose](): Promise<void>;
}

async function tempDir(): Promise<TempDir> {
  const dir = await mkdtemp(join(tmpdir(), "hup-reload-tls-"));
  return {
    dir,
    async write(name, cert, key) {
      const files = {
        cert: join(dir, `${name}.crt`),
        key: join(dir, `${name}.key`),
      };
      await writeFile(files.cert, cert);
      await writeFile(files.key, key);
      return files;
    },
    [Symbol.asyncDispose]: () => rm(dir, { recursive: true, force: true }),
  };
}

const rendered = (record: LogRecord) => record.message.map(String).join("");

/** The lines of a PEM body: none may ever show up in a message or a log. */
function pemLines(...pems: string[]): string[] {
  return pems.flatMap((pem) =>
    pem.split("\n").filter((line) => line.length >= 16 && !line.includes("-"))
  );
}

function assertNoPem(text: string, ...pems: string[]): void {
  assert.ok(!text.includes("-----BEGIN"), `PEM marker in: ${text}`);
  for (const line of pemLines(...pems)) {
    assert.ok(!text.includes(line), `PEM content in: ${text}`);
  }
}

/** Asserts `promise` rejects with exactly `message`, which holds no PEM. */
async function rejectsWith(
  promise: Promise<unknown>,
  message: string,
  ...pems: string[]
): Promise<void> {
  await assert.rejects(promise, (error: Error) => {
    assert.equal(error.message, message);
    assertNoPem(error.message, ...pems);
    return true;
  });
}

/** Serial numbers as hex without leading zeros, for comparing across APIs. */
const serial = (hex: string | undefined) =>
  (hex ?? "").toUpperCase().replace(/^0+/, "");

// ---------------------------------------------------------------- check()

test("TlsCertificateReloader.check() rejects a missing certificate or key file, naming it", async () => {
  await using tmp = await tempDir();
  const { a } = await certs;
  const files = await tmp.write("a", a.cert, a.key);
  const reloader = new TlsCertificateReloader({ select });
  const noCert = join(tmp.dir, "missing.crt");
  const noKey = join(tmp.dir, "missing.key");
  await rejectsWith(
    reloader.check(cfg({ cert: noCert, key: files.key })),
    `Cannot rotate the TLS certificate as the certificate file does not exist: ${noCert}`,
  );
  await rejectsWith(
    reloader.check(cfg({ cert: files.cert, key: noKey })),
    `Cannot rotate the TLS certificate as the key file does not exist: ${noKey}`,
    a.key,
  );
  await rejectsWith(
    reloader.check(cfg({ cert: tmp.dir, key: files.key })),
    `Cannot rotate the TLS certificate as the certificate file is a directory: ${tmp.dir}`,
  );
});

test("TlsCertificateReloader.check() rejects files that are not PEM, never quoting them", async () => {
  await using tmp = await tempDir();
  const { a } = await certs;
  const reloader = new TlsCertificateReloader({ select });
  const cases: [cert: string, key: string, message: (f: TlsFiles) => string][] =
    [
      [
        "not a certificate\n",
        a.key,
        (f) =>
          `Cannot rotate the TLS certificate as the certificate file is not a PEM certificate: ${f.cert}`,
      ],
      // The key where the certificate should be: its text must not leak.
      [
        a.key,
        a.key,
        (f) =>
          `Cannot rotate the TLS certificate as the certificate file is not a PEM certificate: ${f.cert}`,
      ],
      [
        "-----BEGIN CERTIFICATE-----\nAAAAAAAAAAAAAAAAAAAA\n-----END CERTIFICATE-----\n",
        a.key,
        (f) =>
          `Cannot rotate the TLS certificate as the certificate file holds no valid PEM certificate: ${f.cert}`,
      ],
      [
        a.cert,
        "garbage\n",
        (f) =>
          `Cannot rotate the TLS certificate as the key file is not a PEM private key: ${f.key}`,
      ],
      [
        a.cert,
        a.cert,
        (f) =>
          `Cannot rotate the TLS certificate as the key file is not a PEM private key: ${f.key}`,
      ],
      [
        a.cert,
        a.key.replace(
          /\n[A-Za-z0-9+/=]{20,}\n/,
          "\nAAAAAAAAAAAAAAAAAAAAAAAA\n",
        ),
        (f) =>
          `Cannot rotate the TLS certificate as the key file holds no valid PEM private key: ${f.key}`,
      ],
      [
        a.cert,
        "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n",
        (f) =>
          `Cannot rotate the TLS certificate as the key file is encrypted, which is not supported: ${f.key}`,
      ],
    ];
  for (const [i, [cert, key, message]] of cases.entries()) {
    const files = await tmp.write(`case${i}`, cert, key);
    await rejectsWith(reloader.check(cfg(files)), message(files), a.key);
  }
});

test("TlsCertificateReloader.check() rejects a key that does not match the certificate", async () => {
  await using tmp = await tempDir();
  const { a, b } = await certs;
  const files = await tmp.write("mismatch", a.cert, b.key);
  await rejectsWith(
    new TlsCertificateReloader({ select }).check(cfg(files)),
    `Cannot rotate the TLS certificate as the key does not match the certificate: ${files.key}`,
    a.key,
    b.key,
  );
});

test("TlsCertificateReloader.check() rejects an expired or not yet valid certificate, with the date", async () => {
  await using tmp = await tempDir();
  const { expired, future } = await certs;
  const reloader = new TlsCertificateReloader({ select });
  const old = await tmp.write("expired", expired.cert, expired.key);
  await assert.rejects(reloader.check(cfg(old)), (error: Error) => {
    assert.match(
      error.message,
      /^Cannot rotate the TLS certificate as it expired at \d{4}-\d\d-\d\dT[\d:.]+Z: /,
    );
    assert.ok(error.message.endsWith(`: ${old.cert}`), error.message);
    assertNoPem(error.message, expired.key);
    return true;
  });
  const early = await tmp.write("future", future.cert, future.key);
  await assert.rejects(reloader.check(cfg(early)), (error: Error) => {
    assert.match(
      error.message,
      /^Cannot rotate the TLS certificate as it is not valid until \d{4}-\d\d-\d\dT[\d:.]+Z: /,
    );
    assert.ok(error.message.endsWith(`: ${early.cert}`), error.message);
    return true;
  });
  // The same files pass against a clock inside their validity period.
  const later = new TlsCertificateReloader({
    select,
    now: () => new Date(now + 2 * DAY),
  });
  await later.check(cfg(early));
});

test("TlsCertificateReloader.check() warns through LogTape when the certificate expires within 24 hours", async () => {
  await using tmp = await tempDir();
  const { a, expiring } = await certs;
  await using logs = await captureLogs();
  const soon = await tmp.write("expiring", expiring.cert, expiring.key);
  const fine = await tmp.write("a", a.cert, a.key);

  await new TlsCertificateReloader({ select }).check(cfg(fine));
  assert.deepEqual(logs.records.filter((r) => r.level === "warning"), []);

  await new TlsCertificateReloader({ select }).check(cfg(soon));
  const warnings = logs.records.filter((r) => r.level === "warning");
  assert.equal(warnings.length, 1);
  const [warning] = warnings;
  assert.deepEqual(warning.category, ["hup-reload", "tls"]);
  const validTo = Date.parse(String(warning.properties.validTo));
  assert.ok(validTo > now && validTo <= now + 2 * HOUR + 1000, "the expiry");
  assert.equal(
    rendered(warning),
    `The TLS certificate with serial ${warning.properties.serialNumber} expires soon, at ${warning.properties.validTo}`,
  );
  // The file paths are strings of the config: no record shows them.
  assert.ok(!JSON.stringify(warning.properties).includes(soon.cert));
  assertNoPem(JSON.stringify(logs.records), expiring.key, a.key);

  // warnWithin and now are options: a year-long certificate, an hour before.
  const loaded = new TlsCertificateReloader({ select });
  await loaded.load(cfg(fine));
  const validToA = loaded.info()?.validTo.getTime() ?? 0;
  const clock = () => new Date(validToA - HOUR);
  logs.records.length = 0;
  await new TlsCertificateReloader({ select, now: clock, warnWithin: 0 })
    .check(cfg(fine));
  assert.equal(logs.records.filter((r) => r.level === "warning").length, 0);
  await new TlsCertificateReloader({ select, now: clock }).check(cfg(fine));
  assert.equal(logs.records.filter((r) => r.level === "warning").length, 1);
});

test("TlsCertificateReloader passes check and ignores reload when select() returns undefined", async () => {
  const reloader = new TlsCertificateReloader({ select });
  let calls = 0;
  reloader.subscribe(() => void calls++);
  await reloader.check(cfg());
  await reloader.reload(cfg(), new AbortController().signal);
  assert.equal(await reloader.load(cfg()), undefined);
  assert.equal(reloader.current(), undefined);
  assert.equal(reloader.info(), undefined);
  assert.equal(calls, 0);
});

test("TlsCertificateReloader rejects bad options and bad paths from select()", async () => {
  assert.throws(
    () => new TlsCertificateReloader({} as { select: typeof select }),
    {
      name: "TypeError",
      message:
        "Cannot create the TLS certificate reloader as options.select is not a function",
    },
  );
  for (const warnWithin of [-1, Number.NaN, Infinity]) {
    assert.throws(() => new TlsCertificateReloader({ select, warnWithin }), {
      name: "RangeError",
    });
  }
  const reloader = new TlsCertificateReloader<TlsFiles>({ select: (c) => c });
  await assert.rejects(reloader.check({ cert: "", key: "k.pem" }), {
    name: "TypeError",
    message:
      "Cannot rotate the TLS certificate as select() returned no certificate file path: cert",
  });
  assert.throws(() => reloader.subscribe(undefined as never), TypeError);
});

// ---------------------------------------------------------------- reload()

test("TlsCertificateReloader.reload() swaps in the pair check() verified, even if the files changed since", async () => {
  await using tmp = await tempDir();
  const { a, b, expired } = await certs;
  const files = await tmp.write("live", a.cert, a.key);
  const reloader = new TlsCertificateReloader({ select });
  const seen: TlsCertificateInfo[] = [];
  reloader.subscribe((_pair, info) => void seen.push(info));

  assert.deepEqual(await reloader.load(cfg(files)), a);
  assert.deepEqual(reloader.current(), a);
  assert.equal(seen.length, 1);
  assert.equal(reloader.info()?.certFile, files.cert);
  assert.equal(reloader.info()?.keyFile, files.key);

  const next = cfg(files);
  await tmp.write("live", b.cert, b.key);
  await reloader.check(next);
  await tmp.write("live", expired.cert, expired.key); // replaced after check
  await reloader.reload(next, new AbortController().signal);
  assert.deepEqual(reloader.current(), b, "what check() verified");
  assert.equal(seen.length, 2);
  assert.notEqual(seen[0].serialNumber, seen[1].serialNumber);
  assert.ok(seen[1].validTo.getTime() > now + 300 * DAY);

  // Without a check of this very config, reload() reads and verifies.
  await assert.rejects(
    reloader.reload(cfg(files)),
    /^Error: Cannot rotate the TLS certificate as it expired at .*\.crt$/,
  );
  assert.deepEqual(reloader.current(), b, "unchanged after a failed reload");

  const aborted = new AbortController();
  aborted.abort(new Error("pass aborted"));
  await tmp.write("live", a.cert, a.key);
  await assert.rejects(reloader.reload(cfg(files), aborted.signal), {
    message: "pass aborted",
  });
  assert.deepEqual(reloader.current(), b);
});

test("TlsCertificateReloader.reload() logs a failing subscriber and still calls the others", async () => {
  await using tmp = await tempDir();
  const { a } = await certs;
  const files = await tmp.write("a", a.cert, a.key);
  const asyncFailure = deferred<LogRecord>();
  await using logs = await captureLogs((record) => {
    if (rendered(record).includes("async listener")) {
      asyncFailure.resolve(record);
    }
  });
  const reloader = new TlsCertificateReloader({ select });
  const calls: string[] = [];
  reloader.subscribe(() => {
    calls.push("throws");
    throw new Error("Cannot set the context: sync listener");
  });
  reloader.subscribe(() => {
    calls.push("rejects");
    return Promise.reject(new Error("Cannot set the context: async listener"));
  });
  const unsubscribe = reloader.subscribe(() => void calls.push("removed"));
  unsubscribe();
  reloader.subscribe(() => void calls.push("ok"));

  await reloader.load(cfg(files));
  assert.deepEqual(calls, ["throws", "rejects", "ok"]);
  assert.deepEqual(reloader.current(), a);
  const failed = await asyncFailure.promise;
  assert.equal(failed.level, "error");
  const errors = logs.records.filter((r) => r.level === "error");
  assert.deepEqual(errors.map((r) => r.properties.error), [
    "Cannot set the context: sync listener",
    "Cannot set the context: async listener",
  ]);
  assertNoPem(JSON.stringify(logs.records), a.key);
});

test("rotateSecureContext() applies the pair in effect and each new one, with the extra context options", async () => {
  await using tmp = await tempDir();
  const { a, b } = await certs;
  const reloader = new TlsCertificateReloader({ select });
  await reloader.load(cfg(await tmp.write("a", a.cert, a.key)));
  const calls: unknown[] = [];
  const server = {
    setSecureContext: (options: { cert: string; key: string }) =>
      void calls.push(options),
  };
  const stop = rotateSecureContext(server, reloader, {
    contextOptions: { minVersion: "TLSv1.2", cert: "ignored" },
  });
  assert.deepEqual(calls, [{ minVersion: "TLSv1.2", ...a }]);
  await reloader.load(cfg(await tmp.write("b", b.cert, b.key)));
  assert.deepEqual(calls.at(-1), { minVersion: "TLSv1.2", ...b });
  stop();
  await reloader.load(cfg(await tmp.write("a2", a.cert, a.key)));
  assert.equal(calls.length, 2, "nothing after stop()");

  assert.throws(
    () => rotateSecureContext({} as typeof server, reloader),
    {
      name: "TypeError",
      message:
        "Cannot rotate the TLS certificate as the server has no setSecureContext() method: use a node:tls server, or a node:https server on Node.js and Deno",
    },
  );
});

// ---------------------------------------------------------------- Coordinator

test("Coordinator with a TlsCertificateReloader rejects a bad certificate (validation_failed) and rotates a good one (full_success)", async () => {
  await using tmp = await tempDir();
  const { a, b, expired } = await certs;
  const good = await tmp.write("a", a.cert, a.key);
  const mismatched = await tmp.write("mismatch", b.cert, a.key);
  const old = await tmp.write("expired", expired.cert, expired.key);
  const renewed = await tmp.write("b", b.cert, b.key);
  const initial = cfg(good);
  const reloader = new TlsCertificateReloader({ select });
  await reloader.load(initial);
  let next = cfg(mismatched);
  const config = new AtomicConfig(initial);
  const coordinator = new Coordinator({
    configPath: join(tmp.dir, "config.yaml"),
    config,
    load: () => next,
    hooks: [tlsHook(reloader)],
  });

  const rejected = await coordinator.reload();
  assert.equal(rejected.status, "validation_failed");
  assert.deepEqual(rejected.outcomes, [
    {
      name: "tls_certificate",
      status: "failed",
      // The key's path is a string of the config: hook errors never show
      // one.
      error:
        "Cannot rotate the TLS certificate as the key does not match the certificate: …",
    },
  ]);
  assert.equal(config.load(), initial);
  assert.deepEqual(reloader.current(), a);

  next = cfg(old);
  const expiredResult = await coordinator.reload();
  assert.equal(expiredResult.status, "validation_failed");
  assert.match(
    expiredResult.outcomes[0].error ?? "",
    /^Cannot rotate the TLS certificate as it expired at .+: …$/,
  );
  assertNoPem(JSON.stringify(expiredResult), expired.key, a.key, b.key);

  next = cfg(renewed);
  const rotated = await coordinator.reload();
  assert.equal(rotated.status, "full_success");
  assert.deepEqual(rotated.outcomes, [
    { name: "tls_certificate", status: "applied" },
  ]);
  assert.equal(rotated.generation, 1);
  assert.deepEqual(reloader.current(), b);
  assert.equal(reloader.info()?.certFile, renewed.cert);

  // The files still hold the pair in effect: nothing to rotate.
  const again = await coordinator.reload();
  assert.deepEqual(again.outcomes, [
    { name: "tls_certificate", status: "skipped" },
  ]);
});

// ---------------------------------------------------------------- real TLS

/** Connects a TLS client, resolving once the handshake is done. */
async function dial(port: number): Promise<TLSSocket> {
  const socket = connect({
    host: "127.0.0.1",
    port,
    servername: "localhost",
    rejectUnauthorized: false,
  });
  await once(socket, "secureConnect");
  return socket;
}

/** Writes `request` and resolves with the bytes read up to `until`. */
async function roundTrip(
  socket: TLSSocket,
  request: string,
  until: string,
): Promise<string> {
  const done = deferred<string>();
  let text = "";
  const onData = (chunk: Buffer) => {
    text += chunk.toString("utf8");
    if (text.includes(until)) done.resolve(text);
  };
  const onClose = () => done.reject(new Error(`closed after: ${text}`));
  socket.on("data", onData);
  socket.once("close", onClose);
  socket.write(request);
  try {
    return await done.promise;
  } finally {
    socket.off("data", onData);
    socket.off("close", onClose);
  }
}

const peerSerial = (socket: TLSSocket) =>
  serial(socket.getPeerCertificate().serialNumber);

/** A coordinator whose next config points at `files` once `rotate` is set. */
async function rotationSetup(tmp: TempDir) {
  const { a, b } = await certs;
  const initial = cfg(await tmp.write("a", a.cert, a.key));
  const renewed = cfg(await tmp.write("b", b.cert, b.key));
  const reloader = new TlsCertificateReloader({ select });
  const pair = await reloader.load(initial);
  assert.ok(pair !== undefined);
  const coordinator = new Coordinator({
    configPath: join(tmp.dir, "config.yaml"),
    config: new AtomicConfig(initial),
    load: () => renewed,
    hooks: [tlsHook(reloader)],
  });
  const serialA = serial(reloader.info()?.serialNumber);
  return { pair, reloader, coordinator, serialA };
}

test("rotateSecureContext() on a node:tls server: new connections get the new certificate, open ones keep the old", async () => {
  await using tmp = await tempDir();
  const { pair, reloader, coordinator, serialA } = await rotationSetup(tmp);
  const server = createTlsServer(
    { ...pair },
    (socket) => socket.on("data", (data) => socket.write(data)),
  );
  const stop = rotateSecureContext(server, reloader);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  const sockets: TLSSocket[] = [];
  try {
    const before = await dial(port);
    sockets.push(before);
    assert.equal(peerSerial(before), serialA);
    assert.equal(await roundTrip(before, "one\n", "one\n"), "one\n");

    const result = await coordinator.reload();
    assert.equal(result.status, "full_success");
    const serialB = serial(reloader.info()?.serialNumber);
    assert.notEqual(serialB, serialA);

    const after = await dial(port);
    sockets.push(after);
    assert.equal(peerSerial(after), serialB, "a new connection: new cert");
    assert.equal(await roundTrip(after, "two\n", "two\n"), "two\n");

    assert.equal(before.destroyed, false, "the old connection is still open");
    assert.equal(peerSerial(before), serialA, "and still on the old cert");
    assert.equal(await roundTrip(before, "three\n", "three\n"), "three\n");
  } finally {
    stop();
    for (const socket of sockets) socket.destroy();
    server.close();
    await once(server, "close");
  }
});

test(
  isBun
    ? "rotateSecureContext() refuses Bun's node:https server, which has no setSecureContext()"
    : "rotateSecureContext() on a node:https server: a keep-alive connection keeps the old certificate, new ones get the new",
  async () => {
    await using tmp = await tempDir();
    const { pair, reloader, coordinator, serialA } = await rotationSetup(tmp);
    const server = createHttpsServer(
      { ...pair },
      (req, res) => res.end(`ok ${req.url}\n`),
    );
    if (isBun) {
      // Bun 1.4: https.Server lacks setSecureContext (oven-sh/bun#42576);
      // serve HTTPS on Bun through node:tls, as in the test above.
      assert.equal(typeof server.setSecureContext, "undefined");
      assert.throws(() => rotateSecureContext(server, reloader), {
        name: "TypeError",
        message: /has no setSecureContext\(\) method/,
      });
      return;
    }
    const stop = rotateSecureContext(server, reloader);
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const { port } = server.address() as AddressInfo;
    const get = (socket: TLSSocket, path: string) =>
      roundTrip(
        socket,
        `GET ${path} HTTP/1.1\r\nHost: localhost\r\n\r\n`,
        `ok ${path}\n`,
      ).then((text) => text.split("\r\n")[0]);
    const sockets: TLSSocket[] = [];
    try {
      const before = await dial(port);
      sockets.push(before);
      assert.equal(peerSerial(before), serialA);
      assert.equal(await get(before, "/1"), "HTTP/1.1 200 OK");

      assert.equal((await coordinator.reload()).status, "full_success");
      const serialB = serial(reloader.info()?.serialNumber);

      const after = await dial(port);
      sockets.push(after);
      assert.equal(peerSerial(after), serialB);
      assert.equal(await get(after, "/2"), "HTTP/1.1 200 OK");
      assert.equal(peerSerial(before), serialA);
      assert.equal(await get(before, "/3"), "HTTP/1.1 200 OK");
    } finally {
      stop();
      for (const socket of sockets) socket.destroy();
      server.close();
      server.closeAllConnections();
      await once(server, "close");
    }
  },
);

// ---------------------------------------------------------------- real SIGHUP

const isTs = import.meta.url.endsWith(".ts");
const childFixture = fileURLToPath(
  new URL(`./fixtures/tls_child.${isTs ? "ts" : "js"}`, import.meta.url),
);

/** Starts the child TLS service; `waitFor` resolves with a matching line. */
function startChild(configPath: string) {
  const args = "Deno" in globalThis
    ? [
      "run",
      "--quiet",
      "--allow-read",
      "--allow-net=127.0.0.1",
      childFixture,
      configPath,
    ]
    : [childFixture, configPath];
  const child = spawn(process.execPath, args, {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const { lines, waitFor, exited } = jsonLines(child);
  const exit = exited.then(({ code }) => code);
  return { child, lines, waitFor, exit };
}

test(
  "kill -HUP rotates a real child's TLS certificate once both files are renewed, keeping open connections",
  {
    timeout: 60_000,
  },
  async () => {
    await using tmp = await tempDir();
    const { a, b } = await certs;
    const files = await tmp.write("live", a.cert, a.key);
    const configPath = join(tmp.dir, "config.yaml");
    await writeFile(
      configPath,
      `tls:\n  cert: ${JSON.stringify(files.cert)}\n  key: ${
        JSON.stringify(files.key)
      }\n`,
    );
    const { child, lines, waitFor, exit } = startChild(configPath);
    const sockets: TLSSocket[] = [];
    try {
      const ready = await waitFor((l) => l.ready === true);
      const port = ready.port as number;
      const serialA = serial(ready.serial as string);
      const before = await dial(port);
      sockets.push(before);
      assert.equal(peerSerial(before), serialA);

      // Half-renewed: the new certificate beside the old key. The pass is
      // rejected and the server keeps serving the old pair.
      await writeFile(files.cert, b.cert);
      process.kill(child.pid!, "SIGHUP");
      const rejected = await waitFor((l) =>
        String(l.log).startsWith("Hook tls_certificate failed")
      );
      assert.equal(
        rejected.log,
        "Hook tls_certificate failed: Cannot rotate the TLS certificate as the key does not match the certificate: …",
      );
      const during = await dial(port);
      sockets.push(during);
      assert.equal(peerSerial(during), serialA);

      await writeFile(files.key, b.key);
      process.kill(child.pid!, "SIGHUP");
      const rotated = await waitFor((l) => l.rotated !== undefined);
      const serialB = serial(rotated.rotated as string);
      assert.notEqual(serialB, serialA);
      const after = await dial(port);
      sockets.push(after);
      assert.equal(peerSerial(after), serialB);
      assert.equal(await roundTrip(after, "new\n", "new\n"), "new\n");
      assert.equal(peerSerial(before), serialA);
      assert.equal(await roundTrip(before, "old\n", "old\n"), "old\n");
      assertNoPem(JSON.stringify(lines), a.key, b.key);

      child.stdin!.write("exit\n");
      assert.equal(await exit, 0);
    } finally {
      for (const socket of sockets) socket.destroy();
      child.kill("SIGKILL");
      await exit;
    }
  },
);
