import { getLogger } from "@logtape/logtape";
import { Buffer } from "node:buffer";
import { realTimers, type Timers, withDeadline } from "../deadline.ts";
import { LoadError } from "../errors.ts";
import { FORMAT_NAMES } from "../load/format/mod.ts";
import type { FormatName } from "../load/format/types.ts";
import type {
  ConfigSource,
  SourceContent,
  SourceReadOptions,
  SourceStats,
  SourceWatchOptions,
} from "../load/source.ts";
import { renderError } from "../render.ts";

// How etcd3 1.1.2 behaves, found by experiment against etcd 3.4 with
// Node.js 20, Deno 2.9 and Bun 1.4, and what this module does about it:
// - Its `dialTimeout` option is read nowhere, and a call has no deadline
//   unless given one: every unary call gets a gRPC deadline of `timeout`,
//   and each request is also bounded by a timer of its own, which covers
//   the password-to-token exchange and the retries as well.
// - Its default per-host policy is a circuit breaker that refuses every
//   call for 5 s after three failures, and its default watch backoff grows
//   to 30 s: after etcd comes back, a watch could stay away for half a
//   minute. Each host here lets every call through (the request's bound and
//   etcd3's global retry on the next host remain), and the watch reconnects
//   at most a second apart.
// - A watch reconnects by itself and resumes from the revision after the
//   last one it saw, replaying what it missed; when that revision was
//   compacted away, etcd cancels the watch (its "error" event) and a new
//   one must be made.
// - `client.close()` does not end a watch stream, which keeps the process
//   alive, and once closed the client retries the watch forever: a watch
//   is cancelled first, and the client closed after.
// - `watch().create()` settles only once etcd answers; `watcher()` makes the
//   same watcher at once, so its events are heard from the start.
// - Loading it loads gRPC and compiles etcd's protocol files: it is loaded
//   at the first request, not with this module (and so `deno doc` does not
//   follow it into Node.js's types, which it cannot resolve).

type Etcd3Module = typeof import("etcd3");
type Etcd3 = import("etcd3").Etcd3;
type IKeyValue = import("etcd3").IKeyValue;
type IOptions = import("etcd3").IOptions;
type IRangeResponse = import("etcd3").IRangeResponse;
type Watcher = import("etcd3").Watcher;

let loading: Promise<Etcd3Module> | undefined;

/** The etcd3 module, loaded once; a failed load is tried again next time. */
function loadEtcd3(): Promise<Etcd3Module> {
  loading ??= import("etcd3").catch((error) => {
    loading = undefined;
    throw error;
  });
  return loading;
}

/** The default bound of one request to etcd, in milliseconds. */
const DEFAULT_TIMEOUT = 5000;
/** The longest a timer can wait. */
const MAX_TIMEOUT = 2147483647;
/** The first and the longest wait between two attempts to watch again. */
const RECONNECT_FIRST = 50;
const RECONNECT_MAX = 1000;
/** How long a failed change check waits before trying again. */
const CHECK_RETRY = 1000;
/** How long stopping waits for etcd to confirm the watch's end. */
const CANCEL_WAIT = 1000;

/**
 * The client certificates for a TLS connection to etcd, as PEM bytes (the
 * contents of the files that `etcdctl` takes as `--cacert`, `--key` and
 * `--cert`).
 *
 * @example Reading the files of a client certificate
 * ```ts ignore
 * import type { EtcdCredentials } from "@hup/reload/etcd";
 * import { readFile } from "node:fs/promises";
 *
 * const credentials: EtcdCredentials = {
 *   rootCertificate: await readFile("/etc/etcd/ca.crt"),
 *   privateKey: await readFile("/etc/etcd/client.key"),
 *   certChain: await readFile("/etc/etcd/client.crt"),
 * };
 * ```
 */
export interface EtcdCredentials {
  /** The certificate authority that signed etcd's certificate (PEM). */
  readonly rootCertificate: Uint8Array;
  /**
   * The client's private key (PEM), for etcd's `--client-cert-auth`.
   *
   * @default {undefined}
   */
  readonly privateKey?: Uint8Array;
  /**
   * The client's certificate chain (PEM), with `privateKey`.
   *
   * @default {undefined}
   */
  readonly certChain?: Uint8Array;
}

