import { test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import {
  AtomicConfig,
  Coordinator,
  type Hook,
  HookStatus,
  type Timers,
} from "hup-reload";
import { type Deferred, deferred } from "./_helpers.ts";

/** A coordinator whose every pass loads `{ a: 1 }` over `{ a: 0 }`. */
function oneOverZero(
  hooks: Hook<{ a: number }>[],
  timers?: Timers,
): Coordinator<{ a: number }> {
  return new Coordinator({
    configPath: "c.yaml",
    config: new AtomicConfig({ a: 0 }),
    load: () => ({ a: 1 }),
    hooks,
    ...(timers !== undefined && { timers }),
  });
}

/** Timers that fire only when the test says so. */
function fakeTimers() {
  const pending = new Map<number, { callback: () => void; ms: number }>();
  let next = 0;
  let armed: Deferred<number> = deferred();
  const timers: Timers = {
    setTimeout(callback, ms) {
      pending.set(++next, { callback, ms });
      armed.resolve(ms);
      return next;
    },
    clearTimeout(handle) {
      pending.delete(handle as number);
    },
  };
  return {
    timers,
    get pending() {
      return pending.size;
    },
    /** Resolves with the ms of the next timer armed (or already armed). */
    armed: () => armed.promise,
    fireAll() {
      const due = [...pending.values()];
      pending.clear();
      armed = deferred();
      for (const { callback } of due) callback();
    },
  };
}

const hang = () => new Promise<never>(() => {});

test("Coordinator gives up on a hung apply at its deadline, aborts its signal and finishes the pass", async () => {
  const clock = fakeTimers();
  let signal: AbortSignal | undefined;
  const entered = deferred();
  const calls: string[] = [];
  const hooks: Hook<{ a: number }>[] = [
    {
      name: "hangs",
      check() {},
      apply(ctx) {
        signal = ctx.signal;
        entered.resolve();
        return hang();
      },
    },
    {
      name: "after",
      check() {},
      apply() {
        calls.push("after");
        return HookStatus.Applied;
      },
    },
  ];
  const holder = new AtomicConfig({ a: 0 });
  const coordinator = new Coordinator({
    configPath: "c.yaml",
    config: holder,
    load: () => ({ a: 1 }),
    hooks,
    timers: clock.timers,
  });
  const pass = coordinator.reload();
  // Once the apply of "hangs" runs, the checks' timers are cleared and its
  // own is the only one pending.
  await entered.promise;
  assert.equal(clock.pending, 1);
  assert.equal(await clock.armed(), 10_000, "default deadline");
  assert.equal(signal!.aborted, false);
  clock.fireAll();
  const result = await pass;
  assert.equal(result.status, "partial_applied");
  assert.deepEqual(result.outcomes[0], {
    name: "hangs",
    status: "failed",
    error:
      "apply did not finish within 10000 ms (the pass went on without it; its signal is aborted)",
  });
  assert.deepEqual(result.outcomes[1], { name: "after", status: "applied" });
  assert.equal(signal!.aborted, true);
  assert.equal((signal!.reason as Error).name, "TimeoutError");
  assert.deepEqual(calls, ["after"]);
  assert.equal(holder.load()?.a, 1);
  assert.equal(clock.pending, 0, "no timer left behind");
});

test("Coordinator fails validation when a check hangs past the hook's own timeout", async () => {
  const clock = fakeTimers();
  const entered = deferred();
  const coordinator = new Coordinator({
    configPath: "c.yaml",
    config: new AtomicConfig({ a: 0 }),
    load: () => ({ a: 1 }),
    hookTimeout: 50,
    timers: clock.timers,
    hooks: [{
      name: "slow-check",
      timeout: 5,
      check() {
        entered.resolve();
        return hang();
      },
      apply: () => HookStatus.Applied,
    }],
  });
  const pass = coordinator.reload();
  await entered.promise;
  assert.equal(await clock.armed(), 5, "the hook's timeout wins");
  clock.fireAll();
  const result = await pass;
  assert.equal(result.status, "validation_failed");
  assert.match(
    result.outcomes[0].error ?? "",
    /^check did not finish within 5 ms/,
  );
  assert.equal(coordinator.generation(), 0);
});

test("Coordinator absorbs a hook that rejects after its deadline: no unhandled rejection", async () => {
  const clock = fakeTimers();
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => void unhandled.push(reason);
  process.on("unhandledRejection", onUnhandled);
  try {
    const late = deferred<never>();
    const entered = deferred();
    const coordinator = new Coordinator({
      configPath: "c.yaml",
      config: new AtomicConfig({ a: 0 }),
      load: () => ({ a: 1 }),
      timers: clock.timers,
      hooks: [{
        name: "late",
        check() {},
        apply() {
          entered.resolve();
          return late.promise;
        },
      }],
    });
    const pass = coordinator.reload();
    await entered.promise;
    await clock.armed();
    clock.fireAll();
    assert.equal((await pass).status, "partial_applied");
    late.reject(new Error("too late"));
    // Let the rejection propagate through any handler chain.
    for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
    assert.deepEqual(unhandled, []);
  } finally {
    process.off("unhandledRejection", onUnhandled);
  }
});

test("new Coordinator() rejects a timeout that is not a positive number", () => {
  for (const hookTimeout of [0, -1, Number.NaN, "10" as unknown as number]) {
    assert.throws(
      () =>
        new Coordinator({
          configPath: "c.yaml",
          config: new AtomicConfig({}),
          hookTimeout,
        }),
      { name: "TypeError", message: /deps\.hookTimeout/ },
    );
  }
  assert.throws(
    () =>
      new Coordinator({
        configPath: "c.yaml",
        config: new AtomicConfig({}),
        hooks: [{
          name: "h",
          timeout: 0,
          check() {},
          apply: () => HookStatus.Applied,
        }],
      }),
    { name: "TypeError", message: /deps\.hooks\[0\]\.timeout/ },
  );
});

test("new Coordinator() refuses a finite timeout past the longest a timer can wait", () => {
  const build = (hookTimeout?: number, timeout?: number) =>
    new Coordinator({
      configPath: "c.yaml",
      config: new AtomicConfig({}),
      ...(hookTimeout !== undefined && { hookTimeout }),
      hooks: [{
        name: "h",
        ...(timeout !== undefined && { timeout }),
        check() {},
        apply: () => HookStatus.Applied,
      }],
    });
  for (const ms of [2 ** 31, 30 * 24 * 3600 * 1000, Number.MAX_VALUE]) {
    assert.throws(() => build(ms), {
      name: "RangeError",
      message:
        /longer than 2147483647 ms .*use Infinity for no deadline: deps\.hookTimeout$/,
    });
    assert.throws(() => build(undefined, ms), {
      name: "RangeError",
      message: /deps\.hooks\[0\]\.timeout$/,
    });
  }
  // The longest timer a runtime can arm, and no deadline at all, are fine.
  build(2 ** 31 - 1);
  build(Infinity, Infinity);
});

test("Coordinator arms no timer for an Infinity deadline and waits for the hook", async () => {
  const clock = fakeTimers();
  const done = deferred<typeof HookStatus.Applied>();
  const coordinator = new Coordinator({
    configPath: "c.yaml",
    config: new AtomicConfig({}),
    load: () => ({}),
    timers: clock.timers,
    hookTimeout: Infinity,
    hooks: [{ name: "slow", check() {}, apply: () => done.promise }],
  });
  const pass = coordinator.reload();
  await new Promise((r) => setImmediate(r));
  assert.equal(clock.pending, 0);
  done.resolve(HookStatus.Applied);
  assert.equal((await pass).status, "full_success");
});

test("Coordinator gives a hook that reads its signal only after the deadline an aborted signal", async () => {
  const clock = fakeTimers();
  let ctxOf: { signal: AbortSignal } | undefined;
  const release = deferred();
  const hooks: Hook<{ a: number }>[] = [{
    name: "late reader",
    check() {},
    async apply(ctx) {
      ctxOf = ctx;
      await release.promise;
      return HookStatus.Applied;
    },
  }];
  const coordinator = oneOverZero(hooks, clock.timers);
  const pass = coordinator.reload();
  await clock.armed();
  clock.fireAll();
  const result = await pass;
  assert.equal(result.outcomes[0].status, "failed");
  // Read for the first time now, after its deadline.
  assert.equal(ctxOf!.signal.aborted, true);
  assert.equal((ctxOf!.signal.reason as Error).name, "TimeoutError");
  assert.equal(ctxOf!.signal, ctxOf!.signal, "the same signal each read");
  release.resolve();
});

test("Coordinator makes no AbortController for hooks that never read their signal", async () => {
  const Real = globalThis.AbortController;
  let made = 0;
  globalThis.AbortController = class extends Real {
    constructor() {
      super();
      made++;
    }
  };
  try {
    const hooks: Hook<{ a: number }>[] = Array.from(
      { length: 5 },
      (_, i) => ({
        name: `quiet_${i}`,
        check() {},
        apply: () => HookStatus.Applied,
      }),
    );
    hooks.push({
      name: "reader",
      check(_old, _next, ctx) {
        assert.equal(ctx.signal.aborted, false);
      },
      apply(ctx) {
        assert.equal(ctx.signal.aborted, false);
        return HookStatus.Applied;
      },
    });
    const coordinator = oneOverZero(hooks);
    made = 0;
    const result = await coordinator.reload();
    assert.equal(result.status, "full_success");
    assert.equal(made, 2, "one for the reader's check, one for its apply");
  } finally {
    globalThis.AbortController = Real;
  }
});

test("Coordinator runs synchronous hooks one after another, with no promise or turn for each", async () => {
  // A microtask queued by a hook runs only at the pass's next turn: a pass
  // that awaited each hook would run it before the next hook.
  const ran: string[] = [];
  const seen: number[] = [];
  const hooks: Hook<{ a: number }>[] = Array.from({ length: 4 }, (_, i) => ({
    name: `sync_${i}`,
    check() {
      seen.push(ran.length);
      queueMicrotask(() => ran.push(`check ${i}`));
    },
    apply() {
      seen.push(ran.length);
      queueMicrotask(() => ran.push(`apply ${i}`));
      return HookStatus.Applied;
    },
  }));
  const coordinator = oneOverZero(hooks);
  const result = await coordinator.reload();
  assert.equal(result.status, "full_success");
  assert.deepEqual(seen, [0, 0, 0, 0, 0, 0, 0, 0]);
  assert.equal(ran.length, 8);
  // A hook that returns a promise is still waited for, in its place.
  const order: string[] = [];
  const mixed = oneOverZero([
    {
      name: "async",
      async check() {
        await Promise.resolve();
        order.push("async check done");
      },
      apply: () => HookStatus.Applied,
    },
    {
      name: "sync",
      check() {
        order.push("sync check");
      },
      apply: () => HookStatus.Applied,
    },
  ]);
  assert.equal((await mixed.reload()).status, "full_success");
  assert.deepEqual(order, ["async check done", "sync check"]);
});
