import { getLogger, type Logger } from "@logtape/logtape";
import { type FSWatcher, watch } from "node:fs";
import { stat } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { realTimers, type Timers } from "../deadline.ts";
import { sha256 } from "../digest.ts";
import { coarseTimestamps, renamedWhole } from "../load/file_source.ts";
import { renderError } from "../render.ts";
import { runtime } from "../runtime/mod.ts";
import { linkChain } from "./link_chain.ts";

// Re-exported so this module documents on its own (`deno doc --lint`); the
// same type `mod.ts` exports.

// How fs.watch on a directory behaves on Linux (inotify), found by experiment
// with Node.js 20.20, Deno 2.9.6 and Bun 1.4.5, and what this module does:
// - Event types and file names are unreliable (Deno reports the rename of a
//   temp symlink over config.yaml as two events naming the temp link), so any
//   event only means "compare the file now".
// - Deno drops the event for creating a symlink whose target lies outside
//   the watched directory (denoland/deno#27560): such a re-created config is
//   found by polling, which runs while the file is missing.
// - Deno reports a watch that fails (a missing directory) as an "error"
//   event rather than by throwing, and ignores `persistent: false`: a watch
//   keeps the process alive until closed, as by default on Node and Bun.
// - Bun can drop, for good, the event of a write that follows a reported
//   event for the same file within a few milliseconds. A comparison always
//   follows the last reported event by the debounce, so it sees that write.
// - A deleted watched directory gets no error on any runtime: its watch just
//   goes silent after the deletion's event. Each comparison checks the
//   directories' identities (device and inode) and watches them again,
//   polling until they exist.

// The directories whose watch was closed within the current turn of the
// event loop, by path, across every watch of the process: Deno shares one
// watcher per process, keyed by path, and applies a close a turn later, so
// a new watch of the same path made before then gets no events, ever (a
// directory removed and made again, or replaced by another). A new watch
// of such a path waits for the turn to end.
const closings = new Map<string, Promise<void>>();

// How a directory is watched: node:fs's watch, or what a test puts in its
// place to make watches fail as an inotify limit does.
let fsWatch: (dir: string, listener: (type?: string) => void) => FSWatcher =
  watch;

/**
 * Replaces how directories are watched, for tests of a watch that cannot
 * be created or dies; without an argument, restores `node:fs`'s `watch`.
 * Not part of the public API.
 *
 * @param replacement The function that watches a directory.
 */
export function setDirectoryWatchForTesting(
  replacement?: (dir: string, listener: (type?: string) => void) => FSWatcher,
): void {
  fsWatch = replacement ?? watch;
}

// What a missing file counts as, as `knownDigest` says it.
const ABSENT = "absent";

// Files larger than this are compared by their stat fields instead of a hash
// of their bytes (the loader refuses them by default anyway).
const MAX_HASHED_BYTES = 16 * 1024 * 1024;

/**
 * Options for {@linkcode watchConfigFile}.
 *
 * @example Polling faster while the file is missing
 * ```ts
 * import type { WatchConfigFileOptions } from "@hup/reload/watch";
 * import assert from "node:assert/strict";
 *
 * const options: WatchConfigFileOptions = { debounce: 50, pollInterval: 250 };
 * assert.equal(options.debounce, 50);
 * ```
 */
export interface WatchConfigFileOptions {
  /**
   * How long, in milliseconds, the directory must stay quiet after an event
   * before the file is compared with the last content seen; a burst of
   * events is compared once. A directory that never stays quiet that long
   * is still compared every ten debounce periods. Keep it at 10 or more: on
   * Bun, a write that follows another within a few milliseconds may raise
   * no event, and only a comparison made after the burst sees it.
   *
   * @default {10}
   */
  debounce?: number;
  /**
   * How often, in milliseconds, the file is compared while events cannot be
   * relied on: while the file or a watched directory is missing, or a
   * directory could not be watched.
   *
   * @default {1000}
   */
  pollInterval?: number;
  /**
   * Stops watching when aborted, as {@linkcode ConfigFileWatcher.close}
   * does.
   *
   * @default {undefined}
   */
  signal?: AbortSignal;
  /**
   * The timers for the debounce and the polling; inject fake ones in tests
   * to decide when a burst is over.
   *
   * @default {globalThis.setTimeout and clearTimeout}
   */
  timers?: Timers;
  /**
   * The digest (`sha256:<hex>`) of the content already handled, such as
   * `coordinator.digest()` for a config of one file, or `"absent"` when the
   * file was missing (an optional layer): when the first look finds other
   * content, `onChange` is called, so a change made before the watch
   * started is not missed. Without it, the first content seen is the
   * baseline.
   *
   * @default {undefined}
   */
  knownDigest?: string | null;
}

