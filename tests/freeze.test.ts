import { test } from "node:test";
import assert from "node:assert/strict";
import { AtomicConfig, Coordinator, HookStatus } from "hup-reload";
import { deepFreeze } from "../src/freeze.ts";

interface Config {
  db: { pool: { size: number }; hosts: string[] };
}

const config = (size: number): Config => ({
  db: { pool: { size }, hosts: ["a", "b"] },
});

test("new Coordinator() freezes the start-up config, so a check cannot change what readers hold", async () => {
  const startup = config(1);
  const holder = new AtomicConfig(startup);
  const coordinator = new Coordinator<Config>({
    configPath: "c.yaml",
    config: holder,
    load: () => config(2),
    hooks: [{
      name: "meddler",
      check(old) {
        (old.db.pool as { size: number }).size = 99;
      },
      apply: () => HookStatus.Applied,
    }],
  });
  assert.ok(Object.isFrozen(startup.db.pool));
  assert.ok(Object.isFrozen(startup.db.hosts));
  const result = await coordinator.reload();
  assert.equal(result.status, "validation_failed");
  assert.match(
    result.outcomes[0].error ?? "",
    /read.?only|not extensible|Cannot assign/i,
  );
  assert.equal(holder.load()?.db.pool.size, 1);
});

test("Coordinator.reload() deep-freezes a custom loader's config that is frozen only at the top", async () => {
  const holder = new AtomicConfig(config(1));
  const coordinator = new Coordinator<Config>({
    configPath: "c.yaml",
    config: holder,
    load: () => Object.freeze(config(2)),
    hooks: [],
  });
  await coordinator.reload();
  const current = holder.load()!;
  assert.ok(Object.isFrozen(current.db));
  assert.ok(Object.isFrozen(current.db.pool));
  assert.ok(Object.isFrozen(current.db.hosts));
});

test("deepFreeze() freezes children of already-frozen parents, at any depth", () => {
  const leaf = { value: 1 };
  const middle = Object.freeze({ leaf, list: [{ item: 1 }] });
  const root = Object.freeze({ middle });
  deepFreeze(root);
  assert.ok(Object.isFrozen(leaf));
  assert.ok(Object.isFrozen(middle.list));
  assert.ok(Object.isFrozen(middle.list[0]));
});

test("deepFreeze() ends on cyclic and shared structures and leaves class instances alone", () => {
  const shared = { n: 1 };
  const a: Record<string, unknown> = { shared };
  const b: Record<string, unknown> = { shared, a };
  a.b = b;
  Object.freeze(a);
  const instance = new (class Holder {
    inner = { x: 1 };
  })();
  deepFreeze({ a, b, instance });
  assert.ok(Object.isFrozen(b));
  assert.ok(Object.isFrozen(shared));
  assert.ok(!Object.isFrozen(instance));
  assert.ok(!Object.isFrozen(instance.inner));
});

test("Coordinator.reload() reports a custom config that cannot be frozen as load_failed", async () => {
  const holder = new AtomicConfig<object>({});
  const coordinator = new Coordinator<object>({
    configPath: "c.yaml",
    config: holder,
    load: () =>
      new Proxy({}, {
        getPrototypeOf() {
          throw new Error("Cannot inspect the config: proxy");
        },
      }),
    hooks: [],
  });
  const result = await coordinator.reload();
  assert.equal(result.status, "load_failed");
  assert.equal(result.load_error, "Cannot inspect the config: proxy");
  assert.equal(result.generation, 0);
});
