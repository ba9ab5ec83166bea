// coordinator.verify() and the periodic verification: the sources compared
// with the config in effect, a change no event reported picked up (trigger
// "verify"), and the drift a refused change leaves, until a pass swaps.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { captureLogs, everyOutput, fakeTimers } from "./_helpers.ts";
import {
  AtomicConfig,
  type ConfigSource,
  Coordinator,
  fileSource,
} from "hup-reload";
import { metricsText, reloadHandler } from "hup-reload/http";
import { ManualSignals } from "hup-reload/testing";

const sha = (text: string) =>
  `sha256:${createHash("sha256").update(text).digest("hex")}`;

async function tempDir(): Promise<
  { dir: string; [Symbol.asyncDispose](): Promise<void> }
> {
  const dir = await mkdtemp(join(tmpdir(), "hup-reload-verify-"));
  return {
    dir,
    [Symbol.asyncDispose]: () => rm(dir, { recursive: true, force: true }),
  };
}

test("verify() finds a change no event reported, reloads it, and is in sync after", async () => {
  await using temp = await tempDir();
  const path = join(temp.dir, "config.yaml");
  await writeFile(path, "value: one\n");
  const coordinator = await Coordinator.create({ configPath: path });
  try {
    const first = await coordinator.verify();
    assert.equal(first.in_sync, true);
    assert.equal(first.digest, sha("value: one\n"));
    assert.equal(first.pass, null);
    assert.equal(first.drift, null);

    await writeFile(path, "value: two\n");
    const second = await coordinator.verify();
    assert.equal(second.pass?.trigger, "verify");
    assert.equal(second.pass?.status, "full_success");
    assert.equal(second.in_sync, true);
    assert.equal(second.drift, null);
    assert.equal(coordinator.config.load().value, "two");
    assert.equal(coordinator.digest(), sha("value: two\n"));
    // Nothing more to read: no pass.
    assert.equal((await coordinator.verify()).pass, null);
    assert.equal(coordinator.generation(), 1);
  } finally {
    await coordinator.shutdown();
  }
});

test("a refused change is drift from its pass on, with the sources' digest, until a pass swaps", async () => {
  await using temp = await tempDir();
  await using logs = await captureLogs();
  const path = join(temp.dir, "config.yaml");
  await writeFile(path, "value: one\npassword: hunter2-drift\n");
  let now = new Date("2026-12-06T03:00:00.000Z");
  const coordinator = await Coordinator.create({
    configPath: path,
    now: () => now,
  });
  try {
    assert.deepEqual(coordinator.verification(), {
      drift: null,
      checked_at: "2026-12-06T03:00:00.000Z",
    });
    const bad = "value: [\npassword: hunter2-drift\n";
    await writeFile(path, bad);
    now = new Date("2026-12-06T03:01:00.000Z");
    const refused = await coordinator.reload();
    assert.equal(refused.status, "load_failed");
    // The comparison that a refused pass starts: no pass of its own.
    const verified = await coordinator.verify();
    assert.equal(verified.pass, null, "what the pass read is not read again");
    assert.equal(verified.in_sync, false);
    assert.deepEqual(verified.drift, {
      since: "2026-12-06T03:01:00.000Z",
      digest: sha(bad),
    });
    assert.deepEqual(coordinator.verification().drift, verified.drift);
    const metrics = metricsText(coordinator);
    assert.match(metrics, /^hup_reload_source_in_sync 0$/m);
    assert.match(
      metrics,
      new RegExp(
        `^hup_reload_source_checked_timestamp_seconds ${
          Date.parse("2026-12-06T03:01:00.000Z") / 1000
        }$`,
        "m",
      ),
    );
    // Still drifting later: the same since.
    now = new Date("2026-12-06T03:05:00.000Z");
    assert.equal(
      (await coordinator.verify()).drift?.since,
      "2026-12-06T03:01:00.000Z",
    );
    assert.equal(coordinator.generation(), 0);

    await writeFile(path, "value: fixed\n");
    assert.equal((await coordinator.reload()).status, "full_success");
    assert.equal(coordinator.verification().drift, null);
    assert.equal(
      coordinator.verification().checked_at,
      "2026-12-06T03:05:00.000Z",
    );
    assert.equal((await coordinator.verify()).in_sync, true);
    assert.match(metricsText(coordinator), /^hup_reload_source_in_sync 1$/m);
  } finally {
    await coordinator.shutdown();
  }
  const text = JSON.stringify(
    logs.records.map((r) => [r.message, r.properties]),
  );
  assert.ok(!text.includes("hunter2"), "no value of the file in any log");
  const messages = logs.records.map((r) => r.message.join(""));
  assert.equal(
    messages.filter((m) => m.startsWith("The config's sources differ")).length,
    1,
    "one warning per drift",
  );
});

