// Benchmark 5, the off-thread parser's memory (runs on Node.js, inside
// bench/run.mjs, after bench/memory.mjs): runs bench/worker_memory_child.mjs
// on the runtime under test, one process at a time, in ABBA order (loop,
// worker, worker, loop, ...): with the default workerThreshold, 1 MB passes
// are parsed in the worker; with `workerThreshold: Infinity`, on the event
// loop. Each pair of processes next to each other gives one difference of
// resident memory after GC: the extra RSS of the off-thread parser, after
// the 1 MB passes (the worker still running) and at rest (the worker ended
// after its idle time, `workerIdle`); and the cost of the cold start of the
// next 1 MB pass.
//
// The worker processes also list their threads (from the parent, through
// /proc/<pid>/task) around 300 10 KB passes, after 100 warm-up passes, and
// after the 1 MB passes. The thread the 1 MB passes start that then has the
// most CPU time is the worker's; a 10 KB file is below the threshold, so the
// 10 KB passes may start no thread of that name. Counting every thread would
// not do: Deno starts threads of its own as it runs ("deno",
// "tokio-runtime-w") while its worker's is "worker-1"; Bun's is "Worker"; on
// Node.js every thread is "node", and its pools start up front.
//
// Then the hostile inputs, by bench/worker_hostile.mjs.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { onJsonLines, summary, threadsOf } from "./lib.mjs";
import { hostileBench } from "./worker_hostile.mjs";

// Runs one child; lists its threads at each checkpoint it reports.
function runChild(command, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["pipe", "pipe", "inherit"] });
    const threads = {};
    let result = null;
    onJsonLines(child.stdout, (msg) => {
      if (msg.checkpoint !== undefined) {
        threads[msg.checkpoint] = threadsOf(child.pid);
        child.stdin.write("go\n");
      } else result = msg;
    });
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      if (code === 0 && result !== null) resolve({ ...result, threads });
      else reject(new Error(`worker memory child failed (${code ?? signal})`));
    });
  });
}

/**
 * Runs the benchmark on one runtime.
 *
 * @param {string} runtime "deno", "node" or "bun".
 * @param {string} command The runtime's executable.
 * @param {string[]} args Its arguments, ending with the child script.
 * @param {{ quick: boolean }} opts
 * @returns {Promise<object[]>} The rows for the table.
 */
