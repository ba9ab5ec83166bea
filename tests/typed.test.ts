// Typed configs from zod 4, valibot 1 and arktype 2: the config type is
// inferred from the schema, and failures are `field: message` lines without
// the offending values.
import { test } from "node:test";
import assert from "node:assert/strict";
import { type } from "arktype";
import * as v from "valibot";
import { z } from "zod";
import { AtomicConfig, Coordinator, loadConfig, LoadError } from "hup-reload";
import { envOf, tempConfig } from "./_helpers.ts";

const SECRET = "s3cr3t-Value-4242";
const GOOD = "server:\n  port: 8080\n  mode: a\nname: api\n";
const BAD = `server:\n  port: ${SECRET}\n  mode: ${SECRET}-mode\nname: 5\n`;

const schemas = {
  zod: z.object({
    server: z.object({ port: z.number(), mode: z.enum(["a", "b"]) }),
    name: z.string(),
  }),
  valibot: v.object({
    server: v.object({ port: v.number(), mode: v.picklist(["a", "b"]) }),
    name: v.string(),
  }),
  arktype: type({
    server: { port: "number", mode: "'a' | 'b'" },
    name: "string",
  }),
};

for (const [library, schema] of Object.entries(schemas)) {
  test(`loadConfig() infers the config type from a ${library} schema and names failing fields without values`, async () => {
    await using file = await tempConfig(GOOD);
    const env = envOf({});
    const config = await loadConfig(file.path, { schema, env });
    // Compiles only if the type was inferred.
    const port: number = config.server.port;
    const mode: "a" | "b" = config.server.mode;
    assert.equal(port, 8080);
    assert.equal(mode, "a");

    await file.write(BAD);
    const error = await loadConfig(file.path, { schema, env }).then(
      () => assert.fail("expected a LoadError"),
      (e: unknown) => e,
    );
    assert.ok(error instanceof LoadError);
    assert.ok(!error.message.includes(SECRET), error.message);
    const lines = new Map(
      error.problems.map((p) => {
        const m = / field (\S+): (.*)$/.exec(p);
        assert.ok(m, p);
        return [m[1], m[2]];
      }),
    );
    assert.deepEqual([...lines.keys()].sort(), [
      "name",
      "server.mode",
      "server.port",
    ]);
    for (const message of lines.values()) assert.ok(message.length > 0);
    // The allowed options are not secret and stay readable.
    assert.match(lines.get("server.mode")!, /"a"/);
  });

  test(`Coordinator infers its config type from a ${library} schema in Deps`, async () => {
    await using file = await tempConfig(GOOD);
    const env = envOf({});
    const config = new AtomicConfig(
      await loadConfig(file.path, { schema, env }),
    );
    const coordinator = new Coordinator({
      configPath: file.path,
      config,
      schema,
      env,
      hooks: [],
    });
    await file.write(GOOD.replace("8080", "9090"));
    assert.equal((await coordinator.reload()).status, "full_success");
    const port: number | undefined = config.load()?.server.port;
    assert.equal(port, 9090);
    await file.write(BAD);
    const failed = await coordinator.reload();
    assert.equal(failed.status, "load_failed");
    assert.ok(!failed.load_error?.includes(SECRET), String(failed.load_error));
  });
}
