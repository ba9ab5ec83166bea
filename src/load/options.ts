import type { FormatName } from "./format/types.ts";
import type { ConfigSchema } from "../schema.ts";

/**
 * A parsed config before validation: the top level of a config file is
 * always a mapping.
 *
 * @example Usage
 * ```ts
 * import { loadConfig, type ConfigObject } from "@hup/reload";
 *
 * async function read(path: string): Promise<ConfigObject> {
 *   return await loadConfig(path);
 * }
 * ```
 */
export type ConfigObject = { [key: string]: unknown };

/**
 * Options of {@linkcode loadConfig}.
 *
 * @example Usage
 * ```ts
 * import type { LoadOptions } from "@hup/reload";
 *
 * const options: LoadOptions = { env: (name) => ({ PORT: "8080" })[name] };
 * ```
 *
 * @typeParam C The config type the schema produces.
 */
export interface LoadOptions<C = ConfigObject> {
  /**
   * Validates (and may transform) the parsed mapping; any Standard Schema
   * library works (zod, valibot, arktype, ...). Without it the parsed mapping
   * is returned as is.
   *
   * @default {undefined}
   */
  schema?: ConfigSchema<C>;
  /**
   * Reads one environment variable for `${NAME}` expansion.
   *
   * @default {the process environment}
   */
  env?: (name: string) => string | undefined;
  /**
   * The largest content accepted from each source, in bytes; the values
   * substituted by expansion may add up to as many characters.
   *
   * @default {16777216}
   */
  maxBytes?: number;
  /**
   * The largest number of nodes (mappings, sequences and scalars) the parsed
   * document may have once aliases are expanded: a bound on "billion laughs"
   * files, which are small on disk but explode when walked.
   *
   * @default {1000000}
   */
  maxNodes?: number;
  /**
   * How long, in milliseconds, a file (a config file given by path, or a
   * secret file) must have been left alone before it is read, and the read
   * is kept only if the file did not change during it: a file being
   * rewritten in place is never parsed half-written. A file that keeps
   * changing through 10 tries fails to load; a file replaced by rename is
   * always read whole.
   *
   * @default {15}
   */
  settle?: number;
  /**
   * The deepest nesting of mappings and sequences accepted.
   *
   * @default {100}
   */
  maxDepth?: number;
  /**
   * The size, in bytes, from which a coordinator parses a source's content
   * in a worker, off the event loop, so that a reload never holds it for
   * the length of a parse (`Infinity`: never). `loadConfig` alone always
   * parses on the event loop. Smaller texts are parsed faster than a worker
   * would answer.
   *
   * @default {65536}
   */
  workerThreshold?: number;
  /**
   * How long, in milliseconds, a coordinator keeps the parser's worker
   * once it has nothing to do: then the worker ends, giving its memory
   * back, and the next large text starts a new one (a cold start costs
   * tens of milliseconds, off the event loop). `Infinity`: for as long as
   * the coordinator.
   *
   * @default {30000}
   */
  workerIdle?: number;
  /**
   * The format of a source that does not say (a file given by path, a URL
   * without a `Content-Type`): `"yaml"`, `"json"` or `"toml"`.
   *
   * @default {by the source's name: `.json` is JSON, `.toml` TOML, anything else YAML}
   */
  format?: FormatName;
}