/**
 * A running watch of a config file, returned by {@linkcode watchConfigFile}.
 *
 * @example Comparing on demand, then closing
 * ```ts
 * import { type ConfigFileWatcher, watchConfigFile } from "@hup/reload/watch";
 * import assert from "node:assert/strict";
 * import { mkdtemp, writeFile } from "node:fs/promises";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 *
 * const path = join(await mkdtemp(join(tmpdir(), "hup-")), "config.yaml");
 * await writeFile(path, "greeting: hello\n");
 * let calls = 0;
 * const watcher: ConfigFileWatcher = watchConfigFile(path, () => calls++);
 * await watcher.ready;
 * assert.equal(await watcher.check(), false); // unchanged
 *
 * await writeFile(path, "greeting: hi\n");
 * assert.equal(await watcher.check(), true); // no need to wait for the event
 * assert.equal(calls, 1);
 * watcher.close();
 * assert.equal(watcher.closed, true);
 * ```
 */
export interface ConfigFileWatcher {
  /**
   * Settles once the directory is watched and the current content recorded:
   * changes made from then on are reported. Never rejects.
   */
  readonly ready: Promise<void>;
  /** Whether {@linkcode ConfigFileWatcher.close} was called or the signal aborted. */
  readonly closed: boolean;
  /**
   * Compares the file with the content last reported now, as an event would
   * after the debounce, and calls `onChange` if it changed: for a periodic
   * check where the file system reports no events (NFS and other network
   * mounts), or to know that every change made so far was handled.
   *
   * @returns Settles, never rejecting, once a comparison that began after
   *   this call is done: `true` if it called `onChange`; `false` otherwise
   *   and once closed.
   */
  check(): Promise<boolean>;
  /**
   * Stops watching: closes every directory watch and clears every timer,
   * so nothing of the watch keeps the process alive, and `onChange` is
   * never called again. Calling it again does nothing.
   */
  close(): void;
}

