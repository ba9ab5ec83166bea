// Shared by every benchmark script: which runtime this is, how to import the
// module under test (the same code `import "hup-reload"` gets on that
// runtime), a realistic YAML config generator, a hand-written Standard
// Schema validator, statistics and the result protocol.
//
// Plain JavaScript (.mjs), so the same file runs unchanged on Deno, Node.js
// and Bun without a build step of its own.
import { readdirSync, readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import process from "node:process";
import { setTimeout as sleep } from "node:timers/promises";
import { pathToFileURL } from "node:url";

/** "deno", "node" or "bun". */
export const runtimeName = "Deno" in globalThis
  ? "deno"
  : "Bun" in globalThis
  ? "bun"
  : "node";

/** The runtime and its version, e.g. "node 20.20.2". */
export function runtimeVersion() {
  if (runtimeName === "deno") return `deno ${globalThis.Deno.version.deno}`;
  if (runtimeName === "bun") return `bun ${globalThis.Bun.version}`;
  return `node ${process.versions.node}`;
}

const repo = new URL("../", import.meta.url);

// On Deno the import map maps "hup-reload" to ./mod.ts; on Node.js and Bun
// the package resolves to dist/ (run `npm run build` first). HUP_BENCH_DIST
// points at another build of dist/, e.g. a private one while others rebuild.
function distUrl() {
  const dir = process.env.HUP_BENCH_DIST;
  return dir === undefined || dir === ""
    ? new URL("dist/", repo)
    : pathToFileURL(dir.endsWith("/") ? dir : `${dir}/`);
}

/** The public module: `import * as mod from "hup-reload"`. */
export function loadModule() {
  return runtimeName === "deno"
    ? import(new URL("mod.ts", repo).href)
    : import(new URL("mod.js", distUrl()).href);
}

/** The file watch entry point: `import * as watch from "hup-reload/watch"`. */
export function loadWatch() {
  return loadEntry("watch");
}

/**
 * Another entry point, by its file's name: `loadEntry("etcd")` is
 * `import * as etcd from "hup-reload/etcd"`.
 */
export function loadEntry(name) {
  return runtimeName === "deno"
    ? import(new URL(`${name}.ts`, repo).href)
    : import(new URL(`${name}.js`, distUrl()).href);
}

/**
 * One internal building block (`src/<name>.ts`, or `dist/src/<name>.js`), for
 * timing the stages of a pass separately.
 */
export function loadInternal(name) {
  return runtimeName === "deno"
    ? import(new URL(`src/${name}.ts`, repo).href)
    : import(new URL(`src/${name}.js`, distUrl()).href);
}

/**
 * A 1 ms timer that keeps its worst lateness: the longest the event loop
 * was held since it started, or since `restart()`. `stop()` ends it.
 */
export function latenessProbe() {
  let worst = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last - 1);
    last = now;
  }, 1);
  return {
    get worst() {
      return worst;
    },
    restart() {
      worst = 0;
      last = performance.now();
    },
    stop() {
      clearInterval(timer);
    },
  };
}

/** Wall-clock milliseconds with sub-millisecond precision; comparable across processes. */
export function wallNow() {
  return performance.timeOrigin + performance.now();
}

/** Collects garbage as fully as the runtime allows (needs --expose-gc on V8). */
export function fullGc() {
  if (runtimeName === "bun") {
    globalThis.Bun.gc(true);
    return;
  }
  if (typeof globalThis.gc !== "function") {
    throw new Error(
      "Cannot collect garbage as gc is not exposed: run with --expose-gc (Deno: --v8-flags=--expose-gc)",
    );
  }
  globalThis.gc();
  globalThis.gc();
}

/** Bytes of live JS heap. */
export function heapUsed() {
  return process.memoryUsage().heapUsed;
}

/**
 * The threads of process `pid`, from /proc (Linux): id, name and CPU time
 * (user + system, in ms, in clock ticks of 10 ms); null where there is no
 * /proc. For a parent looking at its child: Deno lets a process read its own
 * /proc/self only with --allow-all.
 */
