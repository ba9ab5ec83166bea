// The least Deno privileges the module needs, checked for real: a child
// Deno service runs with exactly --allow-read=<config> and
// --allow-env=<referenced variables>, and a missing one gives a clear
// message (naming the flag), not a crash.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { tempConfig } from "./_helpers.ts";

const root = fileURLToPath(
  new URL(import.meta.url.endsWith(".ts") ? "../" : "../../", import.meta.url),
);
// The npm-installed binary, also under Deno: Deno's node:child_process
// treats a spawn of its own executable as a Node.js-style child and passes
// it the parent's permissions, which would hide what this test checks.
const deno = join(root, "node_modules/.bin/deno");
const child = join(root, "tests/fixtures/permissions_child.ts");

function run(
  flags: string[],
  args: string[],
): Promise<{ code: number; out: Record<string, unknown>; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      deno,
      ["run", "--quiet", "--no-prompt", ...flags, child, ...args],
      { cwd: root, env: { ...process.env, DB_HOST: "db.internal" } },
      (error, stdout, stderr) =>
        resolve({
          code: error ? Number(error.code ?? 1) : 0,
          out: JSON.parse(stdout || "{}"),
          stderr,
        }),
    );
  });
}

test(
  "a Deno service reloads with only --allow-read=<config> and --allow-env=<its variables>",
  {
    timeout: 60_000,
  },
  async () => {
    await using file = await tempConfig("db: ${DB_HOST}\nport: 5432\n");
    const { code, out, stderr } = await run(
      [`--allow-read=${file.path}`, "--allow-env=DB_HOST"],
      [file.path],
    );
    assert.equal(code, 0, stderr);
    assert.equal((out.result as { status: string }).status, "full_success");
    assert.deepEqual(out.config, { db: "db.internal", port: 5432 });
  },
);

test("a Deno service without --allow-read gets a load error naming the flag", {
  timeout: 60_000,
}, async () => {
  await using file = await tempConfig("port: 5432\n");
  const { code, out, stderr } = await run([], [file.path]);
  assert.equal(code, 1, JSON.stringify({ out, stderr }));
  assert.match(
    String(out.startup_error),
    /the file cannot be read \(with Deno, allow it with --allow-read\)/,
  );
  assert.doesNotMatch(stderr, /Uncaught/);
});

test(
  "a Deno service without --allow-env=<variable> gets a load error naming it, at start-up and on reload",
  {
    timeout: 60_000,
  },
  async () => {
    await using file = await tempConfig("db: ${DB_HOST}\n");
    const start = await run([`--allow-read=${file.path}`], [file.path]);
    assert.equal(start.code, 1);
    assert.match(
      String(start.out.startup_error),
      / line 1, column 5: the environment variable DB_HOST cannot be read .*--allow-env=DB_HOST\)$/,
    );
    const revoked = await run(
      [`--allow-read=${file.path}`, "--allow-env=DB_HOST"],
      [file.path, "env"],
    );
    assert.equal(revoked.code, 0, revoked.stderr);
    const result = revoked.out.result as { status: string; load_error: string };
    assert.equal(result.status, "load_failed");
    assert.match(result.load_error, /--allow-env=DB_HOST/);
    assert.ok(!result.load_error.includes("db.internal"));
  },
);

test(
  "a Deno service parses a large file with the same least privileges: in the worker when it may read the module, on the event loop otherwise",
  {
    timeout: 60_000,
  },
  async () => {
    await using file = await tempConfig(
      Array.from({ length: 500 }, (_, i) => `key_${i}: \${DB_HOST}\n`).join(""),
    );
    // Least privileges: the worker cannot load its module, so the file is
    // parsed on the event loop, and a warning says why.
    const least = await run(
      [`--allow-read=${file.path}`, "--allow-env=DB_HOST"],
      [file.path, "", "1024"],
    );
    assert.equal(least.code, 0, least.stderr);
    assert.equal(
      (least.out.result as { status: string }).status,
      "full_success",
    );
    assert.equal(
      (least.out.config as Record<string, string>).key_7,
      "db.internal",
    );
    assert.equal((least.out.warnings as string[]).length, 1);
    assert.match(
      (least.out.warnings as string[])[0],
      /^Parsing large config files on the event loop, as the parser's worker cannot start: .*--allow-read/,
    );
    // With read access to the module's own files, the worker parses it.
    const module = join(root, "src");
    const worker = await run(
      [`--allow-read=${file.path},${module}`, "--allow-env=DB_HOST"],
      [file.path, "", "1024"],
    );
    assert.equal(worker.code, 0, worker.stderr);
    assert.deepEqual(worker.out.config, least.out.config);
    assert.deepEqual(worker.out.warnings, []);
  },
);
