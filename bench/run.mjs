// The benchmark runner: `node bench/run.mjs [--quick] [--only=1,2,3,4,5,6,7,8,9]
// [--runtimes=deno,node,bun]`. Runs every benchmark on Deno, Node.js and Bun
// (one process at a time: the machine this was written for has 2 cores),
// then prints Markdown tables: ratios against their baselines measured in the
// same run (median [min-max] over rounds), the goals, where a reload pass
// spends its time, and the machine.
//
// On Node.js and Bun the module is dist/ (run `npm run build` first); on Deno
// it is mod.ts. See bench/README.md.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import os from "node:os";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { findEtcd, NO_ETCD, startEtcd } from "./etcd.mjs";
import { fileChangeBench } from "./file_change.mjs";
import { flags } from "./lib.mjs";
import { peerStartBench } from "./peer_start.mjs";
import { peerWatchBench } from "./peer_watch.mjs";
import { PREVIOUS, previousLoader } from "./previous.mjs";
import { etcdChangeBench, httpChangeBench } from "./remote_change.mjs";
import { serveBench } from "./serve.mjs";
import { signalBench } from "./signal.mjs";
import { workerMemoryBench } from "./worker_memory.mjs";

const opts = flags();
const started = performance.now();
const here = (f) => fileURLToPath(new URL(f, import.meta.url));
const repo = fileURLToPath(new URL("../", import.meta.url));
const bin = (name) => {
  const local = `${repo}node_modules/.bin/${name}`;
  return existsSync(local) ? local : name;
};

const runtimes = {
  deno: {
    command: bin("deno"),
    args: [
      "run",
      "--quiet",
      "--allow-read",
      "--allow-write",
      "--allow-env",
      "--allow-net=127.0.0.1",
      "--allow-sys",
      "--v8-flags=--expose-gc",
    ],
  },
  node: { command: process.execPath, args: ["--expose-gc"] },
  bun: { command: bin("bun"), args: [] },
};
const selected = (opts.runtimes ?? "deno,node,bun").split(",");
const only = opts.only === undefined ? null : String(opts.only).split(",");
const passOn = opts.quick ? ["--quick"] : [];

function version(name) {
  try {
    if (name === "node") return `node ${process.versions.node}`;
    const out = execFileSync(runtimes[name].command, ["--version"], {
      encoding: "utf8",
    });
    const first = out.split("\n")[0].trim();
    return name === "bun" ? `bun ${first}` : first;
  } catch {
    return `${name} (not found)`;
  }
}

function machine() {
  let memory = `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB total`;
  try {
    memory = execFileSync("free", ["-h"], { encoding: "utf8" }).trimEnd();
  } catch { /* not Linux */ }
  let cpu = os.cpus()[0]?.model ?? "unknown";
  try {
    const m = readFileSync("/proc/cpuinfo", "utf8").match(
      /^model name\s*:\s*(.*)$/m,
    );
    if (m) cpu = m[1];
  } catch { /* not Linux */ }
  return {
    nproc: os.availableParallelism?.() ?? os.cpus().length,
    cpu,
    memory,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    versions: selected.map(version),
  };
}

// Runs one benchmark script on one runtime; collects its "@@bench" rows.
function runScript(runtime, script, env = {}) {
  const { command, args } = runtimes[runtime];
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args, here(script), ...passOn], {
      stdio: ["ignore", "pipe", "inherit"],
      env: { ...process.env, ...env },
    });
    const rows = [];
    let buffer = "";
    child.stdout.on("data", (chunk) => {
      buffer += chunk;
      let nl;
      while ((nl = buffer.indexOf("\n")) !== -1) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (line.startsWith("@@bench ")) rows.push(JSON.parse(line.slice(8)));
        else if (line.trim() !== "") process.stderr.write(`${line}\n`);
      }
    });
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      if (code === 0) resolve(rows);
      else {
        reject(
          new Error(`${script} on ${runtime} failed (${code ?? signal})`),
        );
      }
    });
  });
}

