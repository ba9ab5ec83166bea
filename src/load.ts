import {
  CORE_SCHEMA,
  load as parseYaml,
  mergeTag,
  type Schema,
  YAMLException,
} from "js-yaml";
import type { ConfigSchema, SchemaResult } from "./schema.ts";
import { sha256 } from "./digest.ts";
import type { Loaded } from "./pass.ts";
import { deepFreeze, markDeeplyFrozen } from "./freeze.ts";
import { expandEnv, type Expansion } from "./env.ts";
import { LoadError, type LoadErrorLocation } from "./errors.ts";
import { scrubYamlReason } from "./redact.ts";
import { locateYamlPaths } from "./locate.ts";
import { type IssueContext, reportSchemaIssues } from "./schema_issues.ts";
import { runtime } from "./runtime/mod.ts";

/**
 * A parsed config before validation: the top level of a YAML file is always
 * a mapping.
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
   * The largest file accepted, in bytes.
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
   * How long, in milliseconds, the file must have been left alone before it
   * is read, and the read is kept only if the file did not change during it:
   * a file being rewritten in place is never parsed half-written. A file
   * that keeps changing through 10 tries fails to load; a file replaced by
   * rename is always read whole.
   *
   * @default {20}
   */
  settle?: number;
  /**
   * The deepest nesting of mappings and sequences accepted.
   *
   * @default {100}
   */
  maxDepth?: number;
}

