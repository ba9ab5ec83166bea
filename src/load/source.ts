import type { Timers } from "../deadline.ts";
import type { FormatName } from "./format/types.ts";

/**
 * What a {@linkcode ConfigSource} read: the config's bytes, as the source
 * holds them, and what identifies them.
 *
 * @example Usage
 * ```ts
 * import type { SourceContent } from "@hup/reload";
 *
 * const content: SourceContent = {
 *   bytes: new TextEncoder().encode("port: 8080\n"),
 *   version: "etag:\"5f3c\"",
 *   format: "yaml",
 * };
 * ```
 */
export interface SourceContent {
  /** The bytes, not yet decoded. */
  readonly bytes: Uint8Array;
  /**
   * What identifies these bytes at the source, for logs: a file's mtime, an
   * HTTP `ETag`, an etcd mod revision. Never a secret.
   */
  readonly version?: string;
  /**
   * The format, when the source knows it better than its name does (from
   * an HTTP `Content-Type`, say); otherwise the loader's `format` option,
   * then the name's ending, decide.
   */
  readonly format?: FormatName;
  /**
   * The directory that relative `${file:...}` references in this content
   * start from: a config file's own directory. Without it, such a
   * reference must be an absolute path.
   */
  readonly directory?: string;
}

/**
 * What the loader asks of a {@linkcode ConfigSource} on each read.
 *
 * @example Usage
 * ```ts
 * import type { SourceReadOptions } from "@hup/reload";
 *
 * const options: SourceReadOptions = { maxBytes: 1024 * 1024 };
 * ```
 */
export interface SourceReadOptions {
  /**
   * The most bytes the loader accepts (its `maxBytes`): a source refuses
   * larger content without reading all of it.
   */
  readonly maxBytes: number;
}

/**
 * How {@linkcode ConfigSource.watch} notices changes; each source uses what
 * applies to it and ignores the rest.
 *
 * @example Usage
 * ```ts
 * import type { SourceWatchOptions } from "@hup/reload";
 *
 * const options: SourceWatchOptions = { debounce: 10, pollInterval: 1000 };
 * ```
 */
export interface SourceWatchOptions {
  /**
   * Files: how long, in milliseconds, a directory must stay quiet after an
   * event before the file is compared.
   *
   * @default {10}
   */
  readonly debounce?: number;
  /**
   * Files: how often, in milliseconds, a file is compared while events
   * cannot be relied on (it or its directory is missing).
   *
   * @default {1000}
   */
  readonly pollInterval?: number;
  /**
   * The timers behind debouncing, polling and retries; inject fake ones in
   * tests.
   *
   * @default {globalThis.setTimeout and clearTimeout}
   */
  readonly timers?: Timers;
}

/**
 * Counters a remote source keeps of its requests, for metrics: how many
 * found a change, found none, or failed, and how it stands now.
 *
 * @example Usage
 * ```ts
 * import type { SourceStats } from "@hup/reload";
 *
 * const stats: SourceStats = {
 *   requests: { changed: 1, unchanged: 41, failed: 0 },
 *   consecutiveFailures: 0,
 *   lastSuccessAt: "2026-12-06T12:00:00.000Z",
 * };
 * ```
 */
export interface SourceStats {
  /**
   * Requests made (reads and change checks), by outcome: new content,
   * the same content (an HTTP 304 or the same bytes), or a failure.
   */
  readonly requests: {
    readonly changed: number;
    readonly unchanged: number;
    readonly failed: number;
  };
  /** Failed requests since the last one that succeeded. */
  readonly consecutiveFailures: number;
  /** When a request last succeeded (ISO 8601), or `null`. */
  readonly lastSuccessAt: string | null;
}

/**
 * Where a config's bytes come from: a file (`fileSource`), an HTTP URL
 * (`httpSource` from `@hup/reload/remote`), an etcd key (`etcdSource` from
 * `@hup/reload/etcd`), or anything that implements this. Every pass reads
 * each source once; the loader then decodes, parses, expands and
 * validates the bytes the same way whatever their source, with the same
 * bounds and messages. A source object belongs to one coordinator (it may
 * remember what it read last, to notice changes).
 *
 * @example A source that serves bytes from memory
 * ```ts
 * import { type ConfigSource, Coordinator } from "@hup/reload";
 * import assert from "node:assert/strict";
 *
 * let text = "greeting: hello\n";
 * const memory: ConfigSource = {
 *   name: "memory.yaml",
 *   read: () => Promise.resolve({ bytes: new TextEncoder().encode(text) }),
 * };
 * const coordinator = await Coordinator.create({ source: memory });
 * text = "greeting: hi\n";
 * await coordinator.reload();
 * assert.equal(coordinator.config.load().greeting, "hi");
 * ```
 */
export interface ConfigSource {
  /**
   * How messages, logs, metrics and the page name the source: a file's
   * path, a URL without its query or credentials, `etcd:<key>`. Never a
   * secret. Its ending (`.json`, `.toml`, ...) chooses the format when the
   * content does not say.
   */
  readonly name: string;
  /**
   * Reads the content now.
   *
   * @param options What the loader accepts.
   * @returns The content, or `undefined` when an optional source is absent
   *   (the layer is left out).
   * @throws {LoadError} If it cannot be read, naming the source and why;
   *   any other error is reported as the source failing.
   */
  read(options: SourceReadOptions): Promise<SourceContent | undefined>;
  /**
   * Starts noticing changes, if the source can (file events, polling, a
   * watch): `sourceChanges()` from `@hup/reload/watch` calls it. Calls
   * `onChange` when the content may have changed, never twice at once,
   * waiting for the promise it returns (the reload pass). Failures are the
   * source's to log; it never throws once started.
   *
   * @param onChange Asks for a pass.
   * @param options Timers and timings.
   * @returns A function that stops it.
   */
  watch?(
    onChange: () => Promise<unknown>,
    options?: SourceWatchOptions,
  ): () => void;
  /**
   * The source's request counters, for metrics (remote sources).
   *
   * @returns A snapshot.
   */
  stats?(): SourceStats;
}