/**
 * Options for {@linkcode etcdSource}.
 *
 * @example A key on a three-member cluster, with password authentication
 * ```ts
 * import type { EtcdSourceOptions } from "@hup/reload/etcd";
 * import assert from "node:assert/strict";
 * import process from "node:process";
 *
 * const options: EtcdSourceOptions = {
 *   hosts: ["http://10.0.0.1:2379", "http://10.0.0.2:2379", "http://10.0.0.3:2379"],
 *   key: "/app/config.yaml",
 *   auth: { username: "app", password: process.env.ETCD_PASSWORD ?? "" },
 *   timeout: 2000,
 * };
 * assert.equal(options.timeout, 2000);
 * ```
 */
export interface EtcdSourceOptions {
  /**
   * The cluster's client URLs (`http://10.0.0.1:2379`, or `https://...`
   * for TLS), one or several members of one cluster; a request that fails
   * on one member is tried on another. Never credentials: those go in
   * `auth`.
   */
  readonly hosts: string | readonly string[];
  /**
   * The key whose value is the config. Its ending (`.json`, `.toml`,
   * `.yaml`) chooses the format when `format` is not given.
   */
  readonly key: string;
  /**
   * The value's format, when the key's ending does not say it.
   *
   * @default {by the key's ending: `.json` is JSON, `.toml` TOML, anything else YAML}
   */
  readonly format?: FormatName;
  /**
   * A user and password, for a cluster with authentication enabled
   * (`etcdctl auth enable`); the password never appears in a message, log
   * or the source's name.
   *
   * @default {undefined}
   */
  readonly auth?: { readonly username: string; readonly password: string };
  /**
   * The certificates for TLS; without them, `https://` hosts are checked
   * against the system's certificate authorities.
   *
   * @default {undefined}
   */
  readonly credentials?: EtcdCredentials;
  /**
   * The longest, in milliseconds, that one request may take, connecting
   * and authenticating included: a read of an unreachable etcd fails with
   * a `LoadError` after this long at most, so a reload pass never hangs.
   *
   * @default {5000}
   */
  readonly timeout?: number;
}

/**
 * A {@linkcode ConfigSource} that reads an etcd key and watches it,
 * returned by {@linkcode etcdSource}.
 *
 * @example Counting requests
 * ```ts
 * import { type EtcdSource, etcdSource } from "@hup/reload/etcd";
 * import assert from "node:assert/strict";
 *
 * const source: EtcdSource = etcdSource({
 *   hosts: "http://127.0.0.1:2379",
 *   key: "app/config.json",
 * });
 * assert.equal(source.name, "etcd:app/config.json");
 * assert.deepEqual(source.stats(), {
 *   requests: { changed: 0, unchanged: 0, failed: 0 },
 *   consecutiveFailures: 0,
 *   lastSuccessAt: null,
 * });
 * ```
 */
export interface EtcdSource extends ConfigSource {
  /** `etcd:<key>`. */
  readonly name: string;
  /**
   * Gets the key: its value is the config's bytes, its mod revision the
   * content's `version`.
   *
   * @param options What the loader accepts.
   * @returns The content.
   * @throws {LoadError} If the key does not exist, its value is larger
   *   than `options.maxBytes`, etcd cannot be reached or refuses the
   *   request (after `timeout` ms at most), or the etcd3 package cannot be
   *   loaded; the message names the key, never the value or the password.
   */
  read(options: SourceReadOptions): Promise<SourceContent>;
  /**
   * Watches the key with an etcd watch and calls `onChange` when it is put
   * or deleted, waiting for the promise it returns; calls never overlap,
   * and changes made during a call ask for one more call after it (none
   * when a read made during the call already saw them). Its first answer
   * and every reconnection re-read the key's mod revision: when it differs
   * from what `read()` last saw, `onChange` is called, so a change made
   * while etcd was away is never lost.
   *
   * A lost connection changes nothing (one warning log, under the LogTape
   * category `["hup-reload", "etcd"]`); the watch reconnects, at most a
   * second apart. Nothing is thrown or rejected once it runs: what
   * `onChange` throws is logged too. Until stopped, the watch keeps the
   * process alive.
   *
   * @param onChange Asks for a pass: `() => coordinator.reload()`.
   * @param options `timers`, for the bound of the re-reads and the waits
   *   between their tries; the other fields do not apply.
   * @returns A function that stops the watch and then closes the
   *   connection, so that nothing of the source keeps the process alive;
   *   `onChange` is not called again.
   */
  watch(
    onChange: () => Promise<unknown>,
    options?: SourceWatchOptions,
  ): () => void;
  /**
   * The counters of the requests made to etcd: reads (`changed` when the
   * mod revision differs from the last one read, `failed` when the read
   * throws) and the re-reads of the watch.
   *
   * @returns A snapshot.
   */
  stats(): SourceStats;
}

