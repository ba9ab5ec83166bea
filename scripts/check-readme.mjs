// Runs the programs of README.md, CONTRIBUTING.md and docs/*.md as a reader
// would paste them, so the documents stay the one source of their code:
// each block is extracted here, never copied into a test.
//
// Every fenced block of those documents follows a marker comment that says
// what it is, and this file fails on a block without one:
//
//   <!-- readme-test: fragment -->                  not run; a TypeScript
//                                                   fragment is type-checked
//                                                   by `deno check --doc-only`
//   <!-- readme-test: config config.yaml -->        the quickstarts' config
//   <!-- readme-test: program RUNTIME FILE [tls] -->  a program, saved as FILE
//                                                   (RUNTIME deno, node, bun,
//                                                   or deno-npm: Deno in the
//                                                   npm project)
//   <!-- readme-test: test deno FILE -->            a test file
//   <!-- readme-test: run RUNTIME -->               the commands that start
//                                                   the program or test above
//
// A program runs in a new temporary project: on Node.js and Bun one that
// installs the packed tarball (`npm pack`) and the other packages it imports,
// at the versions package-lock.json pins; on Deno one whose import map points
// `@hup/reload` at this repository's mod.ts. It is started with its run
// block's commands (PORT=0 for a free port), requested, reloaded by SIGHUP
// and by POST with the token its run block sets, checked for the new value
// and the logged pass, and stopped.
//
//   node --test scripts/check-readme.mjs
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { X509Certificate } from "node:crypto";
import {
  mkdtemp,
  readdir,
  readFile,
  rm,
  symlink,
  writeFile,
} from "node:fs/promises";
import { get as httpsGet } from "node:https";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { connect } from "node:tls";
import { fileURLToPath } from "node:url";
import { dump, load } from "js-yaml";
import { generate } from "selfsigned";

const root = fileURLToPath(new URL("..", import.meta.url));
const readme = await readFile(join(root, "README.md"), "utf8");
// Every document whose code is run or checked, README first.
const DOCUMENTS = [
  "README.md",
  "CONTRIBUTING.md",
  ...(await readdir(join(root, "docs"))).filter((f) => f.endsWith(".md"))
    .sort().map((f) => `docs/${f}`),
];
const documents = await Promise.all(
  DOCUMENTS.map(async (file) => ({
    file,
    text: await readFile(join(root, file), "utf8"),
  })),
);
// The quickstarts' runtimes; deno-npm is Deno in the npm project.
const RUNTIMES = ["deno", "node", "bun"];
const PROGRAM_RUNTIMES = [...RUNTIMES, "deno-npm"];
const PACKAGE = "hup-reload";
const JSR_NAME = "@hup/reload";