/**
 * Calls `onChange` once each time the content of the config file at `path`
 * changes, however it is changed: written in place, replaced by an editor's
 * rename, swapped through a Kubernetes ConfigMap's `..data` symlink, or
 * deleted and re-created.
 *
 * It watches directories rather than the file itself: each one holding a
 * link of the path's chain of symlinks, at any level (so
 * `ln -sfn releases/v2 current` on the way to `current/config.yaml` is
 * seen) and the one holding the final file, whose own watch reports its
 * replacement by another directory. After any
 * event there and `options.debounce` ms of quiet (at once, as well, when
 * the event brought another file renamed over the path after its last
 * write, which the loader too reads without waiting), it reads the file and
 * compares the SHA-256 of its bytes with the last content seen: `onChange`
 * runs only when they differ, so a burst of events is one call, a `touch`
 * or an identical rewrite is none, and a deleted file is reported when it
 * comes back with new content. While the file or a directory is missing, or
 * a directory cannot be watched, it also compares every
 * `options.pollInterval` ms. Calls never overlap and never follow
 * {@linkcode ConfigFileWatcher.close}: when `onChange` returns a promise,
 * the watch waits for it, and when that promise resolves to a reload result
 * (or a digest string), the content it loaded counts as reported. So a
 * burst of writes that one `coordinator.reload()` read whole is one call,
 * and no fixed quiet period adds to the latency: the loader itself waits
 * until the file is left alone.
 *
 * Nothing is thrown or rejected once it runs: failures are logged under
 * the LogTape category `["hup-reload", "watch"]` (never the file's
 * content), and so is anything `onChange` throws or rejects with. Until
 * closed, the watch keeps the process alive.
 *
 * @example Reloading a coordinator when the file changes
 * ```ts
 * import { AtomicConfig, Coordinator, loadConfig } from "@hup/reload";
 * import { watchConfigFile } from "@hup/reload/watch";
 * import assert from "node:assert/strict";
 * import { mkdtemp, writeFile } from "node:fs/promises";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 *
 * const path = join(await mkdtemp(join(tmpdir(), "hup-")), "config.yaml");
 * await writeFile(path, "greeting: hello\n");
 * const config = new AtomicConfig(await loadConfig(path));
 * const coordinator = new Coordinator({ configPath: path, config, hooks: [] });
 *
 * const { promise: reloaded, resolve } = Promise.withResolvers<unknown>();
 * const watcher = watchConfigFile(path, () => resolve(coordinator.reload()));
 * await watcher.ready;
 *
 * await writeFile(path, "greeting: hi\n");
 * await reloaded;
 * assert.equal(config.load()?.greeting, "hi");
 * watcher.close();
 * ```
 *
 * @param path The config file; relative paths are resolved against the
 *   current directory once, now.
 * @param onChange Called after each change, e.g.
 *   `() => coordinator.reload()`, with the digest of the content seen
 *   (`sha256:<hex>` of its bytes; for a file larger than a config may be,
 *   a fingerprint of its size and times instead), to compare with what a
 *   reload read.
 * @param options The debounce, polling interval, abort signal and timers.
 * @returns The running watch.
 * @throws {TypeError} If `path` is not a non-empty string or `onChange` is
 *   not a function.
 * @throws {RangeError} If `options.debounce` is not a finite number from 0
 *   or `options.pollInterval` is not a finite number above 0.
 */
export function watchConfigFile(
  path: string,
  onChange: (digest: string) => unknown,
  options: WatchConfigFileOptions = {},
): ConfigFileWatcher {
  if (typeof path !== "string" || path === "") {
    throw new TypeError(
      "Cannot watch the config file as path is not a non-empty string",
    );
  }
  if (typeof onChange !== "function") {
    throw new TypeError(
      `Cannot watch the config file as onChange is not a function: ${path}`,
    );
  }
  const { debounce = 10, pollInterval = 1000 } = options;
  if (typeof debounce !== "number" || !(debounce >= 0 && debounce < Infinity)) {
    throw new RangeError(
      `Cannot watch the config file as options.debounce is not a finite number from 0: ${path}`,
    );
  }
  if (
    typeof pollInterval !== "number" ||
    !(pollInterval > 0 && pollInterval < Infinity)
  ) {
    throw new RangeError(
      `Cannot watch the config file as options.pollInterval is not a finite number above 0: ${path}`,
    );
  }
  return new FileWatch(resolve(path), onChange, {
    debounce,
    pollInterval,
    signal: options.signal,
    timers: options.timers ?? realTimers,
    knownDigest: options.knownDigest ?? null,
  });
}

interface DirWatch {
  watcher: FSWatcher;
  /** `dev:ino` of the directory when it was watched; null until known. */
  id: string | null;
}

class FileWatch implements ConfigFileWatcher {
  readonly ready: Promise<void>;
  readonly #path: string;
  readonly #dir: string;
  readonly #onChange: (digest: string) => unknown;
  readonly #debounce: number;
  readonly #pollInterval: number;
  readonly #signal: AbortSignal | undefined;
  readonly #timers: Timers;
  readonly #log: Logger = getLogger(["hup-reload", "watch"]);
  readonly #watches = new Map<string, DirWatch>();
  #closed = false;
  /** The digest of the last content seen; null before any. */
  #last: string | null = null;
  /** Which file (`<device>:<inode>`) the last content seen was read from. */
  #file: string | undefined = undefined;
  /** The digest when `onChange` was last called, or the first one seen. */
  #reported: string | null = null;
  #quiet: unknown = undefined;
  #deadline: unknown = undefined;
  #poll: unknown = undefined;
  /** The running comparisons; null when none runs. */
  #run: Promise<boolean> | null = null;
  #again = false;
  /** How many times onChange was called. */
  #calls = 0;
  /** What is wrong now, so that a lasting problem is logged once. */
  readonly #problems = new Set<string>();

