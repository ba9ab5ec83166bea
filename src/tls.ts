import { createPrivateKey, type KeyObject, X509Certificate } from "node:crypto";
import { getLogger, type Logger } from "@logtape/logtape";
import type { Hook } from "./hook.ts";
import { notifyAll } from "./listeners.ts";
import { HookStatus } from "./status.ts";
import { describeFileError, readSmallFile } from "./file_errors.ts";

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Where a config says the certificate and its private key are: two PEM file
 * paths.
 *
 * @example Usage
 * ```ts
 * import type { TlsFiles } from "@hup/reload/tls";
 *
 * const files: TlsFiles = { cert: "/etc/app/tls/cert.pem", key: "/etc/app/tls/key.pem" };
 * ```
 */
export interface TlsFiles {
  /** The certificate file: PEM, the leaf first, then any intermediates. */
  cert: string;
  /** The private key file: PEM, unencrypted. */
  key: string;
}

/**
 * A certificate and its private key as PEM text, in the shape
 * `tls.createServer()`, `setSecureContext()` and `Deno.listenTls()` take.
 *
 * @example Usage
 * ```ts
 * import type { TlsKeyPair } from "@hup/reload/tls";
 *
 * const pair: TlsKeyPair = { cert: "-----BEGIN CERTIFICATE-----\n…", key: "-----BEGIN PRIVATE KEY-----\n…" };
 * ```
 */
export interface TlsKeyPair {
  /** The certificate chain, PEM. */
  readonly cert: string;
  /** The private key, PEM. */
  readonly key: string;
}

/**
 * What a {@linkcode TlsCertificateReloader} knows about the certificate in
 * effect; nothing in it is secret.
 *
 * @example Usage
 * ```ts
 * import type { TlsCertificateInfo } from "@hup/reload/tls";
 *
 * const expiresInMs = (info: TlsCertificateInfo, now: Date) => info.validTo.getTime() - now.getTime();
 * ```
 */
export interface TlsCertificateInfo {
  /** The certificate file it was read from. */
  readonly certFile: string;
  /** The key file it was read from. */
  readonly keyFile: string;
  /** The serial number, upper-case hex, as `X509Certificate.serialNumber`. */
  readonly serialNumber: string;
  /** The SHA-256 fingerprint, colon-separated upper-case hex. */
  readonly fingerprint256: string;
  /** The start of the validity period. */
  readonly validFrom: Date;
  /** The end of the validity period. */
  readonly validTo: Date;
}

/**
 * Called with the new pair each time a {@linkcode TlsCertificateReloader}
 * swaps one in; what it returns is ignored, except that a returned promise
 * that rejects is logged.
 *
 * @example Usage
 * ```ts
 * import type { TlsCertificateListener } from "@hup/reload/tls";
 *
 * const listener: TlsCertificateListener = (_pair, info) => console.log(info.serialNumber);
 * ```
 */
export type TlsCertificateListener = (
  pair: TlsKeyPair,
  info: TlsCertificateInfo,
) => unknown;

/**
 * Options for {@linkcode TlsCertificateReloader}.
 *
 * @example Usage
 * ```ts
 * import type { TlsCertificateReloaderOptions } from "@hup/reload/tls";
 *
 * interface Config { server: { tls?: { cert: string; key: string } } }
 * const options: TlsCertificateReloaderOptions<Config> = {
 *   select: (config) => config.server.tls,
 *   warnWithin: 7 * 24 * 60 * 60 * 1000,
 * };
 * ```
 *
 * @typeParam C The config type.
 */
export interface TlsCertificateReloaderOptions<C> {
  /**
   * Reads the certificate and key file paths from a config; `undefined`
   * when the config has no TLS (check passes, reload does nothing).
   */
  select: (config: C) => TlsFiles | undefined;
  /**
   * The clock that validity is checked against.
   *
   * @default {() => new Date()}
   */
  now?: () => Date;
  /**
   * How close to its expiry (ms) a certificate must be for a check to log a
   * warning; it is still accepted.
   *
   * @default {86_400_000}
   */
  warnWithin?: number;
}

