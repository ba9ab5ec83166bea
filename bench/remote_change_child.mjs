// Benchmark 7, the service: a coordinator whose config is a remote source,
// `etcdSource({ hosts, key })` (`--etcd=<endpoint> --key=<key>`) or
// `httpSource(url, { every })` (`--url=<url> --every=<ms>`), with
// `triggers: [sourceChanges()]`, the benchmark's schema and 10 no-op hooks.
// The parent (bench/remote_change.mjs) changes the config; this process
// prints JSON lines on stdout, each stamped with the wall clock shared with
// the parent (performance.timeOrigin + performance.now()):
//   {"visible":M,"generation":G,"t":...}  an AtomicConfig.subscribe
//       listener, called in the same turn as the swap (M is gen_marker)
//   {"pass":true,"status":...,"trigger":...,"t":...}  every "reload" event
//   {"started":true,"t":...}  the library logs "Reload pass started"
//   {"warning":message,"t":...}  the library logs a warning or an error
//   {"ready":true,"t":...}  once the first config is loaded and watched
// "exit" on stdin ends it.
import process from "node:process";
import { createInterface } from "node:readline";
import { configure } from "@logtape/logtape";
import {
  flags,
  loadEntry,
  loadModule,
  noopHooks,
  schema,
  wallNow,
} from "./lib.mjs";

const say = (obj) => process.stdout.write(JSON.stringify(obj) + "\n");

await configure({
  sinks: {
    stamp(record) {
      const t = wallNow();
      if (
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

const opts = flags();
const { Coordinator, HookStatus } = await loadModule();
const { sourceChanges } = await loadEntry("watch");
let source;
if (opts.etcd !== undefined) {
  const { etcdSource } = await loadEntry("etcd");
  source = etcdSource({ hosts: opts.etcd, key: opts.key });
} else {
  const { httpSource } = await loadEntry("remote");
  source = httpSource(opts.url, { every: Number(opts.every) });
}

const coordinator = await Coordinator.create({
  source,
  schema,
  hooks: noopHooks(10, HookStatus),
  triggers: [sourceChanges()],
});
coordinator.config.subscribe(({ config, generation }) => {
  say({ visible: config.gen_marker, generation, t: wallNow() });
});
coordinator.addEventListener("reload", ({ result }) => {
  say({
    pass: true,
    status: result.status,
    trigger: result.trigger,
    loadError: result.load_error,
    t: wallNow(),
  });
});
coordinator.watch();
createInterface({ input: process.stdin }).on("line", async (line) => {
  if (line === "exit") {
    const stats = source.stats();
    await coordinator.shutdown();
    say({ stats });
    process.exit(0);
  }
});
say({
  ready: true,
  marker: coordinator.config.load().gen_marker,
  t: wallNow(),
});
