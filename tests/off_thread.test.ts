// Large files are parsed in a worker: the same outcome as on the event loop
// for every file of the hostile corpus and for documents built to be costly
// to send (the same objects, prototypes and sharing), a worker started
// lazily, reused, ended once idle and by shutdown(); a worker that fails is a
// load_failed, never a stuck coordinator, and one that misses its deadline
// leaves the text to the event loop.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { Coordinator } from "hup-reload";
// The loader's own modules (the worker is internal): their LoadError too.
import { LoadError } from "../src/errors.ts";
import { fileSource } from "../src/load/file_source.ts";
import { OffThreadParser } from "../src/load/off_thread.ts";
import { formatFor } from "../src/load/format/mod.ts";
import { parseText } from "../src/load/parse_text.ts";
import { ConfigLoader } from "../src/load/pipeline.ts";
import { writeFile } from "node:fs/promises";
import type { LoadOptions } from "hup-reload";
import { captureLogs, envOf, jsonLines, tempConfig } from "./_helpers.ts";
import {
  fakeTimers,
  hostileInputs,
  keepAlive,
  manyAliases,
  sharing,
} from "./_worker.ts";
import { cases, env as caseEnv, schema } from "./_pathological.ts";

const ts = import.meta.url.endsWith(".ts");
const here = (path: string) => new URL(path, import.meta.url);
const corpus = fileURLToPath(
  here(ts ? "./hostile/" : "../../tests/hostile/"),
);
const faulty = here(`./fixtures/parse_worker_faulty.${ts ? "ts" : "js"}`);
const env = envOf({ HUP_SET: "HUP_SECRET_MARKER_7f3a" });
const limits = { maxDepth: 100, maxNodes: 1_000_000 };

/** Loads one file as a coordinator does, with `parser` for large texts. */
function readConfigFile(
  path: string,
  options: LoadOptions<unknown>,
  parser?: OffThreadParser,
) {
  return new ConfigLoader([fileSource(path)], options, parser).load();
}

/** Every file of the corpus, in every format's folder. */
function corpusFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? corpusFiles(path) : [path];
  });
}

/** What loading `path` gives, as plain data to compare. */
async function outcome(
  path: string,
  parser: OffThreadParser | undefined,
  options: LoadOptions<unknown> = {},
): Promise<unknown> {
  try {
    const { config, digest } = await readConfigFile(
      path,
      { env, ...options, workerThreshold: 0 },
      parser,
    );
    return { config: JSON.parse(JSON.stringify(config)), digest };
  } catch (error) {
    assert.ok(error instanceof LoadError, String(error));
    return { message: error.message, problems: error.problems };
  }
}

