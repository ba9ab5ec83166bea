// The Prometheus metrics, read back by a parser of the text format
// (parse-prometheus-text-format, a port of the official Python client's
// parser) and held to the format's rules on top: names, labels, values,
// HELP and TYPE before the samples, one series per label set.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AtomicConfig, Coordinator, type Hook, HookStatus } from "hup-reload";
import { metricsText, reloadHandler } from "hup-reload/http";
// @ts-ignore: the package ships no type declarations
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { MAX_LABEL_VALUE, renderMetrics } from "../src/metrics.ts";

/** A family as the parser gives it. */
interface Family {
  name: string;
  help: string;
  type: string;
  metrics: { value: string; labels?: Record<string, string> }[];
}

const parser = parsePrometheusTextFormat as (text: string) => Family[];

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
// A Go ParseFloat number, as Prometheus reads sample values.
const VALUE = /^(?:[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|NaN|[+-]Inf)$/;

/**
 * Parses an exposition and checks what the parser lets through: the text
 * ends with a newline; every line is a HELP, a TYPE or a sample; each family
 * has one HELP and one TYPE (counter or gauge), before its samples, and all
 * its samples together; names, label names and values are valid; counters
 * end in _total; no series appears twice.
 */
function parse(text: string): Map<string, Family> {
  assert.ok(text.endsWith("\n"), "ends with a newline");
  const lines = text.slice(0, -1).split("\n");
  const seen: string[] = [];
  const described = new Map<string, Set<string>>();
  let samples = 0;
  for (const line of lines) {
    const meta = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line);
    if (meta !== null) {
      const [, kind, name] = meta;
      assert.match(name, METRIC_NAME, line);
      assert.ok(!seen.includes(name), `${kind} after samples: ${line}`);
      const kinds = described.get(name) ?? new Set();
      assert.ok(!kinds.has(kind), `a second ${kind}: ${line}`);
      described.set(name, kinds.add(kind));
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^]*\})? (\S+)$/.exec(line);
    assert.ok(sample !== null, `not a HELP, TYPE or sample line: ${line}`);
    const [, name, , value] = sample;
    assert.equal(described.get(name)?.size, 2, `HELP and TYPE first: ${name}`);
    if (seen.at(-1) !== name) {
      assert.ok(!seen.includes(name), `samples of ${name} not together`);
      seen.push(name);
    }
    assert.match(value, VALUE, line);
    samples++;
  }
  const families = new Map<string, Family>();
  for (const family of parser(text)) {
    assert.ok(!families.has(family.name), `${family.name} twice`);
    families.set(family.name, family);
    assert.match(family.name, METRIC_NAME);
    assert.ok(family.help.length > 0, `${family.name} has a HELP`);
    assert.ok(
      family.type === "COUNTER" || family.type === "GAUGE",
      `${family.name} is ${family.type}`,
    );
    if (family.type === "COUNTER") assert.match(family.name, /_total$/);
    for (const { value, labels = {} } of family.metrics) {
      assert.match(value, VALUE, family.name);
      for (const label of Object.keys(labels)) {
        assert.match(label, LABEL_NAME, family.name);
        assert.ok(!label.startsWith("__"), label);
      }
    }
  }
  assert.deepEqual([...families.keys()].sort(), [...described.keys()].sort());
  // The parser merges a sample into the one before when their labels are
  // equal: as many samples as sample lines means no series twice.
  const parsed = [...families.values()].reduce(
    (n, f) => n + f.metrics.length,
    0,
  );
  assert.equal(parsed, samples, "one sample per series");
  return families;
}

/** The value of the one sample of `name` with exactly `labels`. */
function value(
  families: Map<string, Family>,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const found = families.get(name)?.metrics.filter((m) =>
    JSON.stringify(Object.entries(m.labels ?? {}).sort()) ===
      JSON.stringify(Object.entries(labels).sort())
  );
  assert.ok((found?.length ?? 0) <= 1);
  return found?.[0] === undefined ? undefined : Number(found[0].value);
}

const sha256 = (text: string) =>
  `sha256:${createHash("sha256").update(text).digest("hex")}`;

/** A config file in a directory of its own, removed on dispose. */
async function configFile(text: string) {
  const dir = await mkdtemp(join(tmpdir(), "hup-metrics-"));
  const path = join(dir, "config.yaml");
  await writeFile(path, text);
  return {
    path,
    write: (next: string) => writeFile(path, next),
    [Symbol.asyncDispose]: () => rm(dir, { recursive: true, force: true }),
  };
}

