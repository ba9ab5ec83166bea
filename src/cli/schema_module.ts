import { isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { renderError } from "../render.ts";
import type { ConfigSchema } from "../schema.ts";
import { CliError } from "./errors.ts";
import { ExitCode } from "./exit_codes.ts";

/**
 * Imports the schema `--schema <module>#<export>` names: the module (a path,
 * relative to `cwd`, or a URL such as `file:`, `npm:` or `jsr:`), then its
 * export (`default` when none is named; the last `#` separates it), which
 * must be a Standard Schema (zod 4, valibot 1, arktype 2, ...).
 *
 * @param spec What `--schema` says.
 * @param cwd The directory a relative path starts from.
 * @returns The schema.
 * @throws {CliError} With {@linkcode ExitCode.NoInput} when the module
 *   cannot be imported or the export is missing or not a Standard Schema.
 */
export async function importSchema(
  spec: string,
  cwd: string,
): Promise<ConfigSchema<unknown>> {
  const hash = spec.lastIndexOf("#");
  const module = hash < 0 ? spec : spec.slice(0, hash);
  const name = hash < 0 || hash === spec.length - 1
    ? "default"
    : spec.slice(hash + 1);
  const fail = (reason: string) =>
    new CliError(
      ExitCode.NoInput,
      `Cannot use the schema as ${reason}: --schema ${spec}`,
    );
  if (module === "") throw fail("no module is named");
  // A path (a Windows one too, C:\...) is resolved here; anything with a
  // scheme is for the runtime to resolve.
  const url = isAbsolute(module) || !/^[a-z][a-z0-9+.-]+:/i.test(module)
    ? pathToFileURL(resolve(cwd, module)).href
    : module;
  let namespace: Record<string, unknown>;
  try {
    // The one import `deno publish` cannot analyze, and warns about: the
    // module is the user's, named at run time by a file URL or a scheme
    // the runtime resolves, so no import map needs to rewrite it.
    namespace = await import(url);
  } catch (error) {
    throw fail(`the module cannot be imported (${renderError(error, 512)})`);
  }
  const schema = Object.hasOwn(namespace, name) ? namespace[name] : undefined;
  if (schema === undefined) {
    throw fail(`the module has no export named ${name}`);
  }
  if (!isStandardSchema(schema)) {
    throw fail(
      `the export ${name} is not a Standard Schema (zod 4, valibot 1, arktype 2, ...)`,
    );
  }
  return schema;
}

function isStandardSchema(value: unknown): value is ConfigSchema<unknown> {
  if (
    (typeof value !== "object" && typeof value !== "function") || value === null
  ) return false;
  const standard = (value as { "~standard"?: unknown })["~standard"];
  return typeof standard === "object" && standard !== null &&
    (standard as { version?: unknown }).version === 1 &&
    typeof (standard as { validate?: unknown }).validate === "function";
}