const wanted = (id) => only === null || only.includes(id);
const rows = [];
// Rows that did not run, and why: one line each, printed now and kept for
// the method notes.
const skip = (text) => {
  console.error(text);
  rows.push({ runtime: "", bench: "note", metric: text });
};

// The previous loader for benchmark 2, prepared once for the run (reused
// by --quick when it is there).
let previous;
if (wanted("2")) {
  const prepared = previousLoader(!opts.quick);
  if (prepared.skipped === undefined) previous = prepared.dir;
  else {
    skip(
      `benchmark 2: the new pipeline / previous loader rows did not run: ${prepared.skipped}`,
    );
  }
}

// One etcd server for benchmark 7, started when the benchmark first needs
// it and stopped at the end of the run.
let etcdBinary;
let etcd;
if (wanted("7")) {
  etcdBinary = await findEtcd();
  if (etcdBinary === undefined) skip(`benchmark 7: ${NO_ETCD}`);
}

const benches = [
  ["1", (rt) => runScript(rt, "read_path.mjs")],
  [
    "2",
    async (rt) => [
      ...await runScript(rt, "reload_pass.mjs"),
      ...previous === undefined ? [] : await runScript(
        rt,
        "previous_pass.mjs",
        {
          HUP_BENCH_PREVIOUS: previous,
          HUP_BENCH_PREVIOUS_COMMIT: PREVIOUS,
        },
      ),
    ],
  ],
  [
    "3",
    (rt) =>
      serveBench(
        rt,
        runtimes[rt].command,
        [...runtimes[rt].args, here("serve_child.mjs")],
        opts,
      ),
  ],
  [
    "4",
    (rt) =>
      signalBench(
        rt,
        runtimes[rt].command,
        [...runtimes[rt].args, here("signal_child.mjs")],
        opts,
      ),
  ],
  [
    "5",
    async (rt) => [
      ...await runScript(rt, "memory.mjs"),
      ...await workerMemoryBench(
        rt,
        runtimes[rt].command,
        [...runtimes[rt].args, here("worker_memory_child.mjs")],
        opts,
      ),
    ],
  ],
  [
    "6",
    (rt) =>
      fileChangeBench(
        rt,
        runtimes[rt].command,
        [...runtimes[rt].args, here("file_change_child.mjs")],
        opts,
      ),
  ],
  [
    "7",
    async (rt) => {
      const out = [];
      if (etcdBinary !== undefined) {
        etcd ??= await startEtcd(etcdBinary);
        out.push(
          ...await etcdChangeBench(
            rt,
            runtimes[rt].command,
            [...runtimes[rt].args, here("remote_change_child.mjs")],
            opts,
            etcd,
          ),
        );
      }
      out.push(
        ...await httpChangeBench(
          rt,
          runtimes[rt].command,
          [...runtimes[rt].args, here("remote_change_child.mjs")],
          opts,
        ),
      );
      return out;
    },
  ],
  ["8", (rt) => runScript(rt, "compare.mjs")],
  [
    "9",
    async (rt) => [
      ...await runScript(rt, "peer.mjs"),
      ...await peerWatchBench(
        rt,
        runtimes[rt].command,
        [...runtimes[rt].args, here("peer_watch_child.mjs")],
        opts,
      ),
      ...await peerStartBench(
        rt,
        runtimes[rt].command,
        [...runtimes[rt].args, here("peer_start_child.mjs")],
        opts,
      ),
    ],
  ],
];

let failed = 0;
try {
  for (const [id, run] of benches) {
    if (!wanted(id)) continue;
    for (const rt of selected) {
      const t0 = performance.now();
      try {
        rows.push(...await run(rt));
      } catch (error) {
        failed++;
        console.error(`benchmark ${id} on ${rt}: ${error.stack ?? error}`);
      }
      console.error(
        `[bench ${id}] ${rt}: ${
          ((performance.now() - t0) / 1000).toFixed(1)
        } s`,
      );
    }
  }
} finally {
  await etcd?.stop();
}

// ---------------------------------------------------------------- tables

