// "No value from the config file or the environment ever appears in a
// result, a log record or a response": each way a value can slip into a
// message (a validator quoting it, escaped or not; a key that came from the
// environment; an unknown key that holds a password; a hook error quoting
// the config), from the file and from ${ENV}, with zod, valibot and arktype,
// checked in every output: the result, GET JSON, /history, the HTML page,
// /metrics, the LogTape records and the start-up LoadError.
import { test } from "node:test";
import assert from "node:assert/strict";
import { type } from "arktype";
import * as v from "valibot";
import { z } from "zod";
import {
  AtomicConfig,
  type ConfigSchema,
  Coordinator,
  type Hook,
  HookStatus,
  loadConfig,
} from "hup-reload";
import { reloadHandler } from "hup-reload/http";
import { captureLogs, envOf, tempConfig } from "./_helpers.ts";

// Each secret holds a marker that must never show, and characters that
// validators escape when they quote a value.
const MARK = "Zq7Mark";
const secret = (n: number) => `Pa"s\\s-${MARK}${n}-wörd`;
const GOOD = "server:\n  port: 8080\n  mode: quiet\n";

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

/** A YAML scalar for `value`, from the file (quoted) or the environment. */
type Source = "file" | "env";
const scalar = (value: string, source: Source, name: string) =>
  source === "env" ? `\${${name}}` : JSON.stringify(value);

interface Vector {
  /** What the file says; `env` holds the variables it reads. */
  yaml(source: Source): string;
  env: Record<string, string>;
  /** What the error must still say (field, line). */
  where: RegExp;
}

// Ways a value reaches a validator's message, a field path or a key.
const vectors: Record<string, Vector> = {
  "a value a validator quotes, with quotes and backslashes": {
    yaml: (s) =>
      `server:\n  port: ${scalar(secret(1), s, "S1")}\n  mode: ${
        scalar(secret(2), s, "S2")
      }\n`,
    env: { S1: secret(1), S2: secret(2) },
    where:
      /line 2, column 3 field server\.port: .*\n.*line 3, column 3 field server\.mode: /,
  },
  "a key that came from the environment, or holds a secret": {
    yaml: (s) =>
      `${GOOD}tokens:\n  ${
        s === "env" ? "${S3}" : JSON.stringify(secret(3))
      }: superuser\n`,
    env: { S3: secret(3) },
    where: /line 5, column \d+ field tokens: /,
  },
  "an unknown key that holds a password, under a strict schema": {
    yaml: (s) =>
      `${GOOD}  password:${s === "env" ? "${S4}" : `${MARK}4-x`}: 1\n`,
    env: { S4: secret(4) },
    where: /line 4, column 3 field server: /,
  },
  "an unknown key that looks like a name, under a strict schema": {
    yaml: (s) => `${GOOD}  ${s === "env" ? "${S5}" : `${MARK}5word`}: 1\n`,
    env: { S5: `${MARK}5word` },
    where: /line 4, column 3 field server: /,
  },
};

/** Everything an operator or a log pipeline could read. */
async function everyOutput(
  coordinator: Coordinator<Config>,
  records: unknown[],
): Promise<string> {
  const handler = reloadHandler(coordinator, { token: "t0ken-for-tests" });
  const get = async (path: string, accept = "application/json") =>
    await (await handler(
      new Request(`http://localhost${path}`, { headers: { accept } }),
    )).text();
  return [
    JSON.stringify(coordinator.lastResult()),
    JSON.stringify(coordinator.history()),
    await get("/-/reload"),
    await get("/-/reload", "text/html"),
    await get("/-/reload/history"),
    await get("/-/reload/metrics"),
    JSON.stringify(
      records,
      (_k, value) =>
        typeof value === "bigint" || typeof value === "symbol"
          ? String(value)
          : value,
    ),
  ].join("\n");
}

function assertNoSecret(text: string, what: string): void {
  for (const form of [MARK, "wörd", "w\\u00f6rd", "superuser"]) {
    assert.ok(
      !text.includes(form),
      `${what} shows ${form}:\n${text.slice(0, 3000)}`,
    );
  }
}

for (const [library, schema] of Object.entries(schemas)) {
  for (const [name, vector] of Object.entries(vectors)) {
    for (const source of ["file", "env"] as const) {
      test(`no output shows ${name}, from the ${source}, with ${library}`, async () => {
        await using logs = await captureLogs();
        await using file = await tempConfig(GOOD);
        const env = envOf(source === "env" ? vector.env : {});
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
        await file.write(vector.yaml(source));

        // At start-up: the LoadError.
        const error = await loadConfig(file.path, { schema, env }).then(
          () => assert.fail("expected a LoadError"),
          (e: Error) => e,
        );
        assertNoSecret(
          `${error.message}\n${JSON.stringify(error)}`,
          "LoadError",
        );

        // On reload: every output.
        const result = await coordinator.reload();
        assert.equal(result.status, "load_failed");
        assert.match(result.load_error ?? "", vector.where);
        assertNoSecret(await everyOutput(coordinator, logs.records), "output");
      });
    }
  }

  test(`no output shows a config value quoted by a hook error, with ${library}`, async () => {
    await using logs = await captureLogs();
    await using file = await tempConfig(GOOD);
    const env = envOf({ S6: secret(6) });
    const config = new AtomicConfig(
      await loadConfig(file.path, { schema, env }),
    );
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
    for (const phase of ["check", "apply"] as const) {
      const coordinator = new Coordinator<Config>({
        configPath: file.path,
        config,
        schema,
        env,
        hooks: [quoting(phase)],
      });
      for (const source of ["file", "env"] as const) {
        await file.write(
          `${GOOD}note: ${scalar(secret(6), source, "S6")}\n`,
        );
        const result = await coordinator.reload();
        assert.equal(
          result.status,
          phase === "check" ? "validation_failed" : "partial_applied",
        );
        assert.match(result.outcomes[0].error ?? "", /^Cannot (use|apply) /);
        assertNoSecret(await everyOutput(coordinator, logs.records), "output");
      }
    }
  });
}
