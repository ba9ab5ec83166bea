import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { resolve } from "node:path";
import {
  type ApplyContext,
  AtomicConfig,
  Coordinator,
  type Deps,
  type Hook,
  HookStatus,
  type ReloadEvent,
  type ReloadResult,
  ReloadStatus,
  type SignalSource,
  type TriggerContext,
} from "hup-reload";
import { logLevelHook, LogLevelVar } from "hup-reload/log-level";
import { tlsHook } from "hup-reload/tls";
import { fileChanges } from "hup-reload/watch";
import process from "node:process";
import { ManualSignals, nextReload, tempConfig } from "hup-reload/testing";
import { captureLogs, type Deferred, deferred } from "./_helpers.ts";

interface Config {
  server: { listen: string; log_level?: string };
  feature: { size: number };
}

const cfg = (size: number, listen = ":8080"): Config => ({
  server: { listen, log_level: "info" },
  feature: { size },
});

/** A hook that records what it was called with and can be told to fail. */
function recordingHook(
  name: string,
  calls: string[],
  behaviour: {
    check?: () => void | Promise<void>;
    apply?: (ctx: ApplyContext) => unknown;
  } = {},
): Hook<Config> {
  return {
    name,
    async check() {
      calls.push(`check:${name}`);
      await behaviour.check?.();
    },
    async apply(ctx) {
      calls.push(`apply:${name}`);
      const status = await behaviour.apply?.(ctx);
      return (status ?? HookStatus.Applied) as HookStatus;
    },
  };
}

function setup(
  loads: (() => Config | Promise<Config>)[],
  hooks: Hook<Config>[],
  extra: { nonReloadable?: readonly string[] } = {},
) {
  const config = new AtomicConfig<Config>(cfg(1));
  let n = 0;
  const coordinator = new Coordinator<Config>({
    configPath: "/etc/app/config.yaml",
    config,
    hooks,
    load: () => {
      const next = loads[Math.min(n, loads.length - 1)];
      n++;
      return next();
    },
    ...extra,
  });
  return { config, coordinator, loads: () => n };
}

