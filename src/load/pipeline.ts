import { sha256 } from "../digest.ts";
import { LoadError } from "../errors.ts";
import { deepFreezeSliced } from "../freeze.ts";
import type { Loaded } from "../pass.ts";
import { keyShower } from "../redact.ts";
import { renderError } from "../render.ts";
import { runtime } from "../runtime/mod.ts";
import { configDigest } from "./config_digest.ts";
import { decodeUtf8 } from "./decode.ts";
import { expandLayers, type ParsedLayer } from "./expand.ts";
import { fileSource, type FileSourceOptions } from "./file_source.ts";
import { FORMAT_NAMES, formatFor } from "./format/mod.ts";
import type { FormatName } from "./format/types.ts";
import { mergeLayers } from "./merge.ts";
import { OffThreadParser } from "./off_thread.ts";
import type { ConfigObject, LoadOptions } from "./options.ts";
import { parseLayer } from "./parse.ts";
import {
  MAX_REFERENCE_BYTES,
  REFERENCE_KINDS,
  referenceValue,
} from "./reference_kinds.ts";
import type { ConfigSource, SourceContent } from "./source.ts";
import { validate } from "./validate.ts";

/**
 * A file layer given by path, with its own options: an optional local
 * override, say.
 *
 * @example Usage
 * ```ts
 * import type { FileLayer } from "@hup/reload";
 *
 * const layer: FileLayer = { path: "local.yaml", optional: true };
 * ```
 */
export interface FileLayer extends FileSourceOptions {
  /** The file's path. */
  path: string;
}

/**
 * Config files by path: one file, or layers (base first), each a path or a
 * {@linkcode FileLayer}.
 *
 * @example Usage
 * ```ts
 * import type { ConfigPaths } from "@hup/reload";
 *
 * const paths: ConfigPaths = ["base.yaml", "production.yaml", { path: "local.yaml", optional: true }];
 * ```
 */
export type ConfigPaths = string | readonly (string | FileLayer)[];

const WORKER_THRESHOLD = 65536;

/**
 * One layer as a load read it: its source's exact text (references such as
 * `${VAR}` and `${file:...}` as written, never their values), the format it
 * was parsed as and the directory its relative references start from; or
 * `absent`, an optional layer that did not exist.
 */
export type LayerText =
  | {
    readonly name: string;
    readonly text: string;
    readonly format: FormatName;
    readonly directory?: string;
  }
  | { readonly name: string; readonly absent: true };

/**
 * The sources that `configPath` or `source` name, base first.
 *
 * @param configPath Files by path, if given.
 * @param source Sources, if given.
 * @param options The loader's options (`format` and `settle` for files
 *   given by path).
 * @param what Where the options were given, for messages (`deps`), or the
 *   name of the one argument that holds either.
 * @param doing What fails when they are wrong, for messages.
 * @returns The sources.
 * @throws {TypeError} If both or neither are given, or one is malformed.
 */
export function toSources(
  configPath: ConfigPaths | undefined,
  source: ConfigSource | readonly ConfigSource[] | undefined,
  options: Pick<LoadOptions, "format" | "settle">,
  what: string,
  doing: string = "Cannot create the coordinator",
): ConfigSource[] {
  const field = (name: string) =>
    /^[a-z]+$/.test(what) ? `${what}.${name}` : what;
  if (configPath !== undefined && source !== undefined) {
    throw new TypeError(
      `${doing} as both ${field("configPath")} and ${
        field("source")
      } are given: give one`,
    );
  }
  if (source !== undefined) {
    const list = Array.isArray(source) ? source : [source as ConfigSource];
    if (list.length === 0) {
      throw new TypeError(
        `${doing} as ${field("source")} is an empty list`,
      );
    }
    list.forEach((s: ConfigSource | undefined, i) => {
      if (
        s === null || typeof s !== "object" || typeof s.name !== "string" ||
        s.name === "" || typeof s.read !== "function"
      ) {
        throw new TypeError(
          `${doing} as a source has no name or read(): ${field("source")}${
            Array.isArray(source) ? `[${i}]` : ""
          }`,
        );
      }
    });
    return [...list];
  }
  const paths = typeof configPath === "string" ? [configPath] : configPath;
  if (!Array.isArray(paths) || paths.length === 0) {
    throw new TypeError(
      `${doing} as ${
        field("configPath")
      } is not a non-empty string or list of files`,
    );
  }
  const { format, settle } = options;
  return paths.map((layer: string | FileLayer | undefined, i) => {
    const path = typeof layer === "string" ? layer : layer?.path;
    if (typeof path !== "string" || path === "") {
      throw new TypeError(
        `${doing} as a file has no path: ${field("configPath")}${
          typeof configPath === "string" ? "" : `[${i}]`
        }`,
      );
    }
    const own = typeof layer === "string" ? {} : layer!;
    return fileSource(path, {
      ...(format !== undefined && { format }),
      ...(settle !== undefined && { settle }),
      ...own,
    });
  });
}

