import { getLogger, type Logger } from "@logtape/logtape";
import { realTimers, type Timers } from "../deadline.ts";
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
import { fetchFailure } from "../fetch_errors.ts";
import { readBody } from "../http_body.ts";
import { renderError, truncate } from "../render.ts";

// What this module keeps out of every output (errors, logs, stats, name):
// the URL's query, fragment and credentials, and every header value, sent
// or received. Errors of `fetch` are never rendered or attached as a cause:
// Deno's quote the whole URL, query included, and a header's quote its
// value. Only an error code the runtime sets (ECONNREFUSED), or one read
// from a known phrase of Deno's message, is shown.

const DEFAULT_EVERY = 30_000;
const DEFAULT_TIMEOUT = 10_000;
const DEFAULT_MAX_BYTES = 1024 * 1024;
/** The longest backoff, unless `every` is longer. */
const MAX_BACKOFF = 300_000;
/** The most redirects followed for one request. */
const MAX_REDIRECTS = 5;
/** The longest delay a timer takes on every runtime. */
const MAX_TIMER = 2 ** 31 - 1;
/** The longest `version`, in UTF-16 code units. */
const MAX_VERSION = 256;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** The media types that name a format; `+json` suffixes are JSON too. */
const MEDIA_TYPES: Readonly<Record<string, FormatName>> = {
  "application/json": "json",
  "application/yaml": "yaml",
  "application/x-yaml": "yaml",
  "text/yaml": "yaml",
  "text/x-yaml": "yaml",
  "application/toml": "toml",
  "text/x-toml": "toml",
};

/**
 * Options for {@linkcode httpSource}.
 *
 * @example Polling every minute with a bearer token
 * ```ts
 * import type { HttpSourceOptions } from "@hup/reload/remote";
 * import assert from "node:assert/strict";
 *
 * const options: HttpSourceOptions = {
 *   every: 60_000,
 *   headers: { authorization: "Bearer s3cret" },
 *   format: "json",
 * };
 * assert.equal(options.every, 60_000);
 * ```
 */
export interface HttpSourceOptions {
  /**
   * How often, in milliseconds, {@linkcode HttpSource.watch} asks the
   * server whether the content changed. After a failure it waits longer:
   * twice as long after each one in a row, up to five minutes (or `every`,
   * if longer), and `every` again after a success.
   *
   * @default {30000}
   */
  readonly every?: number;
  /**
   * Headers sent with every request (an `Authorization` token, say). Their
   * values appear in no error, log or stats. Credentials in the URL
   * (`https://user:pass@host/...`) become an `Authorization: Basic` header
   * unless this sets one.
   *
   * @default {{}}
   */
  readonly headers?: HeadersInit;
  /**
   * The content's format, whatever the response's `Content-Type` says.
   * Without it, the `Content-Type` decides (`application/json` and any
   * `+json` type, `application/yaml`, `application/x-yaml`, `text/yaml`,
   * `text/x-yaml`, `application/toml`, `text/x-toml`), and for any other
   * type the loader goes by the URL path's ending.
   *
   * @default {undefined}
   */
  readonly format?: FormatName;
  /**
   * How long, in milliseconds, one request may take, from sending it to
   * the last byte of the body, redirects included.
   *
   * @default {10000}
   */
  readonly timeout?: number;
  /**
   * The most bytes of content accepted; the loader's own `maxBytes` also
   * applies, and the smaller one counts. A larger response is refused by
   * its `Content-Length`, or, without one, once that many bytes came.
   *
   * @default {1048576}
   */
  readonly maxBytes?: number;
}

/**
 * A {@linkcode ConfigSource} that reads a config over HTTP(S), returned by
 * {@linkcode httpSource}: it always has `watch` (polling) and `stats`.
 *
 * @example Counting requests
 * ```ts
 * import { type HttpSource, httpSource } from "@hup/reload/remote";
 * import assert from "node:assert/strict";
 *
 * const source: HttpSource = httpSource("https://config.internal/app.yaml");
 * assert.deepEqual(source.stats(), {
 *   requests: { changed: 0, unchanged: 0, failed: 0 },
 *   consecutiveFailures: 0,
 *   lastSuccessAt: null,
 * });
 * ```
 */
