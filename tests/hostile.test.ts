// Hostile and malformed config files: each must end as load_failed, in
// bounded time and memory, with a message that names what and where and
// holds no value from the file, and with nothing changed.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { constants, readdirSync } from "node:fs";
import {
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  symlink,
  utimes,
  writeFile,
} from "node:fs/promises";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import {
  AtomicConfig,
  type ConfigSchema,
  Coordinator,
  HookStatus,
} from "hup-reload";
import { jsonLines, tempConfig } from "./_helpers.ts";

const SECRET = "HUP_SECRET_MARKER_7f3a";
const corpus = fileURLToPath(
  new URL(
    import.meta.url.endsWith(".ts") ? "./hostile/" : "../../tests/hostile/",
    import.meta.url,
  ),
);

interface Config {
  server: { port: number; mode: string };
}

const schema: ConfigSchema<Config> = {
  "~standard": {
    version: 1,
    vendor: "test",
    validate(value) {
      const server = (value as { server?: Record<string, unknown> }).server;
      const issues = [];
      if (typeof server?.port !== "number") {
        issues.push({
          message: `Expected number, received "${String(server?.port)}"`,
          path: ["server", "port"],
        });
      }
      if (server?.mode !== "quiet") {
        issues.push({
          message: `Invalid option: expected "quiet", got ${
            String(server?.mode)
          }`,
          path: ["server", "mode"],
        });
      }
      return issues.length > 0 ? { issues } : { value: value as Config };
    },
  },
};

/** Runs one pass over `path` and checks that it failed cleanly. */
async function expectLoadFailed(path: string, where: RegExp = /./) {
  const calls: string[] = [];
  const holder = new AtomicConfig<Config>({
    server: { port: 1, mode: "quiet" },
  });
  const before = holder.snapshot();
  const coordinator = new Coordinator<Config>({
    configPath: path,
    config: holder,
    schema,
    env: (name) => name === "HUP_SET" ? SECRET : undefined,
    hooks: [{
      name: "spy",
      check: () => void calls.push("check"),
      apply: () => (calls.push("apply"), HookStatus.Applied),
    }],
  });
  const result = await coordinator.reload();
  const error = result.load_error ?? "";
  assert.equal(
    result.status,
    "load_failed",
    `${path}: ${JSON.stringify(result)}`,
  );
  assert.ok(error.startsWith("Cannot load config as "), error);
  assert.ok(error.includes(path), `names the file: ${error}`);
  assert.match(error, where);
  assert.ok(!error.includes(SECRET), `leaks a value: ${error}`);
  assert.deepEqual(calls, [], "no hook ran");
  assert.equal(result.generation, 0);
  assert.equal(coordinator.generation(), 0);
  assert.equal(holder.snapshot(), before, "the holder is untouched");
  assert.equal(
    (Object.prototype as Record<string, unknown>).polluted,
    undefined,
  );
  return error;
}

