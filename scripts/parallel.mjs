// Runs npm scripts at the same time and prints each one's output whole,
// in the order given, once it is done: `node scripts/parallel.mjs test:bun
// test:node`. Exits with the first non-zero code (after every script has
// ended), so that `npm test` fails as it would with `&&`.
import { spawn } from "node:child_process";
import process from "node:process";

const scripts = process.argv.slice(2);
if (scripts.length === 0) {
  console.error("Usage: node scripts/parallel.mjs <npm script>...");
  process.exit(64);
}
const npm = process.platform === "win32" ? "npm.cmd" : "npm";
const runs = scripts.map((script) => {
  const started = performance.now();
  const child = spawn(npm, ["run", "--silent", script], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output = [];
  child.stdout.on("data", (chunk) => output.push(chunk));
  child.stderr.on("data", (chunk) => output.push(chunk));
  return new Promise((resolve) => {
    child.on("close", (code, signal) =>
      resolve({
        script,
        code: code ?? (signal === null ? 1 : 128),
        output: Buffer.concat(output),
        seconds: (performance.now() - started) / 1000,
      }));
  });
});
let exitCode = 0;
for (const run of runs) {
  const { script, code, output, seconds } = await run;
  process.stdout.write(`\n> npm run ${script}\n\n`);
  process.stdout.write(output);
  process.stdout.write(
    `\n< npm run ${script}: ${code === 0 ? "ok" : `failed (${code})`} in ${
      seconds.toFixed(0)
    } s\n`,
  );
  if (code !== 0 && exitCode === 0) exitCode = code;
}
process.exitCode = exitCode;