const YAML_SCHEMA: Schema = CORE_SCHEMA.withTags(mergeTag);
const SETTLE_ATTEMPTS = 10;
// Blank and comment lines, directives and a document start, then the start
// of a block or flow sequence.
const LEADING_SEQUENCE =
  /^(?:\uFEFF)?(?:[ \t]*(?:#[^\n]*)?\r?\n|%[^\n]*\n|---[ \t]*\r?\n)*[ \t]*(-[ \t\r\n]|\[)/;

/**
 * Reads a YAML config file, expands environment variables, parses it and
 * validates it: the loader the coordinator uses, for loading the initial
 * config through the same code.
 *
 * Expansion happens on the text before parsing: `${NAME}` and `$NAME` take
 * the variable's value, `${NAME:-default}` falls back when it is unset or
 * empty, `${NAME:?message}` fails with the message, `$$` is a literal `$`.
 * References in comments are left alone. An unset variable without a default
 * is an error. YAML 1.2 core schema plus merge keys (`<<: *base`). Without
 * a schema, the mapping returned is deeply frozen.
 *
 * @example Loading with a schema
 * ```ts
 * import { loadConfig } from "@hup/reload";
 * import assert from "node:assert/strict";
 * import { mkdtemp, writeFile } from "node:fs/promises";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 *
 * const dir = await mkdtemp(join(tmpdir(), "hup-"));
 * const path = join(dir, "config.yaml");
 * await writeFile(path, "port: ${PORT:-8080}\n");
 * const config = await loadConfig(path, { env: () => undefined });
 * assert.deepEqual(config, { port: 8080 });
 * ```
 *
 * @param path The file's path.
 * @param options Environment and limits.
 * @returns The parsed mapping.
 * @throws {LoadError} If the file cannot be read, is not valid UTF-8 or YAML,
 *   uses an unset variable, is not a mapping, exceeds a limit or fails
 *   validation. The message names the file and line, column or field, and
 *   never a value from the file or the environment.
 */
export function loadConfig(
  path: string,
  options?: LoadOptions<ConfigObject> & { schema?: undefined },
): Promise<ConfigObject>;
/**
 * Reads, expands, parses and validates a YAML config file; the config type is
 * the schema's output type.
 *
 * @example With a schema
 * ```ts ignore
 * import { loadConfig } from "@hup/reload";
 * import { z } from "zod";
 *
 * const config = await loadConfig("config.yaml", {
 *   schema: z.object({ port: z.number() }),
 * });
 * config.port; // number
 * ```
 *
 * @typeParam C The config type, inferred from `schema`.
 * @param path The file's path.
 * @param options Schema, environment and limits.
 * @returns The validated config.
 * @throws {LoadError} As for the overload without a schema, and when the
 *   schema reports issues (one line per issue: `field: message`).
 */
export function loadConfig<C>(
  path: string,
  options: LoadOptions<C> & { schema: ConfigSchema<C> },
): Promise<C>;
export function loadConfig<C>(
  path: string,
  options?: LoadOptions<C>,
): Promise<C> {
  return readConfigFile(path, options).then((loaded) => loaded.config);
}

/**
 * {@linkcode loadConfig} without overloads, for callers generic in `C`, that
 * also gives the digest of the bytes read: the loader of every pass.
 *
 * @param path The file's path.
 * @param options Schema, environment and limits.
 * @returns The config and the SHA-256 of the file's bytes.
 */
export async function readConfigFile<C>(
  path: string,
  options: LoadOptions<C> = {},
): Promise<Loaded<C>> {
  const {
    maxBytes = 16 * 1024 * 1024,
    maxNodes = 1_000_000,
    maxDepth = 100,
    settle = 20,
  } = options;
  const bytes = await readBytes(path, maxBytes, settle);
  const digest = sha256(bytes);
  const source = decodeUtf8(path, bytes);
  const expansion = expand(path, source, options.env ?? runtime().getEnv);
  // Without a schema the parsed mapping is the config: freeze it while
  // measuring it. A schema gets it unfrozen (some transform their input).
  const value = parse(
    path,
    source,
    expansion,
    maxDepth,
    maxNodes,
    options.schema === undefined,
  );
  const config = options.schema === undefined
    ? value as C
    : await validate(path, value, options.schema, {
      input: value,
      envValues: expansion.values,
      locate: (paths) =>
        locateYamlPaths(expansion.text, paths, maxDepth).map((at) =>
          at === undefined
            ? undefined
            : lineColumn(source, expansion.originalOffset(at))
        ),
    });
  return { config, digest, envValues: expansion.values };
}

type Problem = Omit<LoadErrorLocation, "path"> & { reason: string };

function loadError(
  path: string,
  reason: string,
  problems: Problem[] = [{ reason: "" }],
  cause?: unknown,
): LoadError {
  return new LoadError(
    reason,
    problems.map((p) => ({ ...p, path })),
    cause === undefined ? undefined : { cause },
  );
}

async function readBytes(
  path: string,
  maxBytes: number,
  settle: number,
): Promise<Uint8Array> {
  const tooLarge = (size: number) =>
    loadError(
      path,
      `the file is larger than ${maxBytes} bytes (${size} bytes)`,
    );
  try {
    for (let attempt = 1;; attempt++) {
      // Look before reading: a pipe or device would block or never end, and
      // a huge file would be read whole before its size could be refused.
      const before = runtime().statSync(path);
      if (before.kind === "directory") {
        throw loadError(path, "the path is a directory, not a file");
      }
      if (before.kind !== "file") {
        throw loadError(
          path,
          "the path is not a regular file (a device, pipe or socket)",
        );
      }
      if (before.size > maxBytes) throw tooLarge(before.size);
      // A file written in place may be half-written: read it only once it
      // has been quiet for `settle` ms, and only keep a read during which
      // it did not change.
      const age = before.mtimeMs === null
        ? Infinity
        : Date.now() - before.mtimeMs;
      if (age >= 0 && age < settle && attempt <= SETTLE_ATTEMPTS) {
        await new Promise((resolve) => setTimeout(resolve, settle - age));
        continue;
      }
      const bytes = await runtime().readFile(path);
      const after = runtime().statSync(path);
      const unchanged = after.mtimeMs === before.mtimeMs &&
        after.size === bytes.length;
      if (unchanged || attempt > SETTLE_ATTEMPTS) {
        if (!unchanged) {
          throw loadError(
            path,
            `the file kept changing while it was read (${SETTLE_ATTEMPTS} tries); replace it by rename for atomic updates`,
          );
        }
        // The file may have grown between the two looks.
        if (bytes.length > maxBytes) throw tooLarge(bytes.length);
        return bytes;
      }
    }
  } catch (error) {
    if (error instanceof LoadError) throw error;
    throw loadError(path, describeReadError(error), undefined, error);
  }
}

function decodeUtf8(path: string, bytes: Uint8Array): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    const loose = new TextDecoder("utf-8").decode(bytes);
    const utf16 = (bytes[0] === 0xff && bytes[1] === 0xfe) ||
      (bytes[0] === 0xfe && bytes[1] === 0xff);
    const reason = utf16
      ? "the file is UTF-16 text, not UTF-8 (save it as UTF-8)"
      : "the file is not valid UTF-8 text";
    throw loadError(path, reason, [{
      ...lineColumn(loose, loose.indexOf("\uFFFD")),
      reason: "",
    }]);
  }
}

