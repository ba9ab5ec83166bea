// `deno publish --dry-run`, held to no warning but one: the command line's
// `--schema <module>#<export>` imports the operator's module by a URL known
// only at run time, which deno publish cannot analyze (and has no way to
// be told is intended: denoland/deno#22594). That warning is expected and
// not printed; any other warning, or an error, fails the check with the
// whole output.
import { spawnSync } from "node:child_process";
import process from "node:process";

const EXPECTED = "src/cli/schema_module.ts";
const run = spawnSync(
  "deno",
  ["publish", "--dry-run", "--allow-dirty", "--quiet"],
  { encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } },
);
const output = `${run.stdout}${run.stderr}`;
// Each diagnostic starts at a line "warning[...]" or "error...".
const diagnostics = output.split(/\n(?=(?:warning|error)\b)/).filter((d) =>
  /^(warning|error)\b/.test(d.trim())
);
const unexpected = diagnostics.filter((d) =>
  !(d.startsWith("warning[unanalyzable-dynamic-import]") &&
    d.includes(EXPECTED))
);
if (run.status !== 0 || unexpected.length > 0) {
  console.error(output);
  console.error(
    `deno publish --dry-run: ${
      run.status !== 0 ? `exit code ${run.status}` : "unexpected warnings"
    }`,
  );
  process.exit(1);
}
console.log(
  `deno publish --dry-run: no slow types, no warning (but the expected one for ${EXPECTED})`,
);