describe("hostile config files", () => {
  // Read synchronously: tests must be registered before describe() returns.
  const files = readdirSync(corpus).filter((f) => f.endsWith(".yaml")).sort();
  const bad = files.filter((f) => !f.startsWith("good-"));
  test("the corpus has at least 40 files", () => {
    assert.ok(files.length >= 40, String(files.length));
  });

  for (const file of bad) {
    test(`Coordinator.reload() fails cleanly on ${file}`, async () => {
      // Every parse, expansion and encoding failure points at a line; the
      // rest name the file and what is wrong with it as a whole.
      const located =
        /^(syntax|duplicate|env|invalid-utf8|nul-byte|utf16|control|tag|multiple)/
            .test(file)
          ? / line \d+(, column \d+)?/
          : file.startsWith("schema")
          ? / field server\.port: .*\n.* field server\.mode: /
          : /./;
      await expectLoadFailed(join(corpus, file), located);
    });
  }

  test("loadConfig() accepts a BOM and CRLF, and keeps __proto__ a plain key", async () => {
    for (const file of files.filter((f) => f.startsWith("good-"))) {
      const holder = new AtomicConfig<Config>({
        server: { port: 1, mode: "quiet" },
      });
      const coordinator = new Coordinator<Config>({
        configPath: join(corpus, file),
        config: holder,
        schema,
        hooks: [],
      });
      const result = await coordinator.reload();
      assert.equal(
        result.status,
        "full_success",
        `${file}: ${result.load_error}`,
      );
      assert.equal(holder.load()?.server.port, 8080);
      assert.equal(Object.getPrototypeOf(holder.load()), Object.prototype);
      assert.equal(
        (Object.prototype as Record<string, unknown>).polluted,
        undefined,
      );
    }
  });

  test("Coordinator.reload() fails cleanly on generated hostile files", async () => {
    await using file = await tempConfig();
    const cases: [string, string | Uint8Array, RegExp][] = [];
    // Billion laughs: 9 levels of 9 aliases.
    const laughs = [
      `a: &a ["${SECRET}","lol","lol","lol","lol","lol","lol","lol","lol"]`,
    ];
    for (let i = 1; i < 10; i++) {
      const [p, n] = [String.fromCharCode(96 + i), String.fromCharCode(97 + i)];
      laughs.push(`${n}: &${n} [${Array(9).fill(`*${p}`).join(",")}]`);
    }
    cases.push(["billion laughs", laughs.join("\n") + "\n", /1000000 nodes/]);
    // Few aliases, exponential expansion: 40 levels of 2.
    const doubling = ["l0: &l0 [x, x]"];
    for (let i = 1; i < 40; i++) {
      doubling.push(`l${i}: &l${i} [*l${i - 1}, *l${i - 1}]`);
    }
    cases.push([
      "doubling aliases",
      doubling.join("\n") + "\n",
      /1000000 nodes/,
    ]);
    // Deep nesting, flow and block, and through aliases.
    cases.push([
      "deep flow nesting",
      `a: ${"[".repeat(100_000)}${"]".repeat(100_000)}\n`,
      /line 1/,
    ]);
    cases.push([
      "deep block nesting",
      Array.from({ length: 500 }, (_, i) => `${" ".repeat(i * 2)}k${i}:`).join(
        "\n",
      ) +
      ` ${SECRET}\n`,
      /line \d+/,
    ]);
    const chain = ["c0: &c0 [x]"];
    for (let i = 1; i < 150; i++) chain.push(`c${i}: &c${i} [*c${i - 1}]`);
    cases.push([
      "deep nesting through aliases",
      chain.join("\n") + "\n",
      /deeper than 100 levels/,
    ]);
    // Over the size limit, and binary.
    cases.push([
      "over 16 MiB",
      `server:\n  port: 1\npad: "${"x".repeat(16 * 1024 * 1024)}"\n`,
      /larger than 16777216 bytes/,
    ]);
    const random = new Uint8Array(4096);
    crypto.getRandomValues(random);
    random[0] = 0xff; // never valid UTF-8
    cases.push(["random bytes", random, /not valid UTF-8 text: .* line \d+/]);
    cases.push([
      "huge line of junk",
      `a: ${"]".repeat(1_000_000)}\n`,
      /line 1/,
    ]);
    for (const [name, content, where] of cases) {
      await file.write(content);
      const started = performance.now();
      await expectLoadFailed(file.path, where);
      const ms = performance.now() - started;
      console.log(`${name}: load_failed in ${ms.toFixed(0)} ms`);
    }
  });

  test("Coordinator.reload() fails cleanly when the path is not a readable file", async () => {
    await using file = await tempConfig("server: {port: 1, mode: quiet}\n");
    const dir = join(file.dir, "a-directory");
    await mkdir(dir);
    await expectLoadFailed(dir, /the file is a directory:/);
    const loop = join(file.dir, "loop.yaml");
    await symlink(loop, loop);
    await expectLoadFailed(loop, /symbolic link loop/);
    const dangling = join(file.dir, "dangling.yaml");
    await symlink(join(file.dir, "gone.yaml"), dangling);
    await expectLoadFailed(dangling, /does not exist/);
    await expectLoadFailed(join(file.dir, "missing.yaml"), /does not exist/);
    if (process.platform !== "win32") {
      const fifo = join(file.dir, "fifo.yaml");
      execFileSync("mkfifo", [fifo]);
      await expectLoadFailed(fifo, /not a regular file/);
      await expectLoadFailed("/dev/zero", /not a regular file/);
    }
  });

  test(
    "Coordinator.reload() refuses a path whose link is swapped to a FIFO, without blocking",
    {
      skip: process.platform === "win32" && "no FIFOs",
    },
    async () => {
      await using file = await tempConfig();
      const real = join(file.dir, "real.yaml");
      const fifo = join(file.dir, "fifo");
      const link = join(file.dir, "link.yaml");
      await writeFile(real, "server: {port: 1, mode: quiet}\n");
      execFileSync("mkfifo", [fifo]);
      await symlink(real, link);
      const coordinator = new Coordinator<Config>({
        configPath: link,
        config: new AtomicConfig<Config>({
          server: { port: 1, mode: "quiet" },
        }),
        schema,
        hooks: [],
      });
      assert.equal((await coordinator.reload()).status, "full_success");
      await symlink(fifo, `${link}.new`);
      await rename(`${link}.new`, link);
      await expectLoadFailed(link, /not a regular file/);
    },
  );

  test(
    "Coordinator.reload() never blocks while the path flips between a file and a FIFO",
    {
      skip: process.platform === "win32" && "no FIFOs",
      timeout: 60_000,
    },
    async () => {
      await using file = await tempConfig();
      const real = join(file.dir, "real.yaml");
      const fifo = join(file.dir, "fifo");
      const link = join(file.dir, "link.yaml");
      await writeFile(real, "server: {port: 1, mode: quiet}\n");
      const past = new Date(Date.now() - 60_000);
      await utimes(real, past, past); // no settle wait
      execFileSync("mkfifo", [fifo]);
      await symlink(real, link);
      // Another process swaps the link back and forth as fast as it can, so
      // that it changes between any two looks a pass might take at the path.
      const flipper = spawn("perl", [
        "-e",
        `my ($l, $a, $b) = @ARGV; $| = 1; print "{}\\n";
       while (1) { for my $t ($b, $a) { symlink($t, "$l.t"); rename("$l.t", $l) } }`,
        link,
        real,
        fifo,
      ], { stdio: ["ignore", "pipe", "inherit"] });
      const child = jsonLines(flipper);
      try {
        await child.waitFor(() => true);
        const coordinator = new Coordinator<Config>({
          configPath: link,
          config: new AtomicConfig<Config>({
            server: { port: 1, mode: "quiet" },
          }),
          schema,
          hooks: [],
        });
        const seen = new Map<string, number>();
        for (let pass = 0; pass < 300; pass++) {
          const result = await coordinator.reload();
          const outcome = result.status === "load_failed"
            ? String(result.load_error).replace(/^.*as (.*): .*$/, "$1")
            : result.status;
          seen.set(outcome, (seen.get(outcome) ?? 0) + 1);
        }
        assert.deepEqual(
          [...seen.keys()].sort(),
          [
            "full_success",
            "the file is not a regular file (a device, pipe or socket)",
          ],
          JSON.stringify([...seen]),
        );
      } finally {
        flipper.kill();
        await child.exited;
        // Were a read blocked on the FIFO, a writer lets it go.
        await (await open(fifo, constants.O_RDWR | constants.O_NONBLOCK))
          .close();
      }
    },
  );

  test("Coordinator.reload() never leaks environment values on a YAML error", async () => {
    await using file = await tempConfig();
    await file.write(`server:\n  port: \${HUP_SET}\n  mode: [\n`);
    await expectLoadFailed(file.path, /line \d+/);
    await file.write(`server:\n  port: "\${HUP_SET}"\n  mode: quiet\n`);
    await expectLoadFailed(file.path, /field server\.port/);
  });
});

test("the hostile corpus files are the ones in the repository", async () => {
  // Guards against an editor "fixing" a file: each bad file still holds the
  // marker or is one of the empty or top-level cases.
  for (const file of await readdir(corpus)) {
    const text = await readFile(join(corpus, file), "latin1");
    if (/^(syntax|duplicate|tag|nul-byte|invalid-utf8)/.test(file)) {
      assert.ok(text.includes(SECRET), file);
    }
  }
});
