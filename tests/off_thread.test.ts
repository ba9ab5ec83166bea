// Large files are parsed in a worker: the same outcome as on the event loop
// for every file of the hostile corpus, a worker started lazily and reused,
// ended by shutdown(), and a worker that fails or hangs is a load_failed,
// never a stuck coordinator.
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
import { ConfigLoader } from "../src/load/pipeline.ts";
import { writeFile } from "node:fs/promises";
import type { LoadOptions } from "hup-reload";
import { envOf, jsonLines, tempConfig } from "./_helpers.ts";
import { cases, env as caseEnv, schema } from "./_pathological.ts";

const ts = import.meta.url.endsWith(".ts");
const here = (path: string) => new URL(path, import.meta.url);
const corpus = fileURLToPath(
  here(ts ? "./hostile/" : "../../tests/hostile/"),
);
const faulty = here(`./fixtures/parse_worker_faulty.${ts ? "ts" : "js"}`);
const env = envOf({ HUP_SET: "HUP_SECRET_MARKER_7f3a" });

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

  test("a worker that crashes, stops or hangs is a load_failed that says so, and the next load starts a new one", async () => {
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
          /the parser's worker sent a document that does not fit together \(a piece of the document has no place: 2 keys deep\)$/,
        );
        assert.doesNotMatch(error.message, /s3cr3t/);
        return true;
      });
      await file.write("fine\n");
      assert.deepEqual((await load()).config, { echo: "fine" });
      assert.equal(parser.starts, 3, "a new worker after each failure");
    } finally {
      parser.close();
    }

    // A hung worker: its deadline (fired by hand here) fails the load.
    const fired: (() => void)[] = [];
    const slow = new OffThreadParser({
      url: faulty,
      timeout: 50,
      timers: {
        setTimeout: (callback) => (fired.push(callback), fired.length),
        clearTimeout: () => {},
      },
    });
    try {
      await file.write("hang\n");
      const hung = load(slow);
      while (fired.length === 0) await new Promise((r) => setTimeout(r, 5));
      fired[0]();
      await assert.rejects(hung, {
        message: /the parser's worker did not answer within 50 ms/,
      });
      assert.equal(slow.running, false, "the hung worker is ended");
    } finally {
      slow.close();
    }
  });

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
