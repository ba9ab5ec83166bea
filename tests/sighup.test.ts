// Integration: a child service on this same runtime receives real SIGHUPs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import process from "node:process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { tempConfig } from "./_helpers.ts";

const isDeno = "Deno" in globalThis;
const isTs = import.meta.url.endsWith(".ts");
const fixture = fileURLToPath(
  new URL(`./fixtures/sighup_child.${isTs ? "ts" : "js"}`, import.meta.url),
);

function startChild(configPath: string) {
  const args = isDeno
    ? ["run", "--quiet", "--allow-read", fixture, configPath]
    : [fixture, configPath];
  const child = spawn(process.execPath, args, {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const lines: Record<string, unknown>[] = [];
  const waiters = new Set<() => void>();
  const exited = new Promise<{ code: number | null; signal: string | null }>(
    (resolve) =>
      child.on("exit", (code, signal) => {
        resolve({ code, signal });
        for (const wake of waiters) wake();
      }),
  );
  let done = false;
  exited.then(() => done = true);
  createInterface({ input: child.stdout! }).on("line", (line) => {
    lines.push(JSON.parse(line));
    for (const wake of waiters) wake();
  });
  /** Resolves with the first line (seen or to come) that matches. */
  const waitFor = (match: (line: Record<string, unknown>) => boolean) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const look = () => {
        const found = lines.find(match);
        if (found !== undefined) {
          waiters.delete(look);
          resolve(found);
        } else if (done) {
          waiters.delete(look);
          reject(
            new Error(`child exited first; lines: ${JSON.stringify(lines)}`),
          );
        }
      };
      waiters.add(look);
      look();
    });
  const send = (line: string) => child.stdin!.write(line + "\n");
  return { child, waitFor, send, exited, lines };
}

test(
  "Coordinator.watch() reloads a real child service on kill -HUP and shutdown() restores the default action",
  {
    timeout: 60_000,
  },
  async () => {
    await using file = await tempConfig("value: one\n");
    const { child, waitFor, send, exited } = startChild(file.path);
    try {
      const ready = await waitFor((l) => l.ready === true);
      assert.equal(ready.value, "one");

      await file.write("value: two\n");
      process.kill(child.pid!, "SIGHUP");
      assert.deepEqual(await waitFor((l) => l.value === "two"), {
        generation: 1,
        value: "two",
      });

      await file.write("value: three\n");
      process.kill(child.pid!, "SIGHUP");
      assert.deepEqual(await waitFor((l) => l.value === "three"), {
        generation: 2,
        value: "three",
      });

      // A bad file: the service stays up and keeps its config.
      await file.write("value: [unclosed\n");
      process.kill(child.pid!, "SIGHUP");
      await file.write("value: four\n");
      process.kill(child.pid!, "SIGHUP");
      const four = await waitFor((l) => l.value === "four");
      assert.ok(four.generation === 3, JSON.stringify(four));

      send("shutdown");
      await waitFor((l) => l.stopped === true);
      process.kill(child.pid!, "SIGHUP");
      const { signal } = await exited;
      assert.equal(
        signal,
        "SIGHUP",
        "after shutdown() SIGHUP ends the process",
      );
    } finally {
      child.kill("SIGKILL");
      await exited;
    }
  },
);