/**
 * Reads a config from an etcd (v3) key and reloads when the key changes.
 *
 * The source's `name` is `etcd:<key>`. `read()` gets the key
 * linearizably: the value is the config's bytes, the key's mod revision
 * its `version`. A missing key, a value larger than the loader's
 * `maxBytes`, and an etcd that cannot be reached within
 * `options.timeout` (5 s by default) or refuses the request are
 * `LoadError`s, which fail the pass and keep the config as it is.
 * `watch()` follows the key with an etcd watch (no polling), and
 * reconnects by itself.
 *
 * Nothing connects until the first `read()` or `watch()`, and nothing is
 * held between reads: the connection lasts while a watch runs or a request
 * is in flight. The client is etcd3 (an optional peer dependency: `npm
 * install etcd3`), loaded at the first request.
 *
 * @example Reading the key and following its changes
 * ```ts ignore
 * import { etcdSource } from "@hup/reload/etcd";
 *
 * const source = etcdSource({
 *   hosts: "http://127.0.0.1:2379",
 *   key: "/app/config.yaml",
 * });
 * const { bytes, version } = await source.read({ maxBytes: 1024 * 1024 });
 * console.log(`revision ${version}: ${bytes.length} bytes`);
 * const stop = source.watch(async () => {
 *   const next = await source.read({ maxBytes: 1024 * 1024 });
 *   console.log(`revision ${next.version}`);
 * });
 * // Later: stop() closes the watch and the connection.
 * ```
 *
 * @example Bad options are refused at once
 * ```ts
 * import { etcdSource } from "@hup/reload/etcd";
 * import assert from "node:assert/strict";
 *
 * assert.throws(
 *   () => etcdSource({ hosts: "http://127.0.0.1:2379", key: "" }),
 *   {
 *     name: "TypeError",
 *     message: "Cannot create the etcd source as options.key is not a non-empty string",
 *   },
 * );
 * ```
 *
 * @param options The hosts, the key, and how to connect.
 * @returns The source: a coordinator's, or one to `read()` and `watch()`
 *   directly.
 * @throws {TypeError} If an option has the wrong type: `hosts` is not a
 *   non-empty string or array of them (or holds credentials, or mixes
 *   `https://` with other hosts), `key` is not a non-empty string,
 *   `format` is not a format, `auth` or `credentials` is malformed, or
 *   `timeout` is not a positive number.
 * @throws {RangeError} If `timeout` is above 2147483647 ms, the longest a
 *   timer can wait.
 */
export function etcdSource(options: EtcdSourceOptions): EtcdSource {
  return new EtcdKeySource(checkOptions(options));
}

// -------------------------------------------------------------- options

interface Settings {
  hosts: string[];
  key: string;
  format?: FormatName;
  auth?: { username: string; password: string };
  credentials?: EtcdCredentials;
  timeout: number;
}

