// Runs examples/agent_pool.ts as a user would, on Deno and on Bun, and
// counts the pools it builds and destroys across reloads that swap, that a
// check refuses, and that cannot build a pool.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { root, startExample } from "./_child.ts";

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

async function exercise(command: string, args: (config: string) => string[]) {
  const example = await startExample(
    command,
    args,
    here("./agent_pool.yaml"),
    { DEMO_DRAIN_MS: "50" },
  );
  const { child, config, url, admin, readUntil } = example;
  try {
    const get = async () => {
      const response = await fetch(url);
      return [await response.text(), response.headers.get("x-pool")];
    };
    const reload = async () =>
      await (await fetch(admin, { method: "POST" })).json();
    const text = await readFile(config, "utf8");
    const edit = (from: string, to: string) =>
      writeFile(config, text.replace(from, to));
    assert.deepEqual(await get(), ["Hello from upstream (pool #1)\n", "1"]);

    // A new pool size: a new Agent, and the old one destroyed after it drained.
    await edit("max_sockets: 4", "max_sockets: 8");
    Deno.kill(child.pid, "SIGHUP");
    await readUntil(/reload: full_success, generation 1/);
    assert.deepEqual(await get(), ["Hello from upstream (pool #2)\n", "2"]);
    await readUntil(/pool #1 closed/);

    // Another hook refuses the pass: the Agent built for it is destroyed.
    await writeFile(
      config,
      text.replace("max_sockets: 4", "max_sockets: 9").replace(
        "path: /greeting",
        "path: greeting",
      ),
    );
    const refused = await reload();
    assert.equal(refused.status, "validation_failed");
    assert.deepEqual(refused.outcomes[0], {
      name: "upstream_pool",
      status: "skipped",
    });
    await readUntil(/pool #3 closed/);

    // A pool that cannot be built fails the check, naming the hook.
    await edit("max_sockets: 4", "max_sockets: 0");
    const unbuilt = await reload();
    assert.equal(unbuilt.status, "validation_failed");
    assert.equal(
      unbuilt.outcomes[0].error,
      "Cannot build the upstream_pool resource as build failed: Cannot size the pool as max_sockets is not a whole number from 1: upstream.pool.max_sockets",
    );
    assert.deepEqual(await get(), ["Hello from upstream (pool #2)\n", "2"]);

    // Shutting down destroys the pool in effect: every Agent built, once.
    child.kill("SIGTERM");
    assert.equal((await child.status).code, 0);
    const output = await example.readToEnd();
    const built = [...output.matchAll(/pool #(\d+) built/g)].map((m) => m[1]);
    const closed = [...output.matchAll(/pool #(\d+) closed/g)].map((m) => m[1]);
    assert.deepEqual(built, ["1", "2", "3"]);
    assert.deepEqual(closed, ["1", "3", "2"]);
  } finally {
    await example.stop();
  }
}

test("examples/agent_pool.ts swaps, drains and destroys its Agents on Deno", {
  timeout: 60_000,
}, async () => {
  await exercise(Deno.execPath(), (c) => [
    "run",
    "--quiet",
    "--allow-net=127.0.0.1",
    `--allow-read=${c}`,
    "--allow-env=DEMO_PORT,DEMO_DRAIN_MS",
    here("./agent_pool.ts"),
    c,
  ]);
});

test("examples/agent_pool.ts swaps, drains and destroys its Agents on Bun", {
  timeout: 60_000,
}, async () => {
  await exercise(
    join(root, "node_modules/.bin/bun"),
    (c) => [here("./agent_pool.ts"), c],
  );
});
