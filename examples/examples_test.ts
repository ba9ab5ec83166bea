// Runs each deployable example as a user would and reloads it for real.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Example, outputOf, root, startExample } from "./_child.ts";

// The parts of the Kubernetes manifest the test reads.
interface Manifest {
  kind: string;
  apiVersion: string;
  metadata: { name: string; labels?: Record<string, string> };
  data: Record<string, string>;
  spec: {
    selector: { matchLabels: Record<string, string> };
    template: {
      metadata: { labels: Record<string, string> };
      spec: {
        containers: {
          command: string[];
          volumeMounts: { name: string; mountPath: string; subPath?: string }[];
        }[];
        volumes: { name: string; configMap: { name: string } }[];
      };
    };
  };
}

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const bin = (name: string) => join(root, "node_modules/.bin", name);

/** Starts an example on a copy of the bundled config; reads its stdout. */
const start = (command: string, args: (config: string) => string[]) =>
  startExample(command, args, here("./config.yaml"));

/** Serves, reloads on SIGHUP, and answers POST with the pass's result. */
async function exercise(example: Example) {
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
  // Strict schemas: a misspelt key fails the pass instead of being ignored.
  await writeFile(example.config, text.replace("text: Hello", "txet: Hello"));
  const typo = await fetch(example.admin, { method: "POST" });
  assert.equal(typo.status, 422);
  assert.match((await typo.json()).load_error, /Unrecognized key/);
  assert.deepEqual(await greet(), ["Hi, world\n", "2"]);
  await writeFile(example.config, "greeting: [broken\n");
  const bad = await fetch(example.admin, { method: "POST" });
  assert.equal(bad.status, 422);
  await bad.body?.cancel();
  assert.deepEqual(await greet(), ["Hi, world\n", "2"]);
}

/** Starts an example, runs `exercise()` on it, and stops it. */
async function startAndExercise(...args: Parameters<typeof start>) {
  const example = await start(...args);
  try {
    await exercise(example);
  } finally {
    await example.stop();
  }
}

test("examples/demo.ts serves its config and reloads on kill -HUP and POST", {
  timeout: 60_000,
}, async () => {
  const example = await start(Deno.execPath(), (c) => [
    "run",
    "--quiet",
    "--allow-net=127.0.0.1",
    `--allow-read=${c}`,
    "--allow-env=DEMO_PORT,DEMO_TOKEN",
    here("./demo.ts"),
    c,
  ]);
  const { url, admin, config, child, readUntil } = example;
  try {
    await readUntil(new RegExp(`PID ${child.pid}`));
    await readUntil(new RegExp(`kill -HUP ${child.pid}`));
    assert.equal(await (await fetch(url)).text(), "Hello, world.\n");
    const before = await (await fetch(admin)).json();
    assert.equal(before.generation, 0);
    assert.equal(before.last_result, null);
    assert.match(before.config_digest, /^sha256:[0-9a-f]{64}$/);

    const text = await readFile(config, "utf8");
    await writeFile(
      config,
      text.replace("text: Hello", "text: Howdy").replace(
        "shout: false",
        "shout: true",
      ),
    );
    Deno.kill(child.pid, "SIGHUP");
    // The demo logs each pass (LogTape console sink) on stdout.
    await readUntil(/Reload pass succeeded/);
    const status = await (await fetch(admin)).json();
    assert.equal(status.generation, 1);
    assert.equal(status.last_result.status, "full_success");
    const response = await fetch(url);
    assert.equal(await response.text(), "HOWDY, WORLD!\n");
    assert.equal(response.headers.get("x-config-generation"), "1");

    // The curl -fsS -X POST of the banner: 200 on a good file ...
    const good = await fetch(admin, { method: "POST" });
    assert.equal(good.status, 200);
    assert.equal((await good.json()).generation, 2);
    // ... and a failure status (so curl -f fails) on a bad one: a file the
    // schema refuses ...
    await writeFile(config, text.replace("text: Hello", 'text: ""'));
    const bad = await fetch(admin, { method: "POST" });
    assert.equal(bad.status, 422);
    const body = await bad.json();
    assert.equal(body.status, "load_failed");
    assert.match(body.load_error, /line \d+, column \d+ field greeting\.text/);
    // ... a misspelt key (strict schema: an error, not a silent default) ...
    await writeFile(config, text.replace("log_level:", "log_levle:"));
    const typo = await fetch(admin, { method: "POST" });
    assert.equal(typo.status, 422);
    const typoBody = await typo.json();
    assert.equal(typoBody.status, "load_failed");
    const typoLine = text.split("\n").findIndex((l) =>
      l.includes("log_level:")
    );
    assert.match(
      typoBody.load_error,
      new RegExp(
        `line ${typoLine + 1}, column 3 field server: Unrecognized key`,
      ),
    );
    // ... or one a hook's check refuses.
    await writeFile(config, text.replace("text: Hello", "text: <b>Hi</b>"));
    const refused = await fetch(admin, { method: "POST" });
    assert.equal(refused.status, 422);
    const outcome = (await refused.json()).outcomes[1];
    assert.equal(outcome.name, "greeting");
    assert.match(outcome.error, /greeting\.text/);
    assert.equal((await fetch(url)).headers.get("x-config-generation"), "2");
  } finally {
    await example.stop();
  }
});

