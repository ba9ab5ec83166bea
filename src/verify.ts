import { getLogger, type Logger } from "@logtape/logtape";
import { stat } from "node:fs/promises";
import type { Timers } from "./deadline.ts";
import type { ConfigLoader } from "./load/pipeline.ts";
import { sourceFile } from "./load/file_source.ts";
import type { ConfigSource } from "./load/source.ts";
import { renderError } from "./render.ts";
import type { ReloadResult } from "./result.ts";
import { ReloadStatus } from "./status.ts";

/**
 * The sources hold something other than the config in effect: since when
 * (first seen, as ISO 8601) and what they hold (the digest a pass would
 * load, `sha256:<hex>`; `null` when a source cannot be read). A bad edit
 * that failed to load, a change that no event reported, a failed remote
 * fetch: each leaves the service running a config that is not its source.
 *
 * @example Usage
 * ```ts
 * import type { Drift } from "@hup/reload";
 *
 * const drift: Drift = {
 *   since: "2026-12-06T03:00:00.000Z",
 *   digest: "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
 * };
 * ```
 */
export interface Drift {
  /** When the difference was first seen (ISO 8601). */
  readonly since: string;
  /** The sources' digest now; `null` when a source cannot be read. */
  readonly digest: string | null;
}

/**
 * What {@linkcode Coordinator.verify} found.
 *
 * @example Usage
 * ```ts
 * import type { VerifyResult } from "@hup/reload";
 *
 * const result: VerifyResult = {
 *   in_sync: true,
 *   digest: "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
 *   checked_at: "2026-12-06T03:00:00.000Z",
 *   drift: null,
 *   pass: null,
 * };
 * ```
 */
export interface VerifyResult {
  /** Whether the sources hold the config in effect (after `pass`, if any). */
  readonly in_sync: boolean;
  /** The sources' digest; `null` when a source cannot be read. */
  readonly digest: string | null;
  /** When the sources were compared (ISO 8601). */
  readonly checked_at: string;
  /** The difference, as GET status shows it; `null` when in sync. */
  readonly drift: Drift | null;
  /**
   * The pass that the verification started because the sources changed
   * and no pass had read them (trigger `verify`); `null` when none ran.
   */
  readonly pass: ReloadResult | null;
}

/** What a verifier needs from its coordinator. */
export interface VerifierDeps {
  /** The coordinator's loader; without one nothing can be verified. */
  readonly loader: ConfigLoader<unknown> | undefined;
  /** How logs name the config. */
  readonly name: string;
  /** The digest of the config in effect. */
  readonly running: () => string | null;
  /** The running or queued pass, to wait for; `null` when none. */
  readonly busy: () => Promise<unknown> | null;
  /** Starts a pass. */
  readonly reload: (trigger: string) => Promise<ReloadResult>;
  /** The clock. */
  readonly now: () => Date;
  /** Behind the periodic verification. */
  readonly timers: Timers;
}

// What a file source held when last hashed: its identity then, and how many
// times the identity was trusted since.
interface Known {
  readonly identity: string;
  readonly digest: string | null;
  trusted: number;
}

// A file is hashed again at least every this many verifications, even when
// its identity says it did not change (a write within the same mtime tick,
// a file system with coarse timestamps).
const HASH_EVERY = 10;

/**
 * Compares the sources with the config in effect, on demand and every
 * `verifyEvery` ms: files by their identity first (device, inode, size,
 * mtime, ctime), their bytes hashed when it changed and at least every
 * tenth time; other sources read again. Keeps the drift, and starts a pass
 * when the sources hold something that no pass has read (an event that
 * never came), so a lost event costs at most one period.
 */
export class SourceVerifier {
  readonly #deps: VerifierDeps;
  readonly #log: Logger = getLogger(["hup-reload", "verify"]);
  readonly #known = new WeakMap<ConfigSource, Known>();
  #drift: Drift | null = null;
  #checkedAt: Date | null = null;
  #running: Promise<VerifyResult> | null = null;
  #timer: unknown = undefined;
  #stopped = true;
  // The last problem logged, so a lasting one is logged once.
  #problem = "";

  /** @param deps What it reads from the coordinator. */
  constructor(deps: VerifierDeps) {
    this.#deps = deps;
  }

  /**
   * Records that the sources were read at `at` and hold the config in
   * effect (the start-up load).
   *
   * @param at When.
   */
  loaded(at: Date): void {
    this.#checkedAt = at;
  }

  /** Whether there are sources to verify (not a custom `load`). */
  get enabled(): boolean {
    return this.#deps.loader !== undefined;
  }

  /** The difference between the sources and the config in effect. */
  get drift(): Drift | null {
    return this.#drift;
  }

  /** When the sources were last compared (or read by a pass); null before. */
  get checkedAt(): Date | null {
    return this.#checkedAt;
  }

