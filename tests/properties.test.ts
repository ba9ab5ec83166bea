// Property-based tests: random sequences of loads (good and bad), hook
// behaviours and triggers. Runs: HUP_FUZZ_RUNS (1000 by default; the
// longer run is `HUP_FUZZ_RUNS=10000 npm run test:deno`).
import { test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import fc from "fast-check";
import {
  AtomicConfig,
  Coordinator,
  type HookStatus,
  type ReloadEvent,
  type ReloadResult,
} from "hup-reload";
import { ManualSignals } from "hup-reload/testing";
import { nastyValues } from "./_nasty.ts";

const RUNS = Number(process.env.HUP_FUZZ_RUNS ?? 1000);

type Load = "good" | "bad";
type Check = "pass" | "throw";
type Apply = "applied" | "skipped" | "throw" | "garbage";
interface PassPlan {
  load: Load;
  checks: [Check, Check];
  applies: [Apply, Apply];
}
type Trigger = "reload" | "burst" | "signal";
interface Step {
  trigger: Trigger;
  plans: PassPlan[];
}

const plan: fc.Arbitrary<PassPlan> = fc.record({
  load: fc.constantFrom<Load>("good", "good", "bad"),
  checks: fc.tuple(
    fc.constantFrom<Check>("pass", "pass", "pass", "throw"),
    fc.constantFrom<Check>("pass", "pass", "pass", "throw"),
  ),
  applies: fc.tuple(
    fc.constantFrom<Apply>("applied", "skipped", "throw", "garbage"),
    fc.constantFrom<Apply>("applied", "applied", "skipped", "throw"),
  ),
});
const step: fc.Arbitrary<Step> = fc.record({
  trigger: fc.constantFrom<Trigger>("reload", "burst", "signal"),
  plans: fc.array(plan, { minLength: 1, maxLength: 3 }),
});

interface Cfg {
  id: number;
}

test("Coordinator invariants hold for every sequence of loads, hook behaviours and triggers", async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(step, { maxLength: 12 }), async (steps) => {
      const queue: PassPlan[] = [];
      let nextId = 1;
      let current: PassPlan | undefined;
      let active = 0;
      let maxActive = 0;
      const loadedAndChecked = new Set<Cfg>();
      const initial: Cfg = { id: 0 };
      loadedAndChecked.add(initial);
      const holder = new AtomicConfig<Cfg>(initial);
      const signals = new ManualSignals();
      const pending: Promise<unknown>[] = [];
      const hook = (i: 0 | 1) => ({
        name: `h${i}`,
        check(_old: Cfg, next: Cfg) {
          if (current!.checks[i] === "throw") throw new Error(`check ${i}`);
          if (i === 1) loadedAndChecked.add(next); // every check passed
        },
        async apply() {
          await Promise.resolve();
          const a = current!.applies[i];
          if (a === "throw") throw new Error(`apply ${i}`);
          return (a === "garbage" ? 42 : a) as HookStatus;
        },
      });
      const coordinator = new Coordinator<Cfg>({
        configPath: "fuzz.yaml",
        config: holder,
        signals,
        load: async () => {
          active++;
          maxActive = Math.max(maxActive, active);
          current = queue.shift() ?? {
            load: "good",
            checks: ["pass", "pass"],
            applies: ["applied", "applied"],
          };
          await Promise.resolve();
          if (current.load === "bad") throw new Error("bad file");
          return { id: nextId++ };
        },
        hooks: [hook(0), hook(1)],
      });
      const events: ReloadResult[] = [];
      coordinator.addEventListener("reload", (event) => {
        active--;
        events.push((event as ReloadEvent).result);
      });
      coordinator.watch();

      let lastSnapshot = holder.snapshot();
      const checkSwap = (result: ReloadResult, before: typeof lastSnapshot) => {
        const after = holder.snapshot();
        const swapped = after !== before;
        const expected = result.status === "full_success" ||
          result.status === "partial_applied";
        // Generation advances by exactly one iff the config was swapped.
        assert.equal(swapped, expected, JSON.stringify(result));
        assert.equal(
          after.generation,
          before.generation + (swapped ? 1 : 0),
        );
        assert.equal(result.generation, after.generation);
      };
      coordinator.addEventListener("reload", (event) => {
        const result = (event as ReloadEvent).result;
        checkSwap(result, lastSnapshot);
        lastSnapshot = holder.snapshot();
        // The holder only ever holds a config that loaded and passed every
        // check.
        assert.ok(loadedAndChecked.has(holder.load()!));
      });

      for (const s of steps) {
        queue.push(...s.plans);
        if (s.trigger === "reload") {
          pending.push(coordinator.reload());
        } else if (s.trigger === "burst") {
          for (let i = 0; i < s.plans.length + 1; i++) {
            pending.push(coordinator.reload());
          }
        } else {
          for (let i = 0; i < 3; i++) signals.fire();
        }
        if (s.plans.length === 1) await Promise.all(pending);
      }
      await Promise.all(pending);
      await coordinator.shutdown();

      // No two passes overlapped.
      assert.ok(maxActive <= 1, `max concurrent passes: ${maxActive}`);
      assert.equal(active, 0);
      // lastResult() is the last finished pass.
      assert.equal(coordinator.lastResult(), events.at(-1) ?? null);
      assert.equal(coordinator.generation(), holder.snapshot().generation);
      assert.equal(
        coordinator.stats().passes.full_success +
          coordinator.stats().passes.partial_applied,
        coordinator.generation(),
      );
    }),
    { numRuns: RUNS },
  );
});

