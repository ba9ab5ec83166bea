import { test } from "node:test";
import assert from "node:assert/strict";
import {
  configure,
  getAnsiColorFormatter,
  getJsonLinesFormatter,
  getLogfmtFormatter,
  getTextFormatter,
  type LogRecord,
  reset,
} from "@logtape/logtape";
import {
  AtomicConfig,
  Coordinator,
  HookStatus,
  type ReloadResult,
} from "hup-reload";
import { nextReload } from "hup-reload/testing";
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

// A line a log reader would take for a record of its own.
const FORGED =
  "2026-01-01 00:00:00.000 +00:00 [INF] hup-reload·coordinator: all good";
// Every way a name could end a line: LF, CR LF, CR, NEL, LS, PS, and an
// escape sequence that could move the cursor.
const BREAKS = ["\n", "\r\n", "\r", "\u0085", "\u2028", "\u2029", "\u001b[1G"];
const LINE_BREAK = /\r\n|[\n\r\u0085\u2028\u2029]/;
const LONE_SURROGATE =
  /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

test("Coordinator logs hook and trigger names with control characters escaped, so no name starts a forged line in any formatter", async () => {
  await using logs = await captureLogs();
  for (const brk of BREAKS) {
    logs.records.length = 0;
    const coordinator = new Coordinator({
      configPath: "/etc/app/config.yaml",
      config: new AtomicConfig({}),
      load: () => ({}),
      hooks: [{
        name: `db${brk}${FORGED}`,
        check() {},
        apply() {
          throw new Error("Cannot reconnect");
        },
      }],
      triggers: [{
        name: `broken${brk}${FORGED}`,
        start() {
          throw new Error("Cannot watch");
        },
      }],
    });
    coordinator.watch();
    try {
      const result = await coordinator.reload({
        trigger: `deploy${brk}${FORGED}`,
      });
      // The result keeps the names as given (JSON escapes them itself).
      assert.equal(result.trigger, `deploy${brk}${FORGED}`.slice(0, 64));
      assert.equal(result.outcomes[0].name, `db${brk}${FORGED}`);
    } finally {
      await coordinator.shutdown();
    }
    const formatters: [string, (record: LogRecord) => string][] = [
      ["text", getTextFormatter()],
      [
        "text, bare values, no sanitizing",
        getTextFormatter({
          value: "bare",
          sanitize: false,
        }),
      ],
      ["ANSI colour", getAnsiColorFormatter()],
      ["logfmt", getLogfmtFormatter()],
      ["JSON Lines", getJsonLinesFormatter()],
      // A sink that joins the message as is, as a hand-written one might.
      ["raw", (r) => `${r.message.map((part) => String(part)).join("")}\n`],
    ];
    const named = logs.records.filter((r) =>
      r.properties.hook !== undefined || r.properties.trigger !== undefined
    );
    assert.ok(named.length >= 3, "a hook, a trigger and a pass are logged");
    for (const record of named) {
      for (const [kind, format] of formatters) {
        const text = format(record);
        const lines = text.replace(/\n$/, "").split(LINE_BREAK);
        assert.equal(lines.length, 1, `${kind}: ${JSON.stringify(text)}`);
        assert.ok(!text.includes("\u001b[1G"), `${kind}: ${text}`);
      }
    }
    const escaped = (name: string) =>
      name.replace(
        // deno-lint-ignore no-control-regex
        /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g,
        (c) => `\\u{${c.charCodeAt(0).toString(16)}}`,
      );
    const hook = logs.records.find((r) => r.properties.hook !== undefined);
    assert.equal(hook?.properties.hook, escaped(`db${brk}${FORGED}`));
    const started = logs.records.find((r) =>
      String(r.message[0]).startsWith("Cannot start the ")
    );
    assert.equal(
      started?.properties.trigger,
      escaped(`broken${brk}${FORGED}`.slice(0, 64)),
    );
    const pass = logs.records.find((r) =>
      String(r.message[0]).startsWith("Reload pass started")
    );
    const deploy = escaped(`deploy${brk}${FORGED}`.slice(0, 64));
    assert.equal(pass?.properties.trigger, deploy);
    assert.deepEqual(pass?.properties.requests, { [deploy]: 1 });
    const ended = logs.records.find((r) =>
      String(r.message[0]).startsWith("Reload pass applied")
    );
    assert.equal(ended?.properties.trigger, deploy);
  }
});

