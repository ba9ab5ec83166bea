// "No value from the config file or the environment ever appears in a
// result, a log record or a response": each way a value can slip into a
// message (a validator quoting it, escaped or not; a key that came from the
// environment; an unknown key that holds a password; a value that breaks
// the string it is put in; a hook error quoting the config), from the file
// and from ${ENV}, in YAML, JSON and TOML, with zod, valibot and arktype,
// checked in every output: the result, GET JSON, /history, the HTML page,
// /metrics, the LogTape records and the start-up LoadError.
import { test } from "node:test";
import assert from "node:assert/strict";
import { type } from "arktype";
import * as v from "valibot";
import { z } from "zod";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  AtomicConfig,
  type ConfigSchema,
  Coordinator,
  type FormatName,
  type Hook,
  HookStatus,
  loadConfig,
} from "hup-reload";
import { captureLogs, envOf, everyOutput, tempConfig } from "./_helpers.ts";

// Each secret holds a marker that must never show, and characters that
// validators escape when they quote a value.
const MARK = "Zq7Mark";
const secret = (n: number) => `Pa"s\\s-${MARK}${n}-wörd`;

const FORMATS: readonly FormatName[] = ["yaml", "json", "toml"];

/** The same valid config in each format: port 8080, mode quiet. */
const GOOD: Record<FormatName, string> = {
  yaml: "server:\n  port: 8080\n  mode: quiet\n",
  json: '{\n  "server": {\n    "port": 8080,\n    "mode": "quiet"\n  }\n}\n',
  toml: '[server]\nport = 8080\nmode = "quiet"\n',
};

interface Config {
  server: { port: number; mode: "quiet" | "loud" };
  tokens?: Record<string, "admin" | "user">;
  note?: string;
}

const schemas: Record<string, ConfigSchema<Config>> = {
  zod: z.object({
    server: z.strictObject({
      port: z.number(),
      mode: z.enum(["quiet", "loud"]),
    }),
    tokens: z.record(z.string(), z.enum(["admin", "user"])).optional(),
    note: z.string().optional(),
  }),
  valibot: v.object({
    server: v.strictObject({
      port: v.number(),
      mode: v.picklist(["quiet", "loud"]),
    }),
    tokens: v.optional(v.record(v.string(), v.picklist(["admin", "user"]))),
    note: v.optional(v.string()),
  }),
  arktype: type({
    server: { "+": "reject", port: "number", mode: "'quiet' | 'loud'" },
    "tokens?": { "[string]": "'admin' | 'user'" },
    "note?": "string",
  }),
};

/** Where a value comes from: written in the file, or `${NAME}`. */
type Source = "file" | "env";

/**
 * A string for `value` in `format`, from the file or from the variable
 * `name`. In the file it is escaped (a JSON string is a valid YAML and TOML
 * basic string too). From the environment the value arrives verbatim,
 * whatever string it is put in: plain in YAML, in a JSON string, in a
 * TOML literal string.
 */
function str(
  format: FormatName,
  source: Source,
  name: string,
  value: string,
): string {
  if (source === "file") return JSON.stringify(value);
  return { yaml: `\${${name}}`, json: `"\${${name}}"`, toml: `'\${${name}}'` }[
    format
  ];
}

interface Vector {
  /** What the file says, in each format, from each source. */
  text(format: FormatName, source: Source): string;
  /** The variables it reads, and their values (as `str()` wants them). */
  env(format: FormatName): Record<string, string>;
  /**
   * What the error must say (field, line and column), in each format, and
   * from each source where they differ.
   */
  where: Record<FormatName, RegExp | Record<Source, RegExp>>;
}

