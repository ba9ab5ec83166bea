import { LoadError } from "../errors.ts";
import { ConfigLoader, toSources } from "../load/pipeline.ts";
import { MAX_LOAD_ERROR } from "../pass.ts";
import { renderError } from "../render.ts";
import type { ConfigSchema } from "../schema.ts";
import { FORMAT_NAMES, type FormatName } from "../load/format/mod.ts";
import { readArgs, usageError } from "./args.ts";
import { readEnvFile } from "./env_file.ts";
import { ExitCode } from "./exit_codes.ts";
import { printable } from "./format.ts";
import { CHECK_HELP } from "./help.ts";
import type { CliIo } from "./io.ts";
import { importSchema } from "./schema_module.ts";

/**
 * `hup-reload check <file>...`: loads the file, or the layers, as a reload
 * pass would (read, the format, `${ENV}` and `${file:...}` expansion, the
 * schema) and says whether it loads, as `nginx -t` does. Prints the digest when it does, the load error (file,
 * line, column, field; never a value) when it does not.
 *
 * @param args The arguments after `check`.
 * @param io The process.
 * @returns {@linkcode ExitCode.Ok} or {@linkcode ExitCode.CheckFailed}.
 * @throws {CliError} For a bad command line, env file or schema module.
 */
export async function check(
  args: readonly string[],
  io: CliIo,
): Promise<ExitCode> {
  const { values, positionals, help } = readArgs("check", args, {
    schema: { type: "string" },
    format: { type: "string" },
    "env-file": { type: "string", multiple: true },
  }, { min: 1, max: Infinity, name: "config file" });
  if (help) {
    io.stdout(CHECK_HELP);
    return ExitCode.Ok;
  }
  const paths = positionals;
  const format = values.format as string | undefined;
  if (format !== undefined && !FORMAT_NAMES.includes(format as FormatName)) {
    throw usageError(
      "check",
      `--format is not one of ${FORMAT_NAMES.join(", ")}`,
    );
  }
  const fileVars = new Map<string, string>();
  for (const file of (values["env-file"] as string[] | undefined) ?? []) {
    for (const [name, value] of await readEnvFile(file)) {
      fileVars.set(name, value);
    }
  }
  const schema: ConfigSchema<unknown> | undefined = values.schema === undefined
    ? undefined
    : await importSchema(values.schema as string, io.cwd());
  const options = {
    schema,
    ...(format !== undefined && { format: format as FormatName }),
    env: (name: string) =>
      fileVars.has(name) ? fileVars.get(name) : io.env(name),
  };
  const loader = new ConfigLoader<unknown>(
    toSources(paths, undefined, options, "check"),
    options,
  );
  try {
    const { digest } = await loader.load();
    io.stdout(`${printable(loader.name)}: OK (${digest})\n`);
    return ExitCode.Ok;
  } catch (error) {
    if (!(error instanceof LoadError)) throw error;
    // The very text a reload's load_error would hold.
    io.stderr(`${printable(renderError(error, MAX_LOAD_ERROR), true)}\n`);
    return ExitCode.CheckFailed;
  }
}