describe("parsing off the event loop", () => {
  test("every file of the hostile corpus gives the same outcome in the worker as on the event loop", async () => {
    const parser = new OffThreadParser();
    try {
      const files = corpusFiles(corpus);
      assert.ok(files.length > 40, `${files.length} files`);
      for (const file of files) {
        assert.deepEqual(
          await outcome(file, parser),
          await outcome(file, undefined),
          file,
        );
      }
      assert.equal(parser.starts, 1, "one worker, reused");
    } finally {
      parser.close();
    }
  });

  // Every case is loaded twice at 128 KiB: several seconds on a loaded
  // machine, past the 5 s a test may take by default on Bun.
  test(
    "every generated pathological file gives the same outcome in the worker as on the event loop",
    {
      timeout: 120_000,
    },
    async () => {
      const parser = new OffThreadParser();
      try {
        await using dir = await tempConfig();
        for (const { name, format, make } of cases) {
          const path = join(dir.dir, `${name}.${format}`);
          await writeFile(path, make(128 * 1024));
          assert.deepEqual(
            await outcome(path, parser, { schema, env: caseEnv }),
            await outcome(path, undefined, { schema, env: caseEnv }),
            name,
          );
        }
        assert.equal(parser.starts, 1, "one worker, reused");
      } finally {
        parser.close();
      }
    },
  );

  test("a large document comes back in pieces, whole, with its aliases shared", async () => {
    const services = Array.from(
      { length: 3000 },
      (_, i) => `  - name: s${i}\n    use: *base\n    tags: [a, b, ${i}]\n`,
    ).join("");
    await using file = await tempConfig(
      `base: &base\n  host: h\n  ports: [1, 2, 3]\n"__proto__": {admin: true}\nservices:\n${services}`,
    );
    const parser = new OffThreadParser();
    try {
      const off =
        (await readConfigFile(file.path, { workerThreshold: 0 }, parser))
          .config as { base: object; services: { use: object }[] };
      const on = (await readConfigFile(file.path, {})).config;
      assert.deepStrictEqual(off, on);
      assert.ok(Object.hasOwn(off, "__proto__"));
      assert.equal(Object.getPrototypeOf(off), Object.prototype);
      assert.equal(off.services[2999].use, off.base, "the alias is shared");
      assert.ok(Object.isFrozen(off.services[2999]));
    } finally {
      parser.close();
    }
  });

  test("a file under the threshold never starts a worker", async () => {
    await using file = await tempConfig(`a: ${"x".repeat(10 * 1024)}\n`);
    const parser = new OffThreadParser();
    await readConfigFile(file.path, {}, parser);
    assert.equal(parser.starts, 0);
    await readConfigFile(file.path, { workerThreshold: 1024 }, parser);
    assert.equal(parser.starts, 1);
    parser.close();
    assert.equal(parser.running, false);
  });

  test("a worker that crashes, stops or sends what does not fit is a load_failed that says so, and the next load starts a new one", async () => {
    await using file = await tempConfig("crash\n");
    // Real timers for its deadline: a pending parse keeps the process
    // alive until the worker answers or the deadline passes.
    const parser = new OffThreadParser({ url: faulty });
    const load = (using = parser) =>
      readConfigFile(file.path, { workerThreshold: 0 }, using);
    try {
      await assert.rejects(load(), {
        name: "LoadError",
        message:
          /^Cannot load config as the parser failed off the event loop: .* the parser's worker failed \(Error\)$/,
      });
      await file.write("exit\n");
      await assert.rejects(load(), {
        message: /the parser's worker stopped \(exit code 3\)$/,
      });
      await file.write("misfit\n");
      await assert.rejects(load(), (error: Error) => {
        assert.match(
          error.message,
          /the parser's worker sent a document that does not fit together \(the document's tape does not fit together: the tape ends before the document does\)$/,
        );
        assert.doesNotMatch(error.message, /s3cr3t/);
        return true;
      });
      assert.equal(parser.running, false, "a worker that sent a misfit ends");
      await file.write("fine\n");
      assert.deepEqual((await load()).config, { echo: "fine" });
      assert.equal(parser.starts, 4, "a new worker after each failure");
    } finally {
      parser.close();
    }
  });

  test("a worker that misses its deadline is ended, and the text is parsed on the event loop instead", async () => {
    await using file = await tempConfig("hang: 1\nb: [2]\n");
    using _alive = keepAlive();
    const timers = fakeTimers();
    const slow = new OffThreadParser({
      url: faulty,
      timeout: 50,
      timeoutPerChar: 2,
      timers: timers.timers,
    });
    await using logs = await captureLogs();
    try {
      const hung = readConfigFile(file.path, { workerThreshold: 0 }, slow);
      const deadline = await timers.next();
      // The first answer's deadline grows with the text: 50 ms + 2 ms a
      // character here.
      assert.equal(deadline.ms, 50 + 2 * "hang: 1\nb: [2]\n".length);
      deadline.fire();
      // What the event loop gives: the document loads, as it would have
      // without a worker.
      assert.deepEqual((await hung).config, { hang: 1, b: [2] });
      assert.equal(slow.running, false, "the hung worker is ended");
      assert.ok(
        logs.records.some((r) =>
          r.level === "warning" &&
          /did not answer within \d+ ms/.test(JSON.stringify(r.properties))
        ),
      );
      // A parse asked directly says why.
      const asked = slow.parse({ format: "yaml", text: "hang", limits });
      (await timers.next()).fire();
      await assert.rejects(asked, {
        name: "WorkerTimeout",
        message: /the parser's worker did not answer within 58 ms/,
      });
      assert.equal(slow.starts, 2);
    } finally {
      slow.close();
    }
  });

  test("an idle worker ends after the idle time, and the next parse starts a new one", async () => {
    using _alive = keepAlive();
    const timers = fakeTimers();
    const parser = new OffThreadParser({ idle: 1000, timers: timers.timers });
    const text = "a: &x {b: 1}\nc: *x\n";
    try {
      const first = await parser.parse({ format: "yaml", text, limits });
      assert.ok(first.ok);
      assert.equal(parser.running, true);
      // The deadline is cleared; the idle time runs.
      const idle = timers.only();
      assert.equal(idle.ms, 1000);
      // A parse before the idle time is out keeps the worker, and its own
      // idle time starts over once it is done.
      await parser.parse({ format: "yaml", text, limits });
      assert.equal(timers.pending.size, 1);
      idle.fire(); // late: a timer that was cleared does nothing
      assert.equal(parser.running, true);
      assert.equal(parser.starts, 1);
      timers.only().fire();
      assert.equal(parser.running, false, "ended once idle");
      assert.equal(timers.pending.size, 0);
      const again = await parser.parse({ format: "yaml", text, limits });
      assert.deepStrictEqual(again, first);
      assert.equal(parser.starts, 2, "started again on demand");
      // No idle time while a parse is pending, nor with idle: Infinity.
      parser.close();
      assert.equal(timers.pending.size, 0, "close() clears the idle time");
      for (const idle of [Infinity, 2 ** 31]) {
        const forever = new OffThreadParser({ idle, timers: timers.timers });
        await forever.parse({ format: "yaml", text, limits });
        assert.equal(timers.pending.size, 0, `no idle timer for ${idle}`);
        assert.equal(forever.running, true);
        forever.close();
      }
      for (const idle of [-1, NaN, "5" as unknown as number]) {
        assert.throws(() => new OffThreadParser({ idle }), {
          name: "RangeError",
          message:
            /^Cannot create the parser's worker as options\.workerIdle is not a number of milliseconds from 0 \(or Infinity\): (-1|NaN|5)$/,
        });
      }
      // Through a coordinator's options, before anything is read.
      assert.throws(
        () =>
          new ConfigLoader(
            [fileSource("unread.yaml")],
            { workerIdle: -5 },
            true,
          ),
        { name: "RangeError", message: /options\.workerIdle .*: -5$/ },
      );
    } finally {
      parser.close();
    }
  });

  test("a worker-parsed document and an event-loop one are deepStrictEqual, prototypes and own __proto__ keys included, in YAML, JSON and TOML", async () => {
    const texts = {
      yaml:
        `"__proto__": {admin: true}\nlist: [{a: 1}, [2, -0.0, .nan, .inf]]\n` +
        `anchor: &x {k: "${
          "v".repeat(100)
        }"}\nuse: *x\nmerged: {<<: *x, z: 1}\n` +
        `constructor: {prototype: 1}\n`,
      json:
        `{"__proto__": {"admin": true}, "list": [{"a": 1}, [2, -0.0, 1e300]], ` +
        `"long": "${"v".repeat(100)}", "nested": {"__proto__": [null]}}`,
      toml:
        `"__proto__" = { admin = true }\nlist = [{ a = 1 }, [2, -0.0, nan, inf]]\n` +
        `long = "${"v".repeat(100)}"\n[t]\nd = 1979-05-27T07:32:00Z\n` +
        `[[arr]]\n"__proto__" = 1\n`,
    } as const;
    const parser = new OffThreadParser();
    try {
      for (const [format, text] of Object.entries(texts)) {
        const off = await parser.parse({
          format: format as keyof typeof texts,
          text,
          limits,
        });
        // The format's parser is imported on first use.
        await formatFor("", format as keyof typeof texts).prepare?.();
        const on = parseText(format as keyof typeof texts, text, limits, false);
        assert.ok(off.ok && on.ok, format);
        assert.deepStrictEqual(off.value, on.value, format);
        assert.ok(Object.hasOwn(off.value, "__proto__"), format);
        assert.equal(
          Object.getPrototypeOf(off.value),
          Object.getPrototypeOf(on.value),
          format,
        );
        // Through the whole load, as a coordinator does it.
        await using file = await tempConfig(text);
        const options = { format: format as keyof typeof texts };
        assert.deepStrictEqual(
          (await readConfigFile(
            file.path,
            { ...options, workerThreshold: 0 },
            parser,
          )).config,
          (await readConfigFile(file.path, options)).config,
          format,
        );
      }
      assert.equal(parser.starts, 1);
    } finally {
      parser.close();
    }
  });

  test(
    "hostile documents that load on the event loop load off-thread, as the same object graph",
    {
      timeout: 120_000,
    },
    async () => {
      const parser = new OffThreadParser();
      try {
        for (const [name, text] of Object.entries(hostileInputs)) {
          const off = await parser.parse({ format: "yaml", text, limits });
          const on = parseText("yaml", text, limits, false);
          assert.ok(on.ok, name);
          assert.ok(off.ok, `${name}: ${JSON.stringify(off).slice(0, 200)}`);
          assert.deepStrictEqual(off.value, on.value, name);
          assert.deepEqual(sharing(off.value), sharing(on.value), name);
        }
      } finally {
        parser.close();
      }
    },
  );

  test(
    "a document at the limits (999,000 aliases, 95 levels deep) loads off-thread within its deadline, as on the event loop",
    {
      timeout: 120_000,
    },
    async () => {
      const text = manyAliases(999_000, 95);
      // The deadline as it is by default: far above what this takes.
      const parser = new OffThreadParser();
      try {
        const off = await parser.parse({ format: "yaml", text, limits });
        assert.ok(off.ok, JSON.stringify(off).slice(0, 200));
        let node = off.value as Record<string, unknown>;
        for (let d = 0; d < 95; d++) {
          node = node[`k${d}_`.padEnd(4, "x")] as Record<string, unknown>;
        }
        const list = node.list as unknown[];
        assert.equal(list.length, 999_000);
        assert.equal(list[998_999], off.value.base, "every alias is shared");
        assert.equal(list[0], off.value.base);
      } finally {
        parser.close();
      }
    },
  );

  test(
    "a document of 300,000 aliases comes back from the worker whole, in parts read in bounded steps",
    {
      timeout: 60_000,
    },
    async () => {
      // How long reading it back holds the event loop is measured in
      // bench/worker_hostile.mjs; that each part is read in steps of a
      // bounded number of entries is tests/pieces.test.ts's.
      const text = manyAliases(300_000, 1);
      const parser = new OffThreadParser();
      try {
        const off = await parser.parse({ format: "yaml", text, limits });
        assert.ok(off.ok);
        const { list } = off.value.k0_x as { list: unknown[] };
        assert.equal(list.length, 300_000);
        // Aliases stay one object, as on the event loop.
        assert.equal(list[0], list[299_999]);
        const on = parseText("yaml", text, limits, false);
        assert.ok(on.ok);
        const onList = (on.value.k0_x as { list: unknown[] }).list;
        assert.deepEqual(list[0], onList[0]);
      } finally {
        parser.close();
      }
    },
  );

  test("Coordinator passes over a large file parse in the worker, and shutdown() ends it", async () => {
    const big = Object.fromEntries(
      Array.from({ length: 4000 }, (_, i) => [`key_${i}`, `value ${i}`]),
    );
    const text = (n: number) =>
      Object.entries(big).map(([k, v]) => `${k}: ${v} ${n}\n`).join("");
    await using file = await tempConfig(text(0));
    const coordinator = await Coordinator.create({
      configPath: file.path,
      workerThreshold: 1024,
    });
    await file.write(text(1));
    const result = await coordinator.reload();
    assert.equal(result.status, "full_success");
    assert.equal(result.changed_omitted, 4000 - 100);
    assert.equal(coordinator.config.load().key_7, "value 7 1");
    assert.ok(Object.isFrozen(coordinator.config.load()));
    await coordinator.shutdown();
    // reload() still works after shutdown(): a new worker.
    await file.write(text(2));
    assert.equal((await coordinator.reload()).status, "full_success");
    await coordinator.shutdown();
  });

  test(
    "a worker never keeps the process alive",
    { timeout: 60_000 },
    async () => {
      const child = process.versions.bun !== undefined
        ? [process.execPath, [
          fileURLToPath(here("./fixtures/off_thread_child.ts")),
        ]]
        : "Deno" in globalThis
        ? [process.execPath, [
          "run",
          "-A",
          fileURLToPath(here("./fixtures/off_thread_child.ts")),
        ]]
        : [process.execPath, [
          fileURLToPath(here("./fixtures/off_thread_child.js")),
        ]];
      const started = spawn(child[0] as string, child[1] as string[], {
        stdio: ["ignore", "pipe", "inherit"],
      });
      const lines = jsonLines(started);
      const reloaded = await lines.waitFor((line) => "status" in line);
      assert.equal(reloaded.status, "full_success");
      assert.equal(reloaded.workers, 1);
      // It exits by itself, the worker still running.
      assert.deepEqual(await lines.exited, { code: 0, signal: null });
    },
  );
});
