import { test } from "node:test";
import assert from "node:assert/strict";
import { AtomicConfig, Coordinator } from "hup-reload";
import { reloadHandler } from "hup-reload/http";
import { fileChanges } from "hup-reload/watch";
import { ManualSignals, nextReload, tempConfig } from "hup-reload/testing";
import {
  captureLogs,
  deferred,
  type FakeTimers,
  fakeTimers,
} from "./_helpers.ts";

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

test("fileChanges() asks for no second pass for content that a pass started otherwise already read", async () => {
  await using file = await tempConfig("n: 1\n");
  const fake = fakeTimers();
  const signals = new ManualSignals();
  // Checks pass at once, but the SIGHUP pass's holds until told, so the
  // watch compares while it runs.
  let gate = deferred();
  gate.resolve();
  const coordinator = await Coordinator.create({
    configPath: file.path,
    triggers: [fileChanges({ timers: fake.timers })],
    signals,
    hooks: [{
      name: "gate",
      check: () => gate.promise,
      apply: () => "applied",
    }],
  });
  const compared = deferred();
  await using _logs = await captureLogs((record) => {
    if (record.rawMessage === "The config file changed: {path}") {
      compared.resolve();
    }
  });
  // Changed before the watch starts: its first look finds the change, after
  // the SIGHUP pass was asked for, and while that pass runs.
  await file.write("n: 2\n");
  gate = deferred();
  const signalled = nextReload(coordinator);
  coordinator.watch();
  signals.fire();
  await compared.promise;
  gate.resolve();
  const first = await signalled;
  assert.equal(first.trigger, "signal");
  assert.equal(first.generation, 1);
  // No pass waits behind it: the next one asked for starts on its own.
  const probe = await coordinator.reload({ trigger: "probe" });
  assert.equal(probe.trigger, "probe");
  assert.equal(probe.generation, 2);
  // And the next change is still seen.
  const next = nextReload(coordinator);
  await file.write("n: 3\n");
  await fireTimersUntil(fake, next);
  const third = await next;
  assert.equal(third.trigger, "file");
  assert.deepEqual(third.changed, ["n"]);
  assert.equal(third.generation, 3);
  assert.equal(coordinator.config.load().n, 3);
  await coordinator.shutdown();
});

test("fileChanges() stopped by shutdown() while it waits for a running pass asks for none", async () => {
  await using file = await tempConfig("n: 1\n");
  // Checks pass at once, but the first pass's holds until told.
  let checking = deferred();
  let gate = deferred();
  gate.resolve();
  const coordinator = await Coordinator.create({
    configPath: file.path,
    triggers: [fileChanges({ timers: fakeTimers().timers })],
    signals: new ManualSignals(),
    hooks: [{
      name: "gate",
      check: () => (checking.resolve(), gate.promise),
      apply: () => "applied",
    }],
  });
  const compared = deferred();
  await using _logs = await captureLogs((record) => {
    if (record.rawMessage === "The config file changed: {path}") {
      compared.resolve();
    }
  });
  // A pass reads n: 2 and holds; the watch, started then, finds n: 3 and
  // waits for that pass; shutdown() comes before the pass ends.
  await file.write("n: 2\n");
  checking = deferred();
  gate = deferred();
  const first = coordinator.reload();
  await checking.promise;
  await file.write("n: 3\n");
  coordinator.watch();
  await compared.promise;
  const down = coordinator.shutdown();
  gate.resolve();
  assert.equal((await first).generation, 1);
  await down;
  // Whatever the watch would have asked for is asked by now: the probe
  // either waits for it or runs after it.
  const probe = await coordinator.reload({ trigger: "probe" });
  await coordinator.shutdown();
  assert.deepEqual(
    coordinator.history().map((result) => result.trigger),
    ["probe", "call"],
  );
  assert.equal(probe.generation, 2);
});

// Fires the watch's timers (its debounce) as they are set, until `done`
// settles.
async function fireTimersUntil(
  fake: FakeTimers,
  done: Promise<unknown>,
): Promise<void> {
  let over = false;
  const end = done.then(() => over = true, () => over = true);
  while (!over) {
    for (const [id, { callback }] of [...fake.pending]) {
      fake.pending.delete(id);
      callback();
    }
    await Promise.race([end, fake.scheduled()]);
  }
}