function expand(
  path: string,
  source: string,
  env: (name: string) => string | undefined,
): Expansion {
  const expansion = expandEnv(source, (name) => {
    try {
      return env(name);
    } catch (error) {
      throw loadError(
        path,
        `the environment variable ${name} cannot be read (${
          error instanceof Error ? error.name : "error"
        }; with Deno, allow it with --allow-env=${name})`,
        [{ ...lineColumn(source, findReference(source, name)), reason: "" }],
      );
    }
  });
  const { problems } = expansion;
  if (problems.length > 0) {
    throw loadError(
      path,
      problems.length === 1
        ? "an environment variable cannot be expanded"
        : "environment variables cannot be expanded",
      problems.map((p) => ({
        ...lineColumn(source, p.offset),
        reason: p.reason,
      })),
    );
  }
  return expansion;
}

function parse(
  path: string,
  source: string,
  expansion: Expansion,
  maxDepth: number,
  maxNodes: number,
  freeze: boolean,
): ConfigObject {
  // A top level that is plainly a sequence is refused before parsing it
  // whole: a 16 MiB list would cost seconds and most of a gigabyte.
  const sequence = LEADING_SEQUENCE.exec(expansion.text);
  if (sequence !== null) {
    const at = sequence[0].length - sequence[1].length;
    throw loadError(path, "the top level is a sequence, not a mapping", [{
      ...lineColumn(source, expansion.originalOffset(at)),
      reason: "",
    }]);
  }
  let value: unknown;
  try {
    value = parseYaml(expansion.text, { schema: YAML_SCHEMA, maxDepth });
  } catch (error) {
    if (!(error instanceof YAMLException)) {
      throw loadError(path, "the YAML parser failed", [{
        reason: error instanceof Error ? error.name : "unknown error",
      }]);
    }
    const reason = scrubYamlReason(error.reason);
    if (/input is empty/.test(reason)) {
      throw loadError(
        path,
        "the file has no YAML document (it is empty or only comments)",
      );
    }
    const at = error.mark !== undefined
      ? lineColumn(source, expansion.originalOffset(error.mark.position))
      : /found more/.test(reason)
      ? secondDocument(source)
      : undefined;
    throw loadError(path, "the file is not valid YAML", [{ ...at, reason }]);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    const kind = value === null
      ? "empty (null)"
      : Array.isArray(value)
      ? "a sequence"
      : `a ${typeof value}`;
    throw loadError(path, `the top level is ${kind}, not a mapping`);
  }
  // Without an alias (`*name`) the document cannot expand or loop, and the
  // parser already bounded its depth: measuring it would only cost time.
  if (!expansion.text.includes("*")) {
    if (freeze) deepFreeze(value);
    return value as ConfigObject;
  }
  const size = measure(value, maxNodes, freeze);
  if (size.cycle) {
    throw loadError(
      path,
      "an alias refers to a node that contains it (the document is cyclic)",
    );
  }
  if (size.nodes > maxNodes) {
    throw loadError(
      path,
      `the document expands to more than ${maxNodes} nodes (aliases that repeat large parts, as in a "billion laughs" file)`,
    );
  }
  if (size.depth > maxDepth) {
    throw loadError(
      path,
      `aliases nest the document deeper than ${maxDepth} levels`,
    );
  }
  if (freeze) markDeeplyFrozen(value);
  return value as ConfigObject;
}

