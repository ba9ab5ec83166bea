import { test } from "node:test";
import assert from "node:assert/strict";
import { configure, getLogger, type LogRecord, reset } from "@logtape/logtape";
import {
  AtomicConfig,
  Coordinator,
  HookStatus,
  ReloadEvent,
  type ReloadResult,
} from "hup-reload";
import { logLevelHook, LogLevelVar } from "hup-reload/log-level";
import { captureLogs, deferred, envOf, tempConfig } from "./_helpers.ts";

async function withRecords(
  body: (records: LogRecord[]) => Promise<void>,
): Promise<void> {
  await using logs = await captureLogs();
  await body(logs.records);
}

test("Coordinator dispatches a ReloadEvent per finished pass, whatever its status", async () => {
  let fail = false;
  const coordinator = new Coordinator({
    configPath: "c.yaml",
    config: new AtomicConfig({ a: 0 }),
    load: () => {
      if (fail) {
        throw new Error(
          "Cannot load config as the file does not exist: c.yaml",
        );
      }
      return { a: 1 };
    },
    hooks: [],
  });
  assert.ok(coordinator instanceof EventTarget);
  const seen: ReloadResult[] = [];
  const listener = (event: Event) => {
    assert.ok(event instanceof ReloadEvent);
    seen.push(event.result);
  };
  coordinator.addEventListener("reload", listener);
  const first = await coordinator.reload();
  fail = true;
  const second = await coordinator.reload();
  coordinator.removeEventListener("reload", listener);
  await coordinator.reload();
  assert.deepEqual(seen, [first, second]);
  assert.equal(seen[1].status, "load_failed");
});

test("Coordinator event listeners that throw or reject are logged and break nothing", async () => {
  await withRecords(async (records) => {
    const coordinator = new Coordinator({
      configPath: "c.yaml",
      config: new AtomicConfig({ a: 0 }),
      load: () => ({ a: 1 }),
      hooks: [],
    });
    const rejected = deferred();
    const after: string[] = [];
    coordinator.addEventListener("reload", () => {
      throw new Error("listener bug");
    });
    coordinator.addEventListener("reload", async () => {
      await Promise.resolve();
      rejected.resolve();
      throw new Error("async listener bug");
    });
    coordinator.addEventListener("reload", {
      handleEvent: (event: Event) => void after.push(event.type),
    });
    const result = await coordinator.reload();
    assert.equal(result.status, "full_success");
    assert.deepEqual(after, ["reload"]);
    await rejected.promise;
    await Promise.resolve();
    const errors = records
      .filter((r) => r.category.join(".") === "hup-reload.events")
      .map((r) => r.properties.error);
    assert.deepEqual(errors.sort(), ["async listener bug", "listener bug"]);
  });
});

test("Coordinator keeps once listeners working and removes wrapped listeners", async () => {
  const coordinator = new Coordinator({
    configPath: "c.yaml",
    config: new AtomicConfig({}),
    load: () => ({}),
  });
  let n = 0;
  const listener = () => void n++;
  coordinator.addEventListener("reload", listener, { once: true });
  await coordinator.reload();
  await coordinator.reload();
  assert.equal(n, 1);
  const handler = { handleEvent: listener };
  coordinator.addEventListener("reload", handler);
  coordinator.removeEventListener("reload", handler);
  await coordinator.reload();
  assert.equal(n, 1);
  coordinator.addEventListener("reload", null);
  coordinator.removeEventListener("reload", null);
});

test("AtomicConfig.subscribe() sees every swap a pass makes; a throwing subscriber is logged", async () => {
  await withRecords(async (records) => {
    const holder = new AtomicConfig({ a: 0 });
    let n = 0;
    const coordinator = new Coordinator({
      configPath: "c.yaml",
      config: holder,
      load: () => ({ a: ++n }),
      hooks: [{
        name: "h",
        check() {},
        apply: () => n === 2 ? HookStatus.Failed : HookStatus.Applied,
      }],
    });
    const seen: [number, number][] = [];
    holder.subscribe(() => {
      throw new Error("subscriber bug");
    });
    const unsubscribe = holder.subscribe(({ config, generation }) =>
      void seen.push([config.a, generation])
    );
    await coordinator.reload();
    await coordinator.reload();
    unsubscribe();
    await coordinator.reload();
    assert.deepEqual(seen, [[1, 1], [2, 2]]);
    assert.equal(
      records.filter((r) => r.properties.error === "subscriber bug").length,
      3,
    );
  });
});