test("with no file watch, the periodic verification alone picks a change up within verifyEvery", async () => {
  await using temp = await tempDir();
  const path = join(temp.dir, "config.yaml");
  await writeFile(path, "value: one\n");
  const time = fakeTimers();
  const coordinator = await Coordinator.create({
    configPath: path,
    verifyEvery: 5000,
    timers: time.timers,
    signals: new ManualSignals(),
  });
  try {
    coordinator.watch();
    assert.deepEqual([...time.pending.values()].map((t) => t.ms), [5000]);
    // Nothing changed: a verification, and the next one scheduled.
    assert.equal(await time.poll(), 5000);
    assert.equal(coordinator.lastResult(), null);

    await writeFile(path, "value: two\n");
    assert.equal(await time.poll(), 5000);
    assert.equal(coordinator.lastResult()?.trigger, "verify");
    assert.equal(coordinator.config.load().value, "two");
  } finally {
    await coordinator.shutdown();
  }
  assert.equal(time.pending.size, 0, "shutdown() stops the verification");
});

test("verify() covers every layer and secret file, and a source that cannot be read is drift with no digest", async () => {
  await using temp = await tempDir();
  await using logs = await captureLogs();
  const base = join(temp.dir, "base.yaml");
  const secret = join(temp.dir, "db_password");
  await writeFile(base, "db:\n  password: ${file:db_password}\n");
  await writeFile(secret, "s3cret-one\n");
  let remote: string | Error = "value: one\n";
  const http: ConfigSource = {
    name: "https://config.example/app.yaml",
    read: () =>
      Promise.resolve(
        remote instanceof Error
          ? Promise.reject(remote)
          : { bytes: new TextEncoder().encode(remote) },
      ),
  };
  const coordinator = await Coordinator.create({
    source: [fileSource(base), http],
  });
  try {
    assert.equal((await coordinator.verify()).in_sync, true);
    // The secret file, no event: a pass.
    await writeFile(secret, "s3cret-two\n");
    const secretChange = await coordinator.verify();
    assert.equal(secretChange.pass?.status, "full_success");
    assert.equal(
      (coordinator.config.load().db as { password: string }).password,
      "s3cret-two",
    );
    // The remote layer: a pass.
    remote = "value: two\n";
    assert.equal((await coordinator.verify()).pass?.status, "full_success");
    assert.equal(coordinator.config.load().value, "two");
    // The remote cannot be read: drift, no digest, no pass.
    remote = new Error("Cannot fetch https://config.example/app.yaml: 503");
    const down = await coordinator.verify();
    assert.equal(down.in_sync, false);
    assert.equal(down.digest, null);
    assert.equal(down.drift?.digest, null);
    assert.equal(down.pass, null);
    await coordinator.verify();
    // Back: in sync again with no pass (it holds what runs).
    remote = "value: two\n";
    const back = await coordinator.verify();
    assert.equal(back.in_sync, true);
    assert.equal(back.pass, null);
    assert.equal(coordinator.generation(), 2);
  } finally {
    await coordinator.shutdown();
  }
  const text = JSON.stringify(
    logs.records.map((r) => [r.message, r.properties]),
  );
  assert.ok(!text.includes("s3cret"), "no secret in any log");
  const cannot = logs.records.filter((r) =>
    r.message.join("").startsWith("Cannot verify the config's sources")
  );
  assert.equal(cannot.length, 1, "a lasting failure is logged once");
});

