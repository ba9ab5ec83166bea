import { test } from "node:test";
import assert from "node:assert/strict";
import { AtomicConfig, Coordinator } from "hup-reload";
import { reloadHandler } from "hup-reload/http";
import { fileChanges } from "hup-reload/watch";
import { ManualSignals, nextReload, tempConfig } from "hup-reload/testing";
import { captureLogs, deferred } from "./_helpers.ts";

function setup(load: () => object | Promise<object> = () => ({})) {
  const signals = new ManualSignals();
  const coordinator = new Coordinator<object>({
    configPath: "c.yaml",
    config: new AtomicConfig({}),
    load,
    signals,
  });
  coordinator.watch();
  const handler = reloadHandler(coordinator, { allowUnauthenticated: true });
  return { coordinator, signals, handler };
}

test("Coordinator results say what asked for the pass: call, signal, http, or a name", async () => {
  const { coordinator, signals, handler } = setup();
  assert.equal((await coordinator.reload()).trigger, "call");
  assert.equal(
    (await coordinator.reload({ trigger: "deploy" })).trigger,
    "deploy",
  );
  const signalled = nextReload(coordinator);
  signals.fire();
  assert.equal((await signalled).trigger, "signal");
  for (const method of ["POST", "PUT"]) {
    const response = await handler(
      new Request("http://localhost/-/reload", { method }),
    );
    assert.equal(response.status, 200);
    assert.equal((await response.json()).trigger, "http");
  }
  // A name that is not a string, or too long, is not taken as is.
  assert.equal(
    (await coordinator.reload({ trigger: 7 as unknown as string })).trigger,
    "call",
  );
  assert.equal(
    (await coordinator.reload({ trigger: "x".repeat(500) })).trigger.length,
    64,
  );
  await coordinator.shutdown();
});

test("Coordinator results of a pass that answered several requests count each kind", async () => {
  await using logs = await captureLogs();
  const gate = deferred<object>();
  let first = true;
  const { coordinator, signals, handler } = setup(() => {
    if (!first) return {};
    first = false;
    return gate.promise;
  });
  const running = coordinator.reload({ trigger: "deploy" });
  // While it runs: a burst of signals, a POST and a direct call.
  signals.fire();
  signals.fire();
  signals.fire();
  const posted = handler(
    new Request("http://localhost/-/reload", { method: "POST" }),
  );
  const called = coordinator.reload();
  gate.resolve({});
  const one = await running;
  assert.equal(one.trigger, "deploy");
  assert.equal(one.triggers, undefined);
  const queued = await called;
  assert.equal(queued.trigger, "signal");
  assert.deepEqual(queued.triggers, { signal: 3, http: 1, call: 1 });
  assert.deepEqual(await (await posted).json(), queued);
  const records = logs.records.filter((r) =>
    String(r.rawMessage).startsWith("Reload pass succeeded")
  );
  assert.deepEqual(records.map((r) => r.properties.trigger), [
    "deploy",
    "signal",
  ]);
  assert.deepEqual(records[1].properties.triggers, {
    signal: 3,
    http: 1,
    call: 1,
  });
  await coordinator.shutdown();
});

test("Coordinator results of the fileChanges() trigger say file", async () => {
  await using file = await tempConfig("n: 1\n");
  const coordinator = await Coordinator.create({
    configPath: file.path,
    triggers: [fileChanges({ debounce: 10 })],
    signals: new ManualSignals(),
  });
  coordinator.watch();
  const reloaded = nextReload(coordinator);
  await file.replace("n: 2\n");
  const result = await reloaded;
  assert.equal(result.trigger, "file");
  assert.deepEqual(result.changed, ["n"]);
  await coordinator.shutdown();
});