export interface HttpSource extends ConfigSource {
  /**
   * GETs the URL now: conditionally once it holds content, which a 304
   * reuses.
   *
   * @param options The loader's size limit, `maxBytes`.
   * @returns The content, never `undefined`: a missing config (404) is a
   *   failure.
   * @throws {LoadError} If the request fails, naming the source and why.
   */
  read(options: SourceReadOptions): Promise<SourceContent>;
  /**
   * Polls the URL every `every` milliseconds with a conditional request,
   * and calls `onChange` when the content's bytes differ from those the
   * last successful `read` returned: a change whose read failed (the pass
   * it asked for could not reach the server) is reported again by the next
   * poll that succeeds.
   *
   * @param onChange Asks for a pass; waited for before the next poll.
   * @param options `timers`, for the polling interval and the backoff.
   * @returns A function that stops polling and aborts a request in flight.
   * @throws {TypeError} If `onChange` is not a function.
   */
  watch(
    onChange: () => Promise<unknown>,
    options?: SourceWatchOptions,
  ): () => void;
  /**
   * The counters of its requests, reads and polls alike.
   *
   * @returns A snapshot, plain data.
   */
  stats(): SourceStats;
}

/**
 * Reads a config from an HTTP(S) URL, as a {@linkcode ConfigSource}: each
 * read is a GET, conditional (`If-None-Match`, `If-Modified-Since`) once it
 * holds content, so an unchanged config is not downloaded again; `watch`
 * polls the same way.
 *
 * Every request is bounded: `options.timeout` for the whole of it, body
 * included, and the smaller of `options.maxBytes` and the loader's
 * `maxBytes` for the content. Redirects are followed up to 5 times, to the
 * same origin only. Any status but 200 (and 304 when it holds content) is
 * a failure: a read then throws a {@linkcode LoadError}, and a poll logs
 * it once, under the LogTape category `["hup-reload", "remote"]`, and
 * retries with backoff.
 *
 * Its `name`, in messages, logs and metrics, is the URL without its
 * credentials, query or fragment: a query often holds a token (an S3
 * presigned URL's `X-Amz-Signature`), and it appears in no output, nor does
 * any header value.
 *
 * @example Reading a config from a server
 * ```ts
 * import { httpSource } from "@hup/reload/remote";
 * import assert from "node:assert/strict";
 * import { createServer } from "node:http";
 *
 * const server = createServer((_request, response) => {
 *   response.writeHead(200, { "content-type": "application/yaml", etag: '"v1"' });
 *   response.end("greeting: hello\n");
 * });
 * await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
 * const { port } = server.address() as { port: number };
 *
 * const source = httpSource(`http://127.0.0.1:${port}/app/config.yaml?token=s3cret`);
 * assert.equal(source.name, `http://127.0.0.1:${port}/app/config.yaml`);
 * const content = await source.read({ maxBytes: 1024 * 1024 });
 * assert.equal(new TextDecoder().decode(content?.bytes), "greeting: hello\n");
 * assert.equal(content?.format, "yaml");
 * assert.equal(content?.version, 'etag:"v1"');
 * server.closeAllConnections();
 * server.close();
 * ```
 *
 * @example A failure names the source, never the query
 * ```ts
 * import { LoadError } from "@hup/reload";
 * import { httpSource } from "@hup/reload/remote";
 * import assert from "node:assert/strict";
 * import { createServer } from "node:http";
 *
 * const server = createServer((_request, response) => {
 *   response.writeHead(503);
 *   response.end();
 * });
 * await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
 * const { port } = server.address() as { port: number };
 *
 * const source = httpSource(`http://127.0.0.1:${port}/config.json?token=s3cret`);
 * await assert.rejects(source.read({ maxBytes: 1024 }), (error) => {
 *   assert.ok(error instanceof LoadError);
 *   assert.equal(
 *     error.message,
 *     `Cannot load config as the server answered 503: http://127.0.0.1:${port}/config.json`,
 *   );
 *   return true;
 * });
 * assert.equal(source.stats().requests.failed, 1);
 * server.closeAllConnections();
 * server.close();
 * ```
 *
 * @param url The config's absolute `http:` or `https:` URL.
 * @param options The polling interval, headers, format, timeout and size
 *   limit.
 * @returns The source, for a coordinator or `loadConfig`.
 * @throws {TypeError} If `url` is not an absolute `http:` or `https:` URL,
 *   `options.headers` holds an invalid header, or `options.format` is not a
 *   format.
 * @throws {RangeError} If `options.every` or `options.timeout` is not a
 *   positive number of milliseconds (up to 2147483647), or
 *   `options.maxBytes` is not a positive integer.
 */