interface Loaded {
  readonly pair: TlsKeyPair;
  readonly info: TlsCertificateInfo;
}

/**
 * Reads, verifies and swaps a TLS certificate and key from PEM files named in
 * the config; the {@linkcode CertificateReloader} the `tls_certificate` hook
 * calls.
 *
 * `check()` reads both files and rejects a pass (`validation_failed`) when
 * either is missing or not PEM, the key does not match the certificate, or
 * the certificate is expired or not yet valid; it logs a warning (LogTape
 * category `["hup-reload", "tls"]`) when the certificate expires within
 * `warnWithin`. `reload()` swaps in the pair that `check()` verified and
 * calls every subscriber, e.g. {@linkcode rotateSecureContext}. Files are
 * read again on every pass, so renewing them in place and sending SIGHUP
 * rotates the certificate. Errors and logs name files, never their content.
 *
 * @example Loading at start-up and rotating on reload
 * ```ts
 * import { TlsCertificateReloader } from "@hup/reload/tls";
 * import { generate } from "selfsigned";
 * import assert from "node:assert/strict";
 * import { mkdtemp, writeFile } from "node:fs/promises";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 *
 * const dir = await mkdtemp(join(tmpdir(), "hup-tls-"));
 * const files = { cert: join(dir, "cert.pem"), key: join(dir, "key.pem") };
 * const write = async () => {
 *   const pems = await generate([{ name: "commonName", value: "localhost" }], { keyType: "ec", algorithm: "sha256" });
 *   await writeFile(files.cert, pems.cert);
 *   await writeFile(files.key, pems.private);
 *   return pems.cert;
 * };
 *
 * const reloader = new TlsCertificateReloader<{ tls: typeof files }>({ select: (c) => c.tls });
 * const first = await write();
 * await reloader.load({ tls: files }); // at start-up: throws if the files are bad
 * assert.equal(reloader.current()?.cert, first);
 *
 * const seen: string[] = [];
 * reloader.subscribe((_pair, info) => void seen.push(info.serialNumber));
 * const second = await write(); // renewed in place, then SIGHUP:
 * await reloader.check({ tls: files });
 * await reloader.reload({ tls: files });
 * assert.equal(reloader.current()?.cert, second);
 * assert.deepEqual(seen, [reloader.info()?.serialNumber]);
 * ```
 *
 * @example Rejecting a key that does not match
 * ```ts
 * import { TlsCertificateReloader } from "@hup/reload/tls";
 * import { generate } from "selfsigned";
 * import assert from "node:assert/strict";
 * import { mkdtemp, writeFile } from "node:fs/promises";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 *
 * const dir = await mkdtemp(join(tmpdir(), "hup-tls-"));
 * const options = { keyType: "ec", algorithm: "sha256" } as const;
 * const [a, b] = await Promise.all([generate(undefined, options), generate(undefined, options)]);
 * const files = { cert: join(dir, "cert.pem"), key: join(dir, "key.pem") };
 * await writeFile(files.cert, a.cert);
 * await writeFile(files.key, b.private);
 *
 * const reloader = new TlsCertificateReloader<typeof files>({ select: (c) => c });
 * await assert.rejects(reloader.check(files), {
 *   message: `Cannot rotate the TLS certificate as the key does not match the certificate: ${files.key}`,
 * });
 * ```
 *
 * @typeParam C The config type.
 */
export class TlsCertificateReloader<C> implements CertificateReloader<C> {
  readonly #select: (config: C) => TlsFiles | undefined;
  readonly #now: () => Date;
  readonly #warnWithin: number;
  readonly #listeners: Set<TlsCertificateListener> = new Set();
  readonly #log: Logger = getLogger(["hup-reload", "tls"]);
  #current: Loaded | undefined;
  #checked: { config: C; loaded: Loaded | undefined } | undefined;

