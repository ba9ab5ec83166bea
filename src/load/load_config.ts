import type { ConfigSchema } from "../schema.ts";
import type { ConfigObject, LoadOptions } from "./options.ts";
import { ConfigLoader, type ConfigPaths, toSources } from "./pipeline.ts";
import type { ConfigSource } from "./source.ts";

/**
 * Loads a config once, as every reload pass does: reads each source (a
 * file, layered files, or any {@linkcode ConfigSource}), parses it (YAML,
 * JSON or TOML, by its name or `format`), expands references in its
 * strings, merges the layers and validates the result.
 *
 * Expansion happens after parsing, inside string values and mapping keys:
 * `${NAME}` and `$NAME` take the environment variable's value,
 * `${NAME:-default}` falls back when it is unset or empty, `${NAME:?message}`
 * fails with the message, `${file:/run/secrets/db}` takes a secret file's
 * text (without one trailing newline), `$$` is a literal `$`. A value
 * arrives verbatim (`#`, quotes, `: `, braces and newlines included) and
 * never changes the document's structure. In YAML a plain scalar that is
 * exactly one reference is then typed as YAML types it (`port: ${PORT}` is
 * a number); quoted and block scalars stay strings; in JSON and TOML a
 * reference is always a string (a schema can coerce it). References in
 * comments are never seen. An unset variable without a default is an
 * error, and every one is reported at once, with its file, line and column.
 *
 * Layers (a list of paths or sources, base first) are merged: mappings key
 * by key all the way down, while sequences and scalars replace what an
 * earlier layer had. YAML is YAML 1.2 (core schema plus merge keys
 * `<<: *base`), JSON is strict JSON, TOML is TOML 1.0 with dates as ISO
 * 8601 strings; a duplicate key is an error in all three. Without a
 * schema, the mapping returned is deeply frozen.
 *
 * Whatever a source holds, loading takes time linear in its size, and the
 * error lists at most 50 problems (then `and N more`) in at most 4 KiB.
 *
 * @example Loading with a default from the environment
 * ```ts
 * import { loadConfig } from "@hup/reload";
 * import assert from "node:assert/strict";
 * import { mkdtemp, writeFile } from "node:fs/promises";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 *
 * const dir = await mkdtemp(join(tmpdir(), "hup-"));
 * const path = join(dir, "config.yaml");
 * await writeFile(path, "port: ${PORT:-8080}\npassword: ${DB_PASSWORD}\n");
 * const vars: Record<string, string> = { DB_PASSWORD: "p#ss: {word}" };
 * const config = await loadConfig(path, { env: (name) => vars[name] });
 * assert.deepEqual(config, { port: 8080, password: "p#ss: {word}" });
 * ```
 *
 * @example Layers and a secret file
 * ```ts
 * import { loadConfig } from "@hup/reload";
 * import assert from "node:assert/strict";
 * import { mkdtemp, writeFile } from "node:fs/promises";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 *
 * const dir = await mkdtemp(join(tmpdir(), "hup-"));
 * await writeFile(join(dir, "base.yaml"), "db:\n  host: localhost\n  password: ${file:db_password}\n");
 * await writeFile(join(dir, "production.toml"), "[db]\nhost = \"db.internal\"\n");
 * await writeFile(join(dir, "db_password"), "s3cret\n");
 * const config = await loadConfig([
 *   join(dir, "base.yaml"),
 *   join(dir, "production.toml"),
 *   { path: join(dir, "local.yaml"), optional: true },
 * ]);
 * assert.deepEqual(config, { db: { host: "db.internal", password: "s3cret" } });
 * ```
 *
 * @param config The config file's path, its layers (base first), or its
 *   source(s).
 * @param options Environment and limits.
 * @returns The merged mapping.
 * @throws {LoadError} If a source cannot be read, is not valid UTF-8 or not
 *   valid in its format, uses an unset variable or a secret file that
 *   cannot be read, is not a mapping, exceeds a limit or fails validation.
 *   The message names the source and line, column or field, and never a
 *   value from the config, the environment or a secret file.
 * @throws {TypeError} If `config` names no file or source.
 */
export function loadConfig(
  config: ConfigPaths | ConfigSource | readonly ConfigSource[],
  options?: LoadOptions<ConfigObject> & { schema?: undefined },
): Promise<ConfigObject>;
/**
 * Loads a config and validates it with `schema`; the config type is the
 * schema's output type.
 *
 * @example With a schema
 * ```ts ignore
 * import { loadConfig } from "@hup/reload";
 * import { z } from "zod";
 *
 * const config = await loadConfig("config.yaml", {
 *   schema: z.strictObject({ port: z.number() }),
 * });
 * config.port; // number
 * ```
 *
 * @typeParam C The config type, inferred from `schema`.
 * @param config The config file's path, its layers, or its source(s).
 * @param options Schema, environment and limits.
 * @returns The validated config.
 * @throws {LoadError} As for the overload without a schema, and when the
 *   schema reports issues (one line per issue: `field: message`).
 */
export function loadConfig<C>(
  config: ConfigPaths | ConfigSource | readonly ConfigSource[],
  options: LoadOptions<C> & { schema: ConfigSchema<C> },
): Promise<C>;
export async function loadConfig<C>(
  config: ConfigPaths | ConfigSource | readonly ConfigSource[],
  options: LoadOptions<C> = {},
): Promise<C> {
  const loader = new ConfigLoader<C>(
    sourcesOf(config, options),
    options,
  );
  return (await loader.load()).config;
}

const DOING = "Cannot load config";

/**
 * The sources of a config given as paths or sources, as `loadConfig`
 * takes it.
 *
 * @param config Paths, or sources.
 * @param options `format` and `settle` for files given by path.
 * @returns The sources.
 * @throws {TypeError} If it names no file or source.
 */
export function sourcesOf(
  config: ConfigPaths | ConfigSource | readonly ConfigSource[],
  options: Pick<LoadOptions, "format" | "settle">,
): ConfigSource[] {
  const isSource = (x: unknown) =>
    x !== null && typeof x === "object" &&
    typeof (x as ConfigSource).read === "function";
  const list = Array.isArray(config) ? config : [config];
  return list.length > 0 && list.every(isSource)
    ? toSources(
      undefined,
      config as ConfigSource[],
      options,
      "the config argument",
      DOING,
    )
    : toSources(
      config as ConfigPaths,
      undefined,
      options,
      "the config argument",
      DOING,
    );
}
