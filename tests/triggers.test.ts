import { test } from "node:test";
import assert from "node:assert/strict";
import { AtomicConfig, Coordinator, type TriggerContext } from "hup-reload";
import { reloadHandler } from "hup-reload/http";
import { fileChanges } from "hup-reload/watch";
import { ManualSignals, nextReload, tempConfig } from "hup-reload/testing";
import {
  captureLogs,
  type Deferred,
  deferred,
  type FakeTimers,
  fakeTimers,
  settle,
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

test("TriggerContext.settled() waits for the passes asked for so far, and refuses from inside the running pass", async () => {
  let context: TriggerContext | undefined;
  const gate = deferred<object>();
  let first = true;
  let inside: Promise<void> | undefined;
  const coordinator = new Coordinator<object>({
    configPath: "c.yaml",
    config: new AtomicConfig({}),
    load: () => first ? (first = false, gate.promise) : {},
    signals: new ManualSignals(),
    triggers: [{
      name: "manual",
      start(ctx) {
        context = ctx;
        return () => {};
      },
    }],
    hooks: [{
      name: "waits",
      check() {
        inside ??= context!.settled();
      },
      apply: () => "applied",
    }],
  });
  coordinator.watch();
  await context!.settled(); // no pass: at once
  const running = coordinator.reload();
  let done = false;
  const waited = context!.settled().then(() => done = true);
  await settle();
  assert.equal(done, false);
  gate.resolve({});
  assert.equal((await running).status, "full_success");
  await waited;
  assert.equal(done, true);
  await assert.rejects(
    inside!,
    /^Error: Cannot wait for the passes from inside the running reload pass/,
  );
  await coordinator.shutdown();
});

// A coordinator of `path` with the fileChanges() trigger on `fake` timers
// and one hook whose check holds while told; `compared` settles once the
// watch finds the file changed.
async function heldCoordinator(path: string, fake: FakeTimers) {
  let checking = deferred();
  let gate: Deferred | undefined;
  const signals = new ManualSignals();
  const coordinator = await Coordinator.create({
    configPath: path,
    triggers: [fileChanges({ timers: fake.timers })],
    signals,
    hooks: [{
      name: "gate",
      check: () => (checking.resolve(), gate?.promise),
      apply: () => "applied",
    }],
  });
  const compared = deferred();
  const logs = await captureLogs((record) => {
    if (record.rawMessage === "The config file changed: {path}") {
      compared.resolve();
    }
  });
  return {
    coordinator,
    signals,
    compared: compared.promise,
    /**
     * Holds the checks of the passes from now on until `release()`;
     * `checking` settles once a pass is held.
     */
    hold() {
      checking = deferred();
      const held = gate = deferred();
      return { checking: checking.promise, release: () => held.resolve() };
    },
    [Symbol.asyncDispose]: () => logs[Symbol.asyncDispose](),
  };
}

test("fileChanges() asks for no second pass for content that a pass started otherwise already read", async () => {
  await using file = await tempConfig("n: 1\n");
  const fake = fakeTimers();
  await using held = await heldCoordinator(file.path, fake);
  const { coordinator, signals } = held;
  // Changed before the watch starts: its first look finds the change, after
  // the SIGHUP pass was asked for, and while that pass holds.
  await file.write("n: 2\n");
  const { release } = held.hold();
  const signalled = nextReload(coordinator);
  coordinator.watch();
  signals.fire();
  await held.compared;
  release();
  const first = await signalled;
  assert.equal(first.trigger, "signal");
  assert.equal(first.generation, 1);
  // Once the watch's wait for that pass is over (promise callbacks only),
  // no pass waits behind it, nor is one asked for: the next one asked for
  // starts on its own and answers no one else.
  await settle();
  const probe = await coordinator.reload({ trigger: "probe" });
  assert.equal(probe.trigger, "probe");
  assert.equal(probe.triggers, undefined);
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
  await using held = await heldCoordinator(file.path, fakeTimers());
  const { coordinator } = held;
  // A pass reads n: 2 and holds; the watch, started then, finds n: 3 and
  // waits for that pass; shutdown() comes before the pass ends.
  await file.write("n: 2\n");
  const { checking, release } = held.hold();
  const first = coordinator.reload();
  await checking;
  await file.write("n: 3\n");
  coordinator.watch();
  await held.compared;
  const down = coordinator.shutdown();
  release();
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
