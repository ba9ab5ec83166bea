// The last known-good config (`lastGood`): the texts of every layer of the
// config put into effect, written atomically after start-up and every swap;
// a restart whose sources cannot be used starts from it, and says so, until
// a pass from the sources succeeds.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  stat,
  writeFile,
} from "node:fs/promises";
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { captureLogs, envOf, everyOutput } from "./_helpers.ts";
import {
  type ConfigObject,
  Coordinator,
  type CreateOptions,
  type Hook,
  HookStatus,
} from "hup-reload";
import { metricsText, reloadHandler } from "hup-reload/http";

const sha = (text: string) =>
  `sha256:${createHash("sha256").update(text).digest("hex")}`;

const ENV_SECRET = "env-secret-value-41";
const FILE_SECRET = "s3cret-from-a-file";

interface Temp {
  dir: string;
  at(...parts: string[]): string;
  [Symbol.asyncDispose](): Promise<void>;
}

async function tempDir(): Promise<Temp> {
  const dir = await mkdtemp(join(tmpdir(), "hup-reload-last-good-"));
  return {
    dir,
    at: (...parts) => join(dir, ...parts),
    [Symbol.asyncDispose]: () => rm(dir, { recursive: true, force: true }),
  };
}

const greeter: Hook<ConfigObject> = {
  name: "greeter",
  check(_old, next) {
    if (next.greeting === "") {
      throw new Error("Cannot greet as greeting is empty: greeting");
    }
  },
  apply: () => HookStatus.Applied,
};

const BASE =
  'greeting: "hello"\ntoken: ${TOKEN}\npassword: ${file:secrets/db}\n';

// A service's config: a base layer with an env and a secret file
// reference, and an optional local layer that does not exist.
async function service(
  temp: Temp,
): Promise<CreateOptions & { schema?: undefined }> {
  await mkdir(temp.at("etc", "secrets"), { recursive: true });
  await mkdir(temp.at("var"));
  await writeFile(temp.at("etc", "secrets", "db"), `${FILE_SECRET}\n`);
  await writeFile(temp.at("etc", "base.yaml"), BASE);
  return {
    configPath: [
      temp.at("etc", "base.yaml"),
      { path: temp.at("etc", "local.yaml"), optional: true },
    ],
    env: envOf({ TOKEN: ENV_SECRET }),
    hooks: [greeter],
    lastGood: temp.at("var", "config.last-good"),
    verifyEvery: 0,
  };
}

interface Stored {
  version: number;
  layers: Record<string, unknown>[];
}

async function stored(path: string): Promise<Stored> {
  return JSON.parse(await readFile(path, "utf8"));
}

test("lastGood holds every layer's text after create() and after each swap, mode 0600, never an expanded value", async () => {
  await using temp = await tempDir();
  const options = await service(temp);
  const lastGood = options.lastGood!;
  const coordinator = await Coordinator.create(options);
  try {
    assert.equal(coordinator.config.load().password, FILE_SECRET);
    assert.deepEqual(await stored(lastGood), {
      version: 1,
      layers: [
        {
          name: temp.at("etc", "base.yaml"),
          format: "yaml",
          directory: temp.at("etc"),
          sha256: sha(BASE),
          text: BASE,
        },
        { name: temp.at("etc", "local.yaml"), absent: true },
      ],
    });
    assert.equal((await stat(lastGood)).mode & 0o777, 0o600);
    const raw = await readFile(lastGood, "utf8");
    assert.ok(!raw.includes(ENV_SECRET));
    assert.ok(!raw.includes(FILE_SECRET));

    const next = BASE.replace("hello", "hi");
    await writeFile(temp.at("etc", "base.yaml"), next);
    await writeFile(temp.at("etc", "local.yaml"), "extra: 1\n");
    assert.equal((await coordinator.reload()).status, "full_success");
    const after = await stored(lastGood);
    assert.equal(after.layers[0].text, next);
    assert.deepEqual(after.layers[1], {
      name: temp.at("etc", "local.yaml"),
      format: "yaml",
      directory: temp.at("etc"),
      sha256: sha("extra: 1\n"),
      text: "extra: 1\n",
    });
    assert.equal((await stat(lastGood)).mode & 0o777, 0o600);

    // A pass that swaps nothing leaves it as it was.
    await writeFile(temp.at("etc", "base.yaml"), 'greeting: ""\n');
    assert.equal((await coordinator.reload()).status, "validation_failed");
    await writeFile(temp.at("etc", "base.yaml"), "greeting: [\n");
    assert.equal((await coordinator.reload()).status, "load_failed");
    assert.deepEqual(await stored(lastGood), after);
  } finally {
    await coordinator.shutdown();
  }
});

test("without lastGood nothing is written", async () => {
  await using temp = await tempDir();
  const { lastGood: _, ...options } = await service(temp);
  const before = await readdir(temp.dir, { recursive: true });
  const coordinator = await Coordinator.create(options);
  await writeFile(temp.at("etc", "base.yaml"), BASE.replace("hello", "hi"));
  assert.equal((await coordinator.reload()).status, "full_success");
  await coordinator.shutdown();
  assert.deepEqual(
    (await readdir(temp.dir, { recursive: true })).sort(),
    before.sort(),
  );
});

