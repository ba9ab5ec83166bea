import { test } from "node:test";
import assert from "node:assert/strict";
import { AtomicConfig } from "hup-reload";

test("AtomicConfig.load() returns undefined while empty and the initial config at generation 0", () => {
  assert.equal(new AtomicConfig().load(), undefined);
  const initial = { a: 1 };
  const holder = new AtomicConfig(initial);
  assert.equal(holder.load(), initial);
  assert.deepEqual(holder.snapshot(), { config: initial, generation: 0 });
});

test("AtomicConfig.store() replaces the config and advances the snapshot generation", () => {
  const holder = new AtomicConfig<{ a: number }>();
  holder.store({ a: 1 });
  assert.deepEqual(holder.snapshot(), { config: { a: 1 }, generation: 1 });
  holder.store({ a: 2 });
  assert.deepEqual(holder.snapshot(), { config: { a: 2 }, generation: 2 });
});

test("AtomicConfig.snapshot() is one frozen object until the next store", () => {
  const holder = new AtomicConfig({ a: 1 });
  const snap = holder.snapshot();
  assert.equal(holder.snapshot(), snap);
  assert.ok(Object.isFrozen(snap));
  holder.store({ a: 2 });
  assert.notEqual(holder.snapshot(), snap);
  assert.deepEqual(snap, { config: { a: 1 }, generation: 0 });
});

test("AtomicConfig.snapshot() of an empty holder throws a TypeError when read", () => {
  assert.throws(() => new AtomicConfig().snapshot().config, {
    name: "TypeError",
    message: /holder is empty/,
  });
  assert.throws(() => {
    const { generation } = new AtomicConfig().snapshot();
    void generation;
  }, {
    name: "TypeError",
    message: /holder is empty/,
  });
});

test("AtomicConfig.store() rejects undefined and keeps the old config", () => {
  const holder = new AtomicConfig({ a: 1 });
  assert.throws(() => holder.store(undefined as never), TypeError);
  assert.deepEqual(holder.snapshot(), { config: { a: 1 }, generation: 0 });
});
