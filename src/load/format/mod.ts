import { jsonFormat } from "./json.ts";
import { tomlFormat } from "./toml.ts";
import type { ConfigFormat, FormatName } from "./types.ts";
import { yamlFormat } from "./yaml.ts";

export type {
  ConfigFormat,
  FieldPath,
  FormatLimits,
  FormatName,
} from "./types.ts";
export { FormatError } from "./types.ts";

const FORMATS: readonly ConfigFormat[] = [yamlFormat, jsonFormat, tomlFormat];

/** The name of every format, in the order they are tried by file name. */
export const FORMAT_NAMES: readonly FormatName[] = FORMATS.map((f) => f.name);

/**
 * The format of a config file: the one named, or else the one its file name
 * ends with (`.json`, `.toml`; `.yaml`, `.yml` and any other ending are
 * YAML).
 *
 * @param path The file's path.
 * @param name The format asked for, if any.
 * @returns The format.
 * @throws {TypeError} If `name` is not a format.
 */
export function formatFor(path: string, name?: FormatName): ConfigFormat {
  if (name !== undefined) {
    const named = FORMATS.find((format) => format.name === name);
    if (named === undefined) {
      throw new TypeError(
        `Cannot load config as the format is unknown: options.format must be one of ${
          FORMATS.map((f) => f.name).join(", ")
        }`,
      );
    }
    return named;
  }
  const lower = path.toLowerCase();
  return FORMATS.find((format) =>
    format.extensions.some((ending) => lower.endsWith(ending))
  ) ?? yamlFormat;
}
