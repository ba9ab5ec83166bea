// What the platform's own tools would cost where the library keeps a
// hand-written one, on the runtime that runs this script
// (`deno run -A --v8-flags=--expose-gc bench/platform_tools.mjs`,
// `node --expose-gc bench/platform_tools.mjs`, `bun bench/platform_tools.mjs`;
// Node.js and Bun run the build):
// - a hook call under `withDeadline()` (one timer, cleared; an
//   AbortController only when the hook reads `ctx.signal`) against the same
//   contract on `AbortSignal.timeout()`, which must exist before the hook
//   runs and cannot be cleared: per call, and the heap still held after the
//   loop (the platform's timers stay pending for the 10 s deadline);
// - the bearer-token check, `hasBearerToken()` (SHA-256 with `node:crypto`,
//   `timingSafeEqual`) against the same on Web Crypto's `digest()` and a
//   loop of XORs;
// - a request's signal combined with a long-lived one (a source's stop
//   signal) by adding and removing a listener, as `httpSource()` does,
//   against `AbortSignal.any()`: per request, and the heap still held after
//   GC, as the long-lived signal keeps what `AbortSignal.any()` made.
// Each case runs in a fresh process (`--case=<name>`), so that the timers
// and signals one case leaves behind do not slow the next; the median of
// the rounds is printed. `--only=deadline,token,combine` picks the kinds.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import process from "node:process";
import {
  flags,
  loadInternal,
  median,
  runtimeName,
  runtimeVersion,
} from "./lib.mjs";

const opts = flags();
const N = opts.quick ? 20_000 : 100_000;
const ROUNDS = opts.quick ? 1 : 3;
const MS = 10_000; // the default hook deadline

const isThenable = (value) =>
  value !== null &&
  (typeof value === "object" || typeof value === "function") &&
  typeof value.then === "function";

/** `withDeadline()`'s contract, on `AbortSignal.timeout()`. */
function platformDeadline(task, { ms, what }) {
  const signal = AbortSignal.timeout(ms);
  let returned;
  try {
    returned = task({ signal });
  } catch (error) {
    return Promise.reject(error);
  }
  if (!isThenable(returned)) return Promise.resolve(returned);
  let onAbort;
  const expired = new Promise((_, reject) => {
    onAbort = () => reject(new Error(`${what} did not finish within ${ms} ms`));
    signal.addEventListener("abort", onAbort, { once: true });
  });
  return Promise.race([Promise.resolve(returned), expired]).finally(() =>
    signal.removeEventListener("abort", onAbort)
  );
}

const hooks = {
  async: () => Promise.resolve("applied"),
  signal: (ctx) => (ctx.signal.aborted, Promise.resolve("applied")),
  sync: () => "applied",
};

/** The bearer check as it was, on Web Crypto. */
async function webCryptoBearer(request, token) {
  const hash = async (text) =>
    new Uint8Array(
      await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)),
    );
  const header = request.headers.get("authorization") ?? "";
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
  const [a, b] = await Promise.all([hash(match?.[1] ?? ""), hash(token)]);
  let diff = match === null ? 1 : 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

function gc() {
  if (runtimeName === "bun") globalThis.Bun.gc(true);
  else globalThis.gc?.();
}

/** Runs one case; returns µs per call and bytes held per call. */
async function runCase(name) {
  const [kind, side, hook] = name.split(":");
  let step;
  if (kind === "deadline") {
    const { realTimers, withDeadline } = await loadInternal("deadline");
    const options = { ms: MS, timers: realTimers, what: "apply" };
    const run = side === "ours" ? withDeadline : platformDeadline;
    step = () => run(hooks[hook], options);
  } else if (kind === "token") {
    const { hasBearerToken } = await loadInternal("auth");
    const token = "s3cret-token-0123456789abcdef";
    const requests = [`Bearer ${token}`, "Bearer wrong"].map((authorization) =>
      new Request("http://localhost/-/reload", { headers: { authorization } })
    );
    const check = side === "ours" ? hasBearerToken : webCryptoBearer;
    let i = 0;
    step = () => check(requests[i++ & 1], token);
  } else {
    const long = new AbortController(); // lives as long as the source
    step = () => {
      const own = new AbortController();
      if (side === "any") {
        const signal = AbortSignal.any([long.signal, own.signal]);
        const listener = () => {};
        signal.addEventListener("abort", listener); // as fetch() does
        signal.removeEventListener("abort", listener);
      } else {
        const stop = () => own.abort();
        long.signal.addEventListener("abort", stop, { once: true });
        long.signal.removeEventListener("abort", stop);
      }
    };
  }
  for (let i = 0; i < 2000; i++) await step(); // warm-up
  gc();
  const heap = process.memoryUsage().heapUsed;
  const start = performance.now();
  for (let i = 0; i < N; i++) {
    await step();
    // Lets the runtime collect what it defers to a later turn.
    if (kind === "combine" && i % 1000 === 0) {
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
  }
  const us = (performance.now() - start) * 1000 / N;
  gc();
  const held = (process.memoryUsage().heapUsed - heap) / N;
  return { us, held };
}

if (opts.case !== undefined) {
  process.stdout.write(`${JSON.stringify(await runCase(opts.case))}\n`);
  process.exit(0); // the platform's pending timers would hold the process
}

const self = fileURLToPath(import.meta.url);
const argv = runtimeName === "deno"
  ? ["run", "-A", "--v8-flags=--expose-gc", self]
  : runtimeName === "node"
  ? ["--expose-gc", self]
  : [self];
const cases = [
  ...["async", "signal", "sync"].flatMap((hook) => [
    `deadline:ours:${hook}`,
    `deadline:platform:${hook}`,
  ]),
  "token:ours",
  "token:webcrypto",
  "combine:hand",
  "combine:any",
].filter((name) =>
  opts.only === undefined || opts.only.split(",").includes(name.split(":")[0])
);
const labels = {
  "deadline:ours": "withDeadline()",
  "deadline:platform": "AbortSignal.timeout()",
  "token:ours": "hasBearerToken() of this tree",
  "token:webcrypto": "the same on Web Crypto digest(), XOR loop",
  "combine:hand": "add/removeEventListener",
  "combine:any": "AbortSignal.any()",
};
const hookLabels = {
  async: "async hook",
  signal: "async hook reading ctx.signal",
  sync: "synchronous hook",
};
console.log(`${runtimeVersion()}, ${N} calls per case, median of ${ROUNDS}`);
console.log("| case | µs per call | bytes held per call |\n|---|---:|---:|");
for (const name of cases) {
  const rows = [];
  for (let round = 0; round < ROUNDS; round++) {
    const child = spawnSync(
      process.execPath,
      [...argv, `--case=${name}`, ...(opts.quick ? ["--quick"] : [])],
      { encoding: "utf8" },
    );
    if (child.status !== 0) {
      throw new Error(`Cannot run the case ${name}: ${child.stderr}`);
    }
    rows.push(JSON.parse(child.stdout.trim().split("\n").at(-1)));
  }
  const [kind, side, hook] = name.split(":");
  const label = `${labels[`${kind}:${side}`]}${
    hook ? `, ${hookLabels[hook]}` : ""
  }`;
  const us = median(rows.map((row) => row.us));
  const held = median(rows.map((row) => row.held));
  console.log(
    `| ${label} | ${us.toFixed(2)} | ${Math.max(0, held).toFixed(0)} |`,
  );
}