/**
 * How messages name a config made of these sources: their names, joined.
 *
 * @param sources The sources.
 * @returns The name.
 */
export function sourcesName(sources: readonly ConfigSource[]): string {
  return sources.map((s) => s.name).join(" + ");
}

/** The most bytes a layer may have, unless `maxBytes` says otherwise. */
export const DEFAULT_MAX_BYTES: number = 16 * 1024 * 1024;

/**
 * The loading pipeline of a coordinator (and of `loadConfig`): for each
 * source, read → decode → parse (in a worker for large texts) → then
 * expand every layer, merge them, validate. Owns the parser's worker.
 * Remembers, for the file watch, what each source held at the last pass
 * and which secret files the config refers to.
 */
export class ConfigLoader<C> {
  /** The layers' sources, base first. */
  readonly sources: readonly ConfigSource[];
  /** How messages name the config. */
  readonly name: string;
  readonly #options: LoadOptions<C>;
  readonly #parser: OffThreadParser | undefined;
  // The sources of the values that `${kind:target}` references read, by key
  // (`kind:name`), as of the last pass that expanded: for the watch, and
  // reused from pass to pass.
  #references = new Map<string, ConfigSource>();
  // What each source held at the last read: its digest, null if absent.
  readonly #digests = new WeakMap<ConfigSource, string | null>();
  // The keys of the references the last expansion used, in the order the
  // digest takes them.
  #used: readonly string[] = [];
  #lastDigest: string | null = null;
  #lastTexts: readonly LayerText[] | null = null;
  /**
   * Whether a load keeps its layers' texts for
   * {@linkcode ConfigLoader.lastTexts} (the last known-good config); off,
   * a large config's text is not held once it is parsed.
   */
  keepTexts = false;

  /**
   * Creates the pipeline.
   *
   * @param sources The layers' sources, base first.
   * @param options The schema, environment and limits.
   * @param worker Whether large texts are parsed in a worker (which
   *   starts with the first of them), or the worker to use; without one,
   *   every text is parsed on the event loop.
   */
  constructor(
    sources: readonly ConfigSource[],
    options: LoadOptions<C>,
    worker: boolean | OffThreadParser = false,
  ) {
    this.sources = [...sources];
    this.name = sourcesName(sources);
    this.#options = options;
    this.#parser = worker === true
      ? new OffThreadParser({ idle: options.workerIdle })
      : worker === false
      ? undefined
      : worker;
  }