function checkOptions(options: EtcdSourceOptions): Settings {
  const fail = (what: string): never => {
    throw new TypeError(`Cannot create the etcd source as ${what}`);
  };
  if (typeof options !== "object" || options === null) {
    fail("options is not an object");
  }
  const { key, format, auth, credentials } = options;
  const hosts = typeof options.hosts === "string"
    ? [options.hosts]
    : Array.isArray(options.hosts)
    ? [...options.hosts as readonly unknown[]]
    : fail("options.hosts is not a string or an array of strings");
  if (hosts.length === 0) fail("options.hosts is empty");
  hosts.forEach((host, i) => {
    const field = typeof options.hosts === "string"
      ? "options.hosts"
      : `options.hosts[${i}]`;
    if (typeof host !== "string" || host.trim() === "") {
      fail(`${field} is not a non-empty string`);
    }
    // A URL's user info would reach gRPC's messages: no secret goes there.
    if (/^[^/]*\/\/[^/]*@|^[^/]*@/.test(host as string)) {
      fail(`${field} holds user info; give credentials in options.auth`);
    }
  });
  const secure = hosts.filter((h) => (h as string).startsWith("https:"));
  if (secure.length > 0 && secure.length < hosts.length) {
    fail("options.hosts mixes https:// hosts with others");
  }
  if (typeof key !== "string" || key === "") {
    fail("options.key is not a non-empty string");
  }
  if (format !== undefined && !FORMAT_NAMES.includes(format)) {
    fail(`options.format is not one of ${FORMAT_NAMES.join(", ")}`);
  }
  if (auth !== undefined) {
    if (typeof auth !== "object" || auth === null) {
      fail("options.auth is not an object");
    }
    if (typeof auth.username !== "string" || auth.username === "") {
      fail("options.auth.username is not a non-empty string");
    }
    if (typeof auth.password !== "string") {
      fail("options.auth.password is not a string");
    }
  }
  if (credentials !== undefined) {
    if (typeof credentials !== "object" || credentials === null) {
      fail("options.credentials is not an object");
    }
    if (!(credentials.rootCertificate instanceof Uint8Array)) {
      fail("options.credentials.rootCertificate is not a Uint8Array");
    }
    for (const field of ["privateKey", "certChain"] as const) {
      const value = credentials[field];
      if (value !== undefined && !(value instanceof Uint8Array)) {
        fail(`options.credentials.${field} is not a Uint8Array`);
      }
    }
  }
  const timeout = options.timeout ?? DEFAULT_TIMEOUT;
  if (!(typeof timeout === "number" && timeout > 0)) {
    fail("options.timeout is not a positive number of milliseconds");
  }
  if (timeout > MAX_TIMEOUT) {
    throw new RangeError(
      `Cannot create the etcd source as options.timeout is longer than ${MAX_TIMEOUT} ms (about 24.8 days, the longest a timer can wait)`,
    );
  }
  return {
    hosts: hosts as string[],
    key,
    format,
    // Copies, so that a caller's later change is not seen half-way.
    auth: auth && { username: auth.username, password: auth.password },
    credentials: credentials && { ...credentials },
    timeout,
  };
}

// -------------------------------------------------------------- the source

type HostPolicy = ReturnType<
  NonNullable<NonNullable<IOptions["faultHandling"]>["host"]>
>;
type WatchBackoff = NonNullable<
  NonNullable<IOptions["faultHandling"]>["watchBackoff"]
>;

// Lets every call through to its host (see the notes at the top).
const passThrough: HostPolicy = {
  _altReturn: undefined as never,
  onSuccess: () => ({ dispose() {} }),
  onFailure: () => ({ dispose() {} }),
  execute: (fn, signal) =>
    Promise.resolve().then(() =>
      fn({ signal: signal ?? new AbortController().signal })
    ),
};

// 50 ms, then twice as long each time up to 1 s, each cut by up to half
// at random so that many clients do not come back all at once.
function reconnectBackoff(attempt: number): WatchBackoff {
  const ceiling = Math.min(RECONNECT_MAX, RECONNECT_FIRST * 2 ** attempt);
  return {
    duration: ceiling * (0.5 + Math.random() / 2),
    next: () => reconnectBackoff(attempt + 1),
  };
}

/** The key as `read()` last found it. */
interface Seen {
  /** Its mod revision, or `null` when it did not exist. */
  modRevision: string | null;
  /** The store's revision then: changes up to it were seen. */
  revision: bigint;
}

/** What a change check found. */
interface CheckResult {
  changed: boolean;
  revision: bigint;
}

const toBuffer = (bytes: Uint8Array) =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

class EtcdKeySource implements EtcdSource {
  readonly name: string;
  readonly #options: Settings;
  readonly #keyBytes: Buffer;
  #client: Etcd3 | undefined;
  // Watches running and requests in flight: the client is closed at zero.
  #users = 0;
  #seen: Seen | undefined;
  #changed = 0;
  #unchanged = 0;
  #failed = 0;
  #consecutiveFailures = 0;
  #lastSuccessAt: string | null = null;

  constructor(options: Settings) {
    this.#options = options;
    this.name = `etcd:${options.key}`;
    this.#keyBytes = Buffer.from(options.key);
  }

  /** The store revision up to which `read()` saw every change. */
  get seenRevision(): bigint | undefined {
    return this.#seen?.revision;
  }