async function validate<C>(
  path: string,
  value: ConfigObject,
  schema: ConfigSchema<C>,
  context: IssueContext,
): Promise<C> {
  let outcome: SchemaResult<C>;
  try {
    outcome = await schema["~standard"].validate(value);
  } catch (error) {
    throw loadError(path, "the schema threw while validating", [{
      reason: error instanceof Error ? error.name : "non-error value thrown",
    }]);
  }
  if (outcome.issues === undefined) return outcome.value;
  // Schema libraries may quote the offending value, or a key: report the
  // field and line without them.
  const { reports, more } = reportSchemaIssues(outcome.issues, context);
  throw loadError(
    path,
    "it does not match the schema",
    more === 0 ? reports : [...reports, { reason: `and ${more} more` }],
  );
}

function describeReadError(error: unknown): string {
  const e = error as { code?: string; name?: string } | null;
  const code = e?.code ?? e?.name;
  switch (code) {
    case "ENOENT":
    case "NotFound":
      return "the file does not exist";
    case "EISDIR":
    case "IsADirectory":
      return "the path is a directory, not a file";
    case "EACCES":
    case "EPERM":
    case "PermissionDenied":
      return "reading the file is not permitted";
    case "NotCapable":
      return "reading the file is not permitted (with Deno, allow it with --allow-read)";
    case "ELOOP":
    case "FilesystemLoop":
      return "the path is a symbolic link loop";
    default:
      return `the file cannot be read (${code ?? "unknown error"})`;
  }
}

function lineColumn(
  text: string,
  offset: number,
): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (
    let i = text.indexOf("\n");
    i !== -1 && i < offset;
    i = text.indexOf("\n", i + 1)
  ) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

// Where the second document of a stream starts: the js-yaml error for
// several documents has no position.
function secondDocument(
  text: string,
): { line: number; column: number } | undefined {
  const markers = [...text.matchAll(/^---(?=[ \t\r\n]|$)/gm)];
  const contentBefore = (at: number) =>
    text.slice(0, at).split("\n").some((l) =>
      /^[^#%\s]/.test(l) && !l.startsWith("---")
    );
  const second = markers.find((m) => contentBefore(m.index!));
  return second === undefined ? undefined : lineColumn(text, second.index!);
}

function findReference(text: string, name: string): number {
  const at = text.search(new RegExp(`\\$\\{?${name}(?![A-Za-z0-9_])`));
  return at === -1 ? 0 : at;
}

// Measures the document as a walker would see it, with aliases expanded:
// node count (stopping once past `maxNodes`), nesting depth, and whether an
// alias points back into the node that holds it (a cycle). Each shared
// subtree is measured once, and nothing is allocated per scalar. With
// `freeze`, each mapping and sequence is frozen once measured, so the
// coordinator does not walk the config a second time.
export function measure(
  root: object,
  maxNodes: number,
  freeze: boolean,
): { nodes: number; depth: number; cycle: boolean } {
  const nodesOf = new Map<object, number>();
  const depthOf = new Map<object, number>();
  const open = new Set<object>();
  let cycle = false;
  const visit = (node: object): void => {
    open.add(node);
    let nodes = 1;
    let depth = 0;
    const children: unknown[] = Array.isArray(node)
      ? node
      : Object.values(node);
    for (const child of children) {
      if (child === null || typeof child !== "object") {
        nodes++;
        continue;
      }
      if (!nodesOf.has(child)) {
        if (open.has(child)) {
          cycle = true;
          break;
        }
        visit(child);
        if (cycle) break;
      }
      nodes += nodesOf.get(child)!;
      depth = Math.max(depth, depthOf.get(child)!);
      if (nodes > maxNodes) break;
    }
    open.delete(node);
    nodesOf.set(node, nodes);
    depthOf.set(node, depth + 1);
    if (freeze) Object.freeze(node);
  };
  visit(root);
  return { nodes: nodesOf.get(root)!, depth: depthOf.get(root)!, cycle };
}
