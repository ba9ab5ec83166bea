// Coordinator.create() runs every hook's check on the start-up config, as
// check(undefined, config): a config that a reload would refuse does not
// start a service either (unless a hook opts out with checkOnStart: false).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { envOf } from "./_helpers.ts";
import {
  type ConfigObject,
  Coordinator,
  type Hook,
  HookStatus,
} from "hup-reload";

const ENV_SECRET = "env-secret-value-41";
const FILE_SECRET = "pw7";

async function tempDir(): Promise<
  { dir: string; [Symbol.asyncDispose](): Promise<void> }
> {
  const dir = await mkdtemp(join(tmpdir(), "hup-reload-startup-"));
  return {
    dir,
    [Symbol.asyncDispose]: () => rm(dir, { recursive: true, force: true }),
  };
}

// Refuses an empty greeting, quoting the secrets of the config in its
// message, as a careless hook would.
function greeter(
  calls: { old: unknown; next: unknown; changed: boolean }[] = [],
): Hook<ConfigObject> {
  return {
    name: "greeter",
    check(old, next, ctx) {
      calls.push({ old, next, changed: ctx.changed("anything.at.all") });
      if (next.greeting === "") {
        throw new Error(
          `Cannot greet as greeting is empty (token ${next.token}, password ${next.password}): greeting`,
        );
      }
    },
    apply: () => HookStatus.Applied,
  };
}

async function secretConfig(dir: string, greeting: string): Promise<string> {
  await mkdir(join(dir, "secrets"), { recursive: true });
  await writeFile(join(dir, "secrets", "db"), `${FILE_SECRET}\n`);
  const path = join(dir, "config.yaml");
  await writeFile(
    path,
    `greeting: "${greeting}"\ntoken: \${TOKEN}\npassword: \${file:secrets/db}\n`,
  );
  return path;
}

test("Coordinator.create() refuses a config that a reload refused, naming the hook and its message, never a secret", async () => {
  await using temp = await tempDir();
  const configPath = await secretConfig(temp.dir, "hello");
  const env = envOf({ TOKEN: ENV_SECRET });
  const running = await Coordinator.create({
    configPath,
    env,
    hooks: [greeter()],
  });
  await secretConfig(temp.dir, "");
  const refused = await running.reload();
  assert.equal(refused.status, "validation_failed");
  await running.shutdown();

  // The restart, with the same file on disk.
  await assert.rejects(
    Coordinator.create({ configPath, env, hooks: [greeter()] }),
    (error: Error) => {
      assert.match(
        error.message,
        /^Cannot start as a hook's check refuses the config: .*config\.yaml\n {2}hook "greeter": Cannot greet as greeting is empty \(token .*, password .*\): greeting$/,
      );
      assert.ok(!error.message.includes(ENV_SECRET), error.message);
      assert.ok(!error.message.includes(FILE_SECRET), error.message);
      return true;
    },
  );
});

test("Coordinator.create() calls check(undefined, config) with everything changed", async () => {
  await using temp = await tempDir();
  const configPath = join(temp.dir, "config.yaml");
  await writeFile(configPath, "greeting: hello\n");
  const calls: { old: unknown; next: unknown; changed: boolean }[] = [];
  const coordinator = await Coordinator.create({
    configPath,
    hooks: [greeter(calls)],
  });
  assert.deepEqual(calls, [{
    old: undefined,
    next: { greeting: "hello" },
    changed: true,
  }]);
  assert.equal(calls[0].next, coordinator.config.load());
  await coordinator.shutdown();
});

test("Coordinator.create() reports every hook whose check refuses, and runs none of their applies", async () => {
  await using temp = await tempDir();
  const configPath = join(temp.dir, "config.yaml");
  await writeFile(configPath, 'greeting: ""\n');
  let applies = 0;
  const refuses = (name: string): Hook<ConfigObject> => ({
    name,
    check() {
      throw new RangeError(`Cannot use ${name} as it is off: ${name}`);
    },
    apply: () => (applies++, HookStatus.Applied),
  });
  await assert.rejects(
    Coordinator.create({
      configPath,
      hooks: [refuses("first"), greeter(), refuses("third")],
    }),
    {
      message: `Cannot start as 3 hooks' checks refuse the config: ${configPath}
  hook "first": Cannot use first as it is off: first
  hook "greeter": Cannot greet as greeting is empty (token undefined, password undefined): greeting
  hook "third": Cannot use third as it is off: third`,
    },
  );
  assert.equal(applies, 0);
});

test("a hook with checkOnStart: false is not checked at start-up, and is on every reload", async () => {
  await using temp = await tempDir();
  const configPath = join(temp.dir, "config.yaml");
  await writeFile(configPath, 'greeting: ""\n');
  const calls: { old: unknown; next: unknown; changed: boolean }[] = [];
  const coordinator = await Coordinator.create({
    configPath,
    hooks: [{ ...greeter(calls), checkOnStart: false }],
  });
  assert.equal(calls.length, 0);
  assert.equal(coordinator.config.load().greeting, "");
  const result = await coordinator.reload();
  assert.equal(result.status, "validation_failed");
  assert.equal(calls.length, 1);
  await coordinator.shutdown();
});

test("Coordinator.create() refuses a malformed hook before it reads the config", async () => {
  await assert.rejects(
    Coordinator.create({
      configPath: "/nonexistent/config.yaml",
      hooks: [{ name: "broken" } as unknown as Hook<ConfigObject>],
    }),
    {
      name: "TypeError",
      message:
        'Cannot create the coordinator as hook "broken" has no check function: deps.hooks[0].check',
    },
  );
});