export function threadsOf(pid) {
  let tids;
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return null;
  }
  const threads = [];
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
      // The name is between the first "(" and the last ")"; the fields after
      // it start with the 3rd (state): utime is the 14th, stime the 15th.
      const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const cpuMs = (Number(fields[11]) + Number(fields[12])) * 10;
      threads.push({ tid: Number(tid), name, cpuMs });
    } catch { /* the thread ended meanwhile */ }
  }
  return threads;
}

// ---------------------------------------------------------------- stats

export function quantile(values, q) {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (at - lo);
}

export const median = (values) => quantile(values, 0.5);

/** Median and the min–max spread of `values` (one value per round). */
export function summary(values) {
  return {
    value: median(values),
    lo: Math.min(...values),
    hi: Math.max(...values),
    n: values.length,
  };
}

const mean = (list) => list.reduce((a, b) => a + b, 0) / list.length;

async function timeOne(fn, gapMs) {
  if (gapMs > 0) await sleep(gapMs);
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/**
 * Rounds of interleaved passes (a then b, or b then a, in turn), so drift
 * and GC hit both sides alike. Per round: the ratio of the median pass
 * times; across rounds: median [min-max].
 *
 * @returns `ratio` (a / b, a summary), `meanRatio` (median over rounds of
 *   the ratio of means, GC included), `m` and `b` (median ms of each side).
 */
export async function compareInterleaved(a, b, rounds, pairs, gapMs) {
  const ratios = [];
  const meanRatios = [];
  const all = { m: [], b: [] };
  for (let r = 0; r < rounds; r++) {
    const ta = [];
    const tb = [];
    for (let i = 0; i < pairs; i++) {
      if ((i + r) % 2 === 0) {
        ta.push(await timeOne(a, gapMs));
        tb.push(await timeOne(b, gapMs));
      } else {
        tb.push(await timeOne(b, gapMs));
        ta.push(await timeOne(a, gapMs));
      }
    }
    ratios.push(median(ta) / median(tb));
    meanRatios.push(mean(ta) / mean(tb));
    all.m.push(...ta);
    all.b.push(...tb);
  }
  return {
    ratio: summary(ratios),
    meanRatio: median(meanRatios),
    m: median(all.m),
    b: median(all.b),
  };
}

// ---------------------------------------------------------------- protocol

/**
 * Reports one row of the results table to the runner (bench/run.mjs), which
 * reads lines starting with "@@bench " from the child's stdout.
 *
 * Fields: bench, metric, value (+ lo, hi, n), unit ("x" for a ratio, "ms",
 * "MiB", "count"...), goal (text, e.g. "<= 1.5x"), ok (true/false/null).
 */
export function report(row) {
  process.stdout.write(
    `@@bench ${JSON.stringify({ runtime: runtimeName, ...row })}\n`,
  );
}

/** A free-form note for the runner to print under the table. */
export function note(text) {
  report({ bench: "note", metric: text });
}

/** Parses `--quick` and `--key=value` flags. */
export function flags(argv = process.argv.slice(2)) {
  const out = { quick: false };
  for (const arg of argv) {
    if (arg === "--quick") out.quick = true;
    else if (arg.startsWith("--") && arg.includes("=")) {
      const [k, v] = arg.slice(2).split("=", 2);
      out[k] = v;
    } else if (arg.startsWith("--")) out[arg.slice(2)] = true;
  }
  return out;
}

// ---------------------------------------------------------------- config

/**
 * A small deterministic PRNG (mulberry32), so every runtime and every run
 * generates the same bytes: a function returning numbers in [0, 1).
 */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = [
  "alpha",
  "beta",
  "gamma",
  "delta",
  "edge",
  "core",
  "batch",
  "cache",
  "search",
  "billing",
  "auth",
  "media",
  "queue",
  "stream",
  "report",
  "audit",
];
const METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH"];

/**
 * A realistic service config of about `targetBytes` bytes: comments, nested
 * mappings, flow and block sequences, plain, single- and double-quoted
 * strings, integers, floats, booleans, an anchor with merge keys (`<<:`).
 * It has no `$` at all, so the module's env expansion changes nothing and
 * both sides of a ratio parse the very same text.
 *
 * @param targetBytes Approximate size.
 * @param marker The value of the top-level `gen_marker`.
 */
export function makeConfig(targetBytes, marker = 0) {
  const rand = prng(42);
  const pick = (list) => list[Math.floor(rand() * list.length)];
  const int = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1));
  const head = [
    "# Service configuration, generated for the hup-reload benchmark.",
    "version: 3",
    `gen_marker: ${marker}`,
    "server:",
    '  listen: "127.0.0.1:8080"',
    "  log_level: info",
    "  timeouts: { read_ms: 5000, write_ms: 5000, idle_ms: 60000 }",
    "  trusted_proxies: [10.0.0.0/8, 192.168.0.0/16]",
    "defaults: &defaults",
    "  retries: 3",
    "  timeout_ms: 2500",
    "  tls: false",
    "services:",
  ];
  const lines = [...head];
  let size = lines.join("\n").length;
  for (let i = 1; size < targetBytes - 40; i++) {
    const name = `${pick(WORDS)}-${String(i).padStart(5, "0")}`;
    const svc = [
      `  - name: ${name}`,
      "    <<: *defaults",
      `    host: "${pick(WORDS)}-${int(1, 99)}.internal.example.com"`,
      `    port: ${int(1024, 65535)}`,
      `    weight: ${(rand()).toFixed(3)}`,
      `    enabled: ${rand() < 0.8}`,
      `    tags: [${pick(WORDS)}, ${pick(WORDS)}, tier-${int(1, 3)}]`,
      `    description: 'Handles ${pick(WORDS)} requests for the ${
        pick(WORDS)
      } team''s ${pick(WORDS)} pipeline'`,
      "    limits:",
      `      rps: ${int(100, 20000)}`,
      `      burst: ${int(10, 2000)}`,
      `      max_body_kb: ${int(16, 4096)}`,
      "    routes:",
    ];
    for (let r = 0, n = int(1, 3); r < n; r++) {
      svc.push(
        `      - path: /api/v${int(1, 3)}/${pick(WORDS)}/${pick(WORDS)}`,
        `        methods: [${METHODS.slice(0, int(1, 4)).join(", ")}]`,
        `        upstream_timeout_ms: ${int(100, 5000)}`,
        `        cache: ${rand() < 0.5 ? "true" : "false"} # per route`,
      );
    }
    lines.push(...svc);
    size += svc.join("\n").length + 1;
  }
  return lines.join("\n") + "\n";
}

