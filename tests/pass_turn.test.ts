// A pass can run from start to end without waiting for anything (a small
// file is read synchronously; a custom loader may be synchronous): passes
// awaited back to back must still leave the event loop its turns.
import { test } from "node:test";
import assert from "node:assert/strict";
import { utimes } from "node:fs/promises";
import { AtomicConfig, Coordinator } from "hup-reload";
import { tempConfig } from "./_helpers.ts";

async function passesUntilTimer(coordinator: { reload(): Promise<unknown> }) {
  let fired = false;
  const timer = setTimeout(() => fired = true, 0);
  let passes = 0;
  try {
    while (!fired && passes < 10_000) {
      await coordinator.reload();
      passes++;
    }
  } finally {
    clearTimeout(timer);
  }
  return { fired, passes };
}

test("passes awaited back to back on a small file leave timers their turn", async () => {
  await using file = await tempConfig("a: 1\n");
  // Old enough that no pass waits for the file to settle.
  const old = new Date(Date.now() - 60_000);
  await utimes(file.path, old, old);
  const coordinator = await Coordinator.create({ configPath: file.path });
  const { fired, passes } = await passesUntilTimer(coordinator);
  assert.ok(fired, `a 0 ms timer never ran in ${passes} passes`);
});

test("passes of a synchronous custom loader awaited back to back leave timers their turn", async () => {
  const coordinator = new Coordinator({
    configPath: "c.yaml",
    config: new AtomicConfig({ a: 1 }),
    load: () => ({ a: 1 }),
  });
  const { fired, passes } = await passesUntilTimer(coordinator);
  assert.ok(fired, `a 0 ms timer never ran in ${passes} passes`);
});
