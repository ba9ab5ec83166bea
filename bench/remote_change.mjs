// Benchmark 7, the remote config's owner (runs on Node.js, inside
// bench/run.mjs): starts bench/remote_change_child.mjs on the runtime under
// test, a coordinator whose config is a remote source followed by
// `sourceChanges()`, then changes the config and measures, on the wall
// clock both processes share, from the change to the new config being
// visible (the child's AtomicConfig.subscribe listener, same turn as the
// swap). Version N of the config is makeConfig(10 KB, N): `gen_marker: N`.
//
// - etcd: a real etcd, started once for the run by the runner
//   (bench/etcd.mjs), and `etcdSource({ hosts, key })`, which follows the
//   key with etcd's watch. One put at a time through etcd's JSON gateway,
//   from the moment it is sent; the next one 100 ms (--quick: 20 ms) after
//   the last was visible.
// - HTTP: a node:http server in this process that serves the config with
//   an ETag (`"v<N>"`) and answers a matching If-None-Match with 304, and
//   `httpSource(url, { every })`, which polls it. The body changes at a
//   random phase of the poll interval: a time drawn uniformly from
//   [0, every) after the previous change became visible, the next poll
//   being about `every` after that pass. So a change waits for the next
//   poll uniformly from 0 to `every`, then a read and a pass.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { childInbox, makeConfig, prng, quantile, wallNow } from "./lib.mjs";

const f2 = (v) => v.toFixed(2);
const counted = (n, what) => `${n} ${what}${n === 1 ? "" : "s"}`;
const BENCH = "7 remote change to visible";

// What every run of the child ends with: its stats, and the passes and
// warnings it reported.
function passesOf(messages) {
  const statuses = {};
  for (const m of messages.filter((m) => m.pass)) {
    statuses[m.status] = (statuses[m.status] ?? 0) + 1;
  }
  const warnings = [
    ...new Set(messages.filter((m) => m.warning).map((m) => m.warning)),
  ];
  return `passes ${JSON.stringify(statuses)}; library warnings: ${
    warnings.length === 0 ? "none" : warnings.join(" | ")
  }`;
}

