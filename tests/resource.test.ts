import { test } from "node:test";
import assert from "node:assert/strict";
import {
  AtomicConfig,
  Coordinator,
  type Hook,
  HookStatus,
  resource,
  type ResourceOptions,
  type Timers,
} from "hup-reload";
import { captureLogs, deferred, fakeTimers, settle } from "./_helpers.ts";

interface Config {
  pool: { size: number; url: string };
  name: string;
}

const cfg = (size: number, name = "a"): Config => ({
  pool: { size, url: "http://user:pool-password@db.internal/" },
  name,
});

interface Pool {
  readonly id: number;
  readonly size: number;
  closed: boolean;
}

/** A pool factory that counts what it builds and closes. */
function pools() {
  const built: Pool[] = [];
  const closed: number[] = [];
  return {
    built,
    closed,
    build: (section: Config["pool"]): Pool => {
      const pool = { id: built.length + 1, size: section.size, closed: false };
      built.push(pool);
      return pool;
    },
    close: (pool: Pool) => {
      assert.equal(pool.closed, false, `pool ${pool.id} closed twice`);
      pool.closed = true;
      closed.push(pool.id);
    },
    /** Those built and not closed, by id. */
    open: () => built.filter((p) => !p.closed).map((p) => p.id),
  };
}

/** A hook whose check refuses an empty name. */
const naming: Hook<Config> = {
  name: "name",
  check(_old, next) {
    if (next.name === "") {
      throw new Error("Cannot name the service as name is empty: name");
    }
  },
  apply: () => HookStatus.Skipped,
};

function setup(
  options: Partial<ResourceOptions<Config, Config["pool"], Pool>> = {},
  start: Config = cfg(1),
) {
  const p = pools();
  const clock = fakeTimers();
  const pool = resource<Config, Config["pool"], Pool>({
    name: "pool",
    select: (c) => c.pool,
    build: p.build,
    close: p.close,
    drainMs: 500,
    timers: clock.timers,
    ...options,
  });
  let next = start;
  const coordinator = new Coordinator<Config>({
    configPath: "c.yaml",
    config: new AtomicConfig(start),
    load: () => next,
    hooks: [pool, naming],
    timers: clock.timers,
  });
  const reload = (config: Config) => {
    next = config;
    return coordinator.reload();
  };
  return { p, clock, pool, coordinator, reload };
}

test("resource() builds in check only when its section changed, and swaps it in on apply", async () => {
  const { p, pool, reload } = setup();
  assert.equal(await pool.init(cfg(1)), p.built[0]);
  const same = await reload(cfg(1, "b")); // another section changed
  assert.deepEqual(same.outcomes[0], { name: "pool", status: "skipped" });
  assert.equal(p.built.length, 1);
  assert.equal(pool.get(), p.built[0]);

  const changed = await reload(cfg(2, "b"));
  assert.equal(changed.status, "full_success");
  assert.deepEqual(changed.outcomes[0], { name: "pool", status: "applied" });
  assert.equal(p.built.length, 2);
  assert.equal(pool.get(), p.built[1]);
  assert.equal(pool.current, p.built[1]);
});

test("resource() compares the section with the one its resource was built from, not the config in effect", async () => {
  // The swap fails: the config is swapped in, the pool is not.
  let refuse = true;
  const { p, pool, reload } = setup({
    swap: () => {
      if (refuse) throw new Error("the server refused it");
    },
  });
  await pool.init(cfg(1));
  assert.equal((await reload(cfg(2))).status, "partial_applied");
  refuse = false;
  const again = await reload(cfg(2, "b"));
  assert.deepEqual(again.outcomes[0], { name: "pool", status: "applied" });
  assert.equal(pool.get().size, 2);
  assert.equal(p.built.length, 3);
});

test("resource() closes the old resource drainMs after the swap, not before", async () => {
  const { p, clock, pool, reload } = setup();
  await pool.init(cfg(1));
  await reload(cfg(2));
  assert.deepEqual(p.closed, [], "the old one still drains");
  assert.equal(clock.pending.size, 1);
  assert.deepEqual([...clock.pending.values()].map((t) => t.ms), [500]);
  clock.fire();
  await pool.close(); // waits for the close the timer started, closes the rest
  assert.deepEqual(p.closed, [1, 2]);
});

test("resource() with drainMs 0 closes the old one right after the swap", async () => {
  const { p, clock, pool, reload } = setup({ drainMs: 0 });
  await pool.init(cfg(1));
  await reload(cfg(2));
  await Promise.resolve();
  assert.deepEqual(p.closed, [1]);
  assert.equal(clock.pending.size, 0);
});