describe("Coordinator", () => {
  test("new Coordinator() rejects an empty holder with a TypeError", () => {
    assert.throws(
      () =>
        new Coordinator({ configPath: "c.yaml", config: new AtomicConfig() }),
      { name: "TypeError", message: /deps\.config holds no config/ },
    );
  });

  test("new Coordinator() rejects an empty configPath and a nameless hook", () => {
    const config = new AtomicConfig(cfg(1));
    const load = () => cfg(2);
    assert.throws(() => new Coordinator({ configPath: "", config, load }), {
      name: "TypeError",
      message: /deps\.configPath/,
    });
    assert.throws(
      () =>
        new Coordinator({
          configPath: "c.yaml",
          config,
          load,
          hooks: [{ check() {}, apply: () => HookStatus.Applied } as never],
        }),
      { name: "TypeError", message: /deps\.hooks\[0\]\.name/ },
    );
  });

  test("Coordinator.reload() swaps the config and advances the generation on full_success", async () => {
    const calls: string[] = [];
    const { config, coordinator } = setup([() => cfg(2)], [
      recordingHook("a", calls),
      recordingHook("b", calls, { apply: () => HookStatus.Skipped }),
    ]);
    assert.equal(coordinator.lastResult(), null);
    assert.equal(coordinator.generation(), 0);
    const result = await coordinator.reload();
    assert.equal(result.status, ReloadStatus.FullSuccess);
    assert.equal(result.generation, 1);
    assert.deepEqual(result.outcomes, [
      { name: "a", status: "applied" },
      { name: "b", status: "skipped" },
    ]);
    assert.deepEqual(calls, ["check:a", "check:b", "apply:a", "apply:b"]);
    assert.equal(coordinator.generation(), 1);
    assert.deepEqual(config.load(), cfg(2));
    assert.equal(config.snapshot().generation, 1);
    assert.equal(coordinator.lastResult(), result);
    assert.equal("requires_restart" in result, false);
    assert.equal("load_error" in result, false);
  });

  test("Coordinator.reload() results are plain JSON with ISO 8601 times", async () => {
    const times = [
      new Date("2026-01-02T03:04:05.000Z"),
      new Date("2026-01-02T03:04:05.250Z"),
    ];
    let t = 0;
    const coordinator = new Coordinator<Config>({
      configPath: "c.yaml",
      config: new AtomicConfig(cfg(1)),
      load: () => cfg(2, ":9090"),
      hooks: [
        recordingHook("x", [], {
          apply: () => {
            throw new Error("Cannot resize: feature.size");
          },
        }),
      ],
      nonReloadable: ["server.listen"],
      now: () => times[Math.min(t++, 1)],
    });
    const result = await coordinator.reload();
    assert.deepEqual(JSON.parse(JSON.stringify(result)), result);
    assert.deepEqual(result, {
      generation: 1,
      status: "partial_applied",
      trigger: "call",
      outcomes: [{
        name: "x",
        status: "failed",
        error: "Cannot resize: feature.size",
      }],
      changed: ["server.listen", "feature.size"],
      requires_restart: ["server.listen"],
      started_at: "2026-01-02T03:04:05.000Z",
      ended_at: "2026-01-02T03:04:05.250Z",
    });
  });

  test("Coordinator.reload() runs no hook and changes nothing on load_failed", async () => {
    const calls: string[] = [];
    const { config, coordinator } = setup([() => {
      throw new Error("Cannot load config as the file does not exist: x");
    }], [recordingHook("a", calls)]);
    const before = config.snapshot();
    const result = await coordinator.reload();
    assert.equal(result.status, ReloadStatus.LoadFailed);
    assert.equal(
      result.load_error,
      "Cannot load config as the file does not exist: x",
    );
    assert.deepEqual(result.outcomes, []);
    assert.equal(result.generation, 0);
    assert.deepEqual(calls, []);
    assert.equal(config.snapshot(), before);
    assert.equal(coordinator.generation(), 0);
  });

  test("Coordinator.reload() treats a loader returning undefined as load_failed", async () => {
    const { coordinator } = setup(
      [() => undefined as unknown as Config],
      [],
    );
    const result = await coordinator.reload();
    assert.equal(result.status, "load_failed");
    assert.match(result.load_error ?? "", /returned undefined/);
  });

  test("Coordinator.reload() runs every check and reports every failing one on validation_failed", async () => {
    const calls: string[] = [];
    const { config, coordinator } = setup([() => cfg(2)], [
      recordingHook("first", calls, {
        check: () => {
          throw new RangeError("Cannot use size 2: feature.size");
        },
      }),
      recordingHook("second", calls),
      recordingHook("third", calls, {
        check: () => Promise.reject("third is unhappy"),
      }),
    ]);
    const before = config.snapshot();
    const result = await coordinator.reload();
    assert.equal(result.status, ReloadStatus.ValidationFailed);
    assert.deepEqual(calls, ["check:first", "check:second", "check:third"]);
    assert.deepEqual(result.outcomes, [
      {
        name: "first",
        status: "failed",
        error: "Cannot use size 2: feature.size",
      },
      { name: "second", status: "skipped" },
      { name: "third", status: "failed", error: "third is unhappy" },
    ]);
    assert.equal(result.generation, 0);
    assert.equal(coordinator.generation(), 0);
    assert.equal(config.snapshot(), before);
  });

  test("Coordinator.reload() runs every apply after a failing one and swaps on partial_applied", async () => {
    const calls: string[] = [];
    const { config, coordinator } = setup([() => cfg(3)], [
      recordingHook("throws", calls, {
        apply: () => {
          throw new Error("Cannot apply: boom");
        },
      }),
      recordingHook("rejects-non-error", calls, {
        apply: () => Promise.reject(42),
      }),
      recordingHook("returns-garbage", calls, { apply: () => "done" }),
      recordingHook("returns-failed", calls, {
        apply: () => HookStatus.Failed,
      }),
      recordingHook("fine", calls),
    ]);
    const result = await coordinator.reload();
    assert.equal(result.status, ReloadStatus.PartialApplied);
    assert.deepEqual(calls.filter((c) => c.startsWith("apply:")), [
      "apply:throws",
      "apply:rejects-non-error",
      "apply:returns-garbage",
      "apply:returns-failed",
      "apply:fine",
    ]);
    assert.deepEqual(
      result.outcomes.map((o) => [o.name, o.status]),
      [
        ["throws", "failed"],
        ["rejects-non-error", "failed"],
        ["returns-garbage", "failed"],
        ["returns-failed", "failed"],
        ["fine", "applied"],
      ],
    );
    assert.equal(result.outcomes[0].error, "Cannot apply: boom");
    assert.equal(result.outcomes[1].error, "number 42 thrown");
    assert.match(result.outcomes[2].error ?? "", /not "applied", "skipped"/);
    assert.equal(result.outcomes[3].error, "apply reported failed");
    assert.equal(result.outcomes[4].error, undefined);
    assert.equal(result.generation, 1);
    assert.deepEqual(config.load(), cfg(3));
  });

  test("Coordinator.generation() advances by exactly one per swapping pass", async () => {
    let fail: "load" | "check" | "apply" | "none" = "none";
    const config = new AtomicConfig(cfg(0));
    const coordinator: Coordinator<Config> = new Coordinator<Config>({
      configPath: "c.yaml",
      config,
      load: () => {
        if (fail === "load") throw new Error("bad file");
        return cfg(coordinator.generation());
      },
      hooks: [{
        name: "h",
        check() {
          if (fail === "check") throw new Error("bad check");
        },
        apply() {
          if (fail === "apply") throw new Error("bad apply");
          return HookStatus.Applied;
        },
      }],
    });
    const sequence = [
      "none",
      "load",
      "check",
      "apply",
      "none",
      "load",
      "apply",
    ] as const;
    let expected = 0;
    for (const mode of sequence) {
      fail = mode;
      const swaps = mode === "none" || mode === "apply";
      if (swaps) expected++;
      const result = await coordinator.reload();
      assert.equal(result.generation, expected, `after ${mode}`);
      assert.equal(coordinator.generation(), expected);
      assert.equal(config.snapshot().generation, expected);
    }
  });

  test("Coordinator.reload() reports requires_restart against the start-up values, whatever the status", async () => {
    let next = cfg(1, ":9090");
    let checkFails = false;
    const coordinator = new Coordinator<Config>({
      configPath: "c.yaml",
      config: new AtomicConfig(cfg(1, ":8080")),
      load: () => next,
      hooks: [{
        name: "h",
        check() {
          if (checkFails) throw new Error("no");
        },
        apply: () => HookStatus.Applied,
      }],
      nonReloadable: ["server.listen", "feature.size", "missing.path"],
    });
    assert.deepEqual((await coordinator.reload()).requires_restart, [
      "server.listen",
    ]);
    // Still differs from start-up on the next pass, even though it equals
    // the config in effect.
    assert.deepEqual((await coordinator.reload()).requires_restart, [
      "server.listen",
    ]);
    checkFails = true;
    next = cfg(5, ":9090");
    const rejected = await coordinator.reload();
    assert.equal(rejected.status, "validation_failed");
    assert.deepEqual(rejected.requires_restart, [
      "server.listen",
      "feature.size",
    ]);
    checkFails = false;
    next = cfg(1, ":8080");
    const back = await coordinator.reload();
    assert.equal("requires_restart" in back, false);
  });

  test("Coordinator.reload() takes requires_restart from a nonReloadable function", async () => {
    const seen: [Config, Config][] = [];
    const startup = cfg(1);
    const coordinator = new Coordinator<Config>({
      configPath: "c.yaml",
      config: new AtomicConfig(startup),
      load: () => cfg(2),
      hooks: [],
      nonReloadable: (old, next) => {
        seen.push([old, next]);
        return old.feature.size === next.feature.size ? [] : ["feature"];
      },
    });
    await coordinator.reload();
    const result = await coordinator.reload();
    assert.deepEqual(result.requires_restart, ["feature"]);
    assert.equal(seen[1][0], startup);
  });

  test("Coordinator.reload() gives apply an AbortSignal, the new generation and the subsystem lookup", async () => {
    let seen: { aborted: boolean; generation: number; found: unknown } | null =
      null;
    let ctxSignal: AbortSignal | null = null;
    const registry = new Map<string, unknown>([["cache", { kind: "lru" }]]);
    const coordinator = new Coordinator<Config>({
      configPath: "c.yaml",
      config: new AtomicConfig(cfg(1)),
      load: () => cfg(2),
      lookup: (name) => registry.get(name),
      hooks: [{
        name: "h",
        check() {},
        apply(ctx) {
          ctxSignal = ctx.signal;
          seen = {
            aborted: ctx.signal.aborted,
            generation: ctx.generation,
            found: ctx.lookup("cache"),
          };
          assert.equal(ctx.lookup("absent"), undefined);
          return HookStatus.Applied;
        },
      }],
    });
    await coordinator.reload();
    assert.deepEqual(seen, {
      aborted: false,
      generation: 1,
      found: { kind: "lru" },
    });
    assert.ok(ctxSignal! instanceof AbortSignal);
  });

  test("Coordinator.reload() freezes the config it swaps in", async () => {
    const { config, coordinator } = setup([() => cfg(2)], []);
    await coordinator.reload();
    const current = config.load()!;
    assert.ok(Object.isFrozen(current));
    assert.ok(Object.isFrozen(current.server));
    assert.throws(() => {
      (current.feature as { size: number }).size = 9;
    }, TypeError);
  });

  test("Coordinator.reload() calls made during a pass share one pass right after it", async () => {
    const gate: Deferred = deferred();
    const entered: Deferred = deferred();
    let active = 0;
    let maxActive = 0;
    let passes = 0;
    const coordinator = new Coordinator<Config>({
      configPath: "c.yaml",
      config: new AtomicConfig(cfg(0)),
      load: () => cfg(++passes),
      hooks: [{
        name: "slow",
        check() {},
        async apply() {
          active++;
          maxActive = Math.max(maxActive, active);
          if (passes === 1) {
            entered.resolve();
            await gate.promise;
          }
          active--;
          return HookStatus.Applied;
        },
      }],
    });
    const first = coordinator.reload();
    await entered.promise;
    const joined = [
      coordinator.reload(),
      coordinator.reload(),
      coordinator.reload(),
    ];
    assert.equal(joined[0], joined[1]);
    assert.equal(joined[1], joined[2]);
    gate.resolve();
    const [r1, r2] = await Promise.all([first, joined[0]]);
    assert.equal(r1.generation, 1);
    assert.equal(r2.generation, 2);
    assert.equal(passes, 2);
    assert.equal(maxActive, 1);
    assert.equal(coordinator.lastResult(), r2);
    // Idle again: the next call starts a fresh pass.
    assert.equal((await coordinator.reload()).generation, 3);
  });

  test("Coordinator.watch() turns a burst of SIGHUPs during a pass into exactly one more pass", async () => {
    const signals = new ManualSignals();
    const gate: Deferred = deferred();
    const entered: Deferred = deferred();
    const second: Deferred<number> = deferred();
    let passes = 0;
    const coordinator = new Coordinator<Config>({
      configPath: "c.yaml",
      config: new AtomicConfig(cfg(0)),
      load: () => cfg(++passes),
      signals,
      hooks: [{
        name: "slow",
        check() {},
        async apply(ctx) {
          if (passes === 1) {
            entered.resolve();
            await gate.promise;
          } else {
            second.resolve(ctx.generation);
          }
          return HookStatus.Applied;
        },
      }],
    });
    coordinator.watch();
    coordinator.watch();
    assert.equal(signals.listenerCount(), 1, "watch() is idempotent");
    signals.fire();
    await entered.promise;
    for (let i = 0; i < 100; i++) signals.fire();
    gate.resolve();
    assert.equal(await second.promise, 2);
    await coordinator.shutdown();
    assert.equal(passes, 2);
    assert.equal(coordinator.generation(), 2);
  });

  test("Coordinator.watch() reloads on SIGHUP while idle", async () => {
    const signals = new ManualSignals();
    const applied: Deferred<number> = deferred();
    const coordinator = new Coordinator<Config>({
      configPath: "c.yaml",
      config: new AtomicConfig(cfg(0)),
      load: () => cfg(7),
      signals,
      hooks: [{
        name: "h",
        check() {},
        apply(ctx) {
          applied.resolve(ctx.generation);
          return HookStatus.Applied;
        },
      }],
    });
    coordinator.watch();
    signals.fire();
    assert.equal(await applied.promise, 1);
    await coordinator.shutdown();
    assert.equal(coordinator.lastResult()?.status, "full_success");
  });

  test("Coordinator.watch() throws and starts no trigger where SIGHUP cannot be listened for", async () => {
    let refuse = true;
    const signals = new ManualSignals();
    const windowsLike: SignalSource = {
      addSignalListener(signal, listener) {
        if (refuse) {
          throw new Error(
            "Cannot listen for SIGHUP as Windows has no such signal",
          );
        }
        signals.addSignalListener(signal, listener);
      },
      removeSignalListener: (s, l) => signals.removeSignalListener(s, l),
    };
    let started = 0;
    const coordinator = new Coordinator<Config>({
      configPath: "c.yaml",
      config: new AtomicConfig(cfg(0)),
      load: () => cfg(1),
      signals: windowsLike,
      verifyEvery: 0,
      triggers: [{ name: "counted", start: () => (started++, () => {}) }],
    });
    assert.throws(() => coordinator.watch(), /Windows has no such signal/);
    assert.equal(started, 0, "no trigger runs when watch() throws");
    // Nothing half-started: a later watch() starts everything once.
    refuse = false;
    coordinator.watch();
    coordinator.watch();
    assert.equal(started, 1);
    assert.equal(signals.listenerCount(), 1);
    const reloaded = nextReload(coordinator);
    signals.fire();
    assert.equal((await reloaded).trigger, "signal");
    await coordinator.shutdown();
    assert.equal(signals.listenerCount(), 0);
  });

  test("Coordinator.shutdown() removes the listener, waits for the running pass and is idempotent", async () => {
    const signals = new ManualSignals();
    const gate: Deferred = deferred();
    const entered: Deferred = deferred();
    const coordinator = new Coordinator<Config>({
      configPath: "c.yaml",
      config: new AtomicConfig(cfg(0)),
      load: () => cfg(1),
      signals,
      hooks: [{
        name: "slow",
        check() {},
        async apply() {
          entered.resolve();
          await gate.promise;
          return HookStatus.Applied;
        },
      }],
    });
    coordinator.watch();
    const pass = coordinator.reload();
    await entered.promise;
    let shutDown = false;
    const stopping = coordinator.shutdown().then(() => {
      shutDown = true;
    });
    assert.equal(signals.listenerCount(), 0);
    await Promise.resolve();
    assert.equal(shutDown, false, "shutdown() waits for the running pass");
    gate.resolve();
    await stopping;
    assert.equal(shutDown, true);
    assert.equal((await pass).status, "full_success");
    await coordinator.shutdown();
    await coordinator.shutdown();
    assert.equal(signals.listenerCount(), 0);
    signals.fire();
    assert.equal(coordinator.generation(), 1, "no pass after shutdown");
    // watch() again re-installs the listener.
    coordinator.watch();
    assert.equal(signals.listenerCount(), 1);
    await coordinator.shutdown();
  });

  test("Coordinator.reload() lists exactly the hooks registered, and none by default", async () => {
    const coordinator = new Coordinator<Config>({
      configPath: "c.yaml",
      config: new AtomicConfig(cfg(0)),
      load: () => cfg(1),
    });
    const result = await coordinator.reload();
    assert.deepEqual(result.outcomes, []);
    assert.equal(result.status, "full_success");
  });

  test("Coordinator runs the log_level and tls_certificate hooks the user composes", async () => {
    const level = new LogLevelVar("info");
    let next: Config = {
      ...cfg(1),
      server: { listen: ":1", log_level: "DEBUG" },
    };
    const rotated: Config[] = [];
    const coordinator = new Coordinator<Config>({
      configPath: "c.yaml",
      config: new AtomicConfig(cfg(0)),
      load: () => next,
      hooks: [
        logLevelHook(level, (config: Config) => config.server.log_level, {
          field: "server.log_level",
        }),
        tlsHook({ reload: (config: Config) => void rotated.push(config) }),
      ],
    });
    const ok = await coordinator.reload();
    assert.deepEqual(ok.outcomes, [
      { name: "log_level", status: "applied" },
      { name: "tls_certificate", status: "applied" },
    ]);
    assert.equal(level.level, "debug");
    assert.equal(rotated.length, 1);
    // The same level again: nothing to apply.
    assert.deepEqual((await coordinator.reload()).outcomes[0], {
      name: "log_level",
      status: "skipped",
    });
    next = { ...cfg(1), server: { listen: ":1", log_level: "loud" } };
    const bad = await coordinator.reload();
    assert.equal(bad.status, "validation_failed");
    assert.equal(bad.outcomes[0].status, "failed");
    assert.match(bad.outcomes[0].error ?? "", /server\.log_level/);
    assert.doesNotMatch(bad.outcomes[0].error ?? "", /loud/);
    assert.equal(level.level, "debug");
    assert.equal(rotated.length, 2, "nothing applied on validation_failed");
  });

  test("Coordinator fails validation when a tls_certificate hook's check throws", async () => {
    const coordinator = new Coordinator<Config>({
      configPath: "c.yaml",
      config: new AtomicConfig(cfg(0)),
      load: () => cfg(1),
      hooks: [tlsHook({
        check() {
          throw new Error(
            "Cannot rotate the certificate as it has expired: tls.cert",
          );
        },
        reload() {
          throw new Error("not reached");
        },
      })],
    });
    const result = await coordinator.reload();
    assert.equal(result.status, "validation_failed");
    assert.deepEqual(result.outcomes, [{
      name: "tls_certificate",
      status: "failed",
      error: "Cannot rotate the certificate as it has expired: tls.cert",
    }]);
  });
});

