// The cost of verifying the sources (`coordinator.verify()`, which `watch()`
// runs every `verifyEvery`, 30 s by default), on the runtime that runs this
// script (`deno run -A bench/verify.mjs`, `node bench/verify.mjs`,
// `bun bench/verify.mjs`; Node.js and Bun run the build). For a 10 KB and a
// 1 MB config file:
// - an idle verification: the file's identity (stat) unchanged, its digest
//   reused (nine times in ten);
// - a hashing one: the identity changed (a `touch`), so the file is read and
//   hashed; its content is what runs, so no pass;
// - 1,000 idle verifications in a row (the tenth of each ten hashes), wall
//   and CPU time in all;
// each beside a reload pass of the same file, for scale.
import { utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import process from "node:process";
import {
  flags,
  loadModule,
  makeConfig,
  median,
  note,
  report,
  runtimeVersion,
  tempDir,
} from "./lib.mjs";

const opts = flags();
const ROUNDS = opts.quick ? 20 : 200;
const IDLE = opts.quick ? 100 : 1000;
const { Coordinator } = await loadModule();

const cpu = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

async function timed(fn, rounds) {
  const times = [];
  for (let i = 0; i < rounds; i++) {
    const start = performance.now();
    await fn(i);
    times.push(performance.now() - start);
  }
  return median(times);
}

for (const [label, bytes] of [["10 KB", 10 * 1024], ["1 MB", 1024 * 1024]]) {
  const dir = await tempDir();
  const path = join(dir, "config.yaml");
  await writeFile(path, makeConfig(bytes, 0));
  const coordinator = await Coordinator.create({ configPath: path });
  try {
    // A pass of the unchanged file, for scale.
    const pass = await timed(() => coordinator.reload(), opts.quick ? 3 : 15);
    const idle = await timed(() => coordinator.verify(), ROUNDS);
    // Times in the past: a recent mtime would make the read wait for the
    // file to be left alone.
    let tick = Date.now() / 1000 - 86_400;
    const hashing = await timed(async () => {
      tick += 1;
      await utimes(path, tick, tick);
      const result = await coordinator.verify();
      if (!result.in_sync || result.pass !== null) {
        throw new Error("Cannot measure: the verification found a change");
      }
    }, opts.quick ? 10 : 50);
    const wall0 = performance.now();
    const cpu0 = cpu();
    for (let i = 0; i < IDLE; i++) await coordinator.verify();
    const wall = performance.now() - wall0;
    const used = cpu() - cpu0;
    for (
      const [metric, value, unit] of [
        [`${label}: one idle verification (stat, digest reused)`, idle, "ms"],
        [`${label}: one hashing verification (read + SHA-256)`, hashing, "ms"],
        [`${label}: a reload pass of the same file`, pass, "ms"],
        [`${label}: ${IDLE} idle verifications, wall`, wall, "ms"],
        [`${label}: ${IDLE} idle verifications, CPU`, used, "ms"],
        [`${label}: hashing verification / pass`, hashing / pass, "x"],
      ]
    ) {
      report({ bench: "verify", metric, value, unit, goal: null, ok: null });
    }
    if (opts.table) {
      process.stderr.write(
        `| ${label} | ${idle.toFixed(3)} | ${hashing.toFixed(3)} | ${
          pass.toFixed(2)
        } | ${wall.toFixed(0)} | ${used.toFixed(0)} |\n`,
      );
    }
  } finally {
    await coordinator.shutdown();
  }
}
note(`verify on ${runtimeVersion()}`);
