// Benchmark 6, the service: a coordinator with `triggers: [fileChanges()]`
// (10 ms debounce, 15 ms settle: the defaults) on the config file given as
// the first argument, a schema that refuses a file whose `gen_marker` (top
// line) differs from its `gen_marker_end` (bottom line), and 10 no-op hooks.
// The parent (bench/file_change.mjs) saves new versions; this process prints
// JSON lines on stdout, each stamped with the wall clock shared with the
// parent (performance.timeOrigin + performance.now()):
//   {"visible":M,"end":E,"generation":G,"t":...}  an AtomicConfig.subscribe
//       listener, called in the same turn as the swap
//   {"pass":true,"status":...,"trigger":...,"t":...}  every "reload" event
//   {"event":true,"t":...}  the first event of this process's own watch of
//       the directory after a quiet 50 ms (where the library's watch starts
//       its debounce), for the breakdown
//   {"changed":true,"t":...}  the library logs "The config file changed"
//       (its debounce is over and its comparison found new content), for the
//       breakdown
//   {"started":true,"t":...}  the library logs "Reload pass started"
//   {"warning":message,"t":...}  the library logs a warning or an error
// "exit" on stdin ends it.
import { watch } from "node:fs";
import { dirname } from "node:path";
import process from "node:process";
import { createInterface } from "node:readline";
import { configure } from "@logtape/logtape";
import {
  loadModule,
  loadWatch,
  markedSchema,
  noopHooks,
  wallNow,
} from "./lib.mjs";

const say = (obj) => process.stdout.write(JSON.stringify(obj) + "\n");

// Only the records the breakdown needs, and warnings, are reported.
await configure({
  sinks: {
    stamp(record) {
      const t = wallNow();
      if (record.rawMessage === "The config file changed: {path}") {
        say({ changed: true, t });
      } else if (
        record.rawMessage ===
          "Reload pass started for {path}, asked for by {trigger}"
      ) say({ started: true, t });
      else if (record.level === "warning" || record.level === "error") {
        say({ warning: String(record.rawMessage), t });
      }
    },
  },
  loggers: [
    { category: ["hup-reload"], sinks: ["stamp"], lowestLevel: "info" },
    { category: ["logtape", "meta"], sinks: [], lowestLevel: "error" },
  ],
});

const { Coordinator, HookStatus } = await loadModule();
const { fileChanges } = await loadWatch();

const path = process.argv[2];
const coordinator = await Coordinator.create({
  configPath: path,
  schema: markedSchema,
  hooks: noopHooks(10, HookStatus),
  triggers: [fileChanges()],
});
coordinator.config.subscribe(({ config, generation }) => {
  const t = wallNow();
  say({
    visible: config.gen_marker,
    end: config.gen_marker_end,
    generation,
    t,
  });
});
coordinator.addEventListener("reload", ({ result }) => {
  say({
    pass: true,
    status: result.status,
    trigger: result.trigger,
    generation: result.generation,
    loadError: result.load_error,
    t: wallNow(),
  });
});

// The breakdown's first stamp: the first directory event of a save (events
// closer than 50 ms to the previous one belong to the same save).
let lastEvent = -Infinity;
const ownWatch = watch(dirname(path), () => {
  const t = wallNow();
  if (t - lastEvent > 50) say({ event: true, t });
  lastEvent = t;
});

coordinator.watch();
createInterface({ input: process.stdin }).on("line", async (line) => {
  if (line === "exit") {
    ownWatch.close();
    await coordinator.shutdown();
    process.exit(0);
  }
});
say({ ready: true, t: wallNow() });