  /**
   * Compares the sources with the config in effect now; concurrent calls
   * share one comparison.
   *
   * @param options `reload: false` to only record the drift, starting no
   *   pass.
   * @returns What it found.
   */
  verify(options: { reload?: boolean } = {}): Promise<VerifyResult> {
    if (this.#running !== null) return this.#running;
    const run = this.#verify(options.reload !== false).finally(() => {
      this.#running = null;
    });
    this.#running = run;
    return run;
  }

  /**
   * Records a finished pass: one that swapped a config read the sources,
   * which hold it (until they change again); one that did not leaves them
   * different from what runs, which a comparison (starting no pass) says.
   *
   * @param result The pass's result.
   */
  passed(result: ReloadResult): void {
    if (!this.enabled) return;
    if (
      result.status === ReloadStatus.FullSuccess ||
      result.status === ReloadStatus.PartialApplied
    ) {
      this.#inSync(new Date(result.ended_at));
      return;
    }
    // What the pass read and refused (or could not read) is what the
    // sources hold: no need to read them again.
    this.#record(this.#deps.loader!.lastDigest, new Date(result.ended_at));
  }

  /**
   * Verifies every `every` ms until stopped.
   *
   * @param every The period in ms; 0 starts nothing.
   * @returns A function that stops it.
   */
  start(every: number): () => void {
    if (!this.enabled || every === 0 || !this.#stopped) return () => {};
    this.#stopped = false;
    const tick = () => {
      this.#timer = undefined;
      this.verify().finally(() => {
        if (!this.#stopped) {
          this.#timer = this.#deps.timers.setTimeout(tick, every);
        }
      });
    };
    this.#timer = this.#deps.timers.setTimeout(tick, every);
    return () => {
      this.#stopped = true;
      if (this.#timer !== undefined) {
        this.#deps.timers.clearTimeout(this.#timer);
      }
      this.#timer = undefined;
    };
  }

  async #verify(reload: boolean): Promise<VerifyResult> {
    const { loader, name } = this.#deps;
    // A custom load has no sources; a holder filled by the caller has no
    // digest to compare with until a pass swaps one in.
    if (loader === undefined || this.#deps.running() === null) {
      return {
        in_sync: true,
        digest: this.#deps.running(),
        checked_at: (this.#checkedAt ?? this.#safeNow()).toISOString(),
        drift: null,
        pass: null,
      };
    }
    // A pass under way reads the sources itself: compare after it.
    for (let busy = this.#deps.busy(); busy !== null;) {
      await busy.catch(() => {});
      busy = this.#deps.busy();
    }
    let digest: string | null = null;
    // Whether a source holds what no pass has read.
    let unread = false;
    try {
      digest = await loader.digestNow(async (source) => {
        const now = await this.#digestOf(loader, source);
        if (now !== loader.digestOf(source)) unread = true;
        return now;
      });
    } catch (error) {
      this.#once(
        "Cannot verify the config's sources: {path}: {error}",
        renderError(error),
      );
    }
    const checkedAt = this.#safeNow();
    let pass: ReloadResult | null = null;
    if (
      digest !== null && digest !== this.#deps.running() && unread && reload
    ) {
      this.#log.info(
        "The config's sources changed and no pass read them: reloading {path}",
        { path: name, trigger: "verify" },
      );
      pass = await this.#deps.reload("verify");
    }
    if (pass !== null && pass.config_digest === digest) {
      // The pass swapped in what was compared: in sync, as it recorded.
    } else {
      this.#record(digest, checkedAt);
    }
    return {
      in_sync: this.#drift === null,
      digest,
      checked_at: checkedAt.toISOString(),
      drift: this.#drift,
      pass,
    };
  }

  // Records what the sources hold (`null`: unreadable) as of `at`.
  #record(digest: string | null, at: Date): void {
    const running = this.#deps.running();
    if (digest !== null && (digest === running || running === null)) {
      this.#inSync(at);
      return;
    }
    this.#checkedAt = at;
    if (this.#drift !== null && this.#drift.digest === digest) return;
    this.#drift = { since: this.#drift?.since ?? at.toISOString(), digest };
    this.#log.warn(
      "The config's sources differ from the config in effect: {path} (sources {digest}, in effect {running})",
      { path: this.#deps.name, digest, running },
    );
  }

  // The sources hold the config in effect, as of `at`.
  #inSync(at: Date): void {
    this.#checkedAt = at;
    if (this.#drift !== null) {
      this.#log.info(
        "The config's sources hold the config in effect again: {path}",
        { path: this.#deps.name },
      );
    }
    this.#drift = null;
    this.#problem = "";
  }

  // A source's digest now: a file whose identity did not change keeps the
  // digest it had, nine times in ten.
  async #digestOf(
    loader: ConfigLoader<unknown>,
    source: ConfigSource,
  ): Promise<string | null> {
    const file = sourceFile(source);
    if (file === undefined) return await loader.readDigest(source);
    const identity = await stat(file).then(
      (info) =>
        `${info.dev}:${info.ino}:${info.size}:${info.mtimeMs}:${info.ctimeMs}`,
      () => "",
    );
    const known = this.#known.get(source);
    if (
      identity !== "" && known !== undefined && known.identity === identity &&
      known.trusted < HASH_EVERY - 1
    ) {
      known.trusted++;
      return known.digest;
    }
    const digest = await loader.readDigest(source);
    if (identity !== "") {
      this.#known.set(source, { identity, digest, trusted: 0 });
    } else {
      this.#known.delete(source);
    }
    return digest;
  }

  #once(message: string, error: string): void {
    const key = `${message}\0${error}`;
    if (key === this.#problem) return;
    this.#problem = key;
    this.#log.warn(message, { path: this.#deps.name, error });
  }

  #safeNow(): Date {
    try {
      const now = this.#deps.now();
      if (now instanceof Date && !Number.isNaN(now.getTime())) return now;
    } catch {
      // The runtime's clock, then.
    }
    return new Date();
  }
}