test("Coordinator compares nonReloadable paths by deep equality, through sequences", async () => {
  type Cfg = {
    servers: { port: number; tags: string[] }[];
    db: { url: string };
  };
  const startup: Cfg = {
    servers: [{ port: 1, tags: ["a"] }],
    db: { url: "x" },
  };
  let next: Cfg = structuredClone(startup);
  const coordinator = new Coordinator<Cfg>({
    configPath: "c.yaml",
    config: new AtomicConfig(startup),
    load: () => next,
    hooks: [],
    nonReloadable: ["servers.0.port", "servers.0.tags", "db", "servers.1"],
  });
  assert.equal("requires_restart" in await coordinator.reload(), false);
  next = {
    servers: [{ port: 1, tags: ["a", "b"] }, { port: 2, tags: [] }],
    db: { url: "x" },
  };
  assert.deepEqual((await coordinator.reload()).requires_restart, [
    "servers.0.tags",
    "servers.1",
  ]);
});

test("Coordinator.reload() results are frozen, so a caller cannot change lastResult()", async () => {
  const coordinator = new Coordinator({
    configPath: "c.yaml",
    config: new AtomicConfig({ a: 1 }),
    load: () => ({ a: 2 }),
    hooks: [{ name: "h", check() {}, apply: () => HookStatus.Applied }],
  });
  const result = await coordinator.reload();
  assert.ok(Object.isFrozen(result));
  assert.ok(Object.isFrozen(result.outcomes[0]));
  assert.throws(() => {
    (result as { status: string }).status = "load_failed";
  }, TypeError);
  assert.equal(coordinator.lastResult()?.status, "full_success");
});