test("Coordinator.history() keeps the newest historySize results; stats() counts every pass", async () => {
  let mode = 0;
  const coordinator = new Coordinator({
    configPath: "c.yaml",
    config: new AtomicConfig({}),
    load: () => {
      if (mode % 4 === 3) throw new Error("bad file");
      return {};
    },
    historySize: 5,
    hooks: [{
      name: "h",
      check() {
        if (mode % 4 === 2) throw new Error("bad check");
      },
      apply() {
        if (mode % 4 === 1) throw new Error("bad apply");
        return HookStatus.Applied;
      },
    }],
  });
  const results: ReloadResult[] = [];
  for (mode = 0; mode < 40; mode++) results.push(await coordinator.reload());
  assert.deepEqual(coordinator.history(), results.slice(-5).reverse());
  const stats = coordinator.stats();
  assert.deepEqual(stats.passes, {
    full_success: 10,
    partial_applied: 10,
    validation_failed: 10,
    load_failed: 10,
  });
  assert.deepEqual(stats.hook_failures, { h: 20 });
  assert.equal(stats.last_success_at, results[36].ended_at);
  assert.equal(typeof stats.last_duration_ms, "number");
  assert.throws(
    () =>
      new Coordinator({
        configPath: "c.yaml",
        config: new AtomicConfig({}),
        historySize: 0,
      }),
    RangeError,
  );
});

test("Coordinator.digest() follows the file of the config in effect", async () => {
  await using file = await tempConfig("a: 1\n");
  let checkFails = false;
  const coordinator = await Coordinator.create({
    configPath: file.path,
    env: envOf({}),
    hooks: [{
      name: "h",
      check() {
        if (checkFails) throw new Error("no");
      },
      apply: () => HookStatus.Applied,
    }],
  });
  const startup = coordinator.digest();
  assert.match(startup ?? "", /^sha256:[0-9a-f]{64}$/);
  await file.write("a: 2\n");
  checkFails = true;
  const rejected = await coordinator.reload();
  assert.equal(rejected.status, "validation_failed");
  assert.match(rejected.config_digest ?? "", /^sha256:/);
  assert.notEqual(rejected.config_digest, startup);
  assert.equal(coordinator.digest(), startup, "unchanged: not swapped");
  checkFails = false;
  const applied = await coordinator.reload();
  assert.equal(coordinator.digest(), applied.config_digest);
  await file.write("a: [\n");
  const failed = await coordinator.reload();
  assert.equal(failed.config_digest, undefined);
  assert.equal(coordinator.digest(), applied.config_digest);
});

test("LogLevelVar.filter makes LogTape follow the level a reload applies", async () => {
  const level = new LogLevelVar("info");
  const records: LogRecord[] = [];
  await configure({
    reset: true,
    sinks: { memory: (record) => void records.push(record) },
    filters: { level: level.filter },
    loggers: [
      { category: ["app"], sinks: ["memory"], filters: ["level"] },
      { category: ["logtape", "meta"], sinks: [], lowestLevel: "error" },
    ],
  });
  try {
    const coordinator = new Coordinator({
      configPath: "c.yaml",
      config: new AtomicConfig({ server: { log_level: "info" } }),
      load: () => ({ server: { log_level: "error" } }),
      hooks: [
        logLevelHook(
          level,
          (config: { server: { log_level: string } }) =>
            config.server.log_level,
        ),
      ],
    });
    const log = getLogger(["app"]);
    log.info("before");
    await coordinator.reload();
    log.info("after");
    log.error("still shown");
    assert.deepEqual(
      records.map((r) => r.message.join("")),
      ["before", "still shown"],
    );
  } finally {
    await reset();
  }
});

test("LogLevelVar.subscribe() reports each change once", () => {
  const level = new LogLevelVar();
  const seen: string[] = [];
  const stop = level.subscribe((l) => void seen.push(l));
  level.set("debug");
  level.set("DEBUG");
  level.set("warn");
  stop();
  level.set("error");
  assert.deepEqual(seen, ["debug", "warning"]);
  assert.throws(() => level.set("loud"), RangeError);
});
