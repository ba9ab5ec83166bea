import { test } from "node:test";
import assert from "node:assert/strict";
import { AtomicConfig, Coordinator, HookStatus } from "hup-reload";
import { diffConfigs, MAX_CHANGED, MAX_SHOWN_PATH } from "../src/diff.ts";
import { captureLogs, envOf, tempConfig } from "./_helpers.ts";

const showAll = () => true;

test("diffConfigs() lists the deepest changed paths in document order", () => {
  const before = {
    server: { port: 80, host: "a", tls: { cert: "x" } },
    routes: [{ to: "a" }, { to: "b" }],
    gone: 1,
    same: { deep: [1, 2, { x: true }] },
  };
  const after = {
    server: { port: 81, host: "a" },
    routes: [{ to: "a" }, { to: "c" }, { to: "d" }],
    same: { deep: [1, 2, { x: true }] },
    added: { y: 1 },
  };
  const changes = diffConfigs(before, after, showAll);
  assert.deepEqual(changes.shown, [
    "server.port",
    "server.tls",
    "routes.1.to",
    "routes.2",
    "gone",
    "added",
  ]);
  assert.equal(changes.omitted, 0);
  assert.ok(changes.changed("server"));
  assert.ok(changes.changed("server.port"));
  assert.ok(changes.changed("server.tls.cert"), "under a removed value");
  assert.ok(changes.changed("added.y"), "under an added value");
  assert.ok(changes.changed("routes"));
  assert.ok(!changes.changed("server.host"));
  assert.ok(!changes.changed("same"));
  assert.ok(!changes.changed("same.deep.2.x"));
  assert.ok(!changes.changed("routes.0"));
});

test("diffConfigs() compares dates, NaN and values of different kinds by value", () => {
  const changes = diffConfigs(
    { d: new Date(1), n: Number.NaN, k: [1], s: "1" },
    { d: new Date(1), n: Number.NaN, k: { 0: 1 }, s: 1 },
    showAll,
  );
  assert.deepEqual(changes.shown, ["k", "s"]);
});

test("diffConfigs() caps what it shows at 100 and counts the rest", () => {
  const before = { list: Array.from({ length: 5000 }, (_, i) => i) };
  const after = { list: before.list.map((n) => n + 1) };
  const changes = diffConfigs(before, after, showAll);
  assert.equal(changes.shown.length, MAX_CHANGED);
  assert.equal(changes.omitted, 5000 - MAX_CHANGED);
  assert.equal(changes.shown[0], "list.0");
  assert.ok(changes.changed("list.4999"));
});

test("Coordinator.reload() reports changed paths, hiding keys from the environment", async () => {
  await using logs = await captureLogs();
  await using file = await tempConfig("tokens:\n  ${TOKEN}: admin\nport: 1\n");
  const env = envOf({ TOKEN: "tok-secret-7f3a" });
  const seen: [boolean, boolean][] = [];
  const coordinator = await Coordinator.create({
    configPath: file.path,
    env,
    hooks: [{
      name: "watcher",
      check(_old, _next, ctx) {
        seen.push([ctx.changed("port"), ctx.changed("tokens")]);
      },
      apply(ctx) {
        seen.push([ctx.changed("port"), ctx.changed("tokens")]);
        return HookStatus.Applied;
      },
    }],
  });
  // The start-up check: everything is new.
  assert.deepEqual(seen.splice(0), [[true, true]]);
  await file.write("tokens:\n  ${TOKEN}: user\nport: 2\n");
  const result = await coordinator.reload();
  assert.deepEqual(result.changed, ["tokens.…", "port"]);
  assert.deepEqual(seen, [[true, true], [true, true]]);
  const json = JSON.stringify([result, logs.records]);
  assert.ok(!json.includes("tok-secret"));

  // Nothing changed: an empty list, and hooks can tell.
  seen.length = 0;
  const again = await coordinator.reload();
  assert.deepEqual(again.changed, []);
  assert.deepEqual(seen, [[false, false], [false, false]]);
});

test("Coordinator.reload() gives no changed paths when the file did not load", async () => {
  const coordinator = new Coordinator({
    configPath: "c.yaml",
    config: new AtomicConfig({ a: 1 }),
    load: () => {
      throw new Error("Cannot read: gone");
    },
  });
  const result = await coordinator.reload();
  assert.equal(result.changed, undefined);
  assert.equal(result.changed_omitted, undefined);
});

test("the comparison ends on configs with cycles or shared nodes that expand without bound", async () => {
  // What a custom loader or a schema's transform may return: a node that
  // holds itself twice expands to 2^n paths n levels down.
  const looped = (n: number) => {
    const node: Record<string, unknown> = { n };
    node.left = node;
    node.right = node;
    return node;
  };
  // Each pair of nodes is compared once: the places where the node holds
  // itself again are listed as changed, and the walk goes no deeper.
  const changes = diffConfigs(looped(0), looped(1), showAll);
  assert.deepEqual(changes.shown, ["n", "left", "right"]);
  assert.equal(changes.omitted, 0);
  assert.ok(changes.changed("n"));
  assert.ok(changes.changed("left.right.left.n"));
  assert.ok(!changes.changed("left.right.absent"));
  assert.deepEqual(diffConfigs(looped(0), looped(0), showAll).shown, []);

  const coordinator = new Coordinator({
    configPath: "/nowhere.yaml",
    config: new AtomicConfig(looped(0)),
    load: () => looped(1),
    hooks: [],
  });
  const result = await coordinator.reload();
  assert.equal(result.status, "full_success");
  assert.deepEqual(result.changed, ["n", "left", "right"]);
  assert.ok(JSON.stringify(result).length < 64 * 1024);
});

test("a changed path 100 keys deep is shown by its start", () => {
  const deep = (leaf: number) => {
    let node: unknown = leaf;
    for (let i = 0; i < 100; i++) {
      node = { [`key_${"k".repeat(40)}_${i}`]: node };
    }
    return node;
  };
  const [shown] = diffConfigs(deep(0), deep(1), showAll).shown;
  assert.ok(shown.length <= MAX_SHOWN_PATH + 2, shown);
  assert.match(shown, /^key_k+_99\.key_k+_98\..*\.…$/);
});
