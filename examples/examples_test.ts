// Runs each deployable example as a user would and reloads it for real.
import { test } from "node:test";
import assert from "node:assert/strict";
import { copyFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const root = here("../");
const bin = (name: string) => join(root, "node_modules/.bin", name);

/** Starts an example on a copy of the bundled config; reads its stdout. */
async function start(command: string, args: (config: string) => string[]) {
  const dir = await mkdtemp(join(tmpdir(), "hup-example-"));
  const config = join(dir, "config.yaml");
  await copyFile(here("./config.yaml"), config);
  const child = new Deno.Command(command, {
    args: args(config),
    cwd: root,
    env: { DEMO_PORT: "0" },
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let output = "";
  const readUntil = async (pattern: RegExp) => {
    while (!pattern.test(output)) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`example exited early: ${output}`);
      output += value;
    }
    return output.match(pattern)!;
  };
  const [, url] = await readUntil(/serving:\s+(\S+)/);
  const [, admin] = await readUntil(/admin:\s+(\S+)/);
  return {
    child,
    config,
    url,
    admin,
    readUntil,
    async stop() {
      child.kill("SIGTERM");
      await child.status;
      await reader.cancel().catch(() => {});
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Serves, reloads on SIGHUP, and answers POST with the pass's result. */
async function exercise(example: Awaited<ReturnType<typeof start>>) {
  const greet = async () => {
    const response = await fetch(example.url);
    return [await response.text(), response.headers.get("x-config-generation")];
  };
  assert.deepEqual(await greet(), ["Hello, world\n", "0"]);
  const text = await readFile(example.config, "utf8");
  await writeFile(example.config, text.replace("text: Hello", "text: Howdy"));
  Deno.kill(example.child.pid, "SIGHUP");
  await example.readUntil(/reload: full_success, generation 1/);
  assert.deepEqual(await greet(), ["Howdy, world\n", "1"]);
  await writeFile(example.config, text.replace("text: Hello", "text: Hi"));
  const posted = await fetch(example.admin, { method: "POST" });
  assert.equal(posted.status, 200);
  assert.equal((await posted.json()).generation, 2);
  assert.deepEqual(await greet(), ["Hi, world\n", "2"]);
  await writeFile(example.config, "greeting: [broken\n");
  const bad = await fetch(example.admin, { method: "POST" });
  assert.equal(bad.status, 422);
  await bad.body?.cancel();
  assert.deepEqual(await greet(), ["Hi, world\n", "2"]);
}

test("examples/node_http.ts serves and reloads on Node.js", async () => {
  const example = await start(
    "node",
    (c) => [join(root, "build/examples/node_http.js"), c],
  );
  try {
    await exercise(example);
  } finally {
    await example.stop();
  }
});

test("examples/bun_serve.ts serves and reloads on Bun", async () => {
  const example = await start(bin("bun"), (c) => [here("./bun_serve.ts"), c]);
  try {
    await exercise(example);
  } finally {
    await example.stop();
  }
});

test("examples/hono.ts serves and reloads on Deno with Hono", async () => {
  const example = await start(Deno.execPath(), (c) => [
    "run",
    "--quiet",
    "--allow-net=127.0.0.1",
    `--allow-read=${c}`,
    "--allow-env=DEMO_PORT",
    here("./hono.ts"),
    c,
  ]);
  try {
    await exercise(example);
  } finally {
    await example.stop();
  }
});

test("examples/systemd/hup-demo.service reloads with kill -HUP $MAINPID", async () => {
  const unit = await readFile(here("./systemd/hup-demo.service"), "utf8");
  const line = (key: string) =>
    unit.split("\n").find((l) => l.startsWith(`${key}=`))?.slice(
      key.length + 1,
    );
  assert.equal(line("ExecReload"), "/bin/kill -HUP $MAINPID");
  // ExecStart grants the demo the same privileges as `deno task demo`.
  const task = JSON.parse(await readFile(join(root, "deno.json"), "utf8")).tasks
    .demo as string;
  for (const flag of task.match(/--allow-[a-z]+(=\S+)?/g)!) {
    const name = flag.split("=")[0];
    assert.ok(line("ExecStart")!.includes(name), `ExecStart lacks ${name}`);
  }
  // Run ExecReload as systemd would, against a running service.
  const example = await start(
    "node",
    (c) => [join(root, "build/examples/node_http.js"), c],
  );
  try {
    const text = await readFile(example.config, "utf8");
    await writeFile(
      example.config,
      text.replace("text: Hello", "text: Reloaded"),
    );
    const reload = await new Deno.Command("/bin/sh", {
      args: ["-c", line("ExecReload")!],
      env: { MAINPID: String(example.child.pid) },
    }).output();
    assert.equal(reload.code, 0);
    await example.readUntil(/reload: full_success, generation 1/);
    assert.equal(await (await fetch(example.url)).text(), "Reloaded, world\n");
  } finally {
    await example.stop();
  }
});
