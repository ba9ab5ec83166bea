// Packs the npm package, installs the tarball into a clean temp project and
// uses it there from Node.js and Bun, as a user would: every entry point, a
// real reload of a real file, and a type check of the consumer's code as a
// strict consumer would run it (ES2022 and @types/node only, no skipLibCheck).
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
import { Coordinator } from "hup-reload";
import { metricsText, reloadHandler } from "hup-reload/http";
import { logLevelHook, LogLevelVar } from "hup-reload/log-level";
import { tlsHook } from "hup-reload/tls";
import { fileChanges } from "hup-reload/watch";
import { ManualSignals, nextReload, tempConfig } from "hup-reload/testing";

const file = await tempConfig("greeting: hello\\nlevel: info\\n");
const signals = new ManualSignals();
const level = new LogLevelVar("info");
const rotated = [];
const coordinator = await Coordinator.create({
  configPath: file.path,
  signals,
  triggers: [fileChanges()],
  hooks: [
    logLevelHook(level, (config) => config.level),
    tlsHook({ reload: (config) => void rotated.push(config) }),
  ],
});
coordinator.watch();
await file.replace("greeting: hi\\nlevel: debug\\n");
const next = nextReload(coordinator);
signals.fire("SIGHUP");
const result = await next;
assert.equal(result.status, "full_success");
assert.equal(coordinator.config.load().greeting, "hi");
assert.equal(level.level, "debug");
assert.equal(rotated.length, 1);
const response = await reloadHandler(coordinator)(new Request("http://localhost/-/reload"));
assert.equal((await response.json()).generation, 1);
assert.match(metricsText(coordinator), /^hup_reload_generation 1$/m);
await coordinator.shutdown();
await file[Symbol.asyncDispose]();
console.log("ok", result.config_digest);
`;
  await writeFile(join(dir, "smoke.mjs"), program);
  // The same program as a strict TypeScript consumer: ES2022 and Node's
  // types only, every declaration file checked.
  await writeFile(
    join(dir, "smoke.ts"),
    program
      .replace("const rotated = [];", "const rotated: unknown[] = [];")
      .replaceAll("(config) =>", "(config: Record<string, unknown>) =>")
      .replace(
        "(await response.json()).generation",
        "((await response.json()) as { generation: number }).generation",
      ),
  );
  const node = run(process.execPath, ["smoke.mjs"], dir);
  const bun = run(bin("bun"), ["smoke.mjs"], dir);
  run(bin("tsc"), [
    "--noEmit",
    "--strict",
    "--skipLibCheck",
    "false",
    "--target",
    "es2022",
    "--module",
    "nodenext",
    "--lib",
    "es2022",
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
