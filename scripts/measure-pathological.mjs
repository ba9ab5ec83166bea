// Measures how long a pass takes to refuse (or load) each pathological file
// of tests/_pathological.ts, at 128 KiB and 1 MiB, against the bare parser
// of its format on the same text in the same process (js-yaml load() for
// YAML, JSON.parse for JSON, smol-toml parse() for TOML), and prints a
// Markdown table:
//   npm run build && npm run build:tests && node scripts/measure-pathological.mjs
// Options: --sizes=131072,1048576  --only=name,name  --formats=yaml,json,toml
// --timeout=60 (seconds per case; a case past it is reported as such)
// --rounds=5 (median of)  --warmup=3 (rounds first run and not counted, so
// that both are compiled alike). Each case runs in a fresh Node.js process;
// both run in it, alternating.
import { execFileSync } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import process from "node:process";
import { fileURLToPath } from "node:url";

const flag = (name, fallback) =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ??
    fallback;
const sizes = flag("sizes", "131072,1048576").split(",").map(Number);
const only = flag("only", "");
const formats = flag("formats", "yaml,json,toml").split(",");
const timeout = Number(flag("timeout", "60")) * 1000;
const rounds = Number(flag("rounds", "5"));
const warmup = Number(flag("warmup", "3"));
const repo = fileURLToPath(new URL("../", import.meta.url));
const shared = new URL("../build/tests/_pathological.js", import.meta.url)
  .href;

// One case at one size: writes the file, then alternates the bare parser
// and a pass of one coordinator, `warmup + rounds` times each, and prints
// the medians of the last `rounds`.
const child = `
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { load } from "js-yaml";
import { parse as parseToml } from "smol-toml";
import { AtomicConfig, Coordinator } from "hup-reload";
import { cases, env, schema, SECRET } from ${JSON.stringify(shared)};
const [name, size, rounds, warmup] = process.argv.slice(2).map((a, i) => i === 0 ? a : Number(a));
const kase = cases.find((c) => c.name === name);
const bareParse = { yaml: load, json: JSON.parse, toml: parseToml }[kase.format];
const content = kase.make(size);
const bytes = typeof content === "string" ? new TextEncoder().encode(content) : content;
const text = new TextDecoder().decode(bytes);
const dir = await mkdtemp(join(tmpdir(), "hup-pathological-"));
const path = join(dir, \`config.\${kase.format}\`);
await writeFile(path, bytes);
// Past the settle window, so no pass waits for the file to be left alone.
await new Promise((resolve) => setTimeout(resolve, 50));
const median = (xs) => xs.sort((a, b) => a - b)[xs.length >> 1];
const bare = [], ours = [];
let result, bareOutcome;
// One coordinator, as a service has: whatever it sets up on its first pass
// is done in the warm-up rounds.
const coordinator = new Coordinator({
  configPath: path, config: new AtomicConfig({ server: { port: 1 } }),
  schema, env, hooks: [],
});
for (let i = 0; i < warmup + rounds; i++) {
  let t = performance.now();
  try { bareParse(text); bareOutcome = "loads"; } catch (e) { bareOutcome = "throws"; }
  if (i >= warmup) bare.push(performance.now() - t);
  t = performance.now();
  result = await coordinator.reload();
  if (i >= warmup) ours.push(performance.now() - t);
}
await coordinator.shutdown();
await rm(dir, { recursive: true, force: true });
const error = result.load_error ?? "";
console.log(JSON.stringify({
  bytes: bytes.length, bare: median(bare), ours: median(ours), bareOutcome,
  status: result.status, errorLength: new TextEncoder().encode(error).length,
  leaks: JSON.stringify(result).includes(SECRET),
  gist: error.replace(/^Cannot load config as /, "").split(/:[ \\n]/)[0].slice(0, 60),
}));
`;

// The child runs from a file (in build/, beside the shared module): a
// worker of a process started with --input-type=module -e would inherit
// those flags.
const childPath = fileURLToPath(
  new URL("../build/measure-pathological-child.mjs", import.meta.url),
);
writeFileSync(childPath, child);
process.on("exit", () => rmSync(childPath, { force: true }));

const { cases } = await import(shared);
const kib = (n) => n >= 1048576 ? `${n / 1048576} MiB` : `${n / 1024} KiB`;
const bareName = { yaml: "js-yaml", json: "JSON.parse", toml: "smol-toml" };
console.log(
  "| case | size | ours (ms) | bare parser (ms) | ratio | load_error (bytes) | outcome |",
);
console.log("| --- | --- | ---: | ---: | ---: | ---: | --- |");
for (const { name, format } of cases) {
  if (only !== "" && !only.split(",").includes(name)) continue;
  if (!formats.includes(format)) continue;
  for (const size of sizes) {
    let row;
    try {
      const out = JSON.parse(
        execFileSync(
          process.execPath,
          [
            childPath,
            name,
            String(size),
            String(rounds),
            String(warmup),
          ],
          { cwd: repo, timeout, stdio: ["ignore", "pipe", "inherit"] },
        ).toString(),
      );
      const outcome = `${out.status}${out.leaks ? " LEAKS" : ""}: ${out.gist}`;
      row = [
        out.ours.toFixed(1),
        `${out.bare.toFixed(1)} (${bareName[format]} ${out.bareOutcome})`,
        (out.ours / out.bare).toFixed(1),
        out.errorLength,
        outcome,
      ];
    } catch (error) {
      const timedOut = error.signal === "SIGTERM";
      row = [
        timedOut ? `> ${timeout}` : "failed",
        "",
        "",
        "",
        timedOut ? "timed out" : String(error.message).slice(0, 60),
      ];
    }
    console.log(`| ${name} | ${kib(size)} | ${row.join(" | ")} |`);
  }
}
