// Where a coordinator's config comes from, in one place: the pipeline (or
// the caller's own `load`) that every pass loads with, the second one that
// dry runs load with, the start-up load with its fall back on the last
// known-good file, and the writing of that file. It owns the parsers'
// workers: the coordinator is given a loader and schedules passes over it.

import { getLogger } from "@logtape/logtape";
import type { Timers } from "./deadline.ts";
import { lastGoodPath, writeLastGood } from "./last_good.ts";
import type { LoadOptions } from "./load/options.ts";
import {
  ConfigLoader,
  type ConfigPaths,
  sourcesName,
  toSources,
} from "./load/pipeline.ts";
import type { ConfigSource } from "./load/source.ts";
import type { Loaded, RegisteredHook } from "./pass.ts";
import { renderError } from "./render.ts";
import { loadAtStart, type RunningFrom } from "./startup.ts";

/** How a loader is described by the options of the coordinator. */
export interface LoaderOptions<C> extends LoadOptions<C> {
  /** The config's files (or layers); or `source`. */
  configPath?: ConfigPaths;
  /** The config's sources; or `configPath`. */
  source?: ConfigSource | readonly ConfigSource[];
  /** A custom load in place of the pipeline. */
  load?: (path: string) => C | Promise<C>;
}

/**
 * Loads the config for a coordinator's passes and dry runs, and at
 * start-up. Passes and dry runs never share a pipeline: what a dry run
 * reads is never taken for what a pass read (the file watch and the
 * verification compare the sources with the passes' pipeline).
 *
 * @typeParam C The config type.
 */
export class PassLoader<C> {
  /** The layers' sources, base first. */
  readonly sources: readonly ConfigSource[];
  /** How the config is named in messages and logs. */
  readonly name: string;
  /**
   * The passes' pipeline; `undefined` with a custom `load`, whose sources
   * nothing can compare.
   */
  readonly pipeline: ConfigLoader<C> | undefined;
  /** The last known-good file, if the texts in effect are kept there. */
  readonly lastGood: string | undefined;
  readonly #custom: ((path: string) => C | Promise<C>) | undefined;
  readonly #options: LoadOptions<C>;
  #dry: ConfigLoader<C> | undefined;

  /**
   * Creates the loader of a coordinator built with `new Coordinator()`, or
   * of `Coordinator.create()` (which gives `lastGood`).
   *
   * @param sources The layers' sources, as `toSources()` made them.
   * @param options How to load: `load`, or the schema, environment and
   *   limits of the pipeline.
   * @param lastGood The last known-good file (`options.lastGood` of
   *   `Coordinator.create()`), unchecked.
   * @throws {TypeError} If `lastGood` is given and not a path.
   */
  constructor(
    sources: readonly ConfigSource[],
    options: LoaderOptions<C>,
    lastGood?: unknown,
  ) {
    this.lastGood = lastGoodPath(lastGood);
    this.sources = sources;
    this.#options = options;
    this.#custom = options.load;
    if (this.#custom !== undefined) {
      this.pipeline = undefined;
      this.name = sourcesName(sources);
    } else {
      // A large text is parsed in the worker, from the start-up load on.
      this.pipeline = new ConfigLoader<C>(sources, options, true);
      this.pipeline.keepTexts = this.lastGood !== undefined;
      this.name = this.pipeline.name;
    }
  }

  /**
   * The loader that `options` describe, with its sources checked.
   *
   * @param options `configPath` or `source`, and how to load.
   * @param what How messages name the options (`"options"`, `"deps"`).
   * @param lastGood The last known-good file, unchecked.
   * @returns The loader.
   * @throws {TypeError} If neither or both of `configPath` and `source`
   *   name the config, or `lastGood` is given and not a path.
   */
  static of<C>(
    options: LoaderOptions<C>,
    what: string,
    lastGood?: unknown,
  ): PassLoader<C> {
    const sources = toSources(
      options?.configPath,
      options?.source,
      (options ?? {}) as Pick<LoadOptions, "format" | "settle">,
      what,
    );
    return new PassLoader(sources, options, lastGood);
  }

  /**
   * Loads the config for a pass.
   *
   * @returns What was loaded.
   * @throws {unknown} What the pipeline or the custom `load` throws.
   */
  async load(): Promise<Loaded<C>> {
    if (this.#custom !== undefined) {
      return { config: await this.#custom(this.name) };
    }
    return await this.pipeline!.load();
  }

  /**
   * Loads the config for a dry run: with a pipeline of its own, built at
   * the first dry run (its worker starts with a large text).
   *
   * @returns What was loaded.
   * @throws {unknown} What the pipeline or the custom `load` throws.
   */
  dryLoad(): Promise<Loaded<C>> {
    if (this.pipeline === undefined) return this.load();
    this.#dry ??= new ConfigLoader<C>(this.sources, this.#options, true);
    return this.#dry.load();
  }

  /**
   * Loads the start-up config and runs the hooks' checks on it, falling
   * back on the last known-good file when there is one; see
   * {@linkcode loadAtStart}.
   *
   * @param hooks The hooks whose checks run.
   * @param timers For the checks' deadlines.
   * @returns The config and where it came from.
   * @throws {LoadError} If the sources do not load (and no last known-good
   *   config can be used).
   * @throws {Error} If a hook's check refuses the config.
   */
  atStart(
    hooks: readonly RegisteredHook<C>[],
    timers: Timers,
  ): Promise<{ loaded: Loaded<C>; from: RunningFrom }> {
    return loadAtStart({
      loader: this.pipeline!,
      options: this.#options,
      hooks,
      timers,
      ...(this.lastGood !== undefined && { lastGood: this.lastGood }),
    });
  }

  /**
   * What the config depends on as of the last pass: the layers' sources,
   * then the secret files it refers to; with a custom `load`, the sources.
   *
   * @returns The sources.
   */
  dependencies(): readonly ConfigSource[] {
    return this.pipeline?.dependencies() ?? this.sources;
  }

  /**
   * The digest of what the last pass read from `source`.
   *
   * @param source A source of {@linkcode PassLoader.dependencies}.
   * @returns The digest; `null` when absent; `undefined` when never read.
   */
  digestOf(source: ConfigSource): string | null | undefined {
    return this.pipeline?.digestOf(source);
  }

  /**
   * Writes the texts of the config just put into effect to the last
   * known-good file, if there is one. A failure is logged: the config is
   * in effect all the same.
   */
  async keepLastGood(): Promise<void> {
    const path = this.lastGood;
    const texts = this.pipeline?.lastTexts;
    if (path === undefined || texts == null) return;
    try {
      await writeLastGood(path, texts);
    } catch (error) {
      getLogger(["hup-reload", "coordinator"]).warn(
        "Cannot write the last known-good config as the file system refused: {lastGood}: {error}",
        { path: this.name, lastGood: path, error: renderError(error) },
      );
    }
  }

  /** Ends the parsers' workers; a later load starts new ones. */
  close(): void {
    this.pipeline?.close();
    this.#dry?.close();
  }
}