test("a restart whose sources do not load starts from lastGood, says so everywhere, and a good pass from the sources ends it", async () => {
  await using temp = await tempDir();
  const options = await service(temp);
  const first = await Coordinator.create(options);
  const good = first.digest();
  assert.equal(first.runningFrom(), "source");
  await first.shutdown();

  await writeFile(temp.at("etc", "base.yaml"), "greeting: [\n");
  await using logs = await captureLogs();
  const coordinator = await Coordinator.create(options);
  try {
    assert.equal(coordinator.runningFrom(), "last_good");
    assert.equal(coordinator.generation(), 0);
    // The secret file and the environment are read again.
    assert.deepEqual(coordinator.config.load(), {
      greeting: "hello",
      token: ENV_SECRET,
      password: FILE_SECRET,
    });
    assert.equal(coordinator.digest(), good);
    const warning = logs.records.find((r) =>
      r.level === "warning" &&
      String(r.message.join("")).startsWith(
        "Started from the last known-good config",
      )
    );
    assert.ok(warning, "a warning says it started from the last good config");
    assert.match(
      String(warning.properties.error),
      /not valid YAML: .*base\.yaml line 1/,
    );

    const handler = reloadHandler(coordinator);
    const status = await (await handler(
      new Request("http://localhost/-/reload"),
    )).json();
    assert.equal(status.running_from, "last_good");
    assert.match(
      metricsText(coordinator),
      /^hup_reload_running_from_last_good 1$/m,
    );
    const page = await (await handler(
      new Request("http://localhost/-/reload", {
        headers: { accept: "text/html" },
      }),
    )).text();
    assert.match(page, /Running from the last known-good config/);
    // What runs is not what the sources hold: drift, and no pass for it.
    assert.notEqual(coordinator.verification().drift, null);
    const verified = await coordinator.verify();
    assert.equal(verified.in_sync, false);
    assert.equal(verified.pass, null);
    // A new bad edit is read once by the verification, then left alone.
    await writeFile(temp.at("etc", "base.yaml"), "greeting: [[\n");
    assert.equal((await coordinator.verify()).pass?.status, "load_failed");
    assert.equal((await coordinator.verify()).pass, null);
    assert.equal(coordinator.runningFrom(), "last_good");
    const output = await everyOutput(coordinator, logs.records);
    assert.ok(!output.includes(ENV_SECRET));
    assert.ok(!output.includes(FILE_SECRET));

    const fixed = BASE.replace("hello", "fixed");
    await writeFile(temp.at("etc", "base.yaml"), fixed);
    assert.equal((await coordinator.reload()).status, "full_success");
    assert.equal(coordinator.runningFrom(), "source");
    assert.equal(
      (await (await handler(new Request("http://localhost/-/reload"))).json())
        .running_from,
      "source",
    );
    assert.match(
      metricsText(coordinator),
      /^hup_reload_running_from_last_good 0$/m,
    );
    assert.doesNotMatch(
      await (await handler(
        new Request("http://localhost/-/reload", {
          headers: { accept: "text/html" },
        }),
      )).text(),
      /Running from the last known-good config/,
    );
    assert.equal(coordinator.verification().drift, null);
    assert.equal((await stored(options.lastGood!)).layers[0].text, fixed);
  } finally {
    await coordinator.shutdown();
  }
});

test("a source that is not a file is kept as text, in the format it gave, and started from", async () => {
  await using temp = await tempDir();
  let body: string | Error = '{"greeting": "hello", "token": "${TOKEN}"}';
  const source = {
    name: "memory:config",
    read: () =>
      body instanceof Error ? Promise.reject(body) : Promise.resolve({
        bytes: new TextEncoder().encode(body),
        format: "json" as const,
      }),
  };
  const options = {
    source,
    env: envOf({ TOKEN: ENV_SECRET }),
    lastGood: temp.at("last-good"),
    verifyEvery: 0,
  };
  await (await Coordinator.create(options)).shutdown();
  assert.deepEqual((await stored(options.lastGood)).layers, [{
    name: "memory:config",
    format: "json",
    sha256: sha(body),
    text: body,
  }]);
  body = new Error("Cannot reach the config service: connection refused");
  const coordinator = await Coordinator.create(options);
  assert.equal(coordinator.runningFrom(), "last_good");
  assert.deepEqual(coordinator.config.load(), {
    greeting: "hello",
    token: ENV_SECRET,
  });
  await coordinator.shutdown();
});

test("a restart whose config a check refuses starts from lastGood", async () => {
  await using temp = await tempDir();
  const options = await service(temp);
  await (await Coordinator.create(options)).shutdown();
  await writeFile(temp.at("etc", "base.yaml"), 'greeting: ""\n');
  await using logs = await captureLogs();
  const coordinator = await Coordinator.create(options);
  try {
    assert.equal(coordinator.runningFrom(), "last_good");
    assert.equal(coordinator.config.load().greeting, "hello");
    const warning = logs.records.find((r) =>
      r.level === "warning" &&
      String(r.properties.error).includes('hook "greeter"')
    );
    assert.ok(warning, "the warning names the refusing hook");
  } finally {
    await coordinator.shutdown();
  }
});

