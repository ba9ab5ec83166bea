// Every kind of fault a hook, a listener or a subscriber can commit ends as
// a reported outcome or a log record: the pass completes and no rejection
// is ever left unhandled.
import { test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { AtomicConfig, Coordinator, type Hook, HookStatus } from "hup-reload";
import { RecordingHook } from "hup-reload/testing";

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