test("Coordinator.reload() called between a pass and the queued one joins the queued one", async () => {
  const gate = deferred();
  const entered = deferred();
  let active = 0;
  let maxActive = 0;
  let passes = 0;
  const coordinator = new Coordinator({
    configPath: "c.yaml",
    config: new AtomicConfig({ n: 0 }),
    load: async () => {
      active++;
      maxActive = Math.max(maxActive, active);
      passes++;
      if (passes === 1) {
        entered.resolve();
        await gate.promise;
      }
      await Promise.resolve();
      active--;
      return { n: passes };
    },
    hooks: [],
  });
  const first = coordinator.reload();
  // Runs when the first pass has ended, before the queued pass starts.
  let inWindow: Promise<unknown> | undefined;
  const probe = first.then(() => {
    inWindow = coordinator.reload();
  });
  await entered.promise;
  const queued = coordinator.reload();
  gate.resolve();
  await probe;
  assert.equal(inWindow, queued);
  await queued;
  assert.equal(passes, 2);
  assert.equal(maxActive, 1);
});

test("Coordinator.watch() starts the fileChanges() trigger, which reloads on a file change until shutdown()", async () => {
  await using file = await tempConfig("n: 1\n");
  const coordinator = await Coordinator.create({
    configPath: file.path,
    triggers: [fileChanges({ debounce: 20 })],
    signals: new ManualSignals(),
  });
  coordinator.watch();
  const reloaded = nextReload(coordinator);
  await file.replace("n: 2\n");
  assert.equal((await reloaded).status, "full_success");
  assert.equal(coordinator.config.load().n, 2);
  await coordinator.shutdown();
});