  /**
   * Creates a reloader that holds no certificate yet; call
   * {@linkcode TlsCertificateReloader.load} with the start-up config.
   *
   * @example Usage
   * ```ts
   * import { TlsCertificateReloader } from "@hup/reload/tls";
   * import assert from "node:assert/strict";
   *
   * const reloader = new TlsCertificateReloader<{ tls?: { cert: string; key: string } }>({
   *   select: (config) => config.tls,
   * });
   * assert.equal(reloader.current(), undefined);
   * ```
   *
   * @param options Where the files are and how to check them.
   * @throws {TypeError} If `options.select` is not a function.
   * @throws {RangeError} If `options.warnWithin` is negative or not finite.
   */
  constructor(options: TlsCertificateReloaderOptions<C>) {
    if (typeof options?.select !== "function") {
      throw new TypeError(
        "Cannot create the TLS certificate reloader as options.select is not a function",
      );
    }
    const warnWithin = options.warnWithin ?? DAY_MS;
    if (!Number.isFinite(warnWithin) || warnWithin < 0) {
      throw new RangeError(
        "Cannot create the TLS certificate reloader as options.warnWithin is not a non-negative number of milliseconds",
      );
    }
    this.#select = options.select;
    this.#now = options.now ?? (() => new Date());
    this.#warnWithin = warnWithin;
  }

  /**
   * Reads and verifies the certificate and key the config names, without
   * switching to them; logs a warning when the certificate expires within
   * `warnWithin`. Passes when the config names none.
   *
   * @example Usage
   * ```ts
   * import { TlsCertificateReloader } from "@hup/reload/tls";
   * import assert from "node:assert/strict";
   *
   * const reloader = new TlsCertificateReloader<{ cert: string; key: string }>({ select: (c) => c });
   * await assert.rejects(
   *   reloader.check({ cert: "/nonexistent/cert.pem", key: "/nonexistent/key.pem" }),
   *   { message: "Cannot rotate the TLS certificate as the certificate file does not exist: /nonexistent/cert.pem" },
   * );
   * ```
   *
   * @param config The new config.
   * @param signal Aborts the check.
   * @returns A promise that settles once the files are verified.
   * @throws {Error} If a file cannot be read or is not PEM, the key does not
   *   match the certificate, or the certificate is not valid now.
   * @throws {TypeError} If `select` returns paths that are not non-empty
   *   strings.
   */
  async check(config: C, signal?: AbortSignal): Promise<void> {
    const loaded = await this.#read(config, signal);
    this.#checked = { config, loaded };
  }