test("verify() has nothing to compare for a custom load or a holder filled by the caller", async () => {
  const custom = new Coordinator({
    configPath: "custom",
    config: new AtomicConfig({ a: 1 }),
    load: () => ({ a: 2 }),
  });
  const result = await custom.verify();
  assert.equal(result.in_sync, true);
  assert.equal(result.pass, null);
  assert.equal(custom.generation(), 0);
  const filled = new Coordinator({
    configPath: "/nonexistent/config.yaml",
    config: new AtomicConfig<Record<string, unknown>>({ a: 1 }),
  });
  assert.equal((await filled.verify()).in_sync, true);
  assert.equal(filled.lastResult(), null);
});

test("verifyEvery must be a whole number of milliseconds; 0 starts no verification", async () => {
  for (const verifyEvery of [-1, 1.5, NaN, Infinity, 2 ** 31, "30s"]) {
    assert.throws(
      () =>
        new Coordinator({
          configPath: "c.yaml",
          config: new AtomicConfig<Record<string, unknown>>({}),
          verifyEvery: verifyEvery as number,
        }),
      {
        name: "RangeError",
        message: /^Cannot create the coordinator as deps\.verifyEvery is not/,
      },
    );
  }
  const time = fakeTimers();
  await using temp = await tempDir();
  const path = join(temp.dir, "config.yaml");
  await writeFile(path, "a: 1\n");
  const coordinator = await Coordinator.create({
    configPath: path,
    verifyEvery: 0,
    timers: time.timers,
    signals: new ManualSignals(),
  });
  coordinator.watch();
  assert.equal(time.pending.size, 0);
  await coordinator.shutdown();
});

test("the drift is in GET /-/reload, on the page and in the metrics, through every output, with no secret", async () => {
  await using temp = await tempDir();
  await using logs = await captureLogs();
  const path = join(temp.dir, "config.yaml");
  await writeFile(path, "value: one\ntoken: ${TOKEN}\n");
  const coordinator = await Coordinator.create({
    configPath: path,
    env: (name) => name === "TOKEN" ? "tok-hunter2-env" : undefined,
  });
  try {
    const serve = reloadHandler(coordinator);
    const get = async (accept: string) =>
      await (await serve(
        new Request("http://127.0.0.1/-/reload", { headers: { accept } }),
      )).text();
    assert.equal(JSON.parse(await get("application/json")).drift, null);
    assert.doesNotMatch(await get("text/html"), /class="drift"/);

    const bad = "value: [\ntoken: ${TOKEN}\n";
    await writeFile(path, bad);
    assert.equal((await coordinator.reload()).status, "load_failed");
    const body = JSON.parse(await get("application/json"));
    assert.deepEqual(Object.keys(body), [
      "generation",
      "config_digest",
      "running_from",
      "drift",
      "in_progress",
      "last_result",
    ]);
    assert.equal(body.drift.digest, sha(bad));
    assert.equal(body.drift.since, coordinator.verification().drift?.since);
    const page = await get("text/html");
    assert.match(
      page,
      /<p class="drift" role="alert"><b>The source differs from the running config<\/b>/,
    );
    assert.ok(page.includes(sha(bad)));
    const all = await everyOutput(coordinator, logs.records);
    assert.match(all, /^hup_reload_source_in_sync 0$/m);
    assert.ok(!all.includes("hunter2"), "no secret in any output");
  } finally {
    await coordinator.shutdown();
  }
});
