// The platform layer, driven with a fake process object.
import { test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { processRuntime, runtime } from "../src/runtime/mod.ts";
import { deferred } from "./_helpers.ts";

test("runtime() names the runtime it runs on, once", () => {
  const expected = "Deno" in globalThis
    ? "deno"
    : process.versions.bun !== undefined
    ? "bun"
    : "node";
  assert.equal(runtime().name, expected);
  assert.equal(runtime(), runtime(), "made once");
});

test("runtime() reads the environment through node:process, on every runtime", () => {
  const name = "HUP_RELOAD_RUNTIME_TEST";
  process.env[name] = "set";
  try {
    assert.equal(runtime().getEnv(name), "set");
  } finally {
    delete process.env[name];
  }
  assert.equal(runtime().getEnv(name), undefined);
});

test("processRuntime() maps SIGHUP listeners to process.on/off, and refuses on Windows", () => {
  const calls: string[] = [];
  const fake = (platform: string) => ({
    platform,
    versions: { node: "20.0.0" },
    env: { X: "1" },
    on: (signal: string) => void calls.push(`on ${signal}`),
    off: (signal: string) => void calls.push(`off ${signal}`),
  });
  const linux = processRuntime(fake("linux"));
  const listener = () => {};
  linux.addSignalListener("SIGHUP", listener);
  linux.removeSignalListener("SIGHUP", listener);
  assert.deepEqual(calls, ["on SIGHUP", "off SIGHUP"]);
  assert.equal(linux.getEnv("X"), "1");
  assert.equal(linux.getEnv("Y"), undefined);
  assert.throws(
    () => processRuntime(fake("win32")).addSignalListener("SIGHUP", listener),
    /Cannot listen for SIGHUP as this platform \(win32\) has no such signal/,
  );
  processRuntime(fake("win32")).removeSignalListener("SIGHUP", listener);
  assert.deepEqual(calls, ["on SIGHUP", "off SIGHUP"], "nothing to remove");
});

test("runtime() delivers a real SIGHUP to its listener, on every runtime", async () => {
  if (process.platform === "win32") return;
  const got = deferred();
  const listener = () => got.resolve();
  runtime().addSignalListener("SIGHUP", listener);
  // A signal listener does not keep the event loop alive; this does, until
  // the signal comes (or the test runner's own timeout).
  const alive = setInterval(() => {}, 1000);
  try {
    process.kill(process.pid, "SIGHUP");
    await got.promise;
  } finally {
    clearInterval(alive);
    runtime().removeSignalListener("SIGHUP", listener);
  }
});