  /**
   * Swaps in the certificate and key the config names (those verified by
   * the last {@linkcode TlsCertificateReloader.check} of this config, or
   * read and verified now) and calls every subscriber. Does nothing when the
   * config names none, or when the files hold the pair already in effect.
   *
   * @example Usage
   * ```ts
   * import { TlsCertificateReloader } from "@hup/reload/tls";
   * import assert from "node:assert/strict";
   *
   * const reloader = new TlsCertificateReloader<{ tls?: { cert: string; key: string } }>({
   *   select: (config) => config.tls,
   * });
   * assert.equal(await reloader.reload({}), false); // no TLS in this config
   * assert.equal(reloader.current(), undefined);
   * ```
   *
   * @param config The new config.
   * @param signal Aborts the reload before the swap.
   * @returns A promise that settles once the pair is swapped in and every
   *   subscriber has been called: `true`, or `false` when there was nothing
   *   to swap.
   * @throws {Error} As {@linkcode TlsCertificateReloader.check}, when the
   *   config was not checked just before.
   */
  async reload(config: C, signal?: AbortSignal): Promise<boolean> {
    const checked = this.#checked;
    this.#checked = undefined;
    const loaded = checked !== undefined && checked.config === config
      ? checked.loaded
      : await this.#read(config, signal);
    signal?.throwIfAborted();
    if (loaded === undefined) return false;
    const current = this.#current;
    if (
      current !== undefined && current.pair.cert === loaded.pair.cert &&
      current.pair.key === loaded.pair.key
    ) return false;
    this.#current = loaded;
    this.#log.info(
      "Rotated the TLS certificate to serial {serialNumber}, valid until {validTo}",
      logProps(loaded.info),
    );
    notifyAll(this.#listeners, [loaded.pair, loaded.info], {
      category: ["tls"],
      message:
        "A TLS certificate subscriber failed to apply serial {serialNumber}: {error}",
      properties: logProps(loaded.info),
    });
    return true;
  }

  /**
   * Reads, verifies and swaps in the pair the start-up config names: call
   * it once before starting the server, then start it with
   * {@linkcode TlsCertificateReloader.current}.
   *
   * @example Usage
   * ```ts
   * import { TlsCertificateReloader } from "@hup/reload/tls";
   * import assert from "node:assert/strict";
   *
   * const reloader = new TlsCertificateReloader<{ tls?: { cert: string; key: string } }>({
   *   select: (config) => config.tls,
   * });
   * assert.equal(await reloader.load({}), undefined);
   * ```
   *
   * @param config The start-up config.
   * @returns The pair now in effect; `undefined` when the config names none.
   * @throws {Error} As {@linkcode TlsCertificateReloader.check}.
   */
  async load(config: C): Promise<TlsKeyPair | undefined> {
    const loaded = await this.#read(config);
    this.#checked = { config, loaded };
    await this.reload(config);
    return loaded?.pair;
  }

  /**
   * The certificate and key in effect.
   *
   * @example Usage
   * ```ts
   * import { TlsCertificateReloader } from "@hup/reload/tls";
   * import assert from "node:assert/strict";
   *
   * const reloader = new TlsCertificateReloader<{ cert: string; key: string }>({ select: (c) => c });
   * assert.equal(reloader.current(), undefined); // nothing loaded yet
   * ```
   *
   * @returns The PEM pair, or `undefined` before the first swap.
   */
  current(): TlsKeyPair | undefined {
    return this.#current?.pair;
  }

  /**
   * What is known about the certificate in effect: files, serial number,
   * fingerprint and validity.
   *
   * @example Usage
   * ```ts
   * import { TlsCertificateReloader } from "@hup/reload/tls";
   * import assert from "node:assert/strict";
   *
   * const reloader = new TlsCertificateReloader<{ cert: string; key: string }>({ select: (c) => c });
   * assert.equal(reloader.info(), undefined); // nothing loaded yet
   * ```
   *
   * @returns The metadata, or `undefined` before the first swap.
   */
  info(): TlsCertificateInfo | undefined {
    return this.#current?.info;
  }

  /**
   * Calls `listener` with the new pair after each swap. A listener that
   * throws (or rejects) is logged and does not stop the others or the
   * reload.
   *
   * @example Usage
   * ```ts
   * import { TlsCertificateReloader } from "@hup/reload/tls";
   * import assert from "node:assert/strict";
   *
   * const reloader = new TlsCertificateReloader<{ cert: string; key: string }>({ select: (c) => c });
   * const unsubscribe = reloader.subscribe((pair) => console.log(pair.cert.length));
   * unsubscribe();
   * unsubscribe(); // does nothing
   * assert.equal(reloader.current(), undefined);
   * ```
   *
   * @param listener Called with the pair and its metadata.
   * @returns A function that stops calling `listener`.
   * @throws {TypeError} If `listener` is not a function.
   */
  subscribe(listener: TlsCertificateListener): () => void {
    if (typeof listener !== "function") {
      throw new TypeError(
        "Cannot subscribe to TLS certificate rotation as the listener is not a function",
      );
    }
    const entry: TlsCertificateListener = (pair, info) => listener(pair, info);
    this.#listeners.add(entry);
    return () => void this.#listeners.delete(entry);
  }

  async #read(config: C, signal?: AbortSignal): Promise<Loaded | undefined> {
    signal?.throwIfAborted();
    const files = this.#select(config);
    if (files === undefined) return undefined;
    for (const field of ["cert", "key"] as const) {
      if (typeof files?.[field] !== "string" || files[field] === "") {
        throw new TypeError(
          `Cannot rotate the TLS certificate as select() returned no ${
            field === "cert" ? "certificate" : "key"
          } file path: ${field}`,
        );
      }
    }
    // Both are read at once; the certificate's failure is reported first.
    const [certRead, keyRead] = await Promise.allSettled([
      readPem(files.cert, "certificate"),
      readPem(files.key, "key"),
    ]);
    if (certRead.status === "rejected") throw certRead.reason;
    if (keyRead.status === "rejected") throw keyRead.reason;
    const [certPem, keyPem] = [certRead.value, keyRead.value];
    signal?.throwIfAborted();
    const x509 = parseCertificate(certPem, files.cert);
    const key = parseKey(keyPem, files.key);
    if (!x509.checkPrivateKey(key)) {
      fail("the key does not match the certificate", files.key);
    }
    const validFrom = toDate(x509.validFromDate, x509.validFrom);
    const validTo = toDate(x509.validToDate, x509.validTo);
    if (Number.isNaN(validFrom.getTime()) || Number.isNaN(validTo.getTime())) {
      fail("its validity period cannot be read", files.cert);
    }
    const now = this.#now();
    if (now.getTime() > validTo.getTime()) {
      fail(`it expired at ${validTo.toISOString()}`, files.cert);
    }
    if (now.getTime() < validFrom.getTime()) {
      fail(`it is not valid until ${validFrom.toISOString()}`, files.cert);
    }
    const info: TlsCertificateInfo = Object.freeze({
      certFile: files.cert,
      keyFile: files.key,
      serialNumber: x509.serialNumber,
      fingerprint256: x509.fingerprint256,
      validFrom,
      validTo,
    });
    if (validTo.getTime() - now.getTime() <= this.#warnWithin) {
      this.#log.warn(
        "The TLS certificate with serial {serialNumber} expires soon, at {validTo}",
        logProps(info),
      );
    }
    return { pair: Object.freeze({ cert: certPem, key: keyPem }), info };
  }
}