// Anything at all, and the values that break naive rendering.
const thrown: fc.Arbitrary<() => unknown> = fc.oneof(
  fc.anything({ withBigInt: true, withMap: true, withSet: true }).map(
    (v) => () => v,
  ),
  fc.string().map((message) => () => new Error(message)),
  fc.constantFrom(...Object.values(nastyValues)),
  fc.array(fc.anything(), { maxLength: 4 }).map((errors) => () =>
    new AggregateError(errors, "several")
  ),
);
type Fault =
  | { at: "none" }
  | { at: "check" | "apply" | "apply-async" | "load"; make: () => unknown };
const fault: fc.Arbitrary<Fault> = fc.oneof(
  fc.constant<Fault>({ at: "none" }),
  fc.record({
    at: fc.constantFrom("check", "apply", "apply-async", "load"),
    make: thrown,
  }) as fc.Arbitrary<Fault>,
);

test("Coordinator passes resolve whatever hooks and loaders throw, and the next pass still runs", async () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => void unhandled.push(reason);
  process.on("unhandledRejection", onUnhandled);
  try {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fault, fault), { minLength: 1, maxLength: 6 }),
        fc.boolean(),
        async (plans, overlap) => {
          const queue = [...plans];
          let current: [Fault, Fault] = [{ at: "none" }, { at: "none" }];
          const raise = (i: 0 | 1, at: Fault["at"]) => {
            const f = current[i];
            if (f.at !== "none" && f.at === at) throw f.make();
          };
          const hook = (i: 0 | 1) => ({
            name: `h${i}`,
            check: () => raise(i, "check"),
            apply() {
              raise(i, "apply");
              return Promise.resolve().then(() => {
                raise(i, "apply-async");
                return "applied" as HookStatus;
              });
            },
          });
          const signals = new ManualSignals();
          const coordinator = new Coordinator<object>({
            configPath: "fuzz.yaml",
            config: new AtomicConfig({}),
            signals,
            load: () => {
              current = queue.shift() ?? [{ at: "none" }, { at: "none" }];
              raise(0, "load");
              raise(1, "load");
              return {};
            },
            hooks: [hook(0), hook(1)],
          });
          coordinator.watch();
          const results: ReloadResult[] = [];
          for (let i = 0; i < plans.length; i++) {
            if (overlap) signals.fire();
            results.push(await coordinator.reload());
          }
          // Every pass resolved with a well-formed, bounded result.
          for (const result of results) {
            assert.deepEqual(JSON.parse(JSON.stringify(result)), result);
            for (const o of result.outcomes) {
              assert.ok((o.error ?? "").length <= 1024);
            }
            assert.ok((result.load_error ?? "").length <= 4096);
          }
          await coordinator.shutdown();
          // And the coordinator still works.
          queue.length = 0;
          const after = await coordinator.reload();
          assert.equal(after.status, "full_success");
        },
      ),
      { numRuns: Math.min(RUNS, 300) },
    );
    for (const _ of [1, 2, 3]) await new Promise((r) => setImmediate(r));
    assert.deepEqual(unhandled, []);
  } finally {
    process.off("unhandledRejection", onUnhandled);
  }
});
