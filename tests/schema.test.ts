// ConfigSchema is the Standard Schema v1 shape: any StandardSchemaV1 fits,
// and the config type is inferred from it.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { StandardSchemaV1 } from "@standard-schema/spec";
import {
  AtomicConfig,
  type ConfigSchema,
  Coordinator,
  loadConfig,
} from "hup-reload";
import { envOf, tempConfig } from "./_helpers.ts";

interface Server {
  port: number;
}

// A schema written against the official types, as libraries write them.
const serverSchema: StandardSchemaV1<unknown, Server> = {
  "~standard": {
    version: 1,
    vendor: "test",
    validate(value) {
      const port = (value as { port?: unknown }).port;
      return typeof port === "number"
        ? { value: { port } }
        : { issues: [{ message: "Expected number", path: [{ key: "port" }] }] };
    },
  },
};

test("loadConfig() accepts a StandardSchemaV1 and infers the config type from it", async () => {
  const asConfigSchema: ConfigSchema<Server> = serverSchema;
  assert.ok(asConfigSchema);
  await using file = await tempConfig("port: 8080\nextra: dropped\n");
  const config = await loadConfig(file.path, {
    schema: serverSchema,
    env: envOf({}),
  });
  const port: number = config.port; // type-checks only if C was inferred
  assert.equal(port, 8080);
  assert.deepEqual(config, { port: 8080 });
});

test("Coordinator validates reloads with deps.schema", async () => {
  await using file = await tempConfig("port: 1\n");
  const holder = new AtomicConfig<Server>({ port: 0 });
  const coordinator = new Coordinator({
    configPath: file.path,
    config: holder,
    schema: serverSchema,
    hooks: [],
  });
  assert.equal((await coordinator.reload()).status, "full_success");
  assert.equal(holder.load()?.port, 1);
  await file.write("port: one\n");
  const bad = await coordinator.reload();
  assert.equal(bad.status, "load_failed");
  assert.match(
    bad.load_error ?? "",
    /does not match the schema: .* field port: Expected number$/,
  );
  assert.equal(holder.load()?.port, 1);
});