/**
 * Options for {@linkcode rotateSecureContext}.
 *
 * @example Usage
 * ```ts
 * import type { RotateSecureContextOptions } from "@hup/reload/tls";
 *
 * const options: RotateSecureContextOptions = { contextOptions: { minVersion: "TLSv1.3" } };
 * ```
 */
export interface RotateSecureContextOptions {
  /**
   * Other secure-context options (`ca`, `ciphers`, `minVersion`, …) to pass
   * with every new pair: `setSecureContext()` replaces the whole context, so
   * give here whatever the server was created with besides `cert` and `key`.
   *
   * @default {{}}
   */
  contextOptions?: Readonly<Record<string, unknown>>;
}

/**
 * A server whose certificate can be replaced while it listens:
 * `node:tls` `Server` (Node.js, Deno and Bun) and `node:https` `Server`
 * (Node.js and Deno; Bun's has no `setSecureContext`).
 *
 * @example Usage
 * ```ts
 * import type { SecureContextServer } from "@hup/reload/tls";
 *
 * const server: SecureContextServer = { setSecureContext(_options) {} };
 * ```
 */
export interface SecureContextServer {
  /** Uses `options` for every handshake from now on. */
  setSecureContext(options: { cert: string; key: string }): void;
}

/**
 * Makes a `node:tls` or `node:https` server present each certificate the
 * reloader swaps in, through `server.setSecureContext()`: new handshakes get
 * the new certificate, established connections keep the one they started
 * with. Applies the pair in effect right away, if any.
 *
 * Use this on Deno too: `Deno.serve()` and `Deno.listenTls()` cannot change
 * their certificate once listening, while Deno's `node:tls` and `node:https`
 * servers can. On Bun, use a `node:tls` server: `Bun.serve().reload()`
 * ignores `tls`, and Bun's `node:https` server has no `setSecureContext()`.
 *
 * @example Usage
 * ```ts
 * import { rotateSecureContext, TlsCertificateReloader } from "@hup/reload/tls";
 * import assert from "node:assert/strict";
 *
 * const calls: unknown[] = [];
 * const server = { setSecureContext: (options: { cert: string; key: string }) => void calls.push(options) };
 * const reloader = new TlsCertificateReloader<{ cert: string; key: string }>({ select: (c) => c });
 * const stop = rotateSecureContext(server, reloader, { contextOptions: { minVersion: "TLSv1.3" } });
 * assert.deepEqual(calls, []); // nothing loaded yet
 * stop();
 * ```
 *
 * @example With a Node.js HTTPS server
 * ```ts ignore
 * import { Coordinator } from "@hup/reload/tls";
 * import { rotateSecureContext, TlsCertificateReloader, type TlsFiles, tlsHook } from "@hup/reload/tls";
 * import { createServer } from "node:https"; // on Bun: node:tls
 *
 * interface Config { tls: TlsFiles } // tls: { cert: /etc/app/cert.pem, key: /etc/app/key.pem }
 * const certificates = new TlsCertificateReloader<Config>({ select: (config) => config.tls });
 * const coordinator = await Coordinator.create({
 *   configPath: "config.yaml",
 *   schema: configSchema, // any Standard Schema of Config
 *   hooks: [tlsHook(certificates)],
 * });
 * const pair = await certificates.load(coordinator.config.load()); // throws if the files are bad
 * const server = createServer({ ...pair }, (_req, res) => res.end("hello\n")).listen(8443);
 * rotateSecureContext(server, certificates);
 * coordinator.watch(); // kill -HUP rotates
 * ```
 *
 * @param server The server; anything with `setSecureContext()`.
 * @param reloader The reloader whose swaps to follow.
 * @param options What else to pass to `setSecureContext()`.
 * @returns A function that stops following the reloader.
 * @throws {TypeError} If `server` has no `setSecureContext()` method.
 * @throws {Error} If `setSecureContext()` rejects the pair in effect.
 */