function cell(row) {
  if (row === undefined) return "–";
  const mark = row.ok === true ? " ✓" : row.ok === false ? " ✗" : "";
  const spread = row.lo !== undefined && row.hi !== undefined
    ? ` [${fmt(row.lo, row.unit)}–${fmt(row.hi, row.unit)}]`
    : "";
  const extra = row.extra !== undefined ? ` / ${fmt(row.extra, row.unit)}` : "";
  return `${fmt(row.value, row.unit)}${extra}${
    row.unit === "x" ? "×" : row.unit === "count" ? "" : ` ${row.unit}`
  }${spread}${mark}`;
}
function fmt(v, unit) {
  if (unit === "count") return String(v);
  if (unit === "x") return v.toFixed(2);
  if (unit === "ms") return v < 1 ? v.toFixed(3) : v.toFixed(2);
  return v.toFixed(2);
}

const out = [];
const line = (s = "") => out.push(s);
const main = rows.filter((r) => r.bench !== "note" && r.bench !== "2 stages");
const keys = [...new Set(main.map((r) => `${r.bench}\u0000${r.metric}`))];
line(
  `## Results${opts.quick ? " (--quick: fewer, shorter rounds)" : ""}`,
);
line();
line(`| benchmark | metric | goal | ${selected.join(" | ")} |`);
line(`| --- | --- | --- | ${selected.map(() => "---").join(" | ")} |`);
for (const key of keys) {
  const [bench, metric] = key.split("\u0000");
  const byRt = Object.fromEntries(
    main.filter((r) => r.bench === bench && r.metric === metric).map((
      r,
    ) => [r.runtime, r]),
  );
  const goal = Object.values(byRt)[0]?.goal ?? "";
  line(
    `| ${bench} | ${metric} | ${goal} | ${
      selected.map((rt) => cell(byRt[rt])).join(" | ")
    } |`,
  );
}
line();
line(
  "Ratios: median over rounds [min–max], each round measuring both sides in the same process; ✓ goal met, ✗ missed.",
);
line();
line("### Details");
line();
for (const key of keys) {
  const [bench, metric] = key.split("\u0000");
  const details = main.filter((r) =>
    r.bench === bench && r.metric === metric && r.detail
  );
  if (details.length === 0) continue;
  line(`- ${bench}, ${metric}:`);
  for (const r of details) line(`  - ${r.runtime}: ${r.detail}`);
}

const stages = rows.filter((r) => r.bench === "2 stages");
if (stages.length > 0) {
  const sizes = [...new Set(stages.map((r) => r.size))];
  const cols = selected.flatMap((rt) => sizes.map((s) => [rt, s]));
  line();
  line("### Where a reload pass spends its time (benchmark 2)");
  line();
  line(
    "Each stage timed alone with the module's building blocks, median ms (share of the measured module pass).",
  );
  line();
  line(`| stage | ${cols.map(([rt, s]) => `${rt} ${s}`).join(" | ")} |`);
  line(`| --- | ${cols.map(() => "---").join(" | ")} |`);
  for (const metric of [...new Set(stages.map((r) => r.metric))]) {
    const cells = cols.map(([rt, s]) => {
      const r = stages.find((x) =>
        x.runtime === rt && x.size === s && x.metric === metric
      );
      return r === undefined
        ? "–"
        : `${fmt(r.value, "ms")} (${(r.share * 100).toFixed(1)}%)`;
    });
    line(`| ${metric} | ${cells.join(" | ")} |`);
  }
}

const notes = [
  ...new Set(rows.filter((r) => r.bench === "note").map((r) => r.metric)),
];
if (notes.length > 0) {
  line();
  line("### Method notes");
  line();
  for (const n of notes) line(`- ${n}`);
}

const m = machine();
line();
line("### Machine");
line();
line(`- nproc: ${m.nproc}`);
line(`- CPU: ${m.cpu}`);
line(`- OS: ${m.os}`);
line(`- runtimes: ${m.versions.join(", ")}`);
line(
  `- total time: ${((performance.now() - started) / 1000).toFixed(0)} s`,
);
line("- free -h:");
line();
line("```");
line(m.memory);
line("```");

console.log(out.join("\n"));
if (failed > 0) {
  console.error(`${failed} benchmark run(s) failed`);
  process.exitCode = 1;
}
