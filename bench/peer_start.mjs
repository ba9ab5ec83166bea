// Benchmark 9, a cold start (runs on Node.js, inside bench/run.mjs): fresh
// processes of the runtime under test (bench/peer_start_child.mjs) that each
// import one library and load a 10 KB config once, hup-reload's and c12's
// in turn (ABBA), after one discarded pair (the runtime's own caches: the
// page cache, Deno's transpiled mod.ts). The row is the median over pairs
// of hup-reload's time / c12's, [min–max].
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { age, makeConfig, median, summary, tempDir, wallNow } from "./lib.mjs";

function once(command, args) {
  return new Promise((resolve, reject) => {
    const start = wallNow();
    const child = spawn(command, args, {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (chunk) => out += chunk);
    child.on("error", reject);
    child.on("exit", (code) => {
      if (code !== 0) {
        reject(
          new Error(`cold-start child ${args.at(-2)} exited with ${code}`),
        );
        return;
      }
      resolve({
        ...JSON.parse(out.trim().split("\n").at(-1)),
        wall: wallNow() - start,
      });
    });
  });
}

export async function peerStartBench(runtime, command, args, opts) {
  const pairs = opts.quick ? 3 : 10;
  const dir = await tempDir();
  const path = join(dir, "config.yaml");
  writeFileSync(path, makeConfig(10 * 1024));
  await age(path);
  const run = (side) => once(command, [...args, side, path]);
  const ours = [];
  const theirs = [];
  for (let i = -1; i < pairs; i++) {
    const order = i % 2 === 0 ? ["hup", "c12"] : ["c12", "hup"];
    const got = {};
    for (const side of order) got[side] = await run(side);
    if (i < 0) continue;
    ours.push(got.hup);
    theirs.push(got.c12);
  }
  const ratios = ours.map((o, i) => o.total / theirs[i].total);
  const m = (list, key) => median(list.map((x) => x[key])).toFixed(1);
  const s = summary(ratios);
  return [{
    runtime,
    bench: "9 peer: c12",
    metric:
      `cold start: import + first 10 KB load in a fresh process (median of ${pairs}): hup-reload / c12`,
    ...s,
    unit: "x",
    goal: "<= 1.00x",
    ok: s.value <= 1,
    detail: `hup-reload ${m(ours, "total")} ms (import ${
      m(ours, "import")
    }, load ${m(ours, "load")}) vs c12 ${m(theirs, "total")} ms (import ${
      m(theirs, "import")
    }, load ${m(theirs, "load")}); whole process, spawn to exit: ${
      m(ours, "wall")
    } vs ${m(theirs, "wall")} ms`,
  }];
}