export function rotateSecureContext(
  server: SecureContextServer,
  reloader: Pick<TlsCertificateReloader<unknown>, "current" | "subscribe">,
  options?: RotateSecureContextOptions,
): () => void {
  if (typeof server?.setSecureContext !== "function") {
    throw new TypeError(
      "Cannot rotate the TLS certificate as the server has no setSecureContext() method: use a node:tls server, or a node:https server on Node.js and Deno",
    );
  }
  const extra = options?.contextOptions ?? {};
  const apply = (pair: TlsKeyPair) =>
    server.setSecureContext({ ...extra, cert: pair.cert, key: pair.key });
  const pair = reloader.current();
  if (pair !== undefined) apply(pair);
  return reloader.subscribe(apply);
}

// The file paths are strings of the config: log records never show one.
function logProps(info: TlsCertificateInfo): Record<string, string> {
  return {
    serialNumber: info.serialNumber,
    validTo: info.validTo.toISOString(),
  };
}

// A certificate chain or key file is a few KiB; anything past this is not
// one, and is not read whole.
const MAX_PEM_BYTES = 1024 * 1024;

function fail(what: string, path: string): never {
  throw new Error(`Cannot rotate the TLS certificate as ${what}: ${path}`);
}

async function readPem(
  path: string,
  kind: "certificate" | "key",
): Promise<string> {
  let bytes: Uint8Array;
  try {
    bytes = await readSmallFile(path, MAX_PEM_BYTES);
  } catch (error) {
    throw new Error(
      `Cannot rotate the TLS certificate as the ${kind} file ${
        describeFileError(error)
      }: ${path}`,
      { cause: error },
    );
  }
  return new TextDecoder().decode(bytes);
}