  /**
   * The sources the config depends on, as of the last pass: the layers,
   * then the secret files referenced.
   *
   * @returns The sources.
   */
  dependencies(): ConfigSource[] {
    return [...this.sources, ...this.#references.values()];
  }

  /**
   * The SHA-256 (`sha256:<hex>`) of what the last pass read from `source`.
   *
   * @param source A source of {@linkcode ConfigLoader.dependencies}.
   * @returns The digest; `null` when it was absent, `undefined` when it
   *   was never read (or its read failed).
   */
  digestOf(source: ConfigSource): string | null | undefined {
    return this.#digests.get(source);
  }

  /**
   * The digest of what the sources held at the last load, whether it
   * loaded or not; `null` when a source could not be read, or before any
   * load.
   */
  get lastDigest(): string | null {
    return this.#lastDigest;
  }

  /**
   * The layers' texts of the last load, if it loaded and
   * {@linkcode ConfigLoader.keepTexts} was on; `null` otherwise.
   */
  get lastTexts(): readonly LayerText[] | null {
    return this.#lastTexts;
  }

  /**
   * The digest that {@linkcode ConfigLoader.load} would give for what the
   * sources hold now, given each source's digest, without parsing: the
   * layers, then the secret files that the last pass used, in its order.
   *
   * @param digestOf Each source's digest now (`null`: absent); it may read
   *   the source with {@linkcode ConfigLoader.readDigest}.
   * @returns The digest.
   * @throws What `digestOf` throws.
   */
  async digestNow(
    digestOf: (source: ConfigSource) => Promise<string | null>,
  ): Promise<string> {
    const layers = await Promise.all(this.sources.map(digestOf));
    const secrets: string[] = [];
    for (const key of this.#used) {
      const source = this.#references.get(key);
      if (source === undefined) continue;
      // A secret file that is gone fails the load: any value but a digest
      // makes the digest differ.
      secrets.push((await digestOf(source)) ?? "absent");
    }
    return await configDigest(layers, secrets);
  }

  /**
   * Reads `source` now, as a pass would (the same limits), and gives the
   * SHA-256 of its bytes.
   *
   * @param source A source of {@linkcode ConfigLoader.dependencies}.
   * @returns The digest, or `null` when an optional source is absent.
   * @throws {LoadError} If it cannot be read.
   */
  async readDigest(source: ConfigSource): Promise<string | null> {
    const maxBytes = this.sources.includes(source)
      ? this.#options.maxBytes ?? DEFAULT_MAX_BYTES
      : MAX_REFERENCE_BYTES;
    const content = await readSource(source, maxBytes);
    return content === undefined ? null : sha256(content.bytes);
  }

  /** Ends the parser's worker, if one runs; a later load starts another. */
  close(): void {
    this.#parser?.close();
  }

  /**
   * Loads the config from every source.
   *
   * @returns The config, its digest, and what messages must hide.
   * @throws {LoadError} If a source cannot be read, decoded, parsed,
   *   expanded or validated: naming the source (file, line, column, field).
   */
  async load(): Promise<Loaded<C>> {
    const { maxBytes = DEFAULT_MAX_BYTES } = this.#options;
    this.#lastTexts = null;
    let contents: (SourceContent | undefined)[];
    try {
      contents = await this.#readAll(maxBytes);
    } catch (error) {
      this.#lastDigest = null;
      throw error;
    }
    try {
      const loaded = await this.#loadRead(contents);
      this.#lastDigest = loaded.digest ?? null;
      if (this.keepTexts) this.#lastTexts = this.#texts(contents);
      return loaded;
    } catch (error) {
      // What the sources held, though it did not load: the drift's digest.
      this.#lastDigest = await this.digestNow((source) => {
        const digest = this.#digests.get(source);
        return digest === undefined
          ? Promise.reject(new Error("not read"))
          : Promise.resolve(digest);
      }).catch(() => null);
      throw error;
    }
  }

  // The rest of load(), once every source was read.
  async #loadRead(
    contents: (SourceContent | undefined)[],
  ): Promise<Loaded<C>> {
    const {
      maxBytes = DEFAULT_MAX_BYTES,
      maxNodes = 1_000_000,
      maxDepth = 100,
      settle = 15,
      workerThreshold = WORKER_THRESHOLD,
      schema,
    } = this.#options;
    const single = this.sources.length === 1;
    const layers: ParsedLayer[] = [];
    for (const [i, content] of contents.entries()) {
      if (content === undefined) continue;
      const { name } = this.sources[i];
      const text = decodeUtf8(name, content.bytes);
      const format = formatFor(name, content.format ?? this.#options.format);
      // A lone layer that needs no expansion is frozen as it is checked.
      const freeze = schema === undefined && single && !text.includes("$");
      const parsed = await parseLayer(
        name,
        text,
        content.bytes.length,
        format,
        {
          limits: { maxDepth, maxNodes },
          workerThreshold,
          parser: this.#parser,
          freeze,
        },
      );
      layers.push({
        name,
        text,
        format,
        value: parsed.value,
        marked: parsed.marked,
        ...(content.directory !== undefined &&
          { directory: content.directory }),
      });
    }
    if (layers.length === 0) {
      throw new LoadError("no layer of it exists", [{
        path: this.name,
        reason: "every layer is optional and missing",
      }]);
    }
    // The sources that references read this pass, and their digests.
    const found = new Map<string, ConfigSource>();
    const valueDigests = new Map<string, string>();
    let expansion;
    try {
      expansion = await expandLayers(layers, {
        env: this.#options.env ?? runtime().getEnv,
        maxChars: maxBytes,
        locate: (kind, target, layer) => {
          const known = Object.hasOwn(REFERENCE_KINDS, kind)
            ? REFERENCE_KINDS[kind]
            : undefined;
          if (known === undefined) {
            return {
              problem: `there is no \${${kind}:...} reference (known: ${
                Object.keys(REFERENCE_KINDS).join(", ")
              })`,
            };
          }
          const made = known.source(target, layer.directory, { settle });
          if ("problem" in made) return made;
          // The same value, the same source object from pass to pass.
          const key = `${kind}:${made.name}`;
          const source = found.get(key) ?? this.#references.get(key) ?? made;
          found.set(key, source);
          return { key, what: known.describe(source) };
        },
        readValues: async (keys) => {
          const reads = await Promise.all(keys.map(async (key) => {
            const source = found.get(key)!;
            try {
              const content = await readSource(source, MAX_REFERENCE_BYTES);
              const digest = content && sha256(content.bytes);
              this.#digests.set(source, digest ?? null);
              if (digest === undefined) return { why: "it is absent" };
              valueDigests.set(key, digest);
              return referenceValue(content!.bytes);
            } catch (error) {
              this.#digests.delete(source);
              return { why: (error as LoadError).reason };
            }
          }));
          return new Map(keys.map((key, i) => [key, reads[i]]));
        },
      });
    } finally {
      this.#references = found;
    }
    this.#used = expansion.used;
    const merged = mergeLayers(layers.map((layer) => layer.value));
    const hidden = [...expansion.values, ...expansion.secrets];
    const showKey = keyShower(hidden, layers.map((layer) => layer.text));
    let config: C;
    if (schema === undefined) {
      await deepFreezeSliced(merged);
      config = merged as C;
    } else {
      config = await validate(merged as ConfigObject, schema, {
        layers,
        name: this.name,
        envValues: expansion.values,
        secrets: expansion.secrets,
        showKey,
        rawKeys: expansion.rawKeys,
        maxDepth,
      });
    }
    // Hashed once it has loaded: a refused config needs no digest.
    const digest = await configDigest(
      this.sources.map((source) => this.#digests.get(source) ?? null),
      expansion.used.map((key) => valueDigests.get(key)!),
    );
    return {
      config,
      digest,
      showKey,
      fromSources: true,
      ...(expansion.secrets.length > 0 && { secrets: expansion.secrets }),
    };
  }

  // The exact texts of contents that loaded (so valid UTF-8): decoded with
  // a byte order mark kept, they encode back to the very bytes, and so to
  // the same digest.
  #texts(contents: readonly (SourceContent | undefined)[]): LayerText[] {
    const decoder = new TextDecoder("utf-8", { ignoreBOM: true });
    return contents.map((content, i) => {
      const { name } = this.sources[i];
      if (content === undefined) return { name, absent: true };
      return {
        name,
        text: decoder.decode(content.bytes),
        format: formatFor(name, content.format ?? this.#options.format).name,
        ...(content.directory !== undefined &&
          { directory: content.directory }),
      };
    });
  }

  // Reads every source at once; the first that fails, in layer order, is
  // the error.
  async #readAll(maxBytes: number): Promise<(SourceContent | undefined)[]> {
    const settled = await Promise.allSettled(
      this.sources.map((source) => readSource(source, maxBytes)),
    );
    const contents: (SourceContent | undefined)[] = [];
    for (const [i, outcome] of settled.entries()) {
      const source = this.sources[i];
      if (outcome.status === "rejected") {
        this.#digests.delete(source);
        throw outcome.reason;
      }
      const content = outcome.value;
      this.#digests.set(
        source,
        content === undefined ? null : sha256(content.bytes),
      );
      contents.push(content);
    }
    return contents;
  }
}

