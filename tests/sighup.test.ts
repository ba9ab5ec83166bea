// Integration: a child service on this same runtime receives real SIGHUPs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { jsonLines, tempConfig } from "./_helpers.ts";

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
  const { lines, waitFor, exited } = jsonLines(child);
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
