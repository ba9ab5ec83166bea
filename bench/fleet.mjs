// By hand: eight services, every config file changed, until the reload
// command has every service's verdict. Three ways of asking, timed from the
// change to the command's end, median [min-max] over rounds:
//
// - `runCli(["reload", "--url" x8])` in this process: the fan-out alone;
// - the same with `--rolling`: one instance at a time, a canary;
// - `hup-reload reload --url x8`, one child process (Node.js running the
//   npm package's bin): the fan-out plus one start-up;
// - `hup-reload reload --url`, eight child processes at once: what a fleet
//   took before reload took more than one --url.
//
// The services run in this process (a coordinator and its reload handler
// on 127.0.0.1 each, as tests/fleet.test.ts starts them); each round
// writes every file anew, so every pass loads and swaps a new config, and
// checks that every service is on the new generation afterwards.
//
//   npm run build && node bench/fleet.mjs [--rounds=11] [--runtimes=node]
//
// Prints `@@bench` rows (see lib.mjs) and a Markdown table.
import { spawn } from "node:child_process";
import { createServer } from "node:http";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { writeFile } from "node:fs/promises";
import {
  flags,
  loadEntry,
  loadInternal,
  loadModule,
  report,
  summary,
  tempDir,
} from "./lib.mjs";

const INSTANCES = 8;
const GOAL_MS = 300;
const root = fileURLToPath(new URL("../", import.meta.url));
const args = flags();
const rounds = Number(args.rounds ?? (args.quick ? 3 : 11));

const { Coordinator } = await loadModule();
const { nodeListener, reloadHandler } = await loadEntry("http");
const { runCli } = await loadInternal("cli/main");

const dir = await tempDir();
const services = [];
for (let i = 0; i < INSTANCES; i++) {
  const path = join(dir, `config-${i}.yaml`);
  await writeFile(path, "greeting: hello\nround: 0\n");
  const coordinator = await Coordinator.create({ configPath: path });
  const server = createServer(
    nodeListener(reloadHandler(coordinator, { allowUnauthenticated: true })),
  );
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${server.address().port}/-/reload`;
  services.push({ path, coordinator, server, url });
}
const urlArgs = services.flatMap((s) => ["--url", s.url]);

let round = 0;
async function change() {
  round++;
  await Promise.all(
    services.map((s) =>
      writeFile(s.path, `greeting: hello\nround: ${round}\n`)
    ),
  );
  return round;
}
function check(expected, how) {
  for (const s of services) {
    if (s.coordinator.config.load().round !== expected) {
      throw new Error(`${how}: a service is not on round ${expected}`);
    }
  }
}

function run(argv) {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), {
      cwd: root,
      stdio: ["ignore", "ignore", "inherit"],
    });
    child.on("error", reject);
    child.on(
      "close",
      (code) => code === 0 ? resolve() : reject(new Error(`exit ${code}`)),
    );
  });
}

const bin = ["node", join(root, "bin/hup-reload.js")];
const quiet = {
  stdout: () => {},
  stderr: (text) => process.stderr.write(text),
  env: () => undefined,
  cwd: () => root,
  fetch: (input, init) => fetch(input, init),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle),
};
const ways = {
  "in process (runCli, --url x8)": async () => {
    const code = await runCli(["reload", ...urlArgs], quiet);
    if (code !== 0) throw new Error(`exit ${code}`);
  },
  "in process, rolling (runCli, --rolling, one at a time)": async () => {
    const code = await runCli(["reload", "--rolling", ...urlArgs], quiet);
    if (code !== 0) throw new Error(`exit ${code}`);
  },
  "one process (hup-reload reload --url x8)": () =>
    run([...bin, "reload", ...urlArgs]),
  "8 processes (hup-reload reload --url, x8 at once)": () =>
    Promise.all(services.map((s) => run([...bin, "reload", "--url", s.url]))),
};

const times = Object.fromEntries(Object.keys(ways).map((k) => [k, []]));
// One warm-up round of each, discarded; then the ways in turn per round.
for (let r = -1; r < rounds; r++) {
  for (const [name, way] of Object.entries(ways)) {
    const expected = await change();
    const t0 = performance.now();
    await way();
    const ms = performance.now() - t0;
    check(expected, name);
    if (r >= 0) times[name].push(ms);
  }
}

console.log(
  `| ${INSTANCES} services, change → every verdict | median ms [min–max], n=${rounds} |`,
);
console.log("|---|---|");
for (const [name, list] of Object.entries(times)) {
  const s = summary(list);
  const inProcess = name.startsWith("in process");
  report({
    bench: "fleet",
    metric: name,
    ...s,
    unit: "ms",
    goal: inProcess ? `< ${GOAL_MS} ms` : "",
    ok: inProcess ? s.value < GOAL_MS : null,
  });
  console.log(
    `| ${name} | ${s.value.toFixed(0)} [${s.lo.toFixed(0)}–${
      s.hi.toFixed(0)
    }] |`,
  );
}

for (const s of services) {
  s.server.closeAllConnections();
  await new Promise((resolve) => s.server.close(resolve));
  await s.coordinator.shutdown();
}
