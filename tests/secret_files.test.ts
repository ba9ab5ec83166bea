// Secrets from files: `${file:...}` reads a secret file on every pass (a
// Kubernetes secret volume, /run/secrets), its value never reaches an
// output, its file is part of the digest, and rotating it reloads.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  mkdir,
  mkdtemp,
  rename,
  rm,
  symlink,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { z } from "zod";
import {
  type ConfigSource,
  Coordinator,
  type Hook,
  HookStatus,
  loadConfig,
  LoadError,
} from "hup-reload";
import { nextReload } from "hup-reload/testing";
import { fileChanges } from "hup-reload/watch";
import { captureLogs, everyOutput } from "./_helpers.ts";

const sha256 = (text: string) =>
  `sha256:${createHash("sha256").update(text).digest("hex")}`;

/** A temp directory, removed when disposed. */
async function folder() {
  const dir = await mkdtemp(join(tmpdir(), "hup-secrets-"));
  const at = (name: string) => join(dir, name);
  return {
    dir,
    at,
    write: (name: string, text: string | Uint8Array) =>
      writeFile(at(name), text),
    [Symbol.asyncDispose]: () => rm(dir, { recursive: true, force: true }),
  };
}

async function loadError(path: string): Promise<LoadError> {
  return await loadConfig(path).then(
    () => assert.fail("expected a LoadError"),
    (error: unknown) => {
      assert.ok(error instanceof LoadError, String(error));
      return error;
    },
  );
}

