// runSliced(): the turns it gives the event loop between two slices of a
// long walk (freeze, comparison, reading the worker's document back).
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { runtime } from "../src/runtime/mod.ts";
import { runSliced, sliceClock } from "../src/slices.ts";
import { nativeServer } from "./_helpers.ts";

// A walk of `steps` steps that stops early once `done()` holds, with a clock
// that moves 1 ms per reading: with a slice of 0 ms, every step is followed
// by a turn.
async function walk(
  steps: number,
  done: () => boolean = () => false,
): Promise<number> {
  let taken = 0;
  function* each(): Generator<void> {
    for (; taken < steps && !done(); taken++) yield;
  }
  const now = sliceClock.now;
  let fake = 0;
  sliceClock.now = () => ++fake;
  try {
    await runSliced(each(), 0);
  } finally {
    sliceClock.now = now;
  }
  return taken;
}

test("runSliced() answers an HTTP request that comes in during a long walk", async () => {
  let answered = false;
  const server = createServer((_request, response) => {
    answered = true;
    response.end("ok");
  });
  await new Promise<void>((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve())
  );
  try {
    const { port } = server.address() as AddressInfo;
    const request = fetch(`http://127.0.0.1:${port}/`).then((r) => r.text());
    // The walk only ends early if the request got its turns: a turn that
    // runs what is queued but never polls for I/O would walk all the steps.
    const taken = await walk(100_000, () => answered);
    assert.ok(answered, "the request was not answered during the walk");
    assert.ok(taken < 100_000);
    assert.equal(await request, "ok");
  } finally {
    server.closeAllConnections?.();
    await new Promise((resolve) => server.close(resolve));
  }
});

test("runSliced() gives its turns without a timer on Node.js and Bun", async () => {
  // A 0 ms timer waits 1 ms at least there: 10 turns, 10 ms lost.
  const setTimeoutBefore = globalThis.setTimeout;
  let timers = 0;
  globalThis.setTimeout = ((...args: Parameters<typeof setTimeout>) => {
    if (!args[1]) timers++;
    return setTimeoutBefore(...args);
  }) as typeof setTimeout;
  try {
    assert.equal(await walk(20), 20);
  } finally {
    globalThis.setTimeout = setTimeoutBefore;
  }
  // On Deno, setImmediate would starve Deno.serve's requests: a timer.
  assert.equal(timers, runtime().name === "deno" ? 20 : 0);
});

test("runSliced() answers a request to the runtime's own server (Deno.serve, Bun.serve) that comes in during a long walk", async (t) => {
  let answered = false;
  const native = nativeServer(() => {
    answered = true;
    return new Response("ok");
  });
  if (native === undefined) {
    t.skip("Node.js has no server of its own: node:http is tested above");
    return;
  }
  try {
    const request = fetch(`http://127.0.0.1:${native.port}/`).then((r) =>
      r.text()
    );
    // Each step holds the event loop 1 ms, as a slice of a real walk does.
    const taken = await walk(1_000, () => {
      const start = performance.now();
      while (performance.now() - start < 1) { /* holds the event loop */ }
      return answered;
    });
    // A few turns (connect, accept, request, answer): some 25 ms.
    assert.ok(taken < 25, `answered after ${taken} turns`);
    assert.equal(await request, "ok");
  } finally {
    await native.close();
  }
});
