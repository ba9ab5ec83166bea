// Layered files: a base and overrides, merged mapping by mapping on every
// pass, with sequences and scalars replaced; optional layers; errors that
// name their layer; a digest of every layer; every layer watched.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import {
  AtomicConfig,
  Coordinator,
  fileSource,
  loadConfig,
  LoadError,
} from "hup-reload";
import { ManualSignals, nextReload } from "hup-reload/testing";
import { fileChanges } from "hup-reload/watch";
import { runCli } from "../src/cli/main.ts";
import type { CliIo } from "../src/cli/io.ts";
import { envOf } from "./_helpers.ts";

const sha256 = (text: string) =>
  `sha256:${createHash("sha256").update(text).digest("hex")}`;

/** A temp directory with files, removed when disposed. */
async function files(contents: Record<string, string>) {
  const dir = await mkdtemp(join(tmpdir(), "hup-layers-"));
  const at = (name: string) => join(dir, name);
  for (const [name, text] of Object.entries(contents)) {
    await writeFile(at(name), text);
  }
  return {
    dir,
    at,
    write: (name: string, text: string) => writeFile(at(name), text),
    [Symbol.asyncDispose]: () => rm(dir, { recursive: true, force: true }),
  };
}

const plain = (value: unknown) => JSON.parse(JSON.stringify(value));

const BASE = [
  "server:",
  "  port: 8080",
  "  hosts: [a, b, c]",
  "  tls: { cert: base.pem, key: base.key }",
  "log: { level: info, format: text }",
  "features: { x: true }",
  "",
].join("\n");

