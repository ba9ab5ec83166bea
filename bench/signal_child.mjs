// Benchmark 4, the service: loads a small config, reloads on SIGHUP
// (`coordinator.watch()`), and prints `{"generation":N,"t":...}` the moment a
// new generation is stored (an `AtomicConfig.subscribe` listener, called in
// the same turn as the swap), with `t` from the wall clock with
// sub-millisecond precision (performance.timeOrigin + performance.now()),
// which the parent shares. "exit" on stdin ends it.
import process from "node:process";
import { createInterface } from "node:readline";
import { loadModule, wallNow } from "./lib.mjs";

const { AtomicConfig, Coordinator, loadConfig } = await loadModule();
const path = process.argv[2];
const holder = new AtomicConfig(await loadConfig(path));
const coordinator = new Coordinator({
  configPath: path,
  config: holder,
  hooks: [],
});
holder.subscribe(({ generation }) => {
  const t = wallNow();
  process.stdout.write(JSON.stringify({ generation, t }) + "\n");
});
coordinator.watch();
const keepAlive = setInterval(() => {}, 60_000);
createInterface({ input: process.stdin }).on("line", (line) => {
  if (line === "exit") {
    clearInterval(keepAlive);
    process.exit(0);
  }
});
process.stdout.write(JSON.stringify({ ready: true, t: wallNow() }) + "\n");