test("Coordinator cuts trigger names at 64 code units, never inside a surrogate pair, in results and logs", async () => {
  await using logs = await captureLogs();
  const names: [string, string][] = [
    // An emoji across the cut is dropped whole.
    ["a".repeat(63) + "😀tail", "a".repeat(63)],
    // One that ends at the cut is kept whole.
    ["a".repeat(62) + "😀tail", "a".repeat(62) + "😀"],
    ["😀".repeat(40), "😀".repeat(32)],
    ["b".repeat(63) + "😀", "b".repeat(63)],
  ];
  for (const [name, cut] of names) {
    logs.records.length = 0;
    const coordinator = new Coordinator({
      configPath: "/etc/app/config.yaml",
      config: new AtomicConfig({}),
      load: () => ({}),
      triggers: [{
        name,
        start(context) {
          void context.reload();
          return () => {};
        },
      }, {
        name,
        start() {
          throw new Error("Cannot watch");
        },
      }],
    });
    const ran: Promise<ReloadResult> = nextReload(coordinator);
    coordinator.watch();
    try {
      const result = await ran;
      assert.equal(result.trigger, cut, name);
      assert.ok(!LONE_SURROGATE.test(result.trigger), result.trigger);
      const called = await coordinator.reload({ trigger: name });
      assert.equal(called.trigger, cut);
    } finally {
      await coordinator.shutdown();
    }
    for (const record of logs.records) {
      const text = JSON.stringify(record.properties);
      assert.ok(!/\\ud[89ab][0-9a-f]{2}(?!\\ud[c-f])/i.test(text), text);
      if (record.properties.trigger !== undefined) {
        assert.equal(record.properties.trigger, cut);
      }
    }
  }
});

test("Coordinator names a hook without check or apply cut at 64, escaped, never inside a surrogate pair", () => {
  for (
    const [name, shown] of [
      ["h".repeat(63) + "😀x", "h".repeat(63)],
      ["h".repeat(62) + "😀x", "h".repeat(62) + "😀"],
      [`db\n${FORGED}`, `db\\u{a}${FORGED.slice(0, 61)}`],
    ]
  ) {
    assert.throws(
      () =>
        new Coordinator({
          configPath: "/etc/app/config.yaml",
          config: new AtomicConfig({}),
          load: () => ({}),
          hooks: [{ name, apply: () => HookStatus.Applied } as never],
        }),
      (error: Error) => {
        assert.ok(!LONE_SURROGATE.test(error.message), error.message);
        assert.ok(!LINE_BREAK.test(error.message), error.message);
        assert.ok(
          error.message.startsWith(
            `Cannot create the coordinator as hook "${shown}" has no check function`,
          ),
          error.message,
        );
        return true;
      },
    );
  }
});

test("Coordinator logs the counts of a pass that answered several triggers by their escaped names", async () => {
  await using logs = await captureLogs();
  let release = () => {};
  const hold = new Promise<void>((resolve) => release = resolve);
  const coordinator = new Coordinator({
    configPath: "/etc/app/config.yaml",
    config: new AtomicConfig({}),
    load: () => ({}),
    hooks: [{
      name: "slow",
      check() {},
      async apply() {
        await hold;
        return HookStatus.Applied;
      },
    }],
  });
  const first = coordinator.reload({ trigger: "first" });
  // Asked while the first pass runs: one pass after it answers both.
  const second = coordinator.reload({ trigger: `a\n${FORGED}` });
  const third = coordinator.reload({ trigger: `b\r${FORGED}` });
  release();
  await first;
  const result = await second;
  assert.equal(await third, result);
  assert.deepEqual(Object.keys(result.triggers ?? {}), [
    `a\n${FORGED}`.slice(0, 64),
    `b\r${FORGED}`.slice(0, 64),
  ]);
  const ended =
    logs.records.filter((r) =>
      String(r.message[0]).startsWith("Reload pass succeeded")
    )[1];
  assert.deepEqual(ended?.properties.triggers, {
    [`a\\u{a}${FORGED.slice(0, 62)}`]: 1,
    [`b\\u{d}${FORGED.slice(0, 62)}`]: 1,
  });
  const started =
    logs.records.filter((r) =>
      String(r.message[0]).startsWith("Reload pass started")
    )[1];
  assert.deepEqual(started?.properties.requests, ended?.properties.triggers);
  for (const record of logs.records) {
    assert.ok(!LINE_BREAK.test(JSON.stringify(record.properties)));
    assert.ok(
      !LINE_BREAK.test(getTextFormatter()(record).replace(/\n$/, "")),
    );
  }
});

test("a sink that takes only warnings still gets a pass's restart warnings, and no info record", async () => {
  const records: LogRecord[] = [];
  await configure({
    reset: true,
    sinks: { memory: (record) => void records.push(record) },
    loggers: [
      { category: ["hup-reload"], sinks: ["memory"], lowestLevel: "warning" },
      { category: ["logtape", "meta"], sinks: [], lowestLevel: "error" },
    ],
  });
  try {
    let port = 8080;
    const coordinator = new Coordinator({
      configPath: "c.yaml",
      config: new AtomicConfig({ port: 8080, level: "info" }),
      load: () => ({ port: ++port, level: "info" }),
      nonReloadable: ["port"],
      hooks: [],
    });
    const result = await coordinator.reload();
    assert.equal(result.status, "full_success");
    assert.deepEqual(result.requires_restart, ["port"]);
    assert.deepEqual(
      records.map((r) => [r.level, r.rawMessage]),
      [[
        "warning",
        "Field {field} changed but takes effect only after a restart",
      ]],
    );
  } finally {
    await reset();
  }
});