// The messages below never include what the parser said: some parsers quote
// the input, and the input may be a private key.
function parseCertificate(pem: string, path: string): X509Certificate {
  if (!pem.includes("-----BEGIN CERTIFICATE-----")) {
    fail("the certificate file is not a PEM certificate", path);
  }
  try {
    return new X509Certificate(pem);
  } catch {
    fail("the certificate file holds no valid PEM certificate", path);
  }
}

function parseKey(pem: string, path: string): KeyObject {
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem)) {
    fail("the key file is not a PEM private key", path);
  }
  if (
    pem.includes("-----BEGIN ENCRYPTED PRIVATE KEY-----") ||
    pem.includes("Proc-Type: 4,ENCRYPTED")
  ) {
    fail("the key file is encrypted, which is not supported", path);
  }
  try {
    return createPrivateKey(pem);
  } catch {
    fail("the key file holds no valid PEM private key", path);
  }
}

function toDate(date: Date | undefined, text: string): Date {
  return date instanceof Date ? new Date(date.getTime()) : new Date(text);
}

/**
 * Anything that can verify and rotate a TLS certificate on reload, for
 * {@linkcode tlsHook}: a {@linkcode TlsCertificateReloader}, or a server's
 * own mechanism.
 *
 * @example A reloader for a server that rotates by itself
 * ```ts
 * import type { CertificateReloader } from "@hup/reload/tls";
 *
 * interface Config { tls: { cert: string; key: string } }
 * const server = { setSecureContext(_options: { cert: string; key: string }) {} };
 *
 * const reloader: CertificateReloader<Config> = {
 *   check(config) {
 *     if (config.tls.cert === "") throw new Error("Cannot rotate the certificate as no path is set: tls.cert");
 *   },
 *   reload(config) {
 *     server.setSecureContext({ cert: config.tls.cert, key: config.tls.key });
 *   },
 * };
 * ```
 *
 * @typeParam C The config type.
 */
export interface CertificateReloader<C> {
  /**
   * Verifies the certificate the new config names, without switching to it.
   * Throwing aborts the pass (`validation_failed`).
   */
  check?(config: C, signal?: AbortSignal): void | Promise<void>;
  /**
   * Switches to the certificate the new config names; `false` when there
   * was nothing to switch (no certificate, or the one in effect).
   */
  reload(
    config: C,
    signal: AbortSignal,
  ): void | boolean | Promise<void | boolean>;
}

/**
 * Builds the `tls_certificate` hook around a reloader: `check` calls the
 * reloader's `check` (so a bad pair rejects the whole pass), `apply` its
 * `reload`, and reports `skipped` when it swapped nothing (the files still
 * hold the pair in effect). The files are read on every pass, whatever
 * changed in the config: renewing them in place and sending SIGHUP rotates.
 *
 * @example Usage
 * ```ts
 * import { tlsHook } from "@hup/reload/tls";
 * import assert from "node:assert/strict";
 *
 * const rotated: string[] = [];
 * const hook = tlsHook<{ cert: string }>({ reload: (c) => void rotated.push(c.cert) });
 * const ctx = { signal: new AbortController().signal, changed: () => true, generation: 1, lookup: () => undefined };
 * assert.equal(await hook.apply(ctx, { cert: "a.pem" }, { cert: "b.pem" }), "applied");
 * assert.deepEqual(rotated, ["b.pem"]);
 * ```
 *
 * @typeParam C The config type.
 * @param reloader The reloader.
 * @returns The hook.
 */
export function tlsHook<C>(reloader: CertificateReloader<C>): Hook<C> {
  return {
    name: "tls_certificate",
    async check(_old, next) {
      await reloader.check?.(next);
    },
    async apply(ctx, _old, next) {
      const swapped = await reloader.reload(next, ctx.signal);
      return swapped === false ? HookStatus.Skipped : HookStatus.Applied;
    },
  };
}