test("Coordinator.watch() starts every trigger and shutdown() stops each, even when one throws", async () => {
  const events: string[] = [];
  let context: TriggerContext | undefined;
  const coordinator = new Coordinator({
    configPath: "c.yaml",
    config: new AtomicConfig({}),
    load: () => ({}),
    signals: new ManualSignals(),
    triggers: [
      {
        name: "broken",
        start() {
          throw new Error("Cannot start: broken");
        },
      },
      {
        name: "manual",
        start(ctx) {
          context = ctx;
          events.push("start");
          return () => {
            events.push("stop");
            throw new Error("Cannot stop cleanly");
          };
        },
      },
    ],
  });
  coordinator.watch();
  assert.deepEqual(events, ["start"]);
  // Resolved once, at creation.
  assert.equal(context?.configPath, resolve("c.yaml"));
  assert.equal(context?.digest(), null);
  assert.equal((await context!.reload()).generation, 1);
  await coordinator.shutdown();
  assert.deepEqual(events, ["start", "stop"]);
});

describe("Coordinator.reload() from inside a pass", () => {
  /** A coordinator whose one hook's apply is handed the coordinator. */
  const selfReloading = (
    apply: (self: Coordinator<object>, ctx: ApplyContext) => HookStatus,
  ): Coordinator<object> => {
    const coordinator: Coordinator<object> = new Coordinator<object>({
      configPath: "c.yaml",
      config: new AtomicConfig({}),
      load: () => ({}),
      hooks: [{
        name: "self-reloading",
        check() {},
        apply: (ctx) => apply(coordinator, ctx),
      }],
    });
    return coordinator;
  };

  /** Timers that never fire: a pass that waited on itself would hang. */
  const stuckTimers = {
    armed: 0,
    setTimeout() {
      this.armed++;
      return 0;
    },
    clearTimeout() {},
  };

  test("awaited in apply, it fails that hook at once with a clear error, and the pass ends", async () => {
    // deno-lint-ignore prefer-const
    let coordinator: Coordinator<{ n: number }>;
    coordinator = new Coordinator({
      configPath: "c.yaml",
      config: new AtomicConfig({ n: 0 }),
      load: () => ({ n: 1 }),
      timers: stuckTimers,
      hooks: [{
        name: "reloader",
        check() {},
        async apply() {
          await coordinator.reload();
          return HookStatus.Applied;
        },
      }, { name: "other", check() {}, apply: () => HookStatus.Applied }],
    });
    const result = await coordinator.reload();
    assert.equal(result.status, "partial_applied");
    assert.deepEqual(result.outcomes, [{
      name: "reloader",
      status: "failed",
      error:
        'Cannot reload from inside the running reload pass, as the pass would wait for itself: ask for a pass from a "reload" event listener or a config subscriber instead',
    }, { name: "other", status: "applied" }]);
    assert.equal(coordinator.history().length, 1);
  });

  test("awaited in check or in the loader, it fails the pass at once", async () => {
    // deno-lint-ignore prefer-const
    let coordinator: Coordinator<object>;
    let inLoader = true;
    coordinator = new Coordinator<object>({
      configPath: "c.yaml",
      config: new AtomicConfig({}),
      load: async () => {
        if (inLoader) await coordinator.reload();
        return {};
      },
      timers: stuckTimers,
      hooks: [{
        name: "checker",
        async check() {
          await coordinator.reload();
        },
        apply: () => HookStatus.Applied,
      }],
    });
    const loaded = await coordinator.reload();
    assert.equal(loaded.status, "load_failed");
    assert.match(loaded.load_error ?? "", /^Cannot reload from inside/);
    inLoader = false;
    const checked = await coordinator.reload();
    assert.equal(checked.status, "validation_failed");
    assert.match(checked.outcomes[0].error ?? "", /^Cannot reload from inside/);
  });

  test("not awaited, it leaves no unhandled rejection and logs a warning", async () => {
    await using logs = await captureLogs();
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => void unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    try {
      const coordinator = selfReloading((self) => {
        void self.reload();
        return HookStatus.Applied;
      });
      assert.equal((await coordinator.reload()).status, "full_success");
      for (const _ of [1, 2, 3]) await new Promise((r) => setImmediate(r));
      assert.deepEqual(unhandled, []);
      assert.equal(coordinator.history().length, 1);
      assert.ok(
        logs.records.some((r) =>
          r.level === "warning" &&
          String(r.rawMessage).startsWith("Refused a reload asked for")
        ),
      );
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  });

  test("from a reload event listener or a config subscriber, it runs one more pass right after", async () => {
    const config = new AtomicConfig({ n: 0 });
    let n = 0;
    const coordinator = new Coordinator({
      configPath: "c.yaml",
      config,
      load: () => ({ n: ++n }),
      hooks: [],
    });
    const follow: Promise<unknown>[] = [];
    const unsubscribe = config.subscribe(({ generation }) => {
      if (generation === 1) follow.push(coordinator.reload());
    });
    coordinator.addEventListener("reload", (event) => {
      if ((event as ReloadEvent).result.generation === 2) {
        follow.push(coordinator.reload());
      }
    });
    await coordinator.reload();
    assert.equal(follow.length, 1);
    await follow[0];
    assert.equal(follow.length, 2);
    await follow[1];
    unsubscribe();
    assert.equal(coordinator.generation(), 3);
  });

  test("after the pass, a timer a hook left behind may reload as usual", async () => {
    const later = deferred<Promise<ReloadResult>>();
    const coordinator = selfReloading((self, ctx) => {
      // Runs once the pass is over, in the hook's async context.
      if (ctx.generation === 1) {
        setTimeout(() => later.resolve(self.reload()), 0);
      }
      return HookStatus.Applied;
    });
    assert.equal((await coordinator.reload()).generation, 1);
    const result = await (await later.promise);
    assert.equal(result.status, "full_success");
    assert.equal(result.generation, 2);
  });
});

test("new Coordinator() refuses a hook without check or apply, naming the hook and what it lacks", () => {
  const config = new AtomicConfig<Record<string, unknown>>({ n: 1 });
  const plain = [
    { name: "cache", apply() {} },
    { name: "pool", check() {} },
    { name: "db", check: () => {}, apply: "not a function" },
  ] as unknown as Hook<Record<string, unknown>>[];
  const expected = [
    /hook "cache" has no check function: deps\.hooks\[0\]\.check/,
    /hook "pool" has no apply function: deps\.hooks\[0\]\.apply/,
    /hook "db" has no apply function: deps\.hooks\[0\]\.apply/,
  ];
  for (const [i, hook] of plain.entries()) {
    assert.throws(
      () => new Coordinator({ configPath: "c.yaml", config, hooks: [hook] }),
      (error: unknown) => {
        assert.ok(error instanceof TypeError);
        assert.match(error.message, expected[i]);
        return true;
      },
    );
  }
});

test("Coordinator.create() resolves a relative configPath once: a later chdir changes nothing, and messages name the absolute path", async () => {
  await using file = await tempConfig("n: 1\n");
  const before = process.cwd();
  process.chdir(file.dir);
  let coordinator: Coordinator<Record<string, unknown>>;
  try {
    coordinator = await Coordinator.create({
      configPath: "config.yaml",
      signals: new ManualSignals(),
    });
  } finally {
    process.chdir(before);
  }
  assert.equal(coordinator.configPath, file.path);
  // The process now runs elsewhere: the same file is still reloaded.
  await file.replace("n: 2\n");
  const good = await coordinator.reload();
  assert.equal(good.status, "full_success");
  assert.equal(coordinator.config.load().n, 2);
  await file.replace("n: [\n");
  const bad = await coordinator.reload();
  assert.equal(bad.status, "load_failed");
  assert.ok(
    bad.load_error?.includes(`${file.path} line 1`),
    `the error names the absolute path: ${bad.load_error}`,
  );
  await coordinator.shutdown();
});

test("Deps makes a typed config without schema or load, and schema with load or loader options, a type error", () => {
  interface Typed {
    port: number;
  }
  const config = new AtomicConfig<Typed>({ port: 1 });
  const load = (): Typed => ({ port: 2 });
  const schema = {
    "~standard": {
      version: 1 as const,
      vendor: "test",
      validate: (value: unknown) => ({ value: value as Typed }),
    },
  };
  // What is allowed: a schema, or a custom load, for a typed config.
  const withSchema: Deps<Typed> = { configPath: "c.yaml", config, schema };
  const withLoad: Deps<Typed> = { configPath: "c.yaml", config, load };
  // A typed config that nothing checks: a reload could swap in anything.
  // @ts-expect-error: a typed config needs `schema` or `load`
  const unchecked: Deps<Typed> = { configPath: "c.yaml", config };
  // @ts-expect-error: `schema` and `load` are alternatives
  const both: Deps<Typed> = { configPath: "c.yaml", config, schema, load };
  const loadWithEnv: Deps<Typed> = {
    configPath: "c.yaml",
    config,
    load,
    // @ts-expect-error: the pipeline's options mean nothing to a custom load
    env: () => undefined,
  };
  // The rule is the type's: at run time the constructor takes what it gets.
  for (const deps of [withSchema, withLoad, unchecked, both, loadWithEnv]) {
    assert.equal(new Coordinator(deps).configPath, resolve("c.yaml"));
  }
});