test("resource() closes what its check built when another hook's check fails", async () => {
  const { p, pool, reload } = setup();
  await pool.init(cfg(1));
  const result = await reload(cfg(2, ""));
  assert.equal(result.status, "validation_failed");
  assert.deepEqual(p.closed, [2]);
  assert.equal(pool.get(), p.built[0]);
  assert.deepEqual(p.open(), [1]);
});

test("resource() builds on the first check when init() was not called, and init() builds only the first one", async () => {
  const { p, pool, reload } = setup();
  assert.equal(pool.current, undefined);
  assert.throws(() => pool.get(), {
    message:
      "Cannot use the pool resource as none was built yet: call init(config) at start-up",
  });
  const first = await reload(cfg(1, "b")); // the section did not change
  assert.deepEqual(first.outcomes[0], { name: "pool", status: "applied" });
  assert.equal(pool.get(), p.built[0]);
  // For the section it was built from, init() gives the one in effect.
  assert.equal(await pool.init(cfg(1)), p.built[0]);
  await assert.rejects(pool.init(cfg(3)), {
    message:
      "Cannot build the first pool resource as one is in effect already: init() is for start-up, reloads build the next ones",
  });
  assert.equal(p.built.length, 1);
});

test("resource() takes what the start-up check builds as the first resource, and closes one built for a start-up config that lost", async () => {
  const p = pools();
  const pool = resource<Config, Config["pool"], Pool>({
    name: "pool",
    select: (c) => c.pool,
    build: p.build,
    close: p.close,
  });
  const signal = new AbortController().signal;
  const ctx = { signal, changed: () => true };
  // Coordinator.create() checks the start-up config with no old config;
  // no apply follows.
  await pool.check(undefined as unknown as Config, cfg(1), ctx);
  assert.equal(pool.get(), p.built[0]);
  // Checked again for the same section (init() before create()): nothing.
  await pool.check(undefined as unknown as Config, cfg(1, "b"), ctx);
  assert.equal(p.built.length, 1);
  assert.equal(await pool.init(cfg(1)), p.built[0]);
  // The sources' config was refused by another hook and the last known-good
  // one is checked: its pool is the first, the other one is closed.
  await pool.check(undefined as unknown as Config, cfg(5), ctx);
  assert.equal(pool.get(), p.built[1]);
  await settle();
  assert.deepEqual(p.open(), [2]);
  await pool.close();
  assert.deepEqual(p.open(), []);
});

test("resource() fails the check with the hook's name when build or select throws", async () => {
  let failBuild = true;
  const { p, pool, reload } = setup({
    build: (section) => {
      if (failBuild) throw new RangeError("pool size out of range");
      return pools().build(section);
    },
    select: (c) => {
      if (c.name === "no-select") throw new TypeError("no pool section");
      return c.pool;
    },
  });
  const built = await reload(cfg(2));
  assert.equal(built.status, "validation_failed");
  assert.deepEqual(built.outcomes[0], {
    name: "pool",
    status: "failed",
    error:
      "Cannot build the pool resource as build failed: pool size out of range",
  });
  failBuild = false;
  const selected = await reload(cfg(2, "no-select"));
  assert.equal(
    selected.outcomes[0].error,
    "Cannot read the pool resource's section as select failed: no pool section",
  );
  await assert.rejects(pool.init(cfg(3, "no-select")), /select failed/);
  assert.deepEqual(p.built, []);
});

test("resource() closes the new resource and keeps the old one when swap fails", async () => {
  const { p, clock, pool, reload } = setup({
    swap: (next) => {
      if (next.size === 3) throw new Error("the server refused it");
    },
  });
  await pool.init(cfg(1));
  const result = await reload(cfg(3));
  assert.equal(result.status, "partial_applied");
  assert.deepEqual(result.outcomes[0], {
    name: "pool",
    status: "failed",
    error:
      "Cannot swap in the pool resource as swap failed: the server refused it",
  });
  assert.deepEqual(p.closed, [2]);
  assert.equal(pool.get(), p.built[0]);
  assert.equal(clock.pending.size, 0, "nothing drains");
});

test("resource() closes what a check built after its deadline passed", async () => {
  const release = deferred();
  const entered = deferred();
  const p = pools();
  const pending = new Set<() => void>();
  const timers: Timers = {
    setTimeout: (callback) => (pending.add(callback), callback),
    clearTimeout: (handle) => void pending.delete(handle as () => void),
  };
  const pool = resource<Config, Config["pool"], Pool>({
    name: "pool",
    select: (c) => c.pool,
    build: async (section) => {
      entered.resolve();
      await release.promise;
      return p.build(section);
    },
    close: p.close,
  });
  const coordinator = new Coordinator<Config>({
    configPath: "c.yaml",
    config: new AtomicConfig(cfg(1)),
    load: () => cfg(2),
    hooks: [pool],
    timers,
  });
  const pass = coordinator.reload();
  await entered.promise;
  for (const fire of [...pending]) fire();
  assert.equal((await pass).status, "validation_failed");
  release.resolve();
  await settle(); // the build ends after the pass

  assert.deepEqual(p.closed, [1]);
  assert.equal(pool.current, undefined);
});