  async read(options: SourceReadOptions): Promise<SourceContent> {
    const response = await this.#request(false, realTimers);
    const kv = response.kvs[0] as IKeyValue | undefined;
    const seen: Seen = {
      modRevision: kv?.mod_revision ?? null,
      revision: BigInt(response.header.revision),
    };
    const changed = this.#seen?.modRevision !== seen.modRevision;
    this.#seen = seen;
    if (kv === undefined) {
      throw this.#failedRead(
        new LoadError("the key does not exist in etcd", [{
          path: this.name,
          reason: "",
        }]),
      );
    }
    if (kv.value.length > options.maxBytes) {
      throw this.#failedRead(
        new LoadError(
          `the value is larger than ${options.maxBytes} bytes (${kv.value.length} bytes)`,
          [{ path: this.name, reason: "" }],
        ),
      );
    }
    this.#count(changed ? "changed" : "unchanged");
    const content: SourceContent = {
      bytes: new Uint8Array(kv.value),
      version: kv.mod_revision,
    };
    const { format } = this.#options;
    return format === undefined ? content : { ...content, format };
  }

  /**
   * Re-reads the key's mod revision and compares it with what `read()`
   * last saw; with nothing read yet, what it finds becomes the baseline.
   */
  async check(timers: Timers): Promise<CheckResult> {
    const response = await this.#request(true, timers);
    const modRevision = response.kvs[0]?.mod_revision ?? null;
    const revision = BigInt(response.header.revision);
    const changed = this.#seen !== undefined &&
      this.#seen.modRevision !== modRevision;
    this.#seen ??= { modRevision, revision };
    this.#count(changed ? "changed" : "unchanged");
    return { changed, revision };
  }

  watch(
    onChange: () => Promise<unknown>,
    options: SourceWatchOptions = {},
  ): () => void {
    this.#users++;
    const watch = new KeyWatch(this, onChange, options.timers ?? realTimers);
    return () => {
      if (watch.stopped) return;
      void watch.stop().then(() => this.#release());
    };
  }

  stats(): SourceStats {
    return {
      requests: {
        changed: this.#changed,
        unchanged: this.#unchanged,
        failed: this.#failed,
      },
      consecutiveFailures: this.#consecutiveFailures,
      lastSuccessAt: this.#lastSuccessAt,
    };
  }

  /** A watcher of the key, listening from now on. */
  watcher(etcd3: Etcd3Module): Watcher {
    return this.#connect(etcd3).watch().key(this.#keyBytes).watcher();
  }

  /**
   * The client, made at first use and kept while a watch runs or a request
   * is in flight.
   */
  #connect(etcd3: Etcd3Module): Etcd3 {
    if (this.#client !== undefined) return this.#client;
    const { hosts, auth, credentials, timeout } = this.#options;
    this.#client = new etcd3.Etcd3({
      hosts,
      auth,
      credentials: credentials && {
        rootCertificate: toBuffer(credentials.rootCertificate),
        privateKey: credentials.privateKey && toBuffer(credentials.privateKey),
        certChain: credentials.certChain && toBuffer(credentials.certChain),
      },
      defaultCallOptions: (context) =>
        context.isStream ? {} : { deadline: Date.now() + timeout },
      faultHandling: {
        host: () => passThrough,
        watchBackoff: reconnectBackoff(0),
      },
    });
    return this.#client;
  }

  // Closes the client once nothing uses it, so that no connection is held
  // between reads; a later request makes another.
  #release(): void {
    if (--this.#users > 0 || this.#client === undefined) return;
    const client = this.#client;
    this.#client = undefined;
    client.close();
  }

  // Gets the key (or only its revisions), bounded by `timeout` whatever
  // etcd3 does; a failure is a LoadError naming the key.
  async #request(keysOnly: boolean, timers: Timers): Promise<IRangeResponse> {
    const { timeout } = this.#options;
    this.#users++;
    let etcd3: Etcd3Module | undefined;
    try {
      return await withDeadline(async () => {
        etcd3 = await loadEtcd3();
        // The call's own deadline is shared by etcd3's retries.
        const deadline = Date.now() + timeout;
        return await this.#connect(etcd3).kv.range(
          { key: this.#keyBytes, keys_only: keysOnly },
          { deadline },
        );
      }, { ms: timeout, timers, what: "The etcd request" });
    } catch (error) {
      const [reason, detail] = classify(error, timeout, etcd3);
      throw this.#failedRead(
        new LoadError(reason, [{ path: this.name, reason: detail }], {
          cause: error,
        }),
      );
    } finally {
      this.#release();
    }
  }

  #failedRead(error: LoadError): LoadError {
    this.#failed++;
    this.#consecutiveFailures++;
    return error;
  }

  #count(outcome: "changed" | "unchanged"): void {
    if (outcome === "changed") this.#changed++;
    else this.#unchanged++;
    this.#consecutiveFailures = 0;
    this.#lastSuccessAt = new Date().toISOString();
  }
}