// Ways a value reaches a validator's message, a field path or a key.
const vectors: Record<string, Vector> = {
  "a value a validator quotes, with quotes and backslashes": {
    text: (f, s) => {
      const [port, mode] = [
        str(f, s, "S1", secret(1)),
        str(f, s, "S2", secret(2)),
      ];
      return {
        yaml: `server:\n  port: ${port}\n  mode: ${mode}\n`,
        json:
          `{\n  "server": {\n    "port": ${port},\n    "mode": ${mode}\n  }\n}\n`,
        toml: `[server]\nport = ${port}\nmode = ${mode}\n`,
      }[f];
    },
    env: () => ({ S1: secret(1), S2: secret(2) }),
    where: {
      yaml:
        /line 2, column 3 field server\.port: .*\n.*line 3, column 3 field server\.mode: /,
      json:
        /line 3, column 5 field server\.port: .*\n.*line 4, column 5 field server\.mode: /,
      toml:
        /line 2, column 1 field server\.port: .*\n.*line 3, column 1 field server\.mode: /,
    },
  },
  "a key that came from the environment, or holds a secret": {
    text: (f, s) => {
      const key = str(f, s, "S3", secret(3));
      return {
        yaml: `${GOOD.yaml}tokens:\n  ${key}: superuser\n`,
        json:
          `{\n  "server": {\n    "port": 8080,\n    "mode": "quiet"\n  },\n  "tokens": {\n    ${key}: "superuser"\n  }\n}\n`,
        toml: `${GOOD.toml}\n[tokens]\n${key} = "superuser"\n`,
      }[f];
    },
    env: () => ({ S3: secret(3) }),
    where: {
      // A quoted key is placed at its opening quote.
      yaml: /line 5, column 3 field tokens: /,
      json: /line 7, column 5 field tokens: /,
      toml: /line 6, column 1 field tokens: /,
    },
  },
  "an unknown key that holds a password, under a strict schema": {
    text: (f, s) => {
      const tail = s === "env" ? "${S4}" : `${MARK}4-x`;
      return {
        yaml: `${GOOD.yaml}  password:${tail}: 1\n`,
        json:
          `{\n  "server": {\n    "port": 8080,\n    "mode": "quiet",\n    "password:${tail}": 1\n  }\n}\n`,
        toml: `${GOOD.toml}${s === "env" ? "'" : '"'}password:${tail}${
          s === "env" ? "'" : '"'
        } = 1\n`,
      }[f];
    },
    env: () => ({ S4: secret(4) }),
    where: {
      yaml: /line 4, column 3 field server: /,
      json: /line 5, column 5 field server: /,
      toml: /line 4, column 1 field server: /,
    },
  },
  "an unknown key that looks like a name, under a strict schema": {
    text: (f, s) => {
      const key = s === "env" ? "${S5}" : `${MARK}5word`;
      return {
        yaml: `${GOOD.yaml}  ${key}: 1\n`,
        json:
          `{\n  "server": {\n    "port": 8080,\n    "mode": "quiet",\n    "${key}": 1\n  }\n}\n`,
        // A reference is expanded in strings: a TOML key that holds one
        // is quoted.
        toml: `${GOOD.toml}${s === "env" ? `'${key}'` : key} = 1\n`,
      }[f];
    },
    env: () => ({ S5: `${MARK}5word` }),
    where: {
      yaml: /line 4, column 3 field server: /,
      json: /line 5, column 5 field server: /,
      toml: /line 4, column 1 field server: /,
    },
  },
  // A value put in a string it closes: a double quote in YAML and JSON, an
  // apostrophe in a TOML literal string. Written in the file, the file no
  // longer parses; from the environment, it arrives verbatim (expansion
  // comes after parsing) and the schema refuses it.
  "a value that breaks the string it is put in": {
    text: (f, s) => {
      const value = s === "env" ? "${S6}" : secret(6).replace("s\\", "s'\\");
      return {
        yaml: `server:\n  port: 8080\n  mode: "${value}"\n`,
        json:
          `{\n  "server": {\n    "port": 8080,\n    "mode": "${value}"\n  }\n}\n`,
        toml: `[server]\nport = 8080\nmode = '${value}'\n`,
      }[f];
    },
    env: () => ({ S6: secret(6).replace("s\\", "s'\\") }),
    // In the file, the error is where the string ended; from the
    // environment, at the field.
    where: {
      yaml: {
        file: /not valid YAML: \S+ line 3, column 13: /,
        env: /schema: \S+ line 3, column 3 field server\.mode: /,
      },
      json: {
        file: /not valid JSON: \S+ line 4, column 17: /,
        env: /schema: \S+ line 4, column 5 field server\.mode: /,
      },
      toml: {
        file: /not valid TOML: \S+ line 3, column 14: /,
        env: /schema: \S+ line 3, column 1 field server\.mode: /,
      },
    },
  },
};