/**
 * `text` (from {@link makeConfig}) with the first `count` of these values,
 * in the order of the text, written as `${VAR}` references: a service's
 * host in a double-quoted
 * scalar (`host: "${HOST_1}.internal.example.com"`), its port as a plain
 * scalar that is only the reference (`port: ${PORT_2}`, an integer once
 * expanded), and a route's path, a plain scalar with the reference inside
 * (`path: /api/v1/${SEGMENT_3}/queue`). `env` gives each variable the text
 * it replaced, so the expanded config is the one `text` holds.
 *
 * @returns `{ text, env }`, `env` a `(name) => value` lookup.
 * @throws {Error} If `text` has fewer than `count` such values.
 */
export function withReferences(text, count) {
  const vars = new Map();
  const kinds = [
    [/^( {4}host: ")([a-z]+-\d+)(\..*")$/, "HOST"],
    [/^( {4}port: )(\d+)()$/, "PORT"],
    [/^( {6}- path: \/api\/v\d\/)([a-z]+)(\/.*)$/, "SEGMENT"],
  ];
  const lines = text.split("\n").map((line) => {
    if (vars.size === count) return line;
    for (const [pattern, prefix] of kinds) {
      const m = line.match(pattern);
      if (m === null) continue;
      const name = `${prefix}_${vars.size + 1}`;
      vars.set(name, m[2]);
      return `${m[1]}\${${name}}${m[3]}`;
    }
    return line;
  });
  if (vars.size < count) {
    throw new Error(`Only ${vars.size} values to write as references`);
  }
  return { text: lines.join("\n"), env: (name) => vars.get(name) };
}