test("resource() logs a close that throws, without the section's values", async () => {
  await using logs = await captureLogs();
  const { pool, reload } = setup({
    drainMs: 0,
    close: (p) => {
      throw new Error(
        `Cannot close pool ${p.id} of http://user:pool-password@db.internal/`,
      );
    },
  });
  await pool.init(cfg(1));
  await reload(cfg(2));
  await pool.close();
  const failures = logs.records.filter((r) =>
    r.category.join(".") === "hup-reload.resource"
  );
  assert.deepEqual(
    failures.map((r) => [r.level, r.properties.resource, r.properties.error]),
    [
      ["error", "pool", "Cannot close pool 1 of …"],
      ["error", "pool", "Cannot close pool 2 of …"],
    ],
  );
});

test("resource().close() closes the one in effect and those draining at once, once", async () => {
  const { p, clock, pool, reload } = setup();
  await pool.init(cfg(1));
  await reload(cfg(2));
  await reload(cfg(3));
  assert.deepEqual(p.open(), [1, 2, 3]);
  await pool.close();
  assert.deepEqual([...p.closed].sort(), [1, 2, 3]);
  assert.equal(clock.pending.size, 0, "no drain timer left");
  await pool.close();
  assert.equal(p.closed.length, 3);
  assert.throws(() => pool.get(), {
    message: "Cannot use the pool resource as it was closed",
  });
  const after = await reload(cfg(4));
  assert.equal(after.status, "validation_failed");
  assert.equal(
    after.outcomes[0].error,
    "Cannot build a pool resource as the hook was closed",
  );
  assert.equal(p.built.length, 3);
});

test("resource() refuses bad options", () => {
  const base = {
    name: "pool",
    select: (c: Config) => c.pool,
    build: () => ({}),
    close: () => {},
  };
  assert.throws(() => resource({ ...base, name: "" }), {
    name: "TypeError",
    message: "Cannot create the resource hook as it has no name: options.name",
  });
  assert.throws(
    () => resource({ ...base, close: undefined as unknown as () => void }),
    {
      name: "TypeError",
      message:
        'Cannot create the resource hook "pool" as close is not a function: options.close',
    },
  );
  for (const drainMs of [-1, NaN, Infinity, 2 ** 31]) {
    assert.throws(() => resource({ ...base, drainMs }), {
      name: "RangeError",
      message:
        'Cannot create the resource hook "pool" as drainMs is not a number of milliseconds from 0 to 2147483647: options.drainMs',
    });
  }
});

/** A seeded PRNG (mulberry32): the same passes on every run and runtime. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test("resource() leaks nothing over 1,000 passes with random check, build and swap failures", async () => {
  const random = prng(0x5eed);
  let failBuild = false;
  let failSwap = false;
  const { p, clock, pool, coordinator, reload } = setup({
    build: (section) => {
      if (failBuild) throw new Error("cannot connect");
      return p.build(section);
    },
    swap: () => {
      if (failSwap) throw new Error("refused");
    },
  });
  await pool.init(cfg(0));
  const statuses = new Map<string, number>();
  for (let i = 1; i <= 1_000; i++) {
    failBuild = random() < 0.1;
    failSwap = random() < 0.1;
    const size = random() < 0.7 ? i : pool.get().size; // mostly a change
    const result = await reload(cfg(size, random() < 0.3 ? "" : `n${i}`));
    statuses.set(result.status, (statuses.get(result.status) ?? 0) + 1);
    // Some drains end between passes, others overlap the next ones.
    while (clock.pending.size > 0 && random() < 0.5) {
      const [id, { callback }] = clock.pending.entries().next().value!;
      clock.pending.delete(id);
      callback();
    }
    await Promise.resolve();
    // Open: the one in effect, and those waiting for their drain timer.
    assert.equal(
      p.built.filter((b) => !b.closed).length,
      1 + clock.pending.size,
    );
    assert.equal(pool.get().closed, false);
  }
  // Every way a pass can end was taken.
  assert.deepEqual([...statuses.keys()].sort(), [
    "full_success",
    "partial_applied",
    "validation_failed",
  ]);
  assert.ok(p.built.length > 300, `${p.built.length} built`);
  await coordinator.shutdown();
  await pool.close();
  assert.equal(p.closed.length, p.built.length);
  assert.equal(clock.pending.size, 0);
});
