// Benchmark 9, a cold start (started by bench/peer_start.mjs, one fresh
// process per measurement): `node bench/peer_start_child.mjs <hup|c12>
// <config path>` imports one library and loads the 10 KB config once, with
// the options of bench/peer.mjs and the same schema, then prints one JSON
// line: the milliseconds of the import, of the first load, and of both.
// The clock starts after this file's own imports (bench/lib.mjs and the
// options, the same for both sides), right before the library's import.
import { dirname } from "node:path";
import process from "node:process";
import { loadModule, schema } from "./lib.mjs";
import { c12Options } from "./peer_options.mjs";

const [side, path] = process.argv.slice(2);
const t0 = performance.now();
let t1;
let config;
if (side === "hup") {
  const { loadConfig } = await loadModule();
  t1 = performance.now();
  config = await loadConfig(path, { schema });
} else if (side === "c12") {
  const { loadConfig } = await import("c12");
  t1 = performance.now();
  const loaded = await loadConfig(c12Options(dirname(path), "config.yaml"));
  const outcome = await schema["~standard"].validate(loaded.config);
  if (outcome.issues !== undefined) throw new Error("invalid config");
  config = outcome.value;
} else {
  throw new Error(
    `Cannot start the cold-start child as its side is not hup or c12: ${side}`,
  );
}
const t2 = performance.now();
if (!Array.isArray(config.services) || config.services.length === 0) {
  throw new Error(`Cannot measure a cold start as ${side} loaded no services`);
}
process.stdout.write(
  JSON.stringify({ import: t1 - t0, load: t2 - t1, total: t2 - t0 }) + "\n",
);