export function httpSource(
  url: string | URL,
  options: HttpSourceOptions = {},
): HttpSource {
  return new HttpConfigSource(parseUrl(url), checkOptions(options ?? {}));
}

interface Settings {
  every: number;
  timeout: number;
  maxBytes: number;
  format: FormatName | undefined;
  headers: Headers;
}

function parseUrl(input: string | URL): URL {
  if (typeof input !== "string" && !(input instanceof URL)) {
    throw new TypeError(
      "Cannot create the HTTP source as url is not a string or a URL",
    );
  }
  let url: URL;
  try {
    url = new URL(input instanceof URL ? input.href : input);
  } catch {
    // The URL is not quoted: it may hold a token.
    throw new TypeError(
      "Cannot create the HTTP source as url is not an absolute URL",
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new TypeError(
      `Cannot create the HTTP source as url is not an http: or https: URL: ${
        truncate(url.protocol, 32)
      }`,
    );
  }
  url.hash = "";
  return url;
}

function checkOptions(options: HttpSourceOptions): Settings {
  const {
    every = DEFAULT_EVERY,
    timeout = DEFAULT_TIMEOUT,
    maxBytes = DEFAULT_MAX_BYTES,
    format,
    headers,
  } = options;
  checkMilliseconds("every", every);
  checkMilliseconds("timeout", timeout);
  if (!Number.isSafeInteger(maxBytes) || maxBytes <= 0) {
    throw new RangeError(
      "Cannot create the HTTP source as options.maxBytes is not a positive integer",
    );
  }
  if (format !== undefined && !FORMAT_NAMES.includes(format)) {
    throw new TypeError(
      `Cannot create the HTTP source as options.format is not one of ${
        FORMAT_NAMES.join(", ")
      }`,
    );
  }
  let copy: Headers;
  try {
    copy = new Headers(headers);
  } catch {
    // The runtime's message quotes the value, which may be a token.
    throw new TypeError(
      "Cannot create the HTTP source as options.headers holds an invalid header name or value",
    );
  }
  return { every, timeout, maxBytes, format, headers: copy };
}

function checkMilliseconds(field: string, value: unknown): void {
  if (typeof value !== "number" || !(value > 0 && value < Infinity)) {
    throw new RangeError(
      `Cannot create the HTTP source as options.${field} is not a positive number of milliseconds`,
    );
  }
  if (value > MAX_TIMER) {
    throw new RangeError(
      `Cannot create the HTTP source as options.${field} is more than ${MAX_TIMER} milliseconds`,
    );
  }
}

/** What the source holds from its last successful request. */
interface Held {
  readonly bytes: Uint8Array;
  readonly etag: string | null;
  readonly lastModified: string | null;
  /** The format its `Content-Type` named, when it named one. */
  readonly format: FormatName | undefined;
}

/** What one request found. */
interface Outcome {
  readonly changed: boolean;
  readonly content: SourceContent;
}

/** Thrown inside a request that `watch`'s stop function aborted. */
class Stopped extends Error {
  constructor() {
    super("The request was aborted as its watch stopped");
    this.name = "Stopped";
  }
}

class HttpConfigSource implements HttpSource {
  readonly name: string;
  readonly #url: URL;
  readonly #settings: Settings;
  readonly #headers: Headers;
  readonly #log: Logger = getLogger(["hup-reload", "remote"]);
  #held: Held | null = null;
  /** The bytes the last successful read returned, which polls compare. */
  #read: Uint8Array | null = null;
  /** The size limit of the last read, which polls keep to as well. */
  #limit: number;
  /** Requests started, and the latest one whose outcome was recorded. */
  #started = 0;
  #recorded = 0;
  #changed = 0;
  #unchanged = 0;
  #failed = 0;
  #consecutiveFailures = 0;
  #lastSuccessAt: string | null = null;

  constructor(url: URL, settings: Settings) {
    this.name = `${url.origin}${url.pathname}`;
    this.#settings = settings;
    this.#limit = settings.maxBytes;
    this.#headers = new Headers(settings.headers);
    if (
      (url.username !== "" || url.password !== "") &&
      !this.#headers.has("authorization")
    ) {
      this.#headers.set(
        "authorization",
        `Basic ${basicCredentials(url.username, url.password)}`,
      );
    }
    url.username = "";
    url.password = "";
    this.#url = url;
  }

  async read(options: SourceReadOptions): Promise<SourceContent> {
    const asked = options?.maxBytes;
    if (typeof asked === "number" && asked > 0) {
      this.#limit = Math.min(this.#settings.maxBytes, asked);
    }
    const { content } = await this.#counted(this.#limit, undefined);
    this.#read = content.bytes;
    return content;
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

  watch(
    onChange: () => Promise<unknown>,
    options: SourceWatchOptions = {},
  ): () => void {
    if (typeof onChange !== "function") {
      throw new TypeError(
        `Cannot watch the HTTP source as onChange is not a function: ${this.name}`,
      );
    }
    const poll = new Poll(
      this.name,
      this.#settings.every,
      options?.timers ?? realTimers,
      this.#log,
      // A change is new to the reader: what the last read returned, not
      // what the last request found, which a failed read never passed on.
      async (signal) => {
        const outcome = await this.#counted(this.#limit, signal);
        const read = this.#read;
        const { bytes } = outcome.content;
        const changed = read === null ||
          (read !== bytes && !sameBytes(read, bytes));
        return { ...outcome, changed };
      },
      onChange,
    );
    return poll.stop;
  }

  /** One request, recorded in the counters; a stopped one is not. */
  async #counted(
    limit: number,
    signal: AbortSignal | undefined,
  ): Promise<Outcome> {
    let outcome: Outcome;
    try {
      outcome = await this.#request(limit, signal);
    } catch (error) {
      if (!(error instanceof Stopped)) {
        this.#failed++;
        this.#consecutiveFailures++;
      }
      throw error;
    }
    if (outcome.changed) this.#changed++;
    else this.#unchanged++;
    this.#consecutiveFailures = 0;
    this.#lastSuccessAt = new Date().toISOString();
    return outcome;
  }

  /**
   * GETs the URL, following same-origin redirects, within the timeout.
   *
   * @throws {LoadError} If it fails, saying why.
   * @throws {Stopped} If `signal` aborted it.
   */
  async #request(
    limit: number,
    signal: AbortSignal | undefined,
  ): Promise<Outcome> {
    const id = ++this.#started;
    // A 304 answers the validators sent, so it reuses the content they
    // came with, whatever another request recorded meanwhile.
    const held = this.#held;
    const { timeout } = this.#settings;
    // A timer of our own, not `AbortSignal.timeout()`: it is cleared when
    // the request ends, where the platform's stays pending (on Deno keeping
    // the process alive) until the timeout passes.
    const deadline = new AbortController();
    let timedOut = false;
    const timer = realTimers.setTimeout(() => {
      timedOut = true;
      deadline.abort();
    }, timeout);
    const aborted = signal === undefined
      ? deadline.signal
      : AbortSignal.any([signal, deadline.signal]);
    try {
      if (signal?.aborted) throw new Stopped();
      const response = await this.#fetch(held, aborted);
      if (response.status === 304) {
        await discard(response);
        if (held === null) {
          throw this.#error(
            "the server answered 304 to a request that was not conditional",
          );
        }
        const next: Held = {
          ...held,
          etag: response.headers.get("etag") ?? held.etag,
          lastModified: response.headers.get("last-modified") ??
            held.lastModified,
        };
        this.#record(id, next);
        return { changed: false, content: this.#content(next) };
      }
      if (response.status !== 200) {
        await discard(response);
        throw this.#error(`the server answered ${response.status}`);
      }
      const bytes = await this.#body(response, limit);
      const next: Held = {
        bytes,
        etag: response.headers.get("etag"),
        lastModified: response.headers.get("last-modified"),
        format: formatOf(response.headers.get("content-type")),
      };
      // Compared with the latest content, which a concurrent read may have
      // recorded: a change is new to whoever reads this source.
      const latest = this.#held;
      const changed = latest === null || !sameBytes(latest.bytes, bytes);
      this.#record(id, next);
      return { changed, content: this.#content(next) };
    } catch (error) {
      if (error instanceof LoadError) throw error;
      if (signal?.aborted) throw new Stopped();
      if (timedOut) {
        throw this.#error(`the request timed out after ${timeout} ms`);
      }
      throw this.#error(networkFailure(error));
    } finally {
      realTimers.clearTimeout(timer);
    }
  }

  /** Sends the GET and follows redirects to the same origin. */
  async #fetch(held: Held | null, signal: AbortSignal): Promise<Response> {
    const headers = new Headers(this.#headers);
    if (held?.etag != null) headers.set("if-none-match", held.etag);
    if (held?.lastModified != null) {
      headers.set("if-modified-since", held.lastModified);
    }
    let url = this.#url;
    for (let hops = 0;; hops++) {
      const response = await fetch(url, {
        headers,
        redirect: "manual",
        signal,
      });
      if (!REDIRECTS.has(response.status)) return response;
      await discard(response);
      const location = response.headers.get("location");
      if (location === null) {
        throw this.#error(
          `the server answered ${response.status} without a Location header`,
        );
      }
      let next: URL;
      try {
        next = new URL(location, url);
      } catch {
        throw this.#error("the server redirected to an invalid URL");
      }
      if (next.protocol !== "http:" && next.protocol !== "https:") {
        throw this.#error(
          "the server redirected to a URL that is not http: or https:",
        );
      }
      if (next.origin !== this.#url.origin) {
        // The origin only: the path and query may hold a token.
        throw this.#error(
          "the server redirected to another origin",
          truncate(next.origin, 300),
        );
      }
      if (hops === MAX_REDIRECTS) {
        throw this.#error(
          `the server redirected more than ${MAX_REDIRECTS} times`,
        );
      }
      next.username = next.password = next.hash = "";
      url = next;
    }
  }

  /** Reads the body, refusing it once it is larger than `limit`. */
  async #body(response: Response, limit: number): Promise<Uint8Array> {
    const tooLarge = () =>
      this.#error(`the response is larger than ${limit} bytes`);
    const length = response.headers.get("content-length");
    if (length !== null && /^\d+$/.test(length) && Number(length) > limit) {
      await discard(response);
      throw tooLarge();
    }
    let bytes: Uint8Array | undefined;
    try {
      bytes = await readBody(response, limit);
    } catch (error) {
      // Aborted (stopped, or timed out) or cut short: #request says which.
      throw new BodyError(error);
    }
    if (bytes === undefined) throw tooLarge();
    return bytes;
  }

  /** Records what a request found, unless a later one already did. */
  #record(id: number, held: Held): void {
    if (id < this.#recorded) return;
    this.#recorded = id;
    this.#held = held;
  }

  #content(held: Held): SourceContent {
    const validator = held.etag !== null
      ? `etag:${held.etag}`
      : held.lastModified !== null
      ? `last-modified:${held.lastModified}`
      : undefined;
    const format = this.#settings.format ?? held.format;
    return {
      bytes: held.bytes,
      ...(validator === undefined
        ? {}
        : { version: truncate(validator, MAX_VERSION) }),
      ...(format === undefined ? {} : { format }),
    };
  }

  #error(reason: string, detail: string = ""): LoadError {
    return new LoadError(reason, [{ path: this.name, reason: detail }]);
  }
}

