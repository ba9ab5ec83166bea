// Every kind of fault a hook, a listener or a subscriber can commit ends as
// a reported outcome or a log record: the pass completes and no rejection
// is ever left unhandled.
import { test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import {
  AtomicConfig,
  Coordinator,
  type Hook,
  HookStatus,
  type ReloadResult,
} from "hup-reload";
import { ManualSignals, nextReload, RecordingHook } from "hup-reload/testing";
import { nastyValues } from "./_nasty.ts";

test("Coordinator turns every hook fault into an outcome and leaves no unhandled rejection", async () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => void unhandled.push(reason);
  process.on("unhandledRejection", onUnhandled);
  try {
    const faults: Hook<{ n: number }>[] = [
      {
        name: "throws",
        check() {},
        apply() {
          throw new Error("boom");
        },
      },
      {
        name: "rejects",
        check() {},
        apply: () => Promise.reject(new Error("no")),
      },
      {
        name: "throws-string",
        check() {},
        apply() {
          throw "plain string";
        },
      },
      {
        name: "throws-undefined",
        check() {},
        apply() {
          throw undefined;
        },
      },
      {
        name: "throws-object",
        check() {},
        apply() {
          throw { code: 7 };
        },
      },
      { name: "returns-garbage", check() {}, apply: () => ({}) as HookStatus },
      {
        name: "returns-undefined",
        check() {},
        apply: () => undefined as unknown as HookStatus,
      },
      {
        name: "rejects-later",
        check() {},
        apply: () =>
          new Promise((_, reject) =>
            queueMicrotask(() => reject(new TypeError("late")))
          ),
      },
    ];
    const hanging = new RecordingHook<{ n: number }>("hangs");
    hanging.hangApply = true;
    hanging.timeout = 1;
    const config = new AtomicConfig({ n: 0 });
    config.subscribe(() => {
      throw new Error("subscriber");
    });
    const coordinator = new Coordinator({
      configPath: "c.yaml",
      config,
      load: () => ({ n: 1 }),
      hooks: [...faults, hanging],
    });
    coordinator.addEventListener("reload", () => {
      throw new Error("listener");
    });
    coordinator.addEventListener(
      "reload",
      () => Promise.reject(new Error("async listener")),
    );
    const result = await coordinator.reload();
    assert.equal(result.status, "partial_applied");
    assert.deepEqual(
      result.outcomes.map((o) => [o.name, o.status]),
      [...faults, hanging].map((h) => [h.name, "failed"]),
    );
    assert.deepEqual(result.outcomes.map((o) => o.error), [
      "boom",
      "no",
      "plain string",
      "undefined thrown",
      "non-Error value thrown ([object Object])",
      'Cannot tell what the hook did as apply returned a value of type object, not "applied", "skipped" or "failed"',
      'Cannot tell what the hook did as apply returned undefined, not "applied", "skipped" or "failed"',
      "late",
      "apply did not finish within 1 ms (the pass went on without it; its signal is aborted)",
    ]);
    // Checks fail the same ways.
    const checks = await new Coordinator({
      configPath: "c.yaml",
      config: new AtomicConfig({ n: 0 }),
      load: () => ({ n: 1 }),
      hooks: faults.map((h) => ({
        ...h,
        check: h.apply as never,
        apply: () => HookStatus.Applied,
      })),
    }).reload();
    assert.equal(checks.status, "validation_failed");
    for (const _ of [1, 2, 3]) await new Promise((r) => setImmediate(r));
    assert.deepEqual(unhandled, []);
  } finally {
    process.off("unhandledRejection", onUnhandled);
  }
});

/** Collects unhandled rejections until disposed. */
function watchUnhandled(): { reasons: unknown[] } & Disposable {
  const reasons: unknown[] = [];
  const listener = (reason: unknown) => void reasons.push(reason);
  process.on("unhandledRejection", listener);
  return {
    reasons,
    [Symbol.dispose]: () => void process.off("unhandledRejection", listener),
  };
}

/** Lets queued macrotasks (and any unhandled-rejection report) run. */
async function drain(): Promise<void> {
  for (const _ of [1, 2, 3]) await new Promise((r) => setImmediate(r));
}

function assertBoundedOutcomes(result: ReloadResult): void {
  assert.deepEqual(JSON.parse(JSON.stringify(result)), result);
  for (const o of result.outcomes) {
    if (o.error === undefined) continue;
    assert.equal(typeof o.error, "string");
    assert.ok(o.error.length <= 1024, `${o.name}: ${o.error.length}`);
  }
}