describe("secret files", () => {
  test("loadConfig() reads ${file:...} relative to the file that holds it, or absolute, without one trailing newline", async () => {
    await using dir = await folder();
    await mkdir(dir.at("secrets"));
    await dir.write("secrets/db", "s3cret\n");
    await dir.write("secrets/crlf", "two lines\nend\r\n");
    await dir.write("secrets/blank", "\n\n");
    await dir.write("secrets/empty", "");
    await dir.write(
      "config.yaml",
      [
        "db: ${file:secrets/db}",
        `abs: \${file:${dir.at("secrets/db")}}`,
        "crlf: ${file:secrets/crlf}",
        "blank: ${file:secrets/blank}",
        "empty: '${file:secrets/empty}'",
        "inside: 'user:${file:secrets/db}@host'",
        "literal: $${file:secrets/db}",
        "default: ${UNSET_VAR:-${file:secrets/db}}",
        "",
      ].join("\n"),
    );
    assert.deepEqual(await loadConfig(dir.at("config.yaml")), {
      db: "s3cret",
      abs: "s3cret",
      crlf: "two lines\nend",
      blank: "\n",
      empty: "",
      inside: "user:s3cret@host",
      literal: "${file:secrets/db}",
      default: "s3cret",
    });
  });

  test("loadConfig() fails on a secret file that is missing, too large, not a regular file or not UTF-8, naming its path and never its value", async () => {
    await using dir = await folder();
    const cases: [string, RegExp][] = [
      [
        "missing",
        /the secret file \S+missing cannot be read \(the file does not exist\)$/,
      ],
      [
        "large",
        /the secret file \S+large cannot be read \(the file is larger than 65536 bytes/,
      ],
      [
        "a-directory",
        /the secret file \S+a-directory cannot be read \(the file is a directory\)$/,
      ],
      [
        "binary",
        /the secret file \S+binary cannot be read \(it is not valid UTF-8 text\)$/,
      ],
    ];
    await dir.write("large", `s3cret${"x".repeat(65536)}`);
    await mkdir(dir.at("a-directory"));
    await dir.write("binary", new Uint8Array([0x73, 0x33, 0xff, 0xfe]));
    if (process.platform !== "win32") {
      execFileSync("mkfifo", [dir.at("fifo")]);
      cases.push([
        "fifo",
        /the secret file \S+fifo cannot be read \(the file is not a regular file/,
      ]);
    }
    for (const [name, reason] of cases) {
      await dir.write("c.yaml", `a: 1\npassword: \${file:${name}}\n`);
      const error = await loadError(dir.at("c.yaml"));
      assert.match(
        error.message,
        new RegExp(
          `^Cannot load config as a secret file cannot be read: \\S+c\\.yaml line 2, column 11: ${reason.source}`,
        ),
      );
      assert.ok(!error.message.includes("s3cret"), error.message);
    }
  });

  test("a reference kind other than file is refused at its place; ${file:-x} is a variable; an unused secret file need not exist", async () => {
    await using dir = await folder();
    await dir.write("c.yaml", "a: 1\nb: ${vault:secret/db}\n");
    const error = await loadError(dir.at("c.yaml"));
    assert.match(
      error.message,
      /line 2, column 4: there is no \$\{vault:\.\.\.\} reference \(known: file\)$/,
    );
    await dir.write(
      "c.yaml",
      "a: ${file:-default}\nb: ${SET:-${file:/nonexistent/secret}}\n",
    );
    assert.deepEqual(
      await loadConfig(dir.at("c.yaml"), {
        env: (name) => name === "SET" ? "from env" : undefined,
      }),
      { a: "default", b: "from env" },
    );
  });

  test("a relative secret file in a config that is not a file is refused; more than 1000 secret files are refused", async () => {
    const memory = (text: string): ConfigSource => ({
      name: "memory.yaml",
      read: () => Promise.resolve({ bytes: new TextEncoder().encode(text) }),
    });
    await assert.rejects(
      loadConfig(memory("a: ${file:db}\n")),
      /memory\.yaml line 1, column 4: the secret file db is a relative path in a config that is not read from a file \(write an absolute path\)/,
    );
    const many = Array.from(
      { length: 1001 },
      (_, i) => `- \${file:/nonexistent/s${i}}`,
    );
    await assert.rejects(
      loadConfig(memory(`list:\n${many.join("\n")}\n`)),
      /refers to more than 1000 secret files \(1001\)/,
    );
  });

  test("the digest covers the secret files without giving away their values", async () => {
    await using dir = await folder();
    await dir.write("c.yaml", "password: ${file:pw}\n");
    await dir.write("pw", "1234\n");
    const first = await Coordinator.create({ configPath: dir.at("c.yaml") });
    const digest = first.digest()!;
    assert.match(digest, /^sha256:[0-9a-f]{64}$/);
    for (
      const text of [
        "1234",
        "1234\n",
        "password: 1234\n",
        "password: ${file:pw}\n",
      ]
    ) {
      assert.notEqual(digest, sha256(text));
    }
    // The same files elsewhere: the same digest; a rotated secret: another.
    await using other = await folder();
    await other.write("c.yaml", "password: ${file:pw}\n");
    await other.write("pw", "1234\n");
    assert.equal(
      (await Coordinator.create({ configPath: other.at("c.yaml") })).digest(),
      digest,
    );
    await other.write("pw", "1235\n");
    const rotated = await Coordinator.create({
      configPath: other.at("c.yaml"),
    });
    assert.notEqual(rotated.digest(), digest);
  });

  test(
    "fileChanges() reloads when a secret file is rewritten, or swapped as a Kubernetes secret volume does",
    { timeout: 30_000 },
    async () => {
      await using dir = await folder();
      // A secret volume: the file is a link through ..data to a dated folder.
      await mkdir(dir.at("volume/..2026_12_06_1"), { recursive: true });
      await dir.write("volume/..2026_12_06_1/token", "first\n");
      await symlink("..2026_12_06_1", dir.at("volume/..data"));
      await symlink("..data/token", dir.at("volume/token"));
      await dir.write("plain", "one\n");
      await dir.write(
        "c.yaml",
        "token: ${file:volume/token}\nplain: ${file:plain}\n",
      );
      const coordinator = await Coordinator.create({
        configPath: dir.at("c.yaml"),
        triggers: [fileChanges({ debounce: 5 })],
      });
      coordinator.watch();
      const read = () => coordinator.config.load();
      assert.deepEqual(read(), { token: "first", plain: "one" });

      // The pass that swaps in what is wanted (a late event may start
      // another one first).
      const until = (wanted: Record<string, string>) =>
        nextReload(
          coordinator,
          () => JSON.stringify(read()) === JSON.stringify(wanted),
        );
      let next = until({ token: "first", plain: "two" });
      await dir.write("plain", "two\n");
      await next;
      assert.equal(read().plain, "two");

      // The kubelet's swap: a new dated folder, a new ..data link renamed
      // over the old one.
      next = until({ token: "second", plain: "two" });
      await mkdir(dir.at("volume/..2026_12_06_2"));
      await dir.write("volume/..2026_12_06_2/token", "second\n");
      await symlink("..2026_12_06_2", dir.at("volume/..data_tmp"));
      await rename(dir.at("volume/..data_tmp"), dir.at("volume/..data"));
      await rm(dir.at("volume/..2026_12_06_1"), { recursive: true });
      await next;
      assert.equal(read().token, "second");

      // A secret the config no longer refers to is no longer watched; a new
      // one is, from the pass that reads it.
      next = until({ plain: "x" });
      await dir.write("other", "x\n");
      await dir.write("c.yaml", "plain: ${file:other}\n");
      await next;
      next = until({ plain: "y" });
      await dir.write("other", "y\n");
      await next;
      assert.deepEqual(read(), { plain: "y" });
      await coordinator.shutdown();
    },
  );

  test("no output shows a secret file's value: results, pages, metrics, logs, hook errors, schema messages and keys", async () => {
    await using logs = await captureLogs();
    await using dir = await folder();
    // Short values: not hidden by length, only because they are secrets.
    const OLD = "pw1";
    const NEW = "Zq7";
    await dir.write("pw", `${OLD}\n`);
    await dir.write("c.yaml", "db:\n  password: ${file:pw}\n  port: 5432\n");
    const quoting = (phase: "check" | "apply"): Hook<{
      db: { password: string; port: unknown };
    }> => ({
      name: `quotes-in-${phase}`,
      // It refuses every config it is given: the start-up one must pass.
      checkOnStart: false,
      check(old, next) {
        if (phase === "check") {
          throw new Error(
            `Cannot rotate ${old.db.password} to ${next.db.password}: db.password`,
          );
        }
      },
      apply(_ctx, old, next) {
        if (phase === "apply") {
          throw new AggregateError(
            [new Error(JSON.stringify(next)), next.db.password],
            `Cannot apply ${JSON.stringify(old)}`,
          );
        }
        return HookStatus.Applied;
      },
    });
    // A schema whose message quotes the value as it is, unquoted.
    const schema = z.object({
      db: z.object({ password: z.string(), port: z.unknown() }),
    }).catchall(z.never()).superRefine((config, ctx) => {
      if (typeof config.db.port !== "number") {
        ctx.addIssue({
          code: "custom",
          message: `the port is a number, not ${String(config.db.port)}`,
          path: ["db", "port"],
        });
      }
    });
    for (const phase of ["check", "apply"] as const) {
      await dir.write("pw", `${OLD}\n`);
      await dir.write("c.yaml", "db:\n  password: ${file:pw}\n  port: 5432\n");
      const coordinator = await Coordinator.create({
        configPath: dir.at("c.yaml"),
        schema,
        hooks: [quoting(phase)],
      });
      await dir.write("pw", `${NEW}\n`);
      const rotated = await coordinator.reload();
      assert.equal(
        rotated.status,
        phase === "check" ? "validation_failed" : "partial_applied",
      );
      assert.deepEqual(rotated.changed, ["db.password"]);
      // A schema that quotes the value, and the secret as a key.
      await dir.write(
        "c.yaml",
        "db:\n  password: ${file:pw}\n  port: ${file:pw}\n${file:pw}: 1\n",
      );
      const refused = await coordinator.reload();
      assert.equal(refused.status, "load_failed");
      assert.match(refused.load_error ?? "", /field db\.port: /);
      const output = await everyOutput(coordinator, logs.records);
      for (const value of [OLD, NEW]) {
        assert.ok(!output.includes(value), `${phase} shows ${value}`);
      }
      // The start-up error too.
      const error = await loadConfig(dir.at("c.yaml"), { schema }).then(
        () => assert.fail("expected a LoadError"),
        (e: Error) => e,
      );
      assert.ok(!error.message.includes(NEW), error.message);
      await coordinator.shutdown();
    }
  });
});