/** A failure while the body was read, to tell from one before it. */
class BodyError extends Error {
  constructor(cause: unknown) {
    super("The response body cannot be read", { cause });
    this.name = "BodyError";
  }
}

/**
 * Polls a source for `watch`: one request at a time, none while `onChange`
 * runs, every `every` ms, backing off while they fail.
 */
class Poll {
  readonly #name: string;
  readonly #every: number;
  readonly #timers: Timers;
  readonly #log: Logger;
  readonly #request: (signal: AbortSignal) => Promise<Outcome>;
  readonly #onChange: () => Promise<unknown>;
  #stopped = false;
  #timer: unknown = undefined;
  #controller: AbortController | null = null;
  /** Polls failed in a row. */
  #failing = 0;

  constructor(
    name: string,
    every: number,
    timers: Timers,
    log: Logger,
    request: (signal: AbortSignal) => Promise<Outcome>,
    onChange: () => Promise<unknown>,
  ) {
    this.#name = name;
    this.#every = every;
    this.#timers = timers;
    this.#log = log;
    this.#request = request;
    this.#onChange = onChange;
    this.#schedule(every);
  }

  stop = (): void => {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.#timer !== undefined) this.#timers.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#controller?.abort();
    this.#controller = null;
  };

  #schedule(ms: number): void {
    this.#timer = this.#timers.setTimeout(this.#fire, ms);
  }

  #fire = (): void => {
    this.#timer = undefined;
    if (this.#stopped) return;
    this.#poll().catch(() => {
      // Only a logger that throws gets here; polling goes on regardless.
      if (!this.#stopped && this.#timer === undefined) {
        this.#schedule(this.#every);
      }
    });
  };

  async #poll(): Promise<void> {
    let delay = this.#every;
    const controller = new AbortController();
    this.#controller = controller;
    let outcome: Outcome | undefined;
    let failure: unknown;
    try {
      outcome = await this.#request(controller.signal);
    } catch (error) {
      failure = error;
    }
    if (this.#controller === controller) this.#controller = null;
    if (this.#stopped) return;
    if (outcome === undefined) {
      this.#failing++;
      delay = Math.min(
        this.#every * 2 ** this.#failing,
        Math.max(this.#every, MAX_BACKOFF),
      );
      const fields = {
        source: this.#name,
        error: renderError(failure),
        delay,
      };
      if (this.#failing === 1) {
        this.#log.warn(
          "Cannot poll the config source, retrying in {delay} ms: {source}: {error}",
          fields,
        );
      } else {
        this.#log.debug(
          "Cannot poll the config source, retrying in {delay} ms: {source}: {error}",
          fields,
        );
      }
    } else {
      if (this.#failing > 0) {
        this.#log.info("The config source is reachable again: {source}", {
          source: this.#name,
        });
      }
      this.#failing = 0;
      if (outcome.changed) {
        this.#log.info("The config source changed: {source}", {
          source: this.#name,
          version: outcome.content.version,
        });
        try {
          await this.#onChange();
        } catch (error) {
          this.#log.error(
            "The config source's onChange failed: {source}: {error}",
            {
              source: this.#name,
              error: renderError(error),
            },
          );
        }
        if (this.#stopped) return;
      }
    }
    this.#schedule(delay);
  }
}