for (const [name, make] of Object.entries(nastyValues)) {
  test(`Coordinator.reload() resolves when a hook throws ${name}, and the next pass still runs`, async () => {
    using unhandled = watchUnhandled();
    let phase: "check" | "apply" | "none" = "check";
    let n = 0;
    const config = new AtomicConfig({ n: 0 });
    const coordinator = new Coordinator({
      configPath: "c.yaml",
      config,
      load: () => ({ n: ++n }),
      hooks: [{
        name: "nasty",
        check() {
          if (phase === "check") throw make();
        },
        async apply() {
          await Promise.resolve();
          if (phase === "apply") throw make();
          return HookStatus.Applied;
        },
      }],
    });
    // A pass, and one queued behind it.
    const first = coordinator.reload();
    const queued = coordinator.reload();
    const checked = await first;
    assert.equal(checked.status, "validation_failed");
    assertBoundedOutcomes(checked);
    assert.equal((await queued).status, "validation_failed");

    phase = "apply";
    const applied = coordinator.reload();
    const behind = coordinator.reload();
    assert.equal((await applied).status, "partial_applied");
    assertBoundedOutcomes(await applied);
    assert.equal((await behind).status, "partial_applied");

    phase = "none";
    assert.equal((await coordinator.reload()).status, "full_success");
    assert.equal(config.load()?.n, n);
    await drain();
    assert.deepEqual(unhandled.reasons, []);
  });
}

test("Coordinator.watch() leaves no unhandled rejection when a SIGHUP pass meets a hostile hook", async () => {
  using unhandled = watchUnhandled();
  const signals = new ManualSignals();
  const coordinator = new Coordinator({
    configPath: "c.yaml",
    config: new AtomicConfig({}),
    load: () => ({}),
    signals,
    hooks: Object.values(nastyValues).map((make, i) => ({
      name: `nasty-${i}`,
      check() {},
      apply() {
        throw make();
      },
    })),
  });
  coordinator.watch();
  const reloaded = nextReload(coordinator);
  signals.fire();
  signals.fire();
  const result = await reloaded;
  assert.equal(result.status, "partial_applied");
  assertBoundedOutcomes(result);
  await coordinator.shutdown();
  await drain();
  assert.deepEqual(unhandled.reasons, []);
  assert.equal(coordinator.history().length, 2);
});

test("Coordinator.reload() still ends with a result, and the queue goes on, when the coordinator's own state fails", async () => {
  using unhandled = watchUnhandled();
  // A holder that breaks after start-up: reading it in a pass throws.
  let broken = false;
  class BrokenHolder extends AtomicConfig<{ n: number }> {
    override load() {
      if (broken) throw new Error("holder broke");
      return super.load();
    }
  }
  const config = new BrokenHolder({ n: 0 });
  const coordinator = new Coordinator({
    configPath: "c.yaml",
    config,
    load: () => ({ n: 1 }),
    hooks: [],
  });
  broken = true;
  const first = coordinator.reload();
  const queued = coordinator.reload();
  const result = await first;
  assert.equal(result.status, "load_failed");
  assert.equal(
    result.load_error,
    "The reload pass failed unexpectedly: holder broke",
  );
  assert.equal(result.generation, 0);
  assert.equal((await queued).status, "load_failed");
  broken = false;
  assert.equal((await coordinator.reload()).status, "full_success");
  await drain();
  assert.deepEqual(unhandled.reasons, []);
});

test("Coordinator.reload() caps load_error at 4 KiB, whatever the loader throws", async () => {
  const coordinator = new Coordinator({
    configPath: "c.yaml",
    config: new AtomicConfig({}),
    load: () => {
      throw new Error("e".repeat(1_000_000));
    },
    hooks: [],
  });
  const result = await coordinator.reload();
  assert.equal(result.status, "load_failed");
  assert.equal(result.load_error?.length, 4096);
  assert.ok(result.load_error?.endsWith("e…"));
});

test("Coordinator.reload() survives a clock and listeners that throw", async () => {
  using unhandled = watchUnhandled();
  const coordinator = new Coordinator({
    configPath: "c.yaml",
    config: new AtomicConfig({}),
    load: () => ({}),
    hooks: [],
    now: () => {
      throw new Error("clock");
    },
  });
  coordinator.addEventListener("reload", () => {
    throw nastyValues["a Proxy of an Error whose traps throw"]();
  });
  const result = await coordinator.reload();
  assert.equal(result.status, "full_success");
  assert.ok(!Number.isNaN(Date.parse(result.started_at)));
  assert.equal((await coordinator.reload()).generation, 2);
  await drain();
  assert.deepEqual(unhandled.reasons, []);
});