test(
  "examples/node_http.ts serves and reloads on Node.js",
  { timeout: 60_000 },
  async () => {
    await startAndExercise(
      "node",
      (c) => [join(root, "build/examples/node_http.js"), c],
    );
  },
);

test(
  "examples/bun_serve.ts serves and reloads on Bun",
  { timeout: 60_000 },
  async () => {
    await startAndExercise(bin("bun"), (c) => [here("./bun_serve.ts"), c]);
  },
);

test("examples/hono.ts serves and reloads on Deno with Hono", {
  timeout: 60_000,
}, async () => {
  await startAndExercise(Deno.execPath(), (c) => [
    "run",
    "--quiet",
    "--allow-net=127.0.0.1",
    `--allow-read=${c}`,
    "--allow-env=DEMO_PORT",
    here("./hono.ts"),
    c,
  ]);
});

test(
  "examples/kubernetes: the manifest is valid and the app follows a ConfigMap ..data swap",
  { timeout: 60_000 },
  async () => {
    const { loadAll } = await import("js-yaml");
    const docs = loadAll(
      await readFile(here("./kubernetes/manifest.yaml"), "utf8"),
    ) as Manifest[];
    const [configMap, deployment] = docs;
    assert.equal(configMap.kind, "ConfigMap");
    assert.equal(deployment.kind, "Deployment");
    for (const doc of docs) {
      assert.equal(typeof doc.apiVersion, "string");
      assert.equal(typeof doc.metadata?.name, "string");
    }
    const pod = deployment.spec.template.spec;
    assert.deepEqual(
      deployment.spec.selector.matchLabels,
      deployment.spec.template.metadata.labels,
    );
    const container = pod.containers[0];
    const mount = container.volumeMounts[0];
    const volume = pod.volumes.find((v) => v.name === mount.name);
    assert.equal(volume?.configMap.name, configMap.metadata.name);
    assert.equal(
      mount.subPath,
      undefined,
      "a subPath mount never sees updates",
    );
    const configArg = container.command.at(-1);
    assert.equal(configArg, `${mount.mountPath}/config.yaml`);
    assert.ok(container.command.includes(`--allow-read=${mount.mountPath}`));
    assert.ok(Object.hasOwn(configMap.data, "config.yaml"));

    // The kubelet's layout: config.yaml -> ..data/config.yaml, ..data -> a
    // timestamped directory, swapped by renaming a new ..data_tmp link.
    const dir = await mkdtemp(join(tmpdir(), "hup-k8s-"));
    const version = async (name: string, text: string) => {
      await Deno.mkdir(join(dir, name));
      await writeFile(join(dir, name, "config.yaml"), text);
    };
    const first = configMap.data["config.yaml"].replace(
      "port: 8000",
      "port: ${DEMO_PORT:-8000}",
    );
    await version("..2026_11_27_00_00_00.000000001", first);
    await Deno.symlink("..2026_11_27_00_00_00.000000001", join(dir, "..data"));
    await Deno.symlink("..data/config.yaml", join(dir, "config.yaml"));
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--quiet",
        "--allow-net=127.0.0.1",
        `--allow-read=${dir}`,
        "--allow-env=DEMO_PORT,DEMO_HOST,RELOAD_TOKEN",
        here("./kubernetes/app.ts"),
        join(dir, "config.yaml"),
      ],
      env: { DEMO_PORT: "0", DEMO_HOST: "127.0.0.1" },
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    const output = outputOf(child, "app");
    const { readUntil } = output;
    try {
      const [, url] = await readUntil(/serving:\s+(\S+)/);
      assert.equal(await (await fetch(url)).text(), "Hello, world\n");
      await version(
        "..2026_11_27_00_01_00.000000002",
        first.replace("text: Hello", "text: Updated"),
      );
      await Deno.symlink(
        "..2026_11_27_00_01_00.000000002",
        join(dir, "..data_tmp"),
      );
      await Deno.rename(join(dir, "..data_tmp"), join(dir, "..data"));
      await Deno.remove(join(dir, "..2026_11_27_00_00_00.000000001"), {
        recursive: true,
      });
      await readUntil(/reload: full_success, generation 1/);
      const response = await fetch(url);
      assert.equal(await response.text(), "Updated, world\n");
      assert.equal(response.headers.get("x-config-generation"), "1");
    } finally {
      child.kill("SIGTERM");
      await child.status;
      await output.cancel();
      await rm(dir, { recursive: true, force: true });
    }
  },
);
