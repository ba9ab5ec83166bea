import { open, rename, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { sha256 } from "./digest.ts";
import { LoadError } from "./errors.ts";
import { describeFileError, readSmallFile } from "./file_errors.ts";
import { FORMAT_NAMES } from "./load/format/mod.ts";
import type { FormatName } from "./load/format/types.ts";
import type { LayerText } from "./load/pipeline.ts";
import type { ConfigSource, SourceContent } from "./load/source.ts";

// The last known-good file: the exact texts of every layer of the last
// config that was put into effect, so that a restart whose sources cannot
// be used can start from it. Only texts are kept, references as written
// (`${VAR}`, `${file:...}`), never their values: a start from it expands
// them again, from the environment and the secret files of then.
//
//   {"version":1,"layers":[
//     {"name":"/etc/app/config.yaml","format":"yaml","directory":"/etc/app",
//      "sha256":"sha256:…","text":"greeting: hello\n"},
//     {"name":"/etc/app/local.yaml","absent":true}]}

/** The version of the file's shape that this code writes and reads. */
export const LAST_GOOD_VERSION = 1;

// Room for the JSON around the texts: names, directories, digests.
const ENVELOPE_BYTES = 64 * 1024;
// JSON writes a control character as `\u001f`: six bytes for one.
const MAX_ESCAPE = 6;

/**
 * The `lastGood` option, checked.
 *
 * @param value What was given.
 * @returns The path, or `undefined` when none was given.
 * @throws {TypeError} If it is not a non-empty string.
 */
export function lastGoodPath(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string" || value === "" || value.includes("\0")) {
    throw new TypeError(
      "Cannot create the coordinator as options.lastGood is not a file path (a non-empty string)",
    );
  }
  return value;
}

/**
 * The most bytes a last known-good file of `layers` layers may have: every
 * layer at the loader's `maxBytes`, each byte escaped at worst, and the
 * JSON around them.
 *
 * @param layers How many layers the config has.
 * @param maxBytes The loader's `maxBytes`.
 * @returns The bound.
 */
export function lastGoodBound(layers: number, maxBytes: number): number {
  return layers * maxBytes * MAX_ESCAPE + ENVELOPE_BYTES;
}

/**
 * Writes the texts of a config put into effect to `path`, atomically: a
 * temporary file beside it (mode 0600), written, synced, then renamed over
 * `path`, so that a crash leaves the old file or the new one, whole.
 *
 * @param path The last known-good file.
 * @param layers The layers' texts, base first.
 * @throws What the file system throws; the temporary file is removed.
 */
export async function writeLastGood(
  path: string,
  layers: readonly LayerText[],
): Promise<void> {
  const body = JSON.stringify({
    version: LAST_GOOD_VERSION,
    layers: layers.map((layer) =>
      "absent" in layer ? { name: layer.name, absent: true } : {
        name: layer.name,
        format: layer.format,
        ...(layer.directory !== undefined && { directory: layer.directory }),
        sha256: sha256(new TextEncoder().encode(layer.text)),
        text: layer.text,
      }
    ),
  }) + "\n";
  const directory = dirname(path);
  const suffix = Array.from(
    crypto.getRandomValues(new Uint8Array(6)),
    (b) => b.toString(16).padStart(2, "0"),
  ).join("");
  const temp = join(directory, `.${basename(path)}.${suffix}.tmp`);
  const file = await open(temp, "wx", 0o600);
  try {
    try {
      await file.writeFile(body, "utf8");
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => {});
    throw error;
  }
  // The rename lasts a crash once the directory is synced too; not every
  // platform can open a directory for that, and the file is whole anyway.
  try {
    const dir = await open(directory, "r");
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  } catch {
    // The new file is in place; only its durability is left to the OS.
  }
}

/**
 * Reads the last known-good file and gives a source for each of its layers,
 * holding the stored text, for the loader to load like any other: it must
 * be whole (the shape of this version, each text's digest), and name the
 * same layers as `sources`, in the same order.
 *
 * @param path The last known-good file.
 * @param sources The config's sources, base first.
 * @param maxBytes The loader's `maxBytes`, for each layer.
 * @returns The sources, named `<layer> (last good)`.
 * @throws {LoadError} If the file cannot be read, is too large, is not
 *   whole, or is for other layers.
 */
export async function readLastGood(
  path: string,
  sources: readonly ConfigSource[],
  maxBytes: number,
): Promise<ConfigSource[]> {
  const bound = lastGoodBound(sources.length, maxBytes);
  let bytes: Uint8Array;
  try {
    bytes = await readSmallFile(path, bound);
  } catch (error) {
    const why = describeFileError(error);
    throw new LoadError(
      why === "is too large"
        ? `the last known-good file is larger than ${bound} bytes`
        : `the last known-good file ${why}`,
      [{ path, reason: "" }],
    );
  }
  const refuse = (reason: string, field?: string) =>
    new LoadError(`the last known-good file ${reason}`, [{
      path,
      ...(field !== undefined && { field }),
      reason: "",
    }]);
  let stored: unknown;
  try {
    stored = JSON.parse(
      new TextDecoder("utf-8", { fatal: true }).decode(bytes),
    );
  } catch {
    throw refuse("is not whole JSON (cut short or corrupt)");
  }
  const record = stored as { version?: unknown; layers?: unknown } | null;
  if (typeof record !== "object" || record === null) {
    throw refuse("is not a JSON object");
  }
  if (record.version !== LAST_GOOD_VERSION) {
    throw refuse(`is not of version ${LAST_GOOD_VERSION}`, "version");
  }
  const layers = record.layers;
  if (!Array.isArray(layers) || layers.length !== sources.length) {
    throw refuse(
      `does not hold the config's ${sources.length} layer(s)`,
      "layers",
    );
  }
  return layers.map((layer: unknown, i): ConfigSource => {
    const where = `layers[${i}]`;
    const expected = sources[i].name;
    const entry = layer as Record<string, unknown> | null;
    if (typeof entry !== "object" || entry === null) {
      throw refuse("holds a layer that is not an object", where);
    }
    if (entry.name !== expected) {
      throw refuse(
        `is for other layers (layer ${i + 1} of the config is ${expected})`,
        `${where}.name`,
      );
    }
    const name = `${expected} (last good)`;
    if (entry.absent === true) {
      return { name, read: () => Promise.resolve(undefined) };
    }
    const { text, format, directory, sha256: digest } = entry;
    if (typeof text !== "string") {
      throw refuse("holds a layer without its text", `${where}.text`);
    }
    if (
      typeof format !== "string" ||
      !FORMAT_NAMES.includes(format as FormatName)
    ) {
      throw refuse("holds a layer of an unknown format", `${where}.format`);
    }
    if (directory !== undefined && typeof directory !== "string") {
      throw refuse(
        "holds a layer whose directory is not a string",
        `${where}.directory`,
      );
    }
    const content = new TextEncoder().encode(text);
    if (digest !== sha256(content)) {
      throw refuse(
        "holds a layer whose text does not match its digest (corrupt)",
        `${where}.text`,
      );
    }
    const read: SourceContent = {
      bytes: content,
      format: format as FormatName,
      ...(directory !== undefined && { directory }),
    };
    return { name, read: () => Promise.resolve(read) };
  });
}