/** The format a `Content-Type` names, if it names one. */
function formatOf(contentType: string | null): FormatName | undefined {
  if (contentType === null) return undefined;
  const type = contentType.split(";", 1)[0].trim().toLowerCase();
  if (type.endsWith("+json")) return "json";
  return Object.hasOwn(MEDIA_TYPES, type) ? MEDIA_TYPES[type] : undefined;
}

/** Cancels a body that will not be read, freeing the connection. */
async function discard(response: Response): Promise<void> {
  try {
    await response.body?.cancel();
  } catch {
    // Nothing to free.
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** `user:password` as Basic credentials: percent-decoded, UTF-8, base64. */
function basicCredentials(username: string, password: string): string {
  const decode = (part: string) => {
    try {
      return decodeURIComponent(part);
    } catch {
      return part;
    }
  };
  const bytes = new TextEncoder().encode(
    `${decode(username)}:${decode(password)}`,
  );
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/**
 * Why a request failed, in words, with the runtime's error code: never the
 * runtime's message, which may quote the URL.
 */
function networkFailure(error: unknown): string {
  const failure = fetchFailure(
    error instanceof BodyError ? error.cause : error,
  );
  let words = failure.words ?? "the request failed";
  if (error instanceof BodyError) words += " while the response was read";
  return failure.code === undefined ? words : `${words} (${failure.code})`;
}
