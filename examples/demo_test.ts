// Runs the demo service as a user would and reloads it with a real SIGHUP.
import { test } from "node:test";
import assert from "node:assert/strict";
import { copyFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

test("the demo serves its config and reloads it on kill -HUP", async () => {
  const dir = await mkdtemp(join(tmpdir(), "hup-demo-"));
  const path = join(dir, "config.yaml");
  await copyFile(
    fileURLToPath(new URL("./config.yaml", import.meta.url)),
    path,
  );
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      "--allow-net=127.0.0.1",
      `--allow-read=${dir}`,
      "--allow-env=DEMO_PORT,DEMO_TOKEN",
      fileURLToPath(new URL("./demo.ts", import.meta.url)),
      path,
    ],
    env: { DEMO_PORT: "0" },
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  try {
    let output = "";
    /** Reads the demo's stdout until `pattern` shows up in it. */
    const readUntil = async (pattern: RegExp) => {
      while (!pattern.test(output)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`demo exited early: ${output}`);
        output += value;
      }
    };
    await readUntil(/stop:/);
    const banner = output;
    const url = banner.match(/serving:\s+(\S+)/)![1];
    assert.match(banner, new RegExp(`PID ${child.pid}`));
    assert.match(banner, new RegExp(`kill -HUP ${child.pid}`));
    assert.equal(await (await fetch(url)).text(), "Hello, world.\n");
    const before = await (await fetch(`${url}-/reload`)).json();
    assert.equal(before.generation, 0);
    assert.equal(before.last_result, null);
    assert.match(before.config_digest, /^sha256:[0-9a-f]{64}$/);

    const text = await readFile(path, "utf8");
    await writeFile(
      path,
      text.replace("text: Hello", "text: Howdy").replace(
        "shout: false",
        "shout: true",
      ),
    );
    Deno.kill(child.pid, "SIGHUP");
    // The demo logs each pass (LogTape console sink) on stdout.
    await readUntil(/Reload pass succeeded/);
    const status = await (await fetch(`${url}-/reload`)).json();
    assert.equal(status.generation, 1);
    assert.equal(status.last_result.status, "full_success");
    const response = await fetch(url);
    assert.equal(await response.text(), "HOWDY, WORLD!\n");
    assert.equal(response.headers.get("x-config-generation"), "1");

    // The curl -fsS -X POST of the banner: 200 on a good file ...
    const good = await fetch(`${url}-/reload`, { method: "POST" });
    assert.equal(good.status, 200);
    assert.equal((await good.json()).generation, 2);
    // ... and a failure status (so curl -f fails) on a bad one.
    await writeFile(path, text.replace("text: Hello", 'text: ""'));
    const bad = await fetch(`${url}-/reload`, { method: "POST" });
    assert.equal(bad.status, 422);
    const body = await bad.json();
    assert.equal(body.status, "validation_failed");
    assert.match(body.outcomes[1].error, /greeting\.text/);
    assert.equal((await fetch(url)).headers.get("x-config-generation"), "2");
  } finally {
    child.kill("SIGTERM");
    await child.status;
    await reader.cancel().catch(() => {});
    await rm(dir, { recursive: true, force: true });
  }
});
