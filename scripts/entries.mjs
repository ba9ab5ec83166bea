// The entry points, as deno.json's "exports" lists them: the one list that
// every other place follows. `node scripts/entries.mjs` prints their files;
// `node scripts/entries.mjs CMD ARG...` runs CMD with each `{entries}` in
// its arguments replaced by those files (`deno doc --lint {entries}`), and
// exits with its code.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import process from "node:process";

const deno = JSON.parse(
  readFileSync(new URL("../deno.json", import.meta.url), "utf8"),
);
const exports = typeof deno.exports === "string"
  ? { ".": deno.exports }
  : deno.exports;
/** Each entry point's file, `mod.ts` first. */
export const entries = Object.values(exports).map((f) =>
  f.replace(/^\.\//, "")
);

if (import.meta.url === new URL(process.argv[1], "file:").href) {
  const [command, ...args] = process.argv.slice(2);
  if (command === undefined) {
    console.log(entries.join(" "));
  } else {
    const argv = args.flatMap((a) => a === "{entries}" ? entries : [a]);
    const { status, error } = spawnSync(command, argv, { stdio: "inherit" });
    if (error) {
      console.error(`Cannot run ${command}: ${error.message}`);
      process.exit(127);
    }
    process.exit(status ?? 1);
  }
}