export async function workerMemoryBench(runtime, command, args, opts) {
  const pairs = opts.quick ? 1 : 2;
  const passOn = opts.quick ? ["--quick"] : [];
  // The worker's idle time in these processes (workerIdle), in ms.
  const idle = 2000;
  const runs = { loop: [], worker: [] };
  for (let i = 0; i < pairs * 2; i++) {
    const mode = [0, 3].includes(i % 4) ? "loop" : "worker";
    runs[mode].push(
      await runChild(command, [
        ...args,
        `--mode=${mode}`,
        `--idle=${idle}`,
        ...passOn,
      ]),
    );
  }
  const med = (list, f) => summary(list.map(f)).value;
  const extraAfter = (key) =>
    summary(runs.worker.map((w, i) => w[key] - runs.loop[i][key]));
  const extra = extraAfter("rssMiB");
  const rows = [{
    runtime,
    bench: "5 memory",
    metric: "extra RSS of the off-thread parser (1 MB passes)",
    ...extra,
    unit: "MiB",
    goal: "",
    ok: null,
    detail: `after ${runs.worker[0].largePasses} passes (${
      extraAfter("rssFirstMiB").value.toFixed(1)
    } MiB after the first); RSS after GC ${
      med(runs.worker, (r) => r.rssMiB).toFixed(1)
    } MiB with the worker vs ${
      med(runs.loop, (r) => r.rssMiB).toFixed(1)
    } MiB with workerThreshold: Infinity (main heap ${
      med(runs.worker, (r) => r.heapMiB).toFixed(1)
    } vs ${
      med(runs.loop, (r) => r.heapMiB).toFixed(1)
    } MiB; the main thread's GC does not reach the worker's heap); passes took ${
      med(runs.worker, (r) => r.largeMsMedian).toFixed(0)
    } vs ${med(runs.loop, (r) => r.largeMsMedian).toFixed(0)} ms (median)`,
  }];
  const rest = extraAfter("rssRestMiB");
  rows.push({
    runtime,
    bench: "5 memory",
    metric: "extra RSS of the off-thread parser at rest, after its idle time",
    ...rest,
    unit: "MiB",
    goal: "< 5 MiB",
    ok: rest.value < 5,
    detail: `workerIdle: ${idle} ms, then ${
      opts.quick ? 1 : 10
    } s: RSS after GC ${med(runs.worker, (r) => r.rssRestMiB).toFixed(1)} vs ${
      med(runs.loop, (r) => r.rssRestMiB).toFixed(1)
    } MiB with workerThreshold: Infinity; ${
      med(runs.worker, (r) => r.rssMiB).toFixed(1)
    } MiB before the worker ended`,
  });
  const coldRatio = summary(
    runs.worker.map((r) => r.cold.ms / r.warm.ms),
  );
  rows.push({
    runtime,
    bench: "5 memory",
    metric: "cold start: the 1 MB pass after the idle time / the next (warm)",
    ...coldRatio,
    unit: "x",
    goal: "",
    ok: null,
    detail: `${med(runs.worker, (r) => r.cold.ms).toFixed(0)} vs ${
      med(runs.worker, (r) => r.warm.ms).toFixed(0)
    } ms (on the event loop: ${
      med(runs.loop, (r) => r.warm.ms).toFixed(0)
    } ms); longest event-loop stall ${
      med(runs.worker, (r) => r.cold.stallMs).toFixed(1)
    } vs ${med(runs.worker, (r) => r.warm.stallMs).toFixed(1)} ms`,
  });
  // Per worker process: the worker's thread (started by the 1 MB passes,
  // the most CPU time of those), and the threads of that name (without its
  // number) the 10 KB passes started.
  const kind = (name) => name.replace(/[-_ ]?\d+$/, "");
  const newSince = (a, b) => b.filter((t) => !a.some((u) => u.tid === t.tid));
  const linux = runs.worker.every((r) => r.threads.before !== null);
  const checks = !linux ? [] : runs.worker.map(({ threads }) => {
    const large = newSince(threads.afterSmall, threads.afterLarge)
      .sort((a, b) => b.cpuMs - a.cpuMs);
    const small = newSince(threads.before, threads.afterSmall);
    const worker = large[0];
    return {
      worker,
      small,
      started: worker === undefined
        ? NaN // no thread started for the worker: it ran already
        : small.filter((t) => kind(t.name) === kind(worker.name)).length,
    };
  });
  const most = Math.max(...checks.map((c) => c.started));
  const names = (list) =>
    list.length === 0 ? "none" : list.map((t) => `"${t.name}"`).join(" ");
  rows.push({
    runtime,
    bench: "5 memory",
    metric: `threads started by 10 KB passes (${
      runs.worker[0].smallPasses
    } passes, default workerThreshold)`,
    value: linux ? most : NaN,
    unit: "count",
    goal: "0",
    ok: linux ? checks.every((c) => c.started === 0) : null,
    detail: !linux
      ? "no /proc here (not Linux): not measured"
      : `per process, the worker's thread that the 1 MB passes then started: ${
        checks.map((c) =>
          c.worker === undefined
            ? "none"
            : `"${c.worker.name}" (${c.worker.cpuMs} ms of CPU)`
        ).join(", ")
      }; every thread the 10 KB passes started: ${
        checks.map((c) => names(c.small)).join(", ")
      }`,
  });
  rows.push({
    runtime,
    bench: "note",
    metric:
      `worker memory: ${pairs} ABBA pairs of processes (workerThreshold default / Infinity); each runs ${
        runs.worker[0].smallPasses
      } 10 KB passes after warm-up, then ${
        runs.worker[0].largePasses
      } 1 MB passes, then RSS after a full GC; then, with workerIdle ${idle} ms, ${
        opts.quick ? 1 : 10
      } s after the worker ended, RSS after GC again, and a cold and a warm 1 MB pass; difference per pair, median [min-max]`,
  });
  // The hostile inputs (bench/worker_hostile.mjs), each worker / event loop.
  rows.push(
    ...await hostileBench(
      runtime,
      command,
      [
        ...args.slice(0, -1),
        fileURLToPath(new URL("worker_hostile_child.mjs", import.meta.url)),
      ],
      opts,
    ),
  );
  return rows;
}