// What went wrong, phrased to follow "Cannot load config as", and a detail.
// etcd's and gRPC's messages name no value and no password.
function classify(
  error: unknown,
  timeout: number,
  etcd3: Etcd3Module | undefined,
): [string, string] {
  const unreachable = "etcd cannot be reached";
  const timedOut = error instanceof Error && error.name === "TimeoutError";
  if (timedOut || (etcd3 && error instanceof etcd3.GRPCDeadlineExceededError)) {
    return [unreachable, `no answer within ${timeout} ms`];
  }
  const detail = renderError(error, 300);
  if (etcd3 === undefined) {
    return ["the etcd3 client cannot be loaded (npm install etcd3)", detail];
  }
  if (
    error instanceof etcd3.GRPCUnavailableError ||
    error instanceof etcd3.ClientClosedError
  ) {
    return [unreachable, detail];
  }
  if (
    error instanceof etcd3.EtcdAuthenticationFailedError ||
    error instanceof etcd3.EtcdInvalidAuthTokenError ||
    error instanceof etcd3.GRPCUnauthenticatedError
  ) {
    return ["etcd refused the credentials", detail];
  }
  if (error instanceof etcd3.EtcdPermissionDeniedError) {
    return ["etcd denied access to the key", detail];
  }
  return ["etcd failed the request", detail];
}

// -------------------------------------------------------------- the watch

const log = getLogger(["hup-reload", "etcd"]);

// Stops listening to a watcher; an "error" event still needs a listener,
// or the event emitter throws it.
function silence(watcher: Watcher): void {
  watcher.removeAllListeners();
  watcher.on("error", () => {});
}

/** One `watch()`: an etcd watcher and the calls of `onChange`. */
class KeyWatch {
  readonly #source: EtcdKeySource;
  readonly #onChange: () => Promise<unknown>;
  readonly #timers: Timers;
  #watcher: Watcher | undefined;
  #stopped = false;
  #running = false;
  // The newest revision at which a change was heard of, and the newest
  // one a call of onChange has started for.
  #latest = 0n;
  #handled = 0n;
  // A check found the key other than read() last saw it.
  #force = false;
  #retry: unknown;
  #hold: unknown;
  #problem = "";

  constructor(
    source: EtcdKeySource,
    onChange: () => Promise<unknown>,
    timers: Timers,
  ) {
    this.#source = source;
    this.#onChange = onChange;
    this.#timers = timers;
    this.#keepAlive();
    void this.#start();
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  /** Stops: cancels the watcher, waiting a little for etcd to confirm. */
  stop(): Promise<void> {
    this.#stopped = true;
    this.#clearRetry();
    this.#timers.clearTimeout(this.#hold);
    const watcher = this.#watcher;
    this.#watcher = undefined;
    return watcher === undefined ? Promise.resolve() : this.#cancel(watcher);
  }

  // Keeps the process alive until stopped, as a file watch does: when the
  // connection drops, etcd3 may hold nothing until it notices (on Bun, the
  // process could exit then, the watch with it).
  #keepAlive(): void {
    this.#hold = this.#timers.setTimeout(() => this.#keepAlive(), MAX_TIMEOUT);
  }

