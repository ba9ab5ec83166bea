import { test } from "node:test";
import assert from "node:assert/strict";
import {
  AtomicConfig,
  Coordinator,
  type DiscardContext,
  type Hook,
  HookStatus,
  type Timers,
} from "hup-reload";
import { captureLogs, deferred } from "./_helpers.ts";

interface Config {
  pool: { size: number };
  name: string;
}

const cfg = (size: number, name = "service"): Config => ({
  pool: { size },
  name,
});

interface Call {
  hook: string;
  status: string;
  changed: boolean;
  old: number;
  next: number;
  aborted: boolean;
}

/** A hook whose check passes or throws, and that records its discards. */
function hook(
  name: string,
  calls: Call[],
  options: {
    check?: () => void | Promise<void>;
    apply?: () => HookStatus;
    discard?: false | ((ctx: DiscardContext) => void | Promise<void>);
    timeout?: number;
  } = {},
): Hook<Config> {
  return {
    name,
    ...(options.timeout !== undefined && { timeout: options.timeout }),
    check: options.check ?? (() => {}),
    apply: options.apply ?? (() => HookStatus.Applied),
    ...(options.discard !== false && {
      discard(ctx: DiscardContext, old: Config, next: Config) {
        calls.push({
          hook: name,
          status: ctx.status,
          changed: ctx.changed("pool.size"),
          old: old.pool.size,
          next: next.pool.size,
          aborted: ctx.signal.aborted,
        });
        return (options.discard || (() => {}))(ctx);
      },
    }),
  };
}

const refuse = () => {
  throw new RangeError("Cannot use the pool as it is too small: pool.size");
};

function coordinator(
  hooks: Hook<Config>[],
  load: () => Config = () => cfg(2),
  timers?: Timers,
): Coordinator<Config> {
  return new Coordinator<Config>({
    configPath: "c.yaml",
    config: new AtomicConfig(cfg(1)),
    load,
    hooks,
    ...(timers !== undefined && { timers }),
  });
}

const discarded = (hook: string): Call => ({
  hook,
  status: "validation_failed",
  changed: true,
  old: 1,
  next: 2,
  aborted: false,
});

test("Coordinator.reload() discards exactly the hooks whose check passed, last first, when another check fails", async () => {
  const calls: Call[] = [];
  const c = coordinator([
    hook("first", calls),
    hook("refuses", calls, { check: refuse }),
    hook("third", calls, { check: async () => {} }),
    hook("no-discard", calls, { discard: false }),
  ]);
  const result = await c.reload();
  assert.equal(result.status, "validation_failed");
  assert.deepEqual(calls, [discarded("third"), discarded("first")]);
  assert.deepEqual(result.outcomes.map((o) => o.status), [
    "skipped",
    "failed",
    "skipped",
    "skipped",
  ]);
  assert.equal(c.generation(), 0);
});

test("Coordinator.reload() discards the passed checks when a check overruns its deadline, not the one that overran", async () => {
  const pending = new Set<() => void>();
  const timers: Timers = {
    setTimeout: (callback) => (pending.add(callback), callback),
    clearTimeout: (handle) => void pending.delete(handle as () => void),
  };
  const entered = deferred();
  const calls: Call[] = [];
  const c = coordinator(
    [
      hook("before", calls),
      hook("hangs", calls, {
        timeout: 5,
        check: () => {
          entered.resolve();
          return new Promise<never>(() => {});
        },
      }),
      hook("after", calls),
    ],
    undefined,
    timers,
  );
  const pass = c.reload();
  await entered.promise;
  assert.equal(pending.size, 1);
  for (const fire of [...pending]) fire();
  const result = await pass;
  assert.equal(result.status, "validation_failed");
  assert.match(result.outcomes[1].error ?? "", /^check did not finish/);
  assert.deepEqual(calls, [discarded("after"), discarded("before")]);
});

