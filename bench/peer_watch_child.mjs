// Benchmark 9, a watching service (started by bench/peer_watch.mjs on the
// runtime under test): `node bench/peer_watch_child.mjs <hup|c12> <config path>`.
// - hup: `Coordinator.create({ configPath, schema, triggers:
//   [fileChanges()] })` and `coordinator.watch()` (the defaults: 10 ms
//   debounce, 15 ms settle), no hooks; the new config is visible in the
//   holder's `subscribe` listener, called in the same turn as the swap.
// - c12: `watchConfig()` with the options of bench/peer.mjs (one file, no
//   rc, dotenv, package.json, extends or giget) and c12's defaults for the
//   rest: chokidar with `{ ignoreInitial: true }` (so `atomic: true`, an
//   unlink followed by an add within 100 ms is one change; no
//   `awaitWriteFinish`; fs.watch, no polling) and a 100 ms debounce
//   (perfect-debounce, trailing) before it loads the file again. `configFile`
//   is "config", without its extension: watchConfig watches the names it
//   builds from it (`config.yaml` among them), so the full name would watch
//   nothing. The new config is visible in `onUpdate`, called once the load
//   has replaced the config `watchConfig` returns.
// Each side validates with the same schema, which also refuses a file whose
// `gen_marker` (top line) differs from its `gen_marker_end` (bottom line):
// hup-reload's pass then fails and keeps the config it had; c12 has already
// taken the torn config, which this process reports as visible with its
// markers, so the parent counts it.
//
// JSON lines on stdout, stamped with the wall clock the parent shares
// (performance.timeOrigin + performance.now()):
//   {"ready":true}  watching
//   {"visible":M,"end":E,"valid":bool,"t":...}  a new config is visible
//   {"event":true,"t":...}  c12's onWatch (chokidar's event, before its
//       debounce ended) or hup-reload's "The config file changed" log record
//   {"failed":message,"t":...}  a load that failed (hup-reload: a pass that
//       did not succeed; c12: its console.warn "Failed to load config")
// "exit" on stdin ends it.
import { dirname } from "node:path";
import process from "node:process";
import { createInterface } from "node:readline";
import { loadModule, loadWatch, markedSchema, wallNow } from "./lib.mjs";
import { c12Options } from "./peer_options.mjs";

const say = (obj) => process.stdout.write(JSON.stringify(obj) + "\n");
const [side, path] = process.argv.slice(2);

let stop;
if (side === "hup") {
  const { configure } = await import("@logtape/logtape");
  await configure({
    sinks: {
      stamp(record) {
        if (record.rawMessage === "The config file changed: {path}") {
          say({ event: true, t: wallNow() });
        }
      },
    },
    loggers: [
      { category: ["hup-reload"], sinks: ["stamp"], lowestLevel: "info" },
      { category: ["logtape", "meta"], sinks: [], lowestLevel: "error" },
    ],
  });
  const { Coordinator } = await loadModule();
  const { fileChanges } = await loadWatch();
  const coordinator = await Coordinator.create({
    configPath: path,
    schema: markedSchema,
    triggers: [fileChanges()],
  });
  coordinator.config.subscribe(({ config }) => {
    const t = wallNow();
    say({
      visible: config.gen_marker,
      end: config.gen_marker_end,
      valid: true,
      t,
    });
  });
  coordinator.addEventListener("reload", ({ result }) => {
    if (result.status !== "full_success") {
      say({ failed: result.load_error ?? result.status, t: wallNow() });
    }
  });
  coordinator.watch();
  stop = () => coordinator.shutdown();
} else if (side === "c12") {
  const { watchConfig } = await import("c12");
  console.warn = (...args) =>
    say({ failed: args.map(String).join(" "), t: wallNow() });
  const watcher = await watchConfig({
    ...c12Options(dirname(path), "config"),
    onWatch() {
      say({ event: true, t: wallNow() });
    },
    async onUpdate({ newConfig }) {
      const t = wallNow();
      const { config } = newConfig;
      const outcome = await markedSchema["~standard"].validate(config);
      say({
        visible: config.gen_marker,
        end: config.gen_marker_end,
        valid: outcome.issues === undefined,
        t,
      });
    },
  });
  if (!watcher.watchingFiles.includes(path)) {
    throw new Error(`c12 does not watch ${path}`);
  }
  stop = () => watcher.unwatch();
} else {
  throw new Error(
    `Cannot start the peer child as its side is not hup or c12: ${side}`,
  );
}

createInterface({ input: process.stdin }).on("line", async (line) => {
  if (line === "exit") {
    await stop();
    process.exit(0);
  }
});
// chokidar sets its watches up after watchConfig() returns, with no event
// to say it has: both sides get the same 300 ms before the first save.
await new Promise((resolve) => setTimeout(resolve, 300));
say({ ready: true, t: wallNow() });