  async #start(): Promise<void> {
    let watcher: Watcher;
    try {
      const etcd3 = await loadEtcd3();
      if (this.#stopped) return;
      watcher = this.#source.watcher(etcd3);
    } catch (error) {
      this.#report("lost", error);
      this.#retryLater(() => void this.#start());
      return;
    }
    this.#watcher = watcher;
    watcher.on("put", (kv: IKeyValue) => this.#heard("put", kv.mod_revision));
    watcher.on("delete", (kv: IKeyValue) => {
      this.#heard("deleted", kv.mod_revision);
    });
    watcher.on("connected", () => this.#connected());
    watcher.on("disconnected", (error) => this.#report("lost", error));
    watcher.on("error", (error) => {
      // etcd cancelled the watch (its revision compacted away, a permission
      // taken back): watch again, from now, and compare. etcd3 has already
      // dropped this watcher; cancelling it too would send etcd a request
      // whose answer etcd3 matches to no watcher, and throws on.
      this.#report("cancelled", error);
      this.#watcher = undefined;
      silence(watcher);
      this.#retryLater(() => void this.#start());
    });
  }

  #heard(event: string, modRevision: string): void {
    log.debug("The etcd key was {event} at revision {revision}: {source}", {
      event,
      revision: modRevision,
      source: this.#source.name,
    });
    const revision = BigInt(modRevision);
    if (revision > this.#latest) this.#latest = revision;
    this.#kick();
  }

  #connected(): void {
    this.#report("", undefined);
    this.#clearRetry();
    void this.#check();
  }

  async #check(): Promise<void> {
    if (this.#stopped) return;
    let found: CheckResult;
    try {
      found = await this.#source.check(this.#timers);
    } catch (error) {
      if (this.#stopped) return;
      this.#report("check", error);
      this.#retryLater(() => void this.#check());
      return;
    }
    if (this.#stopped) return;
    if (this.#problem === "check") this.#report("", undefined);
    log.debug("Watching the etcd key from revision {revision}: {source}", {
      revision: String(found.revision),
      changed: found.changed,
      source: this.#source.name,
    });
    if (!found.changed) return;
    if (found.revision > this.#latest) this.#latest = found.revision;
    this.#force = true;
    this.#kick();
  }

  #needed(): boolean {
    if (this.#force) return true;
    const seen = this.#source.seenRevision ?? -1n;
    return this.#latest > (this.#handled > seen ? this.#handled : seen);
  }

  #kick(): void {
    if (this.#running || this.#stopped) return;
    void this.#run();
  }

  async #run(): Promise<void> {
    this.#running = true;
    try {
      while (!this.#stopped && this.#needed()) {
        this.#force = false;
        this.#handled = this.#latest;
        log.info("The etcd key changed: {source}", {
          source: this.#source.name,
        });
        try {
          await this.#onChange();
        } catch (error) {
          log.error("The etcd key's onChange failed: {source}: {error}", {
            source: this.#source.name,
            error: renderError(error),
          });
        }
      }
    } finally {
      this.#running = false;
    }
  }

  #retryLater(task: () => void): void {
    if (this.#stopped) return;
    this.#clearRetry();
    this.#retry = this.#timers.setTimeout(() => {
      this.#retry = undefined;
      if (!this.#stopped) task();
    }, CHECK_RETRY);
  }

  #clearRetry(): void {
    if (this.#retry === undefined) return;
    this.#timers.clearTimeout(this.#retry);
    this.#retry = undefined;
  }

  async #cancel(watcher: Watcher): Promise<void> {
    silence(watcher);
    let handle: unknown;
    const waited = new Promise<void>((resolve) => {
      handle = this.#timers.setTimeout(resolve, CANCEL_WAIT);
    });
    try {
      await Promise.race([watcher.cancel(), waited]);
    } catch (error) {
      log.debug("Cannot cancel the etcd watch: {source}: {error}", {
        source: this.#source.name,
        error: renderError(error),
      });
    } finally {
      this.#timers.clearTimeout(handle);
    }
  }

  // Logs a lasting problem once, and its end; "" means all is well.
  #report(problem: string, error: unknown): void {
    if (problem === this.#problem || this.#stopped) return;
    const before = this.#problem;
    this.#problem = problem;
    const source = this.#source.name;
    if (problem === "") {
      log.info("Watching the etcd key again: {source}", { source });
      return;
    }
    if (problem === "lost" && before !== "") return; // still away
    const message = problem === "lost"
      ? "Cannot watch the etcd key, keeping the config and reconnecting: {source}: {error}"
      : problem === "cancelled"
      ? "etcd cancelled the watch of the key, watching it again: {source}: {error}"
      : "Cannot re-read the etcd key after reconnecting, trying again: {source}: {error}";
    log.warn(message, { source, error: renderError(error) });
  }
}