test("Coordinator.reload() discards nothing when the config does not load, and nothing when the pass swaps", async () => {
  const calls: Call[] = [];
  let mode: "broken" | "good" | "apply-fails" = "broken";
  const c = coordinator([
    hook("pool", calls, {
      apply: () =>
        mode === "apply-fails" ? HookStatus.Failed : HookStatus.Applied,
    }),
    hook("other", calls),
  ], () => {
    if (mode === "broken") throw new Error("Cannot read c.yaml: gone");
    return cfg(2);
  });
  assert.equal((await c.reload()).status, "load_failed");
  mode = "good";
  assert.equal((await c.reload()).status, "full_success");
  mode = "apply-fails";
  assert.equal((await c.reload()).status, "partial_applied");
  assert.deepEqual(calls, []);
});

test("Coordinator.reload() logs a discard that throws, rejects or overruns, and its result stays the same", async () => {
  await using logs = await captureLogs();
  const pending = new Set<() => void>();
  const timers: Timers = {
    setTimeout: (callback) => (pending.add(callback), callback),
    clearTimeout: (handle) => void pending.delete(handle as () => void),
  };
  const hangs = deferred();
  const calls: Call[] = [];
  // The config's own values never reach the log, as in results.
  const load = () => cfg(2, "a-config-value-never-logged");
  const hooks = (discards: boolean) => [
    hook("throws", calls, {
      discard: discards &&
        (() => {
          throw new Error("Cannot close a-config-value-never-logged: busy");
        }),
    }),
    hook("rejects", calls, {
      discard: discards && (() => Promise.reject(new Error("closing failed"))),
    }),
    hook("hangs", calls, {
      discard: discards &&
        (() => {
          hangs.resolve();
          return new Promise<never>(() => {});
        }),
    }),
    hook("refuses", calls, { check: refuse, discard: false }),
  ];
  const quiet = await coordinator(hooks(false), load).reload();
  assert.equal(logs.records.length > 0, true);
  logs.records.length = 0;

  const pass = coordinator(hooks(true), load, timers).reload();
  await hangs.promise;
  for (const fire of [...pending]) fire();
  const result = await pass;
  const { started_at: _s, ended_at: _e, ...fields } = result;
  const { started_at: _qs, ended_at: _qe, ...quietFields } = quiet;
  assert.deepEqual(fields, quietFields);
  assert.deepEqual(calls.map((c) => c.hook), ["hangs", "rejects", "throws"]);

  const failures = logs.records.filter((r) =>
    String(r.rawMessage).startsWith("Hook {hook} could not discard")
  );
  assert.deepEqual(
    failures.map((r) => [r.level, r.properties.hook, r.properties.error]),
    [
      [
        "error",
        "hangs",
        "discard did not finish within 10000 ms (the pass went on without it; its signal is aborted)",
      ],
      ["error", "rejects", "closing failed"],
      ["error", "throws", "Cannot close …: busy"],
    ],
  );
  assert.doesNotMatch(
    JSON.stringify(logs.records.map((r) => r.properties)),
    /a-config-value-never-logged/,
  );
});

test("Coordinator.shutdown() waits for the discards of the running pass", async () => {
  const release = deferred();
  const calls: Call[] = [];
  let closed = false;
  const c = coordinator([
    hook("pool", calls, {
      async discard() {
        await release.promise;
        closed = true;
      },
    }),
    hook("refuses", calls, { check: refuse }),
  ]);
  const pass = c.reload();
  const down = c.shutdown();
  release.resolve();
  await down;
  assert.equal(closed, true);
  assert.equal((await pass).status, "validation_failed");
});

test("new Coordinator() refuses a discard that is not a function", () => {
  assert.throws(
    () =>
      coordinator([
        { ...hook("pool", []), discard: "close" } as unknown as Hook<Config>,
      ]),
    {
      name: "TypeError",
      message:
        'Cannot create the coordinator as hook "pool" has a discard that is not a function: deps.hooks[0].discard',
    },
  );
});