function assertNoSecret(text: string, what: string): void {
  for (const form of [MARK, "wörd", "w\\u00f6rd", "superuser"]) {
    assert.ok(
      !text.includes(form),
      `${what} shows ${form}:\n${text.slice(0, 3000)}`,
    );
  }
}

/** A file of `format` in a fresh directory, holding `text`. */
async function tempFile(format: FormatName, text: string) {
  const dir = await tempConfig();
  const path = join(dir.dir, `config.${format}`);
  await writeFile(path, text);
  return {
    path,
    write: (t: string) => writeFile(path, t),
    [Symbol.asyncDispose]: () => dir[Symbol.asyncDispose](),
  };
}

for (const [library, schema] of Object.entries(schemas)) {
  for (const format of FORMATS) {
    for (const [name, vector] of Object.entries(vectors)) {
      for (const source of ["file", "env"] as const) {
        test(`no output shows ${name}, from the ${source}, in ${format.toUpperCase()}, with ${library}`, async () => {
          await using logs = await captureLogs();
          await using file = await tempFile(format, GOOD[format]);
          const env = envOf(source === "env" ? vector.env(format) : {});
          const config = new AtomicConfig(
            await loadConfig(file.path, { schema, env }),
          );
          const coordinator = new Coordinator<Config>({
            configPath: file.path,
            config,
            schema,
            env,
            hooks: [],
          });
          await file.write(vector.text(format, source));

          // At start-up: the LoadError.
          const error = await loadConfig(file.path, { schema, env }).then(
            () => assert.fail("expected a LoadError"),
            (e: Error) => e,
          );
          const wanted = vector.where[format];
          const where = wanted instanceof RegExp ? wanted : wanted[source];
          assert.match(error.message, where);
          assertNoSecret(
            `${error.message}\n${JSON.stringify(error)}`,
            "LoadError",
          );

          // On reload: every output.
          const result = await coordinator.reload();
          assert.equal(result.status, "load_failed");
          assert.match(result.load_error ?? "", where);
          assertNoSecret(
            await everyOutput(coordinator, logs.records),
            "output",
          );
        });
      }
    }
  }

  test(`no output shows a config value quoted by a hook error, in any format, with ${library}`, async () => {
    await using logs = await captureLogs();
    const quoting = (phase: "check" | "apply"): Hook<Config> => ({
      name: `quotes-in-${phase}`,
      check(_old, next) {
        if (phase === "check") {
          throw new Error(`Cannot use the note "${next.note}": note`);
        }
      },
      apply(_ctx, old, next) {
        if (phase === "apply") {
          throw new AggregateError(
            [new Error(JSON.stringify(next)), next.note],
            `Cannot apply ${JSON.stringify(old)} then ${next.note}`,
          );
        }
        return HookStatus.Applied;
      },
    });
    for (const format of FORMATS) {
      await using file = await tempFile(format, GOOD[format]);
      const env = envOf({ S7: secret(7) });
      const config = new AtomicConfig(
        await loadConfig(file.path, { schema, env }),
      );
      for (const phase of ["check", "apply"] as const) {
        const coordinator = new Coordinator<Config>({
          configPath: file.path,
          config,
          schema,
          env,
          hooks: [quoting(phase)],
        });
        for (const source of ["file", "env"] as const) {
          const note = str(format, source, "S7", secret(7));
          await file.write(
            {
              yaml: `${GOOD.yaml}note: ${note}\n`,
              json:
                `{\n  "server": {"port": 8080, "mode": "quiet"},\n  "note": ${note}\n}\n`,
              toml: `note = ${note}\n${GOOD.toml}`,
            }[format],
          );
          const result = await coordinator.reload();
          assert.equal(
            result.status,
            phase === "check" ? "validation_failed" : "partial_applied",
            `${format} from the ${source}: ${result.load_error}`,
          );
          assert.match(
            result.outcomes[0].error ?? "",
            /^Cannot (use|apply) /,
          );
          assertNoSecret(
            await everyOutput(coordinator, logs.records),
            "output",
          );
        }
      }
    }
  });
}
