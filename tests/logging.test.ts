import { test } from "node:test";
import assert from "node:assert/strict";
import { AtomicConfig, Coordinator, HookStatus } from "hup-reload";
import { captureLogs } from "./_helpers.ts";

const SECRET = "hunter2-db-password";

test("Coordinator logs each pass, each failing hook and each requires-restart field, never a config value", async () => {
  await using logs = await captureLogs();
  const { records } = logs;
  {
    let round = 0;
    const c = new Coordinator<{ db: { password: string }; listen: string }>({
      configPath: "/etc/app/config.yaml",
      config: new AtomicConfig({ db: { password: "old" }, listen: ":1" }),
      load: () => {
        round++;
        if (round === 3) {
          throw new Error(
            "Cannot load config as the file does not exist: /etc/app/config.yaml",
          );
        }
        return { db: { password: SECRET }, listen: ":2" };
      },
      nonReloadable: ["listen", "db.password"],
      hooks: [{
        name: "db",
        check() {
          if (round === 2) {
            throw new Error("Cannot reconnect: db.password rejected");
          }
        },
        apply() {
          throw new Error("Cannot reconnect to the database: db.host");
        },
      }, { name: "ok", check() {}, apply: () => HookStatus.Applied }],
    });
    await c.reload(); // partial_applied
    await c.reload(); // validation_failed
    await c.reload(); // load_failed
    const messages = records.map((r) =>
      r.message.map((part) => String(part)).join("")
    );
    const text = JSON.stringify(records.map((r) => [r.message, r.properties]));
    assert.ok(!text.includes(SECRET), "no config value in any record");
    assert.ok(
      records.every((r) => r.category.join(".") === "hup-reload.coordinator"),
    );
    assert.equal(
      messages.filter((m) => m.startsWith("Reload pass started")).length,
      3,
    );
    assert.ok(
      messages.some((m) =>
        /Reload pass applied with failed hooks: generation 1/.test(m)
      ),
    );
    assert.ok(messages.some((m) => /Reload pass rejected by a check/.test(m)));
    assert.ok(
      messages.some((m) =>
        /Reload pass failed to load .*does not exist/.test(m)
      ),
    );
    assert.ok(
      messages.some((m) =>
        /Hook db failed: Cannot reconnect to the database: db\.host/.test(m)
      ),
    );
    assert.ok(
      messages.some((m) =>
        /Field listen changed but takes effect only after a restart/.test(m)
      ),
    );
    assert.ok(messages.some((m) => /Field db\.password changed/.test(m)));
    const failed = records.find((r) => r.properties.hook === "db");
    assert.equal(failed?.level, "error");
    assert.equal(failed?.properties.status, "partial_applied");
  }
});

test("Coordinator logs a load error of several problems as its first line and the list of problems", async () => {
  await using logs = await captureLogs();
  const coordinator = new Coordinator({
    configPath: "/etc/app/config.yaml",
    config: new AtomicConfig({}),
    load: () => {
      throw new Error(
        "Cannot load config as environment variables cannot be expanded:\n  /etc/app/config.yaml line 1, column 4: the environment variable A is not set\n  /etc/app/config.yaml line 2, column 4: the environment variable B is not set",
      );
    },
  });
  await coordinator.reload();
  const failed = logs.records.find((r) =>
    String(r.message[0]).startsWith("Reload pass failed to load")
  );
  assert.equal(
    failed?.properties.error,
    "Cannot load config as environment variables cannot be expanded:",
  );
  assert.deepEqual(failed?.properties.problems, [
    "/etc/app/config.yaml line 1, column 4: the environment variable A is not set",
    "/etc/app/config.yaml line 2, column 4: the environment variable B is not set",
  ]);
});
