import { LoadError } from "../errors.ts";
import type { ConfigSchema, SchemaResult } from "../schema.ts";
import type { ParsedLayer } from "./expand.ts";
import type { FieldPath } from "./format/types.ts";
import { lineColumns } from "./position.ts";
import { reportSchemaIssues } from "./schema_issues.ts";

/** What validation needs besides the config and the schema. */
export interface ValidateContext {
  /** The layers the config was merged from, base first. */
  layers: readonly ParsedLayer[];
  /** How messages name the config as a whole (its sources' names). */
  name: string;
  /** Values substituted from the environment. */
  envValues: readonly string[];
  /** Values substituted from secret files. */
  secrets: readonly string[];
  /** Whether a key may be shown in a field path. */
  showKey: (key: string) => boolean;
  /** The keys that expansion renamed, to find fields in the text. */
  rawKeys: WeakMap<object, Map<string, string>>;
  /** The parser's depth limit. */
  maxDepth: number;
}

/**
 * Validates the merged config with a Standard Schema, the validate step of
 * a load. Each issue is reported with its field and where that field is
 * set: the last layer that has it, its line and column; any value from
 * the config, the environment or a secret file is removed from the
 * messages.
 *
 * @param value The merged config.
 * @param schema The schema.
 * @param context The layers, the values to hide and the renamed keys.
 * @returns What the schema returned.
 * @throws {LoadError} If the schema reports issues (one line per issue:
 *   `file line L, column C field a.b: message`) or throws.
 */
export async function validate<C>(
  value: Record<string, unknown>,
  schema: ConfigSchema<C>,
  context: ValidateContext,
): Promise<C> {
  let outcome: SchemaResult<C>;
  try {
    outcome = await schema["~standard"].validate(value);
  } catch (error) {
    throw new LoadError("the schema threw while validating", [{
      path: context.name,
      reason: error instanceof Error ? error.name : "non-error value thrown",
    }]);
  }
  if (outcome.issues === undefined) return outcome.value;
  // Schema libraries may quote the offending value, or a key: report the
  // field and line without them.
  const { reports, more } = reportSchemaIssues(outcome.issues, {
    input: value,
    envValues: context.envValues,
    secrets: context.secrets,
    showKey: context.showKey,
    locate: (paths) => locateFields(paths, context),
  });
  throw new LoadError(
    "it does not match the schema",
    reports.map(({ path, layer: _, ...rest }) => ({
      path: path ?? context.name,
      ...rest,
    })),
    { omitted: more },
  );
}

// Where each path is set: in the last layer that has it, at its line and
// column. Paths are turned into the keys as written in each layer first.
function locateFields(
  paths: readonly FieldPath[],
  context: ValidateContext,
): (
  | { path: string; layer: number; line: number; column: number }
  | undefined
)[] {
  const found: (
    | { path: string; layer: number; line: number; column: number }
    | undefined
  )[] = paths.map(() => undefined);
  for (let n = context.layers.length - 1; n >= 0; n--) {
    const layer = context.layers[n];
    const wanted = paths.flatMap((_path, i) =>
      found[i] === undefined ? [i] : []
    );
    if (wanted.length === 0) break;
    const written = wanted.map((i) =>
      writtenPath(layer.value, paths[i], context)
    );
    const offsets = layer.format.locate(layer.text, written, context.maxDepth);
    const at = offsets.flatMap((o) => o === undefined ? [] : [o]);
    const places = lineColumns(layer.text, at);
    wanted.forEach((i, k) => {
      if (offsets[k] === undefined) return;
      found[i] = { path: layer.name, layer: n, ...places.shift()! };
    });
  }
  return found;
}

// A path of the merged config as its keys are written in one layer: keys
// that expansion renamed are turned back.
function writtenPath(
  root: unknown,
  path: FieldPath,
  context: ValidateContext,
): FieldPath {
  const out: (string | number)[] = [];
  let node = root;
  for (const key of path) {
    const renamed = node !== null && typeof node === "object"
      ? context.rawKeys.get(node)?.get(String(key))
      : undefined;
    out.push(renamed ?? key);
    node = node !== null && typeof node === "object"
      ? (node as Record<string | number, unknown>)[key]
      : undefined;
  }
  return out;
}
