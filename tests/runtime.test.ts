// The runtime adapters, driven with fake Deno and process objects.
import { test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { denoRuntime } from "../src/runtime/deno.ts";
import { nodeRuntime } from "../src/runtime/node.ts";
import { runtime } from "../src/runtime/mod.ts";

test("runtime() picks the adapter of the runtime it runs on", () => {
  const expected = "Deno" in globalThis
    ? "deno"
    : process.versions.bun !== undefined
    ? "bun"
    : "node";
  assert.equal(runtime().name, expected);
  assert.equal(runtime(), runtime(), "chosen once");
});

test("denoRuntime() maps SIGHUP listeners to Deno.addSignalListener and refuses on Windows", () => {
  const calls: string[] = [];
  const fake = (os: string) => ({
    build: { os },
    env: { get: (name: string) => name === "X" ? "1" : undefined },
    readFile: () => Promise.resolve(new Uint8Array()),
    addSignalListener: (signal: string) => void calls.push(`add ${signal}`),
    removeSignalListener: (signal: string) =>
      void calls.push(`remove ${signal}`),
  });
  const linux = denoRuntime(fake("linux"));
  const listener = () => {};
  linux.addSignalListener("SIGHUP", listener);
  linux.removeSignalListener("SIGHUP", listener);
  assert.deepEqual(calls, ["add SIGHUP", "remove SIGHUP"]);
  assert.equal(linux.getEnv("X"), "1");
  assert.throws(
    () => denoRuntime(fake("windows")).addSignalListener("SIGHUP", listener),
    /Cannot listen for SIGHUP as this platform \(windows\) has no such signal/,
  );
});

test("nodeRuntime() maps SIGHUP listeners to process.on/off, names Bun, and refuses on Windows", () => {
  const calls: string[] = [];
  const fake = (platform: string, bun?: string) => ({
    platform,
    versions: { node: "20.0.0", bun },
    env: { X: "1" },
    on: (signal: string) => void calls.push(`on ${signal}`),
    off: (signal: string) => void calls.push(`off ${signal}`),
  });
  const node = nodeRuntime(fake("linux"));
  const listener = () => {};
  node.addSignalListener("SIGHUP", listener);
  node.removeSignalListener("SIGHUP", listener);
  assert.deepEqual(calls, ["on SIGHUP", "off SIGHUP"]);
  assert.equal(node.name, "node");
  assert.equal(nodeRuntime(fake("linux", "1.4.5")).name, "bun");
  assert.equal(node.getEnv("X"), "1");
  assert.equal(node.getEnv("Y"), undefined);
  assert.throws(
    () => nodeRuntime(fake("win32")).addSignalListener("SIGHUP", listener),
    /platform \(win32\) has no such signal/,
  );
});