  constructor(
    path: string,
    onChange: (digest: string) => unknown,
    options: {
      debounce: number;
      pollInterval: number;
      signal: AbortSignal | undefined;
      timers: Timers;
      knownDigest: string | null;
    },
  ) {
    this.#path = path;
    this.#dir = dirname(path);
    this.#onChange = onChange;
    this.#debounce = options.debounce;
    this.#pollInterval = options.pollInterval;
    this.#signal = options.signal;
    this.#timers = options.timers;
    this.#reported = options.knownDigest;
    if (this.#signal?.aborted) {
      this.#closed = true;
      this.ready = Promise.resolve();
      return;
    }
    this.#signal?.addEventListener("abort", this.close, { once: true });
    // Watch the directory before anything is read, so no change made from
    // here on can go unseen.
    this.#watchDir(this.#dir, null);
    this.ready = this.#check().then(() => {});
  }

  get closed(): boolean {
    return this.#closed;
  }

  close = (): void => {
    if (this.#closed) return;
    this.#closed = true;
    this.#signal?.removeEventListener("abort", this.close);
    for (const handle of [this.#quiet, this.#deadline, this.#poll]) {
      if (handle !== undefined) this.#timers.clearTimeout(handle);
    }
    this.#quiet = this.#deadline = this.#poll = undefined;
    for (const dir of [...this.#watches.keys()]) this.#unwatchDir(dir);
  };

  /**
   * A directory event: compare once the directory has been quiet, and at
   * least every ten debounce periods while it never is; at once, as well,
   * when another file was renamed over the path whole. Only an event that
   * says a name came or went can bring another file: looking at the file
   * on an in-place write's event would cost that save a few milliseconds,
   * as a file looked at gets exact rather than tick-rounded times on its
   * next write (Linux's multigrain timestamps), so its mtime no longer
   * trails the write and the settle wait ends later.
   */
  #onEvent = (type?: string): void => {
    if (this.#closed) return;
    if (this.#quiet !== undefined) this.#timers.clearTimeout(this.#quiet);
    this.#quiet = this.#timers.setTimeout(this.#quietOver, this.#debounce);
    this.#deadline ??= this.#timers.setTimeout(
      this.#deadlineOver,
      this.#debounce * 10,
    );
    if (type === "rename") this.#lookForRename();
  };

  /**
   * Compares now if the file at the path is another one than the one last
   * seen, renamed in after its last write (see `renamedWhole`): it is
   * whole, and the loader reads it without waiting, so the debounce would
   * only add to the latency. The quiet timer stays armed, so a comparison
   * still follows the last event of the burst. A file written in place, or
   * created at the path and written there, waits for the debounce. One
   * open and fstat, synchronous like every look at the open file.
   */
  #lookForRename(): void {
    const known = this.#file;
    if (known === undefined) return;
    runtime().readRegularFile(this.#path, 0, { ready: () => false }).then(
      ({ before }) => {
        if (
          !this.#closed && this.#file === known &&
          renamedWhole(before, known, coarseTimestamps(this.#path, before))
        ) {
          void this.#check();
        }
      },
      // Missing or unreadable: the comparison after the debounce says so.
      () => {},
    );
  }

  #quietOver = (): void => {
    this.#quiet = undefined;
    if (this.#deadline !== undefined) {
      this.#timers.clearTimeout(this.#deadline);
      this.#deadline = undefined;
    }
    void this.#check();
  };

  // The quiet timer stays armed: a comparison always follows the last event
  // by the debounce, which is what catches a write whose own event Bun
  // dropped (see the module notes).
  #deadlineOver = (): void => {
    this.#deadline = undefined;
    void this.#check();
  };

  #polled = (): void => {
    this.#poll = undefined;
    void this.#check();
  };

  check(): Promise<boolean> {
    if (this.#closed) return Promise.resolve(false);
    // A running run compares once more after it is asked; what counts is
    // whether it called onChange from now on.
    const calls = this.#calls;
    return this.#check().then(() => this.#calls > calls);
  }

  /**
   * Starts a run of comparisons, or asks the running one for one more.
   *
   * @returns Settles when the run is done: whether it called `onChange`.
   */
  #check(): Promise<boolean> {
    if (this.#run !== null) {
      this.#again = true;
      return this.#run;
    }
    const run = this.#runChecks().catch((error: unknown) => {
      this.#run = null;
      this.#log.error("Cannot compare the config file: {path}: {error}", {
        path: this.#path,
        error: renderError(error),
      });
      return false;
    });
    this.#run = run;
    return run;
  }

  /**
   * Compares the file, again while asked to meanwhile; then, with no
   * comparison running, polls if events cannot be relied on and calls
   * `onChange` if the content differs from the last one reported.
   */
  async #runChecks(): Promise<boolean> {
    let called = false;
    for (;;) {
      let degraded: boolean;
      do {
        this.#again = false;
        degraded = await this.#compare();
      } while (this.#again && !this.#closed);
      if (this.#closed) break;
      if (degraded) {
        this.#poll ??= this.#timers.setTimeout(
          this.#polled,
          this.#pollInterval,
        );
      } else if (this.#poll !== undefined) {
        this.#timers.clearTimeout(this.#poll);
        this.#poll = undefined;
      }
      const seen = this.#last;
      if (seen === this.#reported || seen === null) break;
      const first = this.#reported === null;
      this.#reported = seen;
      // The first content seen is the baseline, not a change: "absent" when
      // the file was missing, so that its first appearance is one.
      if (first) break;
      called = true;
      this.#calls++;
      // Calls never overlap: events meanwhile only ask for one more look.
      // What onChange says it handled (the digest a reload loaded) is what
      // counts as reported, so a burst of writes that one reload read whole
      // is one call.
      const handled = await this.#call(seen);
      if (handled !== undefined) this.#reported = handled;
      // Events that came meanwhile (after their quiet period) ask for one
      // more look; without any, nothing changed since.
      if (this.#closed || !this.#again) break;
    }
    this.#run = null;
    return called && !this.#closed;
  }

  /**
   * Watches the wanted directories and records the file's digest.
   *
   * @returns Whether events cannot be relied on for now.
   */
  async #compare(): Promise<boolean> {
    try {
      const chain = await linkChain(this.#path);
      if (this.#closed) return true;
      // Watch before reading, so a change after the read raises an event.
      const watching = await this.#reconcile(chain.dirs);
      if (this.#closed) return true;
      const digest = await this.#fingerprint();
      if (this.#closed) return true;
      if (digest === null) return true;
      if (digest === ABSENT) {
        // A file that goes away is no change (its return with other content
        // is); one never seen is absent, as `knownDigest` says of a missing
        // optional layer.
        this.#last ??= ABSENT;
        return true;
      }
      this.#last = digest;
      if (watching) this.#report("");
      return !watching;
    } catch (error) {
      this.#report(
        "Cannot compare the config file with its last content: {path}: {error}",
        renderError(error),
      );
      return true;
    }
  }

  /**
   * The SHA-256 of the file's bytes, `"absent"` when there is no file, or
   * null when it cannot be read.
   */
  async #fingerprint(): Promise<string | null> {
    try {
      // Opened once and looked at as opened: a pipe or device swapped in
      // cannot block the watch.
      const { before, bytes } = await runtime().readRegularFile(
        this.#path,
        MAX_HASHED_BYTES,
      );
      if (before.kind !== "file") {
        this.#report("The config file is not a regular file: {path}");
        return null;
      }
      this.#file = before.id;
      if (bytes === undefined || bytes.length > MAX_HASHED_BYTES) {
        return `stat:${before.size}:${before.mtimeMs}:${before.ctimeMs}`;
      }
      return sha256(bytes);
    } catch (error) {
      const code = (error as { code?: unknown } | null)?.code;
      if (code === "ENOENT" || code === "ENOTDIR") {
        this.#report("The config file is missing: {path}");
        return ABSENT;
      } else {
        this.#report(
          "Cannot read the config file: {path}: {error}",
          renderError(error),
        );
      }
      return null;
    }
  }

  /**
   * Watches the directories of the path's chain of links, and nothing
   * else; re-watches a directory that was replaced or whose watch failed.
   *
   * @returns Whether every wanted directory is watched.
   */
  async #reconcile(wanted: ReadonlySet<string>): Promise<boolean> {
    for (const dir of [...this.#watches.keys()]) {
      if (!wanted.has(dir)) this.#unwatchDir(dir);
    }
    let all = true;
    for (const dir of wanted) {
      let id: string;
      try {
        const info = await stat(dir);
        if (!info.isDirectory()) throw new Error("not a directory");
        id = `${info.dev}:${info.ino}`;
      } catch (error) {
        if (this.#closed) return false;
        this.#unwatchDir(dir);
        this.#report(
          "Cannot watch the config file's directory: {dir}: {error}",
          renderError(error),
          dir,
        );
        all = false;
        continue;
      }
      if (this.#closed) return false;
      const current = this.#watches.get(dir);
      if (current !== undefined && (current.id ?? id) === id) {
        current.id = id;
        continue;
      }
      this.#unwatchDir(dir);
      const closing = closings.get(dir);
      if (closing !== undefined) {
        await closing;
        if (this.#closed) return false;
      }
      if (!this.#watchDir(dir, id)) all = false;
    }
    return all;
  }

  #watchDir(dir: string, id: string | null): boolean {
    let watcher: FSWatcher;
    try {
      watcher = fsWatch(dir, this.#onEvent);
    } catch (error) {
      this.#report(
        "Cannot watch the config file's directory, polling instead: {dir}: {error}",
        renderError(error),
        dir,
      );
      return false;
    }
    const entry: DirWatch = { watcher, id };
    // Deno reports a failed watch here rather than by throwing; any runtime
    // may report a later failure here too. Unhandled, it would be thrown.
    watcher.on("error", (error: unknown) => {
      if (this.#watches.get(dir) !== entry) return;
      this.#unwatchDir(dir);
      this.#report(
        "Cannot watch the config file's directory, polling instead: {dir}: {error}",
        renderError(error),
        dir,
      );
      this.#onEvent();
    });
    this.#watches.set(dir, entry);
    return true;
  }

  #unwatchDir(dir: string): void {
    const entry = this.#watches.get(dir);
    if (entry === undefined) return;
    this.#watches.delete(dir);
    try {
      entry.watcher.close();
    } catch (error) {
      this.#log.debug("Cannot close the watch of {dir}: {error}", {
        dir,
        error: renderError(error),
      });
    }
    const closing = new Promise<void>((resolve) => setTimeout(resolve, 0))
      .then(() => {
        if (closings.get(dir) === closing) closings.delete(dir);
      });
    closings.set(dir, closing);
  }

  // Calls onChange with the digest of the content seen and waits for it;
  // the digest of the content it handled, when it says (a reload result's
  // config_digest, or a digest string).
  async #call(seen: string): Promise<string | undefined> {
    this.#log.info("The config file changed: {path}", { path: this.#path });
    let handled: unknown;
    try {
      handled = await this.#onChange(seen);
    } catch (error) {
      this.#log.error("The config file's onChange failed: {path}: {error}", {
        path: this.#path,
        error: renderError(error),
      });
      return undefined;
    }
    const digest = typeof handled === "string"
      ? handled
      : (handled as { config_digest?: unknown } | null)?.config_digest;
    return typeof digest === "string" && digest.startsWith("sha256:")
      ? digest
      : undefined;
  }

  /**
   * Logs a problem unless it is already known (the same message and error,
   * whichever directory: a watch limit hit for two directories is one
   * warning); "" says that all is well again, and forgets them.
   */
  #report(message: string, error?: string, dir?: string): void {
    if (message === "") {
      if (this.#problems.size > 0) {
        this.#problems.clear();
        this.#log.info("Watching the config file again: {path}", {
          path: this.#path,
        });
      }
      return;
    }
    const key = `${message}\0${error ?? ""}`;
    if (this.#problems.has(key)) return;
    // Bounded: errors that keep changing are logged, never kept past this.
    if (this.#problems.size >= 16) this.#problems.clear();
    this.#problems.add(key);
    this.#log.warn(message, { path: this.#path, dir, error });
  }
}