/** Hooks whose names are the nasty ones, each failing its apply. */
const failing = (names: string[]): Hook<object>[] =>
  names.map((name) => ({
    name,
    check() {},
    apply() {
      throw new Error("x");
    },
  }));

const ALL_FAMILIES = [
  "hup_reload_config_info",
  "hup_reload_config_last_reload_successful",
  "hup_reload_dry_runs_total",
  "hup_reload_generation",
  "hup_reload_hook_failures_total",
  "hup_reload_last_duration_seconds",
  "hup_reload_last_success_timestamp_seconds",
  "hup_reload_pass_in_progress",
  "hup_reload_passes_total",
  "hup_reload_requires_restart",
  "hup_reload_running_from_last_good",
  "hup_reload_source_checked_timestamp_seconds",
  "hup_reload_source_in_sync",
  "hup_reload_source_info",
  "hup_reload_start_time_seconds",
];

describe("metricsText()", () => {
  test("metricsText() of a coordinator made by Coordinator.create() counts the start-up load as a success", async () => {
    await using file = await configFile("greeting: hello\n");
    const startup = new Date("2026-11-27T03:29:00.000Z");
    const coordinator = await Coordinator.create({
      configPath: file.path,
      now: () => startup,
    });
    const families = parse(metricsText(coordinator));
    assert.deepEqual([...families.keys()].sort(), ALL_FAMILIES);
    assert.equal(value(families, "hup_reload_generation"), 0);
    assert.equal(
      value(families, "hup_reload_last_success_timestamp_seconds"),
      startup.getTime() / 1000,
    );
    assert.equal(
      value(families, "hup_reload_config_last_reload_successful"),
      1,
    );
    // The start-up load read the sources: in sync, as of then.
    assert.equal(value(families, "hup_reload_source_in_sync"), 1);
    assert.equal(
      value(families, "hup_reload_source_checked_timestamp_seconds"),
      startup.getTime() / 1000,
    );
    assert.equal(
      value(families, "hup_reload_config_info", {
        digest: sha256("greeting: hello\n"),
      }),
      1,
    );
    for (
      const status of [
        "full_success",
        "partial_applied",
        "validation_failed",
        "load_failed",
      ]
    ) {
      assert.equal(value(families, "hup_reload_passes_total", { status }), 0);
    }
    assert.equal(
      families.get("hup_reload_hook_failures_total")?.metrics.length,
      0,
    );
  });

  test("metricsText() of a coordinator around a holder filled elsewhere has no success time and an info series without digest", () => {
    const coordinator = new Coordinator({
      configPath: "c.yaml",
      config: new AtomicConfig({}),
      load: () => ({}),
    });
    const families = parse(metricsText(coordinator));
    assert.equal(
      value(families, "hup_reload_last_success_timestamp_seconds"),
      0,
    );
    assert.deepEqual(families.get("hup_reload_config_info")?.metrics, [
      { value: "1" },
    ]);
  });

  test("metricsText() info metric shows the digest of the config in effect: it follows swaps, not failed passes", async () => {
    const files = {
      a: "level: info\n",
      b: "level: debug\n",
      rejected: "level: loud\n",
      broken: "level: [\n",
      partial: "level: warning\n",
    };
    await using file = await configFile(files.a);
    const times = [
      "2026-11-27T03:29:00.000Z",
      "2026-11-27T03:30:00.000Z",
      "2026-11-27T03:30:00.005Z",
    ];
    let tick = 0;
    const coordinator = await Coordinator.create({
      configPath: file.path,
      now: () => new Date(times[Math.min(tick++, times.length - 1)]),
      hooks: [{
        name: "level",
        check(_old, next) {
          if (next.level === "loud") throw new Error("Cannot set the level");
        },
        apply(_ctx, _old, next) {
          if (next.level === "warning") throw new Error("Cannot apply");
          return HookStatus.Applied;
        },
      }],
    });
    const info = () =>
      parse(metricsText(coordinator)).get("hup_reload_config_info")!.metrics;
    assert.deepEqual(info(), [{
      value: "1",
      labels: { digest: sha256(files.a) },
    }]);

    await file.write(files.b);
    assert.equal((await coordinator.reload()).status, "full_success");
    let families = parse(metricsText(coordinator));
    assert.deepEqual(info(), [{
      value: "1",
      labels: { digest: sha256(files.b) },
    }]);
    assert.equal(
      value(families, "hup_reload_last_success_timestamp_seconds"),
      Date.parse(times[2]) / 1000,
    );
    assert.equal(value(families, "hup_reload_last_duration_seconds"), 0.005);

    for (
      const [text, status] of [
        [files.rejected, "validation_failed"],
        [files.broken, "load_failed"],
      ]
    ) {
      await file.write(text);
      assert.equal((await coordinator.reload()).status, status);
      families = parse(metricsText(coordinator));
      // Still the config in effect, one series.
      assert.deepEqual(info(), [
        { value: "1", labels: { digest: sha256(files.b) } },
      ]);
      assert.equal(
        value(families, "hup_reload_config_last_reload_successful"),
        0,
      );
      assert.equal(value(families, "hup_reload_passes_total", { status }), 1);
      assert.equal(
        value(families, "hup_reload_last_success_timestamp_seconds"),
        Date.parse(times[2]) / 1000,
        "a failed pass is not a success",
      );
    }

    await file.write(files.partial);
    assert.equal((await coordinator.reload()).status, "partial_applied");
    families = parse(metricsText(coordinator));
    assert.deepEqual(info(), [
      { value: "1", labels: { digest: sha256(files.partial) } },
    ]);
    assert.equal(value(families, "hup_reload_generation"), 2);
    assert.equal(
      value(families, "hup_reload_hook_failures_total", { hook: "level" }),
      2,
    );
  });

  test("metricsText() keeps hup_reload_requires_restart through a load_failed pass: the restart is still owed", async () => {
    await using file = await configFile("server: {port: 8080}\nlevel: info\n");
    const coordinator = await Coordinator.create({
      configPath: file.path,
      nonReloadable: ["server.port"],
    });
    const owed = () => ({
      gauge: value(
        parse(metricsText(coordinator)),
        "hup_reload_requires_restart",
      ),
      fields: coordinator.stats().requires_restart,
    });
    assert.deepEqual(owed(), { gauge: 0, fields: [] });

    await file.write("server: {port: 9090}\nlevel: info\n");
    assert.equal((await coordinator.reload()).status, "full_success");
    assert.deepEqual(owed(), { gauge: 1, fields: ["server.port"] });

    // A file that does not load, once or many times (past the history),
    // changes nothing: the port in effect still differs from the one bound.
    await file.write("server: [\n");
    for (let i = 0; i < 40; i++) {
      assert.equal((await coordinator.reload()).status, "load_failed");
    }
    assert.deepEqual(owed(), { gauge: 1, fields: ["server.port"] });

    // The port back as it started: nothing is owed.
    await file.write("server: {port: 8080}\nlevel: debug\n");
    assert.equal((await coordinator.reload()).status, "full_success");
    assert.deepEqual(owed(), { gauge: 0, fields: [] });
    await coordinator.shutdown();
  });

  test("metricsText() gives count by (digest) one series per instance, so a fleet's convergence shows", async () => {
    const old = "version: 1\n";
    const next = "version: 2\n";
    const files = await Promise.all([0, 1, 2, 3].map(() => configFile(old)));
    try {
      const fleet = await Promise.all(
        files.map((f) => Coordinator.create({ configPath: f.path })),
      );
      // count by (digest) (hup_reload_config_info) over the fleet's scrapes.
      const countByDigest = () => {
        const counts: Record<string, number> = {};
        for (const instance of fleet) {
          const series = parse(metricsText(instance))
            .get("hup_reload_config_info")!.metrics;
          assert.equal(series.length, 1, "one series per instance");
          const digest = series[0].labels!.digest;
          counts[digest] = (counts[digest] ?? 0) + Number(series[0].value);
        }
        return counts;
      };
      assert.deepEqual(countByDigest(), { [sha256(old)]: 4 });
      for (const [i, instance] of fleet.entries()) {
        await files[i].write(next);
        if (i < 2) await instance.reload();
        else await instance.reload({ trigger: "signal" });
        const expected: Record<string, number> = { [sha256(next)]: i + 1 };
        if (i < 3) expected[sha256(old)] = 3 - i;
        assert.deepEqual(countByDigest(), expected);
      }
    } finally {
      for (const f of files) await f[Symbol.asyncDispose]();
    }
  });

  test("metricsText() gives the start time, so a restarted instance's generation 0 is not taken for one behind", async () => {
    await using file = await configFile("greeting: hello\n");
    const startup = new Date("2026-11-27T03:29:00.000Z");
    const later = new Date("2026-11-27T04:00:00.000Z");
    let now = startup;
    const coordinator = await Coordinator.create({
      configPath: file.path,
      now: () => now,
    });
    const start = () =>
      value(parse(metricsText(coordinator)), "hup_reload_start_time_seconds");
    assert.equal(start(), startup.getTime() / 1000);
    now = later;
    await file.write("greeting: hi\n");
    assert.equal((await coordinator.reload()).status, "full_success");
    assert.equal(start(), startup.getTime() / 1000, "a pass is no restart");

    // Built around a holder: the runtime's clock, as the constructor ran.
    const before = Date.now() / 1000;
    const built = new Coordinator({
      configPath: "c.yaml",
      config: new AtomicConfig({}),
      load: () => ({}),
      now: () => later,
    });
    const builtAt = value(
      parse(metricsText(built)),
      "hup_reload_start_time_seconds",
    )!;
    assert.ok(builtAt >= before && builtAt <= Date.now() / 1000, `${builtAt}`);
  });

  test("metricsText() source info shows what the sources hold: the config in effect, a refused edit, an unreadable file", async () => {
    const files = {
      a: "level: info\n",
      refused: "level: loud\n",
      broken: "level: [\n",
      b: "level: debug\n",
    };
    await using file = await configFile(files.a);
    const coordinator = await Coordinator.create({
      configPath: file.path,
      hooks: [{
        name: "level",
        check(_old, next) {
          if (next.level === "loud") throw new Error("Cannot set the level");
        },
        apply: () => HookStatus.Applied,
      }],
    });
    const info = () => {
      const families = parse(metricsText(coordinator));
      const labels = (name: string) =>
        families.get(name)!.metrics.map((m) => {
          assert.equal(m.value, "1");
          return m.labels?.digest ?? null;
        });
      return {
        config: labels("hup_reload_config_info"),
        source: labels("hup_reload_source_info"),
        inSync: value(families, "hup_reload_source_in_sync"),
      };
    };
    assert.deepEqual(info(), {
      config: [sha256(files.a)],
      source: [sha256(files.a)],
      inSync: 1,
    });

    // A refused edit and a file that does not load: the pass read them, so
    // the sources' digest is theirs at once, and the config stays.
    for (const text of [files.refused, files.broken]) {
      await file.write(text);
      assert.notEqual((await coordinator.reload()).status, "full_success");
      assert.deepEqual(info(), {
        config: [sha256(files.a)],
        source: [sha256(text)],
        inSync: 0,
      });
    }

    // A source that cannot be read holds nothing known: no label.
    await rm(file.path);
    assert.equal((await coordinator.verify()).in_sync, false);
    assert.deepEqual(info(), {
      config: [sha256(files.a)],
      source: [null],
      inSync: 0,
    });

    await file.write(files.b);
    assert.equal((await coordinator.reload()).status, "full_success");
    assert.deepEqual(info(), {
      config: [sha256(files.b)],
      source: [sha256(files.b)],
      inSync: 1,
    });
  });

  test("metricsText() source info has no label where the config info has none: a custom load, a holder filled elsewhere", async () => {
    const coordinator = new Coordinator({
      configPath: "c.yaml",
      config: new AtomicConfig({}),
      load: () => ({}),
    });
    for (let pass = 0; pass < 2; pass++) {
      const families = parse(metricsText(coordinator));
      for (const name of ["hup_reload_config_info", "hup_reload_source_info"]) {
        assert.deepEqual(families.get(name)?.metrics, [{ value: "1" }], name);
      }
      await coordinator.reload();
    }
  });

  test("metricsText() tells a fleet that refused a change from one instance that is behind", async () => {
    const old = "version: 1\n";
    const next = "version: 2\n";
    const files = await Promise.all([0, 1, 2, 3].map(() => configFile(old)));
    try {
      let refusing = new Set<number>();
      const fleet = await Promise.all(
        files.map((f, i) =>
          Coordinator.create({
            configPath: f.path,
            hooks: [{
              name: "admission",
              check() {
                if (refusing.has(i)) throw new Error("Cannot admit it");
              },
              apply: () => HookStatus.Applied,
            }],
          })
        ),
      );
      // count by (digest) of a family over the fleet's scrapes.
      const countByDigest = (name: string) => {
        const counts: Record<string, number> = {};
        for (const instance of fleet) {
          const [series] = parse(metricsText(instance)).get(name)!.metrics;
          const digest = series.labels?.digest ?? "";
          counts[digest] = (counts[digest] ?? 0) + Number(series.value);
        }
        return counts;
      };
      const update = async () => {
        for (const [i, instance] of fleet.entries()) {
          await files[i].write(next);
          await instance.reload();
        }
      };

      // All refuse: one config in effect, as when converged, but the
      // sources say otherwise.
      refusing = new Set([0, 1, 2, 3]);
      await update();
      assert.deepEqual(countByDigest("hup_reload_config_info"), {
        [sha256(old)]: 4,
      });
      assert.deepEqual(countByDigest("hup_reload_source_info"), {
        [sha256(next)]: 4,
      });

      // One refuses: it is behind the others, which run what it was given.
      refusing = new Set([2]);
      await update();
      assert.deepEqual(countByDigest("hup_reload_config_info"), {
        [sha256(next)]: 3,
        [sha256(old)]: 1,
      });
      assert.deepEqual(countByDigest("hup_reload_source_info"), {
        [sha256(next)]: 4,
      });
    } finally {
      for (const f of files) await f[Symbol.asyncDispose]();
    }
  });

  test("metricsText() keeps the exposition valid whatever the hook names hold", async () => {
    const long = "x".repeat(10_000);
    const names = [
      'we"ird\\name\n',
      "\\",
      "\\n",
      '"',
      "a\r\nb",
      "}",
      '{x="y"} 1\nfake_metric 2\n# TYPE fake_metric counter',
      "# HELP hup_reload_generation forged",
      "\u2028\u2029\t\u0000\u007f",
      "é😀",
      "\ud800lone",
      "lone\udc00",
      long,
      `${long}y`,
      `${long}\n"\\`,
      " ",
    ];
    const coordinator = new Coordinator({
      configPath: "c.yaml",
      config: new AtomicConfig({}),
      load: () => ({}),
      hooks: failing(names),
    });
    await coordinator.reload();
    await coordinator.reload();
    const text = metricsText(coordinator);
    const families = parse(text);
    assert.ok(!families.has("fake_metric"));
    const series = families.get("hup_reload_hook_failures_total")!.metrics;
    assert.equal(series.length, names.length, "one series per hook");
    const shown = new Map(series.map((s) => [s.labels!.hook, Number(s.value)]));
    for (const name of names) {
      const wellFormed = name.replace("\ud800", "\ufffd").replace(
        "\udc00",
        "\ufffd",
      );
      if (wellFormed.length <= MAX_LABEL_VALUE) {
        // Round-trips through the parser exactly.
        assert.equal(shown.get(wellFormed), 2, JSON.stringify(name));
      } else {
        const cut = [...shown.keys()].filter((label) =>
          label.length === MAX_LABEL_VALUE &&
          wellFormed.startsWith(label.slice(0, label.indexOf("…")))
        );
        assert.ok(cut.length >= 1, JSON.stringify(name.slice(0, 20)));
      }
    }
    // The three long names start alike and stay three series.
    const longLabels = [...shown.keys()].filter((l) => l.startsWith("xxx"));
    assert.equal(longLabels.length, 3);
    for (const label of longLabels) {
      assert.match(label, /^x+…[0-9a-f]{16}$/);
      assert.equal(shown.get(label), 2);
    }
    // Bounded: no line longer than a cut label, escaped, and its name.
    for (const line of text.split("\n")) {
      assert.ok(line.length <= 2 * MAX_LABEL_VALUE + 200, line.slice(0, 80));
    }
    // Served the same by the handler, as UTF-8 a parser can read.
    const response = await reloadHandler(coordinator)(
      new Request("http://localhost/-/reload/metrics"),
    );
    const bytes = new Uint8Array(await response.arrayBuffer());
    const decoded = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    assert.equal(decoded, text);
  });

  test("renderMetrics() adds up series whose labels come out the same, and spells every value Prometheus reads", () => {
    const long = "z".repeat(MAX_LABEL_VALUE * 2);
    const text = renderMetrics({
      generation: 1,
      digest: "sha256:0",
      stats: {
        passes: {
          full_success: 1,
          partial_applied: 0,
          validation_failed: 0,
          load_failed: 0,
        },
        dry_runs: { would_apply: 0, validation_failed: 0, load_failed: 0 },
        // Two keys that render as one label value: a lone surrogate and
        // the replacement character it becomes.
        hook_failures: Object.fromEntries([
          ["a\ud800", 2],
          ["a\ufffd", 3],
          [long, 1],
        ]),
        last_success_at: "not a time",
        last_duration_ms: Infinity,
        requires_restart: ["a", "b"],
      },
      lastStatus: "partial_applied",
      requiresRestart: 2,
    });
    const families = parse(text);
    assert.equal(
      value(families, "hup_reload_hook_failures_total", { hook: "a\ufffd" }),
      5,
    );
    assert.ok(text.includes("hup_reload_last_success_timestamp_seconds NaN\n"));
    assert.ok(text.includes("hup_reload_last_duration_seconds +Inf\n"));
    assert.equal(value(families, "hup_reload_requires_restart"), 2);
  });
});
