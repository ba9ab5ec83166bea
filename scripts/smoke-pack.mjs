// Packs the npm package, installs the tarball into a clean temp project and
// uses it there from Node.js and Bun, as a user would: both entry points, a
// real reload of a real file, and a type check of the consumer's code.
import { execFileSync } from "node:child_process";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const root = resolve(".");
const bin = (name) => join(root, "node_modules/.bin", name);
const run = (cmd, args, cwd) =>
  execFileSync(cmd, args, { cwd, stdio: ["ignore", "pipe", "inherit"] })
    .toString();

const dir = await mkdtemp(join(tmpdir(), "hup-reload-smoke-"));
try {
  run("npm", ["pack", "--silent", "--pack-destination", dir], root);
  const tarball = (await readdir(dir)).find((f) => f.endsWith(".tgz"));
  await writeFile(
    join(dir, "package.json"),
    JSON.stringify({ name: "smoke", private: true, type: "module" }),
  );
  run(
    "npm",
    ["install", "--no-audit", "--no-fund", "--silent", `./${tarball}`],
    dir,
  );
  const program = `
import assert from "node:assert/strict";
import { AtomicConfig, Coordinator, loadConfig, reloadHandler } from "hup-reload";
import { ManualSignals, nextReload, tempConfig } from "hup-reload/testing";

const file = await tempConfig("greeting: hello\\n");
const config = new AtomicConfig(await loadConfig(file.path));
const signals = new ManualSignals();
const coordinator = new Coordinator({ configPath: file.path, config, signals });
coordinator.watch();
await file.replace("greeting: hi\\n");
const next = nextReload(coordinator);
signals.fire("SIGHUP");
const result = await next;
assert.equal(result.status, "full_success");
assert.equal(config.load().greeting, "hi");
const response = await reloadHandler(coordinator)(new Request("http://localhost/-/reload"));
assert.equal((await response.json()).generation, 1);
await coordinator.shutdown();
await file[Symbol.asyncDispose]();
console.log("ok", result.config_digest);
`;
  await writeFile(join(dir, "smoke.mjs"), program);
  await writeFile(
    join(dir, "smoke.ts"),
    program.replace(
      "config.load().greeting",
      "(config.load() as { greeting?: unknown }).greeting",
    ),
  );
  const node = run(process.execPath, ["smoke.mjs"], dir);
  const bun = run(bin("bun"), ["smoke.mjs"], dir);
  run(bin("tsc"), [
    "--noEmit",
    "--strict",
    "--target",
    "es2022",
    "--module",
    "nodenext",
    "--lib",
    "es2022,dom,esnext.disposable",
    "--types",
    "node",
    "--typeRoots",
    join(root, "node_modules/@types"),
    "smoke.ts",
  ], dir);
  for (const [name, out] of [["node", node], ["bun", bun]]) {
    if (!/^ok sha256:[0-9a-f]{64}$/m.test(out)) {
      throw new Error(`the installed package failed on ${name}: ${out}`);
    }
  }
  console.log(
    `Installed ${tarball} into a clean project: works on Node.js and Bun, types check`,
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