test("a restart whose sources and lastGood both fail throws the sources' error and logs why lastGood was not used", async () => {
  await using temp = await tempDir();
  const options = await service(temp);
  const lastGood = options.lastGood!;
  await (await Coordinator.create(options)).shutdown();
  const whole = await readFile(lastGood, "utf8");
  await writeFile(temp.at("etc", "base.yaml"), "greeting: [\n");
  const { lastGood: _, ...without } = options;
  const sourceError = await Coordinator.create(without).then(
    () => assert.fail("the sources do not load"),
    (error: Error) => error.message,
  );

  const cases: [string, () => Promise<void>, RegExp][] = [
    [
      "truncated",
      () => writeFile(lastGood, whole.slice(0, whole.length / 2)),
      /not whole JSON/,
    ],
    [
      "corrupt text",
      () => writeFile(lastGood, whole.replace("hello", "hallo")),
      /does not match its digest/,
    ],
    ["missing", () => rm(lastGood), /does not exist/],
    ["empty", () => writeFile(lastGood, ""), /not whole JSON/],
    [
      "another version",
      () => writeFile(lastGood, whole.replace('"version":1', '"version":2')),
      /is not of version 1/,
    ],
    [
      "other layers",
      () => writeFile(lastGood, whole.replaceAll("base.yaml", "other.yaml")),
      /is for other layers/,
    ],
    [
      "refused by a check",
      async () => {
        // Whole, but holding a config that the hook refuses.
        const record = JSON.parse(whole) as Stored;
        record.layers[0].text = 'greeting: ""\n';
        record.layers[0].sha256 = sha('greeting: ""\n');
        await writeFile(lastGood, JSON.stringify(record));
      },
      /hook "greeter": Cannot greet as greeting is empty/,
    ],
  ];
  for (const [what, spoil, problem] of cases) {
    await spoil();
    await using logs = await captureLogs();
    await assert.rejects(
      Coordinator.create(options),
      (error: Error) => error.message === sourceError,
      what,
    );
    const warning = logs.records.find((r) =>
      r.level === "warning" &&
      String(r.message.join("")).startsWith(
        "Cannot start from the last known-good config either",
      )
    );
    assert.ok(warning, `${what}: the last good config's problem is logged`);
    assert.match(String(warning.properties.error), problem, what);
  }
});

test("a lastGood larger than its bound is not read", async () => {
  await using temp = await tempDir();
  const options = { ...await service(temp), maxBytes: 64 };
  await (await Coordinator.create(options)).shutdown();
  const record = await stored(options.lastGood!);
  record.layers[0].padding = "x".repeat(2 * 64 * 6 + 64 * 1024);
  await writeFile(options.lastGood!, JSON.stringify(record));
  await writeFile(temp.at("etc", "base.yaml"), "greeting: [\n");
  await using logs = await captureLogs();
  await assert.rejects(Coordinator.create(options), { name: "LoadError" });
  assert.ok(
    logs.records.some((r) =>
      /is larger than 66304 bytes/.test(String(r.properties.error))
    ),
  );
});

test("lastGood is replaced whole by a rename: no temporary file is left, the old file's mode is not kept", async () => {
  await using temp = await tempDir();
  const options = await service(temp);
  const lastGood = options.lastGood!;
  await writeFile(
    lastGood,
    "an older file, longer than the new one ".repeat(100),
    {
      mode: 0o644,
    },
  );
  const coordinator = await Coordinator.create(options);
  await coordinator.shutdown();
  assert.equal((await stored(lastGood)).layers[0].text, BASE);
  assert.equal((await stat(lastGood)).mode & 0o777, 0o600);
  assert.deepEqual(await readdir(temp.at("var")), ["config.last-good"]);
});

test("a lastGood that cannot be written is logged and costs nothing else", async () => {
  await using temp = await tempDir();
  const options = {
    ...await service(temp),
    lastGood: temp.at("no-such-dir", "config.last-good"),
  };
  await using logs = await captureLogs();
  const coordinator = await Coordinator.create(options);
  await writeFile(temp.at("etc", "base.yaml"), BASE.replace("hello", "hi"));
  assert.equal((await coordinator.reload()).status, "full_success");
  await coordinator.shutdown();
  const warnings = logs.records.filter((r) =>
    String(r.message.join("")).startsWith(
      "Cannot write the last known-good config",
    )
  );
  assert.equal(warnings.length, 2);
  assert.equal(warnings[0].level, "warning");
});

test("Coordinator.create() refuses a lastGood that is not a path", async () => {
  for (const lastGood of [42, "", {}, null]) {
    await assert.rejects(
      Coordinator.create({
        configPath: "/nonexistent/config.yaml",
        lastGood: lastGood as string,
      }),
      {
        name: "TypeError",
        message:
          "Cannot create the coordinator as options.lastGood is not a file path (a non-empty string)",
      },
    );
  }
});
