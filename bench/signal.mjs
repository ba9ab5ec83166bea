// Benchmark 4, the signaller (runs on Node.js, inside bench/run.mjs): starts
// bench/signal_child.mjs on the runtime under test, then sends it SIGHUPs one
// at a time and measures signal sent -> new generation stored, on the shared
// wall clock (the child stamps the swap; the time the parent reads the line
// is kept as an upper bound and a sanity check).
//
// The config file is written (and its mtime set a minute back) before the
// child starts, never between signals, so the loader's settle wait (until
// the mtime is 15 ms, plus 10 ms for the clocks, old) does not apply. A second, separate row writes the file right before each signal,
// as a user running `echo ... > config.yaml && kill -HUP` would: there the
// settle wait does apply.
import { spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import process from "node:process";
import { createInterface } from "node:readline";
import { setTimeout as sleep } from "node:timers/promises";
import { age, quantile, tempDir, wallNow } from "./lib.mjs";

const small = (n) =>
  `# small config\ngreeting: hello\nvalue: ${n}\nserver:\n  listen: "127.0.0.1:8080"\n  log_level: info\n`;

export async function signalBench(runtime, command, args, opts) {
  const dir = await tempDir();
  const path = join(dir, "config.yaml");
  await writeFile(path, small(0));
  await age(path);
  const child = spawn(command, [...args, path], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const lines = [];
  const waiters = [];
  createInterface({ input: child.stdout }).on("line", (line) => {
    const msg = { ...JSON.parse(line), received: wallNow() };
    const w = waiters.shift();
    if (w) w(msg);
    else lines.push(msg);
  });
  const exited = new Promise((resolve) => child.on("exit", resolve));
  const next = () => {
    if (lines.length > 0) return Promise.resolve(lines.shift());
    const timeout = new AbortController();
    return Promise.race([
      new Promise((resolve) => waiters.push(resolve)),
      exited.then((code) => {
        throw new Error(`signal child exited with ${code}`);
      }),
      sleep(10_000, undefined, { signal: timeout.signal }).then(() => {
        throw new Error("no new generation within 10 s of a SIGHUP");
      }),
    ]).finally(() => timeout.abort());
  };
  const rows = [];
  try {
    await next(); // ready
    let generation = 0;
    const signal = async () => {
      const t0 = wallNow();
      process.kill(child.pid, "SIGHUP");
      const msg = await next();
      generation++;
      if (msg.generation !== generation) {
        throw new Error(
          `expected generation ${generation}, got ${msg.generation}`,
        );
      }
      return { child: msg.t - t0, parent: msg.received - t0 };
    };
    const warmup = opts.quick ? 10 : 20;
    const count = opts.quick ? 30 : 200;
    for (let i = 0; i < warmup; i++) {
      await signal();
      await sleep(2);
    }
    const pre = [];
    for (let i = 0; i < count; i++) {
      pre.push(await signal());
      await sleep(2); // signals are sparse events, not a storm
    }
    // Write, then signal at once: the settle wait applies.
    const settleCount = opts.quick ? 5 : 30;
    const settle = [];
    for (let i = 0; i < settleCount; i++) {
      await writeFile(path, small(i + 1));
      settle.push(await signal());
      await sleep(5);
    }
    const insane = [...pre, ...settle].filter((m) =>
      m.child < 0 || m.child > m.parent + 0.05
    ).length;
    const ms = (list, q, k = "child") =>
      quantile(list.map((m) => m[k]), q);
    const p50 = ms(pre, 0.5);
    rows.push({
      runtime,
      bench: "4 signal to visible",
      metric: `SIGHUP -> new generation, file written before (p50 of ${count})`,
      value: p50,
      unit: "ms",
      goal: "<= 0.6 ms",
      ok: p50 <= 0.6,
      detail: `parent saw the line at p50 ${
        ms(pre, 0.5, "parent").toFixed(3)
      } ms; ${insane} clock inconsistencies`,
    });
    rows.push({
      runtime,
      bench: "4 signal to visible",
      metric: `SIGHUP -> new generation, file written before (p99 of ${count})`,
      value: ms(pre, 0.99),
      unit: "ms",
      goal: "<= 2 ms",
      ok: ms(pre, 0.99) <= 2,
      detail: `max ${ms(pre, 1).toFixed(3)} ms`,
    });
    rows.push({
      runtime,
      bench: "4 signal to visible",
      metric:
        `write then SIGHUP at once: settle wait applies (p50 / p99 of ${settleCount})`,
      value: ms(settle, 0.5),
      unit: "ms",
      extra: ms(settle, 0.99),
      goal: "",
      ok: null,
      detail:
        "the loader waits until the file's mtime is 25 ms old (15 ms settle + 10 ms for the clocks)",
    });
    rows.push({
      runtime,
      bench: "note",
      metric:
        `signal: ${warmup} warm-up signals excluded; one signal at a time, 2 ms apart, each waiting for its generation`,
    });
    child.stdin.write("exit\n");
    await exited;
  } finally {
    child.kill("SIGKILL");
  }
  return rows;
}