// Starts the child; resolves once its first config is loaded and watched.
async function startChild(command, args, extra, what) {
  const child = spawn(command, [...args, ...extra], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const inbox = childInbox(child, `${what} child`);
  try {
    await inbox.waitFor(0, (m) => m.ready, `the ${what} child's start`, 30_000);
  } catch (error) {
    child.kill("SIGKILL");
    throw error;
  }
  const stop = async () => {
    const from = inbox.inbox.length;
    child.stdin.write("exit\n");
    const { stats } = await inbox.waitFor(from, (m) => m.stats, "exit");
    await inbox.exited;
    return stats;
  };
  return { child, ...inbox, stop };
}

/**
 * Rows for the etcd put → visible latency on one runtime.
 *
 * @param etcd The server (bench/etcd.mjs `startEtcd`).
 */
export async function etcdChangeBench(runtime, command, args, opts, etcd) {
  const count = opts.quick ? 5 : 30;
  const warmup = opts.quick ? 1 : 3;
  const gap = opts.quick ? 20 : 100;
  const key = `/bench/${runtime}/config.yaml`;
  await etcd.put(key, makeConfig(10 * 1024, 0));
  const child = await startChild(
    command,
    args,
    [`--etcd=${etcd.endpoint}`, `--key=${key}`],
    "etcd",
  );
  const puts = [];
  let stats;
  try {
    for (let version = 1; version <= warmup + count; version++) {
      const text = makeConfig(10 * 1024, version);
      const from = child.inbox.length;
      const t0 = wallNow();
      await etcd.put(key, text);
      const acked = wallNow() - t0;
      const seen = await child.waitFor(
        from,
        (m) => m.visible === version,
        `etcd put of version ${version}`,
      );
      await sleep(gap);
      const own = child.inbox.slice(from);
      if (version > warmup) {
        puts.push({
          latency: seen.t - t0,
          acked,
          started: (own.find((m) => m.started)?.t ?? NaN) - t0,
          passes: own.filter((m) => m.pass).length,
        });
      }
    }
    stats = await child.stop();
  } finally {
    child.child.kill("SIGKILL");
  }
  const q = (k, p) => quantile(puts.map((x) => x[k]), p);
  const p50 = q("latency", 0.5);
  const perPut = puts.map((x) => x.passes);
  return [{
    runtime,
    bench: BENCH,
    metric: `etcd put -> new config visible (p50 / p99 of ${count})`,
    value: p50,
    extra: q("latency", 0.99),
    unit: "ms",
    goal: "p50 <= 100 ms",
    ok: p50 <= 100,
    detail: `max ${
      f2(Math.max(...puts.map((x) => x.latency)))
    } ms; medians from the put being sent: put acknowledged ${
      f2(q("acked", 0.5))
    } ms, pass started ${f2(q("started", 0.5))} ms, visible ${
      f2(p50)
    } ms; passes per put ${Math.min(...perPut)}–${Math.max(...perPut)}; ${
      passesOf(child.inbox)
    }; source requests ${JSON.stringify(stats.requests)}; etcd ${etcd.version}`,
  }, {
    runtime,
    bench: "note",
    metric:
      `etcd: one etcd ${etcd.version} member on 127.0.0.1 for the run; 10 KB config; ${
        counted(warmup, "warm-up put")
      } excluded, then ${count}, one at a time, ${gap} ms after the last was visible; latency from sending the put (JSON gateway, from the runner) to the subscriber stamp`,
  }];
}

/**
 * Rows for the HTTP change → visible latency on one runtime, polling every
 * `every` ms (1000; 200 with --quick).
 */
export async function httpChangeBench(runtime, command, args, opts) {
  const every = opts.quick ? 200 : 1000;
  const count = opts.quick ? 3 : 60;
  const warmup = opts.quick ? 0 : 1;
  const random = prng(7);
  let version = 0;
  let body = makeConfig(10 * 1024, 0);
  const requests = []; // { t, status }
  const server = createServer((req, res) => {
    const etag = `"v${version}"`;
    const conditional = req.headers["if-none-match"] === etag;
    requests.push({ t: wallNow(), status: conditional ? 304 : 200 });
    if (conditional) {
      res.writeHead(304, { etag });
      res.end();
    } else {
      res.writeHead(200, { etag, "content-type": "application/yaml" });
      res.end(body);
    }
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const url = `http://127.0.0.1:${server.address().port}/config.yaml`;
  const changes = [];
  let stats;
  let child;
  try {
    child = await startChild(
      command,
      args,
      [`--url=${url}`, `--every=${every}`],
      "HTTP",
    );
    for (let i = 0; i < warmup + count; i++) {
      await sleep(random() * every);
      const from = child.inbox.length;
      const fromRequest = requests.length;
      version++;
      body = makeConfig(10 * 1024, version);
      const t0 = wallNow();
      const v = version;
      const seen = await child.waitFor(
        from,
        (m) => m.visible === v,
        `HTTP change to version ${v}`,
        3 * every + 5_000,
      );
      const own = requests.slice(fromRequest).filter((r) => r.t <= seen.t);
      if (i >= warmup) {
        changes.push({
          latency: seen.t - t0,
          poll: (own[0]?.t ?? NaN) - t0,
          requests: own.length,
        });
      }
    }
    stats = await child.stop();
  } finally {
    child?.child.kill("SIGKILL");
    server.closeAllConnections?.();
    server.close();
  }
  const q = (k, p) => quantile(changes.map((x) => x[k]), p);
  const p50 = q("latency", 0.5);
  const mean = changes.reduce((a, x) => a + x.latency, 0) / changes.length;
  const afterPoll = changes.map((x) => x.latency - x.poll);
  const perChange = changes.map((x) => x.requests);
  return [{
    runtime,
    bench: BENCH,
    metric:
      `HTTP change -> new config visible, every ${every} ms (p50 / p99 of ${count})`,
    value: p50,
    extra: q("latency", 0.99),
    unit: "ms",
    goal: "",
    ok: null,
    detail: `expected: about every/2 (${
      every / 2
    } ms) plus a request and a pass, at most every plus those; mean ${
      f2(mean)
    } ms, min ${f2(Math.min(...changes.map((x) => x.latency)))}, max ${
      f2(Math.max(...changes.map((x) => x.latency)))
    } ms; medians from the change: first request after it (the poll) ${
      f2(q("poll", 0.5))
    } ms, then ${
      f2(quantile(afterPoll, 0.5))
    } ms to visible (poll, pass with its read, swap); requests per change ${
      Math.min(...perChange)
    }–${Math.max(...perChange)}; ${passesOf(child.inbox)}; source requests ${
      JSON.stringify(stats.requests)
    }`,
  }, {
    runtime,
    bench: "note",
    metric:
      `HTTP: a node:http server in the runner with ETags (304 on a match); 10 KB config; every ${every} ms; ${
        counted(warmup, "warm-up change")
      } excluded, then ${count}, each a uniform random time in [0, every) after the previous was visible; latency from the change of the served body to the subscriber stamp`,
  }];
}