describe("layered config files", () => {
  test("loadConfig() merges layers mapping by mapping, later ones over earlier, and replaces sequences and scalars", async () => {
    await using dir = await files({
      "base.yaml": BASE,
      "production.json": JSON.stringify({
        server: { hosts: ["z"], tls: { cert: "prod.pem" } },
        log: { level: "warning" },
        features: null,
      }),
      "local.toml": '[server]\nport = 9090\n[extra]\nnew = "yes"\n',
    });
    const config = await loadConfig([
      dir.at("base.yaml"),
      dir.at("production.json"),
      { path: dir.at("local.toml") },
    ]);
    assert.deepEqual(plain(config), {
      server: {
        port: 9090,
        hosts: ["z"],
        tls: { cert: "prod.pem", key: "base.key" },
      },
      log: { level: "warning", format: "text" },
      features: null,
      extra: { new: "yes" },
    });
    // Keys keep the order of their first layer; the merged config is frozen.
    assert.deepEqual(Object.keys(config), [
      "server",
      "log",
      "features",
      "extra",
    ]);
    assert.ok(Object.isFrozen((config.server as { tls: object }).tls));
  });

  test("loadConfig() leaves out an optional layer that is missing, and fails on a required one, naming it", async () => {
    await using dir = await files({ "base.yaml": BASE });
    const config = await loadConfig([
      dir.at("base.yaml"),
      { path: dir.at("local.yaml"), optional: true },
    ]);
    assert.equal((config.server as { port: number }).port, 8080);
    await assert.rejects(
      loadConfig([dir.at("base.yaml"), dir.at("production.yaml")]),
      (error: unknown) => {
        assert.ok(error instanceof LoadError);
        assert.equal(error.path, dir.at("production.yaml"));
        assert.match(error.message, /production\.yaml.*|does not exist/);
        return true;
      },
    );
    // An optional layer that exists but is broken still fails.
    await dir.write("local.yaml", "a: [\n");
    await assert.rejects(
      loadConfig([
        dir.at("base.yaml"),
        { path: dir.at("local.yaml"), optional: true },
      ]),
      /not valid YAML: .*local\.yaml line 1, column 4: a flow sequence \(\[\) opened here is not closed/,
    );
  });

  test("a syntax error or an unset variable names the layer it is in, with its line and column", async () => {
    await using dir = await files({
      "base.yaml": "a: ${ONE}\nb: 1\n",
      "production.toml": 'c = "${TWO}"\n',
      "broken.json": '{"a": 1,\n "b": }',
    });
    await assert.rejects(
      loadConfig([dir.at("base.yaml"), dir.at("broken.json")]),
      (error: unknown) => {
        assert.ok(error instanceof LoadError);
        assert.equal(error.path, dir.at("broken.json"));
        assert.equal(error.line, 2);
        return true;
      },
    );
    // Every unset variable, in every layer, at once.
    await assert.rejects(
      loadConfig([dir.at("base.yaml"), dir.at("production.toml")], {
        env: envOf({}),
      }),
      (error: unknown) => {
        assert.ok(error instanceof LoadError);
        assert.equal(error.problems.length, 2, error.message);
        assert.match(
          error.problems[0],
          /base\.yaml line 1, column 4: the environment variable ONE is not set/,
        );
        assert.match(
          error.problems[1],
          /production\.toml line 1, column 6: the environment variable TWO is not set/,
        );
        return true;
      },
    );
  });

  test("a schema issue names the layer that sets the field, at its line", async () => {
    await using dir = await files({
      "base.yaml": "server:\n  port: 8080\n  mode: quiet\n",
      "production.yaml": "# production\nserver:\n  port: eighty\n",
    });
    const schema = z.strictObject({
      server: z.strictObject({ port: z.number(), mode: z.string() }),
      missing: z.string(),
    });
    await assert.rejects(
      loadConfig([dir.at("base.yaml"), dir.at("production.yaml")], { schema }),
      (error: unknown) => {
        assert.ok(error instanceof LoadError);
        assert.match(
          error.message,
          /production\.yaml line 3, column 3 field server\.port: /,
        );
        // A field no layer sets names every layer.
        assert.match(
          error.message,
          /base\.yaml \+ .*production\.yaml field missing: /,
        );
        assert.ok(!error.message.includes("eighty"));
        return true;
      },
    );
  });

  test("the digest is the file's SHA-256 for one file, and covers every layer, not their paths", async () => {
    await using one = await files({ "base.yaml": BASE, "prod.yaml": "a: 1\n" });
    await using two = await files({ "b.yaml": BASE, "p.yaml": "a: 1\n" });
    const digest = async (paths: string[]) =>
      (await Coordinator.create({ configPath: paths })).digest();
    assert.equal(await digest([one.at("base.yaml")]), sha256(BASE));
    const layered = await digest([one.at("base.yaml"), one.at("prod.yaml")]);
    assert.notEqual(layered, sha256(BASE));
    // The same content elsewhere: the same digest, as a fleet needs.
    assert.equal(await digest([two.at("b.yaml"), two.at("p.yaml")]), layered);
    // Either layer changed: another digest.
    await two.write("p.yaml", "a: 2\n");
    const changed = await digest([two.at("b.yaml"), two.at("p.yaml")]);
    assert.notEqual(changed, layered);
    // An optional layer that is absent counts.
    assert.notEqual(
      await digest(
        [one.at("base.yaml"), one.at("absent.yaml")].map((p, i) =>
          i === 1 ? { path: p, optional: true } : p
        ) as never,
      ),
      sha256(BASE),
    );
  });

  test("Coordinator.reload() re-reads every layer, and reports changed on the merged config", async () => {
    await using dir = await files({
      "base.yaml": BASE,
      "prod.yaml": "log: { level: warning }\n",
    });
    const signals = new ManualSignals();
    const coordinator = await Coordinator.create({
      configPath: [dir.at("base.yaml"), dir.at("prod.yaml")],
      signals,
    });
    coordinator.watch();
    // A change under an override is no change of the merged config.
    await dir.write("base.yaml", BASE.replace("level: info", "level: debug"));
    const next = nextReload(coordinator);
    signals.fire();
    const hidden = await next;
    assert.equal(hidden.status, "full_success");
    assert.deepEqual(hidden.changed, []);
    await dir.write(
      "prod.yaml",
      "log: { level: error }\nserver: { port: 1 }\n",
    );
    const result = await coordinator.reload();
    assert.deepEqual([...result.changed ?? []].sort(), [
      "log.level",
      "server.port",
    ]);
    assert.equal(
      (coordinator.config.load().server as { port: number }).port,
      1,
    );
    await coordinator.shutdown();
  });

  test(
    "fileChanges() watches every layer, and picks up an optional layer once it appears",
    { timeout: 30_000 },
    async () => {
      await using dir = await files({
        "base.yaml": BASE,
        "prod.yaml": "log: { level: warning }\n",
      });
      const coordinator = await Coordinator.create({
        source: [
          fileSource(dir.at("base.yaml")),
          fileSource(dir.at("prod.yaml")),
          fileSource(dir.at("local.yaml"), { optional: true }),
        ],
        triggers: [fileChanges({ debounce: 5 })],
      });
      coordinator.watch();
      const level = () =>
        (coordinator.config.load().log as { level: string }).level;
      const port = () =>
        (coordinator.config.load().server as { port: number }).port;

      // The pass that swaps in what is wanted (a late event may start
      // another one first).
      const until = (wanted: () => boolean) => nextReload(coordinator, wanted);
      let next = until(() => port() === 8081);
      await dir.write("base.yaml", BASE.replace("8080", "8081"));
      assert.equal((await next).status, "full_success");
      assert.equal(port(), 8081);

      next = until(() => level() === "error");
      await dir.write("prod.yaml", "log: { level: error }\n");
      await next;
      assert.equal(level(), "error");

      next = until(() => level() === "debug");
      await dir.write("local.yaml", "log: { level: debug }\n");
      await next;
      assert.equal(level(), "debug");

      // Removed again: the next pass leaves it out.
      await rm(dir.at("local.yaml"));
      assert.equal((await coordinator.reload()).status, "full_success");
      assert.equal(level(), "error");
      await coordinator.shutdown();
    },
  );

  test("new Coordinator() takes layers too, and refuses configPath and source together", async () => {
    await using dir = await files({ "base.yaml": BASE, "p.yaml": "x: 1\n" });
    const coordinator = new Coordinator({
      configPath: [dir.at("base.yaml"), dir.at("p.yaml")],
      config: new AtomicConfig<Record<string, unknown>>({}),
    });
    assert.equal(
      coordinator.configPath,
      `${dir.at("base.yaml")} + ${dir.at("p.yaml")}`,
    );
    assert.deepEqual(
      coordinator.sources.map((s) => s.name),
      [dir.at("base.yaml"), dir.at("p.yaml")],
    );
    assert.equal((await coordinator.reload()).status, "full_success");
    assert.equal(coordinator.config.load().x, 1);
    assert.throws(
      () =>
        new Coordinator({
          configPath: dir.at("base.yaml"),
          source: fileSource(dir.at("base.yaml")),
          config: new AtomicConfig<Record<string, unknown>>({}),
        }),
      {
        name: "TypeError",
        message: /both deps\.configPath and deps\.source are given/,
      },
    );
    await assert.rejects(
      Coordinator.create({
        configPath: dir.at("base.yaml"),
        source: fileSource(dir.at("base.yaml")),
      }),
      { name: "TypeError", message: /options\.configPath and options\.source/ },
    );
    await assert.rejects(Coordinator.create({ configPath: [] }), {
      name: "TypeError",
      message: /options\.configPath is not a non-empty string or list/,
    });
  });

  test("hup-reload check takes layers and loads them as a reload would", async () => {
    await using dir = await files({
      "base.yaml": "port: 8080\n",
      "prod.json": '{"port": 9090}',
      "bad.toml": "port = \n",
    });
    const out = { stdout: "", stderr: "" };
    const io = {
      stdout: (text: string) => void (out.stdout += text),
      stderr: (text: string) => void (out.stderr += text),
      env: () => undefined,
      cwd: () => dir.dir,
    } as unknown as CliIo;
    assert.equal(
      await runCli(["check", dir.at("base.yaml"), dir.at("prod.json")], io),
      0,
      out.stderr,
    );
    assert.match(
      out.stdout,
      /base\.yaml \+ .*prod\.json: OK \(sha256:[0-9a-f]{64}\)/,
    );
    assert.equal(
      await runCli(["check", dir.at("base.yaml"), dir.at("bad.toml")], io),
      1,
    );
    assert.match(out.stderr, /bad\.toml line 1, column \d+/);
  });
});