/** Splits a document into its fenced code blocks, each with its marker. */
function readmeBlocks(text, file) {
  const lines = text.split("\n");
  const blocks = [];
  let prose = [];
  for (let i = 0; i < lines.length; i++) {
    const open = lines[i].match(/^(`{3,}|~{3,})\s*(.*)$/);
    if (open === null) {
      prose.push(lines[i]);
      continue;
    }
    const [, fence, info] = open;
    let end = i + 1;
    while (end < lines.length && lines[end].trim() !== fence) end++;
    if (end === lines.length) {
      throw new Error(
        `Cannot read ${file} as a code block is not closed: line ${i + 1}`,
      );
    }
    const before = prose.filter((l) => l.trim() !== "");
    const marker = before.at(-1)?.match(/^<!-- readme-test: (.+?) -->$/);
    const [lang = "", ...attrs] = info.trim().split(/\s+/).filter(Boolean);
    blocks.push({
      file,
      line: i + 1,
      lang,
      attrs,
      code: lines.slice(i + 1, end).join("\n") + "\n",
      marker: marker ? marker[1].trim().split(/\s+/) : null,
      prose: prose.join("\n"),
    });
    prose = [];
    i = end;
  }
  return blocks;
}

const blocks = documents.flatMap(({ file, text }) => readmeBlocks(text, file));
const where = (block) => `${block.file} line ${block.line}`;
const programs = blocks.filter((b) => b.marker?.[0] === "program");
const configBlock = blocks.find((b) => b.marker?.[0] === "config");

/** The run block right after a program. */
function runBlockOf(program) {
  const next = blocks[blocks.indexOf(program) + 1];
  assert.ok(
    next?.file === program.file && next?.marker?.[0] === "run" &&
      next.marker[1] === program.marker[1],
    `${where(program)}: a program needs a "run ${
      program.marker[1]
    }" block right after it`,
  );
  return next;
}

/** The bare packages a program imports (not node:, not relative). */
function importsOf(code) {
  const names = new Set();
  for (
    const [, spec] of code.matchAll(/^\s*import\s[^"']*["']([^"']+)["']/gm)
  ) {
    if (/^(node|bun|jsr|npm):|^[./]/.test(spec)) continue;
    const parts = spec.split("/");
    names.add(spec.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]);
  }
  return [...names];
}

/** The environment and command line a run block sets up. */
function parseRun(run) {
  const env = {};
  const commands = [];
  for (const raw of run.code.split("\n")) {
    const line = raw.replace(/(^|\s)#.*$/, "").trim();
    if (line === "") continue;
    const exported = line.match(/^export\s+([A-Z_][A-Z0-9_]*)=(\S+)$/);
    if (exported) {
      env[exported[1]] = exported[2];
      continue;
    }
    const words = line.split(/\s+/);
    while (/^[A-Z_][A-Z0-9_]*=/.test(words[0])) {
      const [name, ...value] = words.shift().split("=");
      env[name] = value.join("=");
    }
    commands.push(words);
  }
  assert.equal(
    commands.length,
    1,
    `${where(run)}: a run block has one command (after any exports)`,
  );
  return { env, argv: commands[0] };
}

// ------------------------------------------------------------ the markers

test("every code block of the README, CONTRIBUTING.md and docs/ is run by a test or marked as a fragment", () => {
  const problems = [];
  for (const block of blocks) {
    const [kind, ...args] = block.marker ?? [];
    const at = where(block);
    if (block.marker === null) {
      problems.push(
        `${at}: no <!-- readme-test: ... --> marker before the block`,
      );
    } else if (kind === "fragment") {
      if (
        ["ts", "typescript"].includes(block.lang) &&
        block.attrs.includes("ignore")
      ) {
        problems.push(
          `${at}: a TypeScript fragment must be type-checked: drop "ignore"`,
        );
      }
    } else if (kind === "config") {
      if (args.length !== 1 || block.lang !== "yaml") {
        problems.push(`${at}: "config FILE" marks a yaml block`);
      }
    } else if (kind === "program") {
      const [runtime, file, scenario = "greeting"] = args;
      if (
        !PROGRAM_RUNTIMES.includes(runtime) || file === undefined ||
        args.length > 3
      ) {
        problems.push(
          `${at}: "program RUNTIME FILE [SCENARIO]", RUNTIME one of ${PROGRAM_RUNTIMES}`,
        );
      } else if (!(scenario in SCENARIOS)) {
        problems.push(
          `${at}: no scenario "${scenario}" in scripts/check-readme.mjs`,
        );
      } else if (
        runtime === "node" && !/^(js|mjs|javascript)$/.test(block.lang)
      ) {
        problems.push(
          `${at}: the Node.js program must be JavaScript (no TypeScript loader)`,
        );
      }
    } else if (kind === "test") {
      if (args[0] !== "deno" || args.length !== 2) {
        problems.push(
          `${at}: "test deno FILE" marks a test file run by deno test`,
        );
      }
    } else if (kind === "run") {
      const previous = blocks[blocks.indexOf(block) - 1];
      if (
        previous?.file !== block.file ||
        !["program", "test"].includes(previous?.marker?.[0]) ||
        previous.marker[1] !== args[0]
      ) {
        problems.push(
          `${at}: a "run ${args[0]}" block must follow a ${
            args[0]
          } program or test`,
        );
      }
    } else {
      problems.push(`${at}: unknown marker "${kind}"`);
    }
    if (kind === "program" || kind === "test") {
      const next = blocks[blocks.indexOf(block) + 1];
      if (
        next?.file !== block.file || next?.marker?.[0] !== "run" ||
        next.marker[1] !== args[0]
      ) {
        problems.push(
          `${at}: it needs a "run ${args[0]}" block right after it`,
        );
      }
    }
  }
  assert.deepEqual(problems, []);
  for (const runtime of RUNTIMES) {
    assert.ok(
      programs.some((p) =>
        p.file === "README.md" && p.marker[1] === runtime &&
        (p.marker[3] ?? "greeting") === "greeting"
      ),
      `README.md has no ${runtime} quickstart`,
    );
  }
});

test("README quickstarts say what to install and set up logs and the token", () => {
  for (
    const program of programs.filter((p) =>
      (p.marker[3] ?? "greeting") === "greeting"
    )
  ) {
    const [, runtime] = program.marker;
    const install = {
      deno: "deno add",
      "deno-npm": "npm install",
      node: "npm install",
      bun: "bun add",
    }[runtime];
    const line = program.prose.split("\n").find((l) => l.includes(install));
    assert.ok(
      line,
      `${where(program)}: the text before it shows \`${install} ...\``,
    );
    for (const name of importsOf(program.code)) {
      assert.ok(
        line.includes(name),
        `${
          where(program)
        }: \`${install}\` does not name ${name}, which the program imports`,
      );
    }
    // The LogTape set-up that makes reloads visible in the logs.
    assert.match(
      program.code,
      /configure\(\{[\s\S]*getConsoleSink\(\)[\s\S]*category: \["hup-reload"\]/,
    );
    assert.ok(
      parseRun(runBlockOf(program)).env.RELOAD_TOKEN,
      `${where(program)}: the run block sets RELOAD_TOKEN`,
    );
  }
});

test("the operator commands of every document keep a failed reload's answer (curl --fail-with-body)", () => {
  const curls = documents.flatMap(({ text }) =>
    [...text.matchAll(/curl\s[^`\n]*/g)].map((m) => m[0])
  );
  assert.ok(curls.some((c) => c.includes("-X POST")));
  for (const curl of curls) {
    assert.doesNotMatch(
      curl,
      /\s-[a-zA-Z]*f[a-zA-Z]*\b|--fail(?!-with-body)/,
      curl,
    );
    if (curl.includes("-X POST")) assert.match(curl, /--fail-with-body/, curl);
  }
});

test("the README names the demo's variables, CONTRIBUTING.md the browser check's", () => {
  const contributing = documents.find((d) => d.file === "CONTRIBUTING.md");
  for (const name of ["DEMO_PORT", "DEMO_TOKEN"]) {
    assert.match(readme, new RegExp(`\\b${name}\\b`), name);
  }
  assert.match(contributing.text, /\bHUP_CHROMIUM\b/);
});

test("the README is the front page: at most 10 KB, linking every document", () => {
  assert.ok(
    Buffer.byteLength(readme) <= 10 * 1024,
    `README.md is ${Buffer.byteLength(readme)} bytes`,
  );
  for (const { file } of documents.slice(1)) {
    assert.ok(readme.includes(`(${file})`), `README.md links ${file}`);
  }
});

// ----------------------------------------------------------- the projects

const temps = [];
after(async () => {
  for (const dir of temps) await rm(dir, { recursive: true, force: true });
});
async function temp(prefix) {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  temps.push(dir);
  return dir;
}

/** The version of a package that package-lock.json installed here. */
async function lockedVersion(name) {
  const pkg = JSON.parse(
    await readFile(join(root, "node_modules", name, "package.json"), "utf8"),
  );
  return pkg.version;
}

let npmProject;
/** One project for Node.js and Bun: the packed tarball and what the programs import. */
function packedProject() {
  npmProject ??= (async () => {
    const dir = await temp("hup-readme-npm-");
    execFileSync("npm", ["pack", "--silent", "--pack-destination", dir], {
      cwd: root,
      stdio: ["ignore", "ignore", "inherit"],
    });
    const tarball = (await readdir(dir)).find((f) => f.endsWith(".tgz"));
    await writeFile(
      join(dir, "package.json"),
      JSON.stringify({
        name: "readme-quickstart",
        private: true,
        type: "module",
      }),
    );
    const others = new Set();
    for (const p of programs.filter((p) => p.marker[1] !== "deno")) {
      if (p.marker[1] === "deno-npm") continue; // its npm: imports
      for (const name of importsOf(p.code)) {
        if (name !== PACKAGE) others.add(name);
      }
    }
    const specs = await Promise.all(
      [...others].map(async (name) => `${name}@${await lockedVersion(name)}`),
    );
    execFileSync(
      "npm",
      [
        "install",
        "--no-audit",
        "--no-fund",
        "--silent",
        `./${tarball}`,
        ...specs,
      ],
      { cwd: dir, stdio: ["ignore", "ignore", "inherit"] },
    );
    return dir;
  })();
  return npmProject;
}

/** A new folder for one program: its runtime's project set up there. */
async function workdir(runtime) {
  const dir = await temp(`hup-readme-${runtime}-`);
  if (runtime === "deno") {
    // The sources, through an import map: @hup/reload is this repository.
    const { imports } = JSON.parse(
      await readFile(join(root, "deno.json"), "utf8"),
    );
    const absolute = Object.fromEntries(
      Object.entries(imports).map((
        [k, v],
      ) => [k, v.startsWith(".") ? join(root, v) : v]),
    );
    await writeFile(
      join(dir, "deno.json"),
      JSON.stringify({
        nodeModulesDir: "manual",
        imports: {
          ...absolute,
          [JSR_NAME]: join(root, "mod.ts"),
          [`${JSR_NAME}/testing`]: join(root, "testing.ts"),
        },
      }),
    );
    await symlink(join(root, "node_modules"), join(dir, "node_modules"), "dir");
  } else {
    const project = await packedProject();
    await writeFile(
      join(dir, "package.json"),
      await readFile(join(project, "package.json")),
    );
    await symlink(
      join(project, "node_modules"),
      join(dir, "node_modules"),
      "dir",
    );
  }
  return dir;
}

/** The environment a program starts in: tools from node_modules/.bin. */
function baseEnv() {
  const env = { ...process.env, NO_COLOR: "1" };
  delete env.RELOAD_TOKEN;
  delete env.PORT;
  delete env.FORCE_COLOR;
  env.PATH = `${join(root, "node_modules/.bin")}:${process.env.PATH}`;
  return env;
}

/** Starts a run block's command; reads stdout and stderr line by line. */
function start(run, cwd, env) {
  const { argv } = parseRun(run);
  const child = spawn(argv[0], argv.slice(1), {
    cwd,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines = [];
  const waiters = new Set();
  let exited = false;
  const wake = () => {
    for (const w of [...waiters]) w();
  };
  const exit = new Promise((resolve) =>
    child.on("exit", (code, signal) => {
      exited = true;
      resolve({ code, signal });
      wake();
    })
  );
  child.on("error", () => {
    exited = true;
    wake();
  });
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on("line", (line) => {
      lines.push(line);
      wake();
    });
  }
  /** Resolves with the first line (seen or to come) that matches. */
  const waitFor = (pattern) =>
    new Promise((resolve, reject) => {
      const look = () => {
        const found = lines.find((l) => pattern.test(l));
        if (found !== undefined) {
          waiters.delete(look);
          resolve(found.match(pattern));
        } else if (exited) {
          waiters.delete(look);
          reject(
            new Error(
              `${argv.join(" ")} exited before printing ${pattern}:\n${
                lines.join("\n")
              }`,
            ),
          );
        }
      };
      waiters.add(look);
      look();
    });
  const stop = async () => {
    if (!exited) child.kill("SIGTERM");
    await exit;
  };
  return { child, lines, waitFor, stop, exit };
}

// The quickstarts' first line: the port, and the pid that kill -HUP takes.
const listening =
  /Listening on https?:\/\/[^\s/]+:(\d+)\S*(?: \(pid (\d+): kill -HUP \2 reloads\))?/;

// ---------------------------------------------------------- the scenarios

const SCENARIOS = {
  /** Serves `greeting`, reloads on SIGHUP and on POST with the token. */
  async greeting(dir, env, run) {
    assert.ok(
      configBlock,
      "README.md has no <!-- readme-test: config FILE --> block",
    );
    const configFile = join(dir, configBlock.marker[1]);
    const original = load(configBlock.code);
    assert.equal(
      typeof original.greeting,
      "string",
      `${where(configBlock)}: greeting`,
    );
    const token = env.RELOAD_TOKEN;
    await writeFile(configFile, configBlock.code);

    const service = start(run, dir, env);
    try {
      const [, port, pid] = await service.waitFor(listening);
      assert.ok(pid, "the quickstart prints its pid and kill -HUP <pid>");
      const base = `http://127.0.0.1:${port}`;
      const greet = async () => await (await fetch(`${base}/`)).text();
      const post = (headers = {}) =>
        fetch(`${base}/-/reload`, { method: "POST", headers });
      const bearer = { authorization: `Bearer ${token}` };
      assert.equal(await greet(), `${original.greeting}\n`);

      // kill -HUP <pid>: the pass is logged and the new greeting served.
      await writeFile(configFile, dump({ ...original, greeting: "Howdy" }));
      // The pid it printed, as an operator would.
      process.kill(Number(pid), "SIGHUP");
      await service.waitFor(/hup-reload\S*\s.*succeeded.*\bgeneration 1\b/);
      assert.equal(await greet(), "Howdy\n");

      // POST: refused without the token, a pass with it.
      await writeFile(configFile, dump({ ...original, greeting: "Hi" }));
      const refused = await post();
      assert.equal(refused.status, 401);
      await refused.body?.cancel();
      const posted = await post(bearer);
      assert.equal(posted.status, 200);
      const result = await posted.json();
      assert.equal(result.status, "full_success");
      assert.equal(result.generation, 2);
      await service.waitFor(/hup-reload\S*\s.*succeeded.*\bgeneration 2\b/);
      assert.equal(await greet(), "Hi\n");

      // A broken file: a failure status, and the result that says why
      // (what curl --fail-with-body prints); the greeting stays.
      await writeFile(configFile, "greeting: [unclosed\n");
      const failed = await post(bearer);
      assert.equal(failed.status, 422);
      const why = await failed.json();
      assert.equal(why.status, "load_failed");
      assert.match(why.load_error, /config\.yaml/);
      assert.equal(await greet(), "Hi\n");
    } finally {
      await service.stop();
    }

    // Without RELOAD_TOKEN, POST answers 403: why the run block sets one.
    await writeFile(configFile, configBlock.code);
    const open = { ...env };
    delete open.RELOAD_TOKEN;
    const bare = start(run, dir, open);
    try {
      const [, port] = await bare.waitFor(listening);
      const refused = await fetch(`http://127.0.0.1:${port}/-/reload`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}` },
      });
      assert.equal(refused.status, 403);
      await refused.body?.cancel();
    } finally {
      await bare.stop();
    }
  },

  /** Serves TLS and swaps the certificate on SIGHUP. */
  async tls(dir, env, run) {
    const pair = async (name) => {
      const pems = await generate([{ name: "commonName", value: name }], {
        keyType: "ec",
        algorithm: "sha256",
      });
      return {
        cert: pems.cert,
        key: pems.private,
        fingerprint: new X509Certificate(pems.cert).fingerprint256,
      };
    };
    const [first, second] = await Promise.all([pair("first"), pair("second")]);
    const install = async ({ cert, key }) => {
      await writeFile(join(dir, "cert.pem"), cert);
      await writeFile(join(dir, "key.pem"), key);
    };
    await install(first);
    await writeFile(
      join(dir, "config.yaml"),
      dump({ tls: { cert: "cert.pem", key: "key.pem" } }),
    );
    // This program prints the port it was given: find a free one.
    const port = await new Promise((resolve) => {
      const probe = createServer().listen(0, "127.0.0.1", () => {
        const { port } = probe.address();
        probe.close(() => resolve(port));
      });
    });
    const served = (options = {}) =>
      new Promise((resolve, reject) => {
        const socket = connect({
          host: "127.0.0.1",
          port,
          servername: "localhost",
          rejectUnauthorized: false,
          ...options,
        }, () => {
          resolve(socket.getPeerCertificate().fingerprint256);
          socket.end();
        });
        socket.on("error", reject);
      });
    const service = start(run, dir, { ...env, PORT: String(port) });
    try {
      const [, printed] = await service.waitFor(listening);
      assert.equal(Number(printed), port);
      assert.equal(await served(), first.fingerprint);
      const body = await new Promise((resolve, reject) => {
        httpsGet({
          host: "127.0.0.1",
          port,
          path: "/",
          rejectUnauthorized: false,
        }, (res) => {
          let text = "";
          res.on("data", (chunk) => (text += chunk));
          res.on("end", () => resolve(text));
        }).on("error", reject);
      });
      assert.equal(body, "ok\n");

      await install(second);
      service.child.kill("SIGHUP");
      await service.waitFor(/reload: full_success/);
      assert.equal(await served(), second.fingerprint);
    } finally {
      await service.stop();
    }
  },
};

// ------------------------------------------------------------- the runs

for (const program of programs) {
  const [, runtime, file, scenario = "greeting"] = program.marker;
  test(
    `${
      where(program)
    }: the ${runtime} program (${file}) runs as written and reloads (${scenario})`,
    {
      timeout: 180_000,
    },
    async () => {
      const run = runBlockOf(program);
      const dir = await workdir(runtime);
      await writeFile(join(dir, file), program.code);
      const env = { ...baseEnv(), ...parseRun(run).env, PORT: "0" };
      await SCENARIOS[scenario](dir, env, run);
    },
  );
}

for (const block of blocks.filter((b) => b.marker?.[0] === "test")) {
  const [, runtime, file] = block.marker;
  test(
    `${
      where(block)
    }: the ${runtime} test file (${file}) passes as its run block runs it`,
    {
      timeout: 120_000,
    },
    async () => {
      const run = runBlockOf(block);
      const dir = await workdir(runtime);
      await writeFile(join(dir, file), block.code);
      const tester = start(run, dir, { ...baseEnv(), ...parseRun(run).env });
      const { code } = await tester.exit;
      assert.equal(code, 0, tester.lines.join("\n"));
      assert.match(tester.lines.join("\n"), /\bok \| 1 passed \| 0 failed\b/);
    },
  );
}