// ---------------------------------------------------------------- schema

const LEVELS = new Set(["debug", "info", "warning", "error"]);

function isInt(v, lo, hi) {
  return Number.isInteger(v) && v >= lo && v <= hi;
}

// Walks the whole config and checks every field of every service: the same
// work on both sides of a ratio, as any real schema library would do.
function check(value) {
  const issues = [];
  const fail = (message, path) => issues.push({ message, path });
  if (value === null || typeof value !== "object") {
    return [{ message: "Expected a mapping", path: [] }];
  }
  if (!isInt(value.version, 1, 10)) fail("Expected an integer", ["version"]);
  if (!isInt(value.gen_marker, 0, Number.MAX_SAFE_INTEGER)) {
    fail("Expected an integer", ["gen_marker"]);
  }
  const server = value.server;
  if (server === null || typeof server !== "object") {
    fail("Expected a mapping", ["server"]);
  } else {
    if (typeof server.listen !== "string") {
      fail("Expected a string", ["server", "listen"]);
    }
    if (!LEVELS.has(server.log_level)) {
      fail("Expected a log level", ["server", "log_level"]);
    }
    for (const k of ["read_ms", "write_ms", "idle_ms"]) {
      if (!isInt(server.timeouts?.[k], 0, 3_600_000)) {
        fail("Expected an integer", ["server", "timeouts", k]);
      }
    }
  }
  const services = value.services;
  if (!Array.isArray(services)) {
    fail("Expected a sequence", ["services"]);
    return issues;
  }
  for (let i = 0; i < services.length; i++) {
    const s = services[i];
    const at = (...rest) => ["services", i, ...rest];
    if (s === null || typeof s !== "object") {
      fail("Expected a mapping", at());
      continue;
    }
    if (typeof s.name !== "string" || s.name === "") {
      fail("Expected a name", at("name"));
    }
    if (typeof s.host !== "string") fail("Expected a string", at("host"));
    if (!isInt(s.port, 1, 65535)) fail("Expected a port", at("port"));
    if (typeof s.weight !== "number" || s.weight < 0 || s.weight > 1) {
      fail("Expected a weight from 0 to 1", at("weight"));
    }
    if (typeof s.enabled !== "boolean") {
      fail("Expected a boolean", at("enabled"));
    }
    if (typeof s.tls !== "boolean") fail("Expected a boolean", at("tls"));
    if (!isInt(s.retries, 0, 10)) fail("Expected an integer", at("retries"));
    if (!isInt(s.timeout_ms, 1, 600_000)) {
      fail("Expected an integer", at("timeout_ms"));
    }
    if (!Array.isArray(s.tags) || !s.tags.every((t) => typeof t === "string")) {
      fail("Expected strings", at("tags"));
    }
    if (typeof s.description !== "string") {
      fail("Expected a string", at("description"));
    }
    const l = s.limits;
    if (
      l === null || typeof l !== "object" || !isInt(l.rps, 1, 1e6) ||
      !isInt(l.burst, 1, 1e6) || !isInt(l.max_body_kb, 1, 1e6)
    ) fail("Expected limits", at("limits"));
    if (!Array.isArray(s.routes)) {
      fail("Expected a sequence", at("routes"));
      continue;
    }
    for (let r = 0; r < s.routes.length; r++) {
      const route = s.routes[r];
      if (typeof route?.path !== "string" || !route.path.startsWith("/")) {
        fail("Expected a path", at("routes", r, "path"));
      }
      if (
        !Array.isArray(route?.methods) ||
        !route.methods.every((m) => METHODS.includes(m))
      ) fail("Expected HTTP methods", at("routes", r, "methods"));
      if (!isInt(route?.upstream_timeout_ms, 1, 600_000)) {
        fail("Expected an integer", at("routes", r, "upstream_timeout_ms"));
      }
      if (typeof route?.cache !== "boolean") {
        fail("Expected a boolean", at("routes", r, "cache"));
      }
    }
  }
  return issues;
}