// One source's content, checked: a source that throws something other than
// a LoadError, gives no bytes, more than allowed, or a format that is none,
// fails as the source.
async function readSource(
  source: ConfigSource,
  maxBytes: number,
): Promise<SourceContent | undefined> {
  let content: SourceContent | undefined;
  try {
    content = await source.read({ maxBytes });
  } catch (error) {
    if (error instanceof LoadError) throw error;
    throw new LoadError("the source cannot be read", [{
      path: source.name,
      reason: renderError(error, 1024),
    }]);
  }
  if (content === undefined) return undefined;
  if (!(content?.bytes instanceof Uint8Array)) {
    throw new LoadError("the source gave no bytes", [{
      path: source.name,
      reason: "read() did not return { bytes: Uint8Array }",
    }]);
  }
  if (content.bytes.length > maxBytes) {
    throw new LoadError(
      `the content is larger than ${maxBytes} bytes (${content.bytes.length} bytes)`,
      [{ path: source.name, reason: "" }],
    );
  }
  if (
    content.format !== undefined && !FORMAT_NAMES.includes(content.format)
  ) {
    // The format is not quoted: a source may put anything there.
    throw new LoadError("the source gave an unknown format", [{
      path: source.name,
      reason: `read() returned a format that is not one of ${
        FORMAT_NAMES.join(", ")
      }`,
    }]);
  }
  return content;
}