/**
 * The hand-written Standard Schema (src/schema.ts `ConfigSchema`) used on
 * both sides of every ratio. Synchronous, returns the value unchanged.
 */
export const schema = {
  "~standard": {
    version: 1,
    vendor: "hup-reload-bench",
    validate(value) {
      const issues = check(value);
      return issues.length === 0 ? { value } : { issues };
    },
  },
};

/**
 * {@link schema}, refusing a config whose top marker (`gen_marker`) and
 * bottom marker (`gen_marker_end`) differ: a torn read (an in-place save
 * read half-written) lacks the bottom marker, or carries part of it, so the
 * pass fails validation instead of swapping it in.
 */
export const markedSchema = {
  "~standard": {
    version: 1,
    vendor: "hup-reload-bench",
    validate(value) {
      if (value?.gen_marker !== value?.gen_marker_end) {
        return {
          issues: [{
            message: "Expected gen_marker_end to equal gen_marker (torn read)",
            path: ["gen_marker_end"],
          }],
        };
      }
      return schema["~standard"].validate(value);
    },
  },
};

/** `count` hooks whose check and apply do nothing. */
export function noopHooks(count, HookStatus) {
  return Array.from({ length: count }, (_, i) => ({
    name: `noop_${i}`,
    check() {},
    apply: () => HookStatus.Applied,
  }));
}

/** A fresh temporary directory. */
export async function tempDir() {
  const { mkdtemp } = await import("node:fs/promises");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  return await mkdtemp(join(tmpdir(), "hup-bench-"));
}

/** Sets a file's times `ageMs` into the past, so the loader's settle wait does not apply. */
export async function age(path, ageMs = 60_000) {
  const { utimes } = await import("node:fs/promises");
  const t = new Date(Date.now() - ageMs);
  await utimes(path, t, t);
}

/**
 * Calls `onMessage` with each line of a child's `stream` that is JSON, as
 * parsed; other lines (not ours) are skipped.
 */
export function onJsonLines(stream, onMessage) {
  createInterface({ input: stream }).on("line", (line) => {
    let msg;
    try {
      msg = JSON.parse(line);
    } catch {
      return; // not ours
    }
    onMessage(msg);
  });
}

/**
 * Keeps every JSON line of a child's stdout, in arrival order, each with
 * `received` (the wall clock when this process read it), and waits for
 * lines.
 *
 * @param child A child process whose stdout is a pipe.
 * @param name How messages name the child.
 * @returns `inbox` (the messages), `exited` (a promise of its exit code),
 *   and `waitFor(from, match, what, ms = 5000)`: the first message from
 *   index `from` on that `match`es, rejecting after `ms` or if the child
 *   exits first.
 */
export function childInbox(child, name) {
  const inbox = [];
  let wake = null;
  onJsonLines(child.stdout, (msg) => {
    inbox.push({ ...msg, received: wallNow() });
    wake?.();
  });
  const exited = new Promise((resolve) => child.on("exit", resolve));
  const waitFor = async (from, match, what, ms = 5_000) => {
    const deadline = wallNow() + ms;
    for (let i = from;;) {
      for (; i < inbox.length; i++) if (match(inbox[i])) return inbox[i];
      const remaining = deadline - wallNow();
      if (remaining <= 0) throw new Error(`${what}: not within ${ms / 1000} s`);
      const timeout = new AbortController();
      await Promise.race([
        new Promise((resolve) => wake = resolve),
        exited.then((code) => {
          throw new Error(`${name} exited with ${code}`);
        }),
        sleep(remaining, undefined, { signal: timeout.signal }).catch(() => {}),
      ]).finally(() => timeout.abort());
    }
  };
  return { inbox, exited, waitFor };
}
