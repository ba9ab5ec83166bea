// Signal storms: 1,000 SIGHUPs a second for 5 s against a child service on
// each runtime. It stays alive, passes never overlap, far fewer passes run
// than signals arrive, and the last file content wins.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { jsonLines, tempConfig } from "../_helpers.ts";

const root = fileURLToPath(
  new URL(
    import.meta.url.endsWith(".ts") ? "../../" : "../../../",
    import.meta.url,
  ),
);
const RATE = 1000; // signals a second
const SECONDS = Number(process.env.HUP_STORM_SECONDS ?? 5);

const runtimes: Record<string, (configPath: string) => [string, string[]]> = {
  node: (
    p,
  ) => [process.execPath, [
    join(root, "build/tests/fixtures/storm_child.js"),
    p,
  ]],
  deno: (p) => [
    join(root, "node_modules/.bin/deno"),
    [
      "run",
      "--quiet",
      "--allow-read",
      "--allow-env",
      join(root, "tests/fixtures/storm_child.ts"),
      p,
    ],
  ],
  bun: (
    p,
  ) => [join(root, "node_modules/.bin/bun"), [
    join(root, "tests/fixtures/storm_child.ts"),
    p,
  ]],
};

for (const [name, command] of Object.entries(runtimes)) {
  test(`a ${name} service survives a SIGHUP storm and ends on the last file`, {
    timeout: 120_000,
  }, async () => {
    await using file = await tempConfig("value: 0\n");
    const [bin, args] = command(file.path);
    const child = spawn(bin, args, {
      stdio: ["pipe", "pipe", "inherit"],
      cwd: root,
    });
    const { lines, waitFor, hasExited } = jsonLines(child);
    const report = async () => {
      const before = lines.length;
      child.stdin!.write("report\n");
      return await waitFor((l) => "passes" in l && lines.indexOf(l) >= before);
    };
    try {
      await waitFor((l) => l.ready === true);
      let sent = 0;
      let version = 0;
      const tick = 10; // ms
      const ticks = (SECONDS * 1000) / tick;
      await new Promise<void>((resolve) => {
        let n = 0;
        const timer = setInterval(async () => {
          for (let i = 0; i < (RATE * tick) / 1000; i++) {
            process.kill(child.pid!, "SIGHUP");
            sent++;
          }
          if (++n % 25 === 0) {
            // A new version every 250 ms, replaced by rename.
            const tmp = join(file.dir, `.tmp-${n}`);
            await writeFile(tmp, `value: ${++version}\n`);
            await rename(tmp, file.path);
          }
          if (n >= ticks) {
            clearInterval(timer);
            resolve();
          }
        }, tick);
      });
      // The last content wins: one more change and one more signal.
      await writeFile(join(file.dir, ".tmp-final"), "value: final\n");
      await rename(join(file.dir, ".tmp-final"), file.path);
      process.kill(child.pid!, "SIGHUP");
      await waitFor((l) => l.value === "final");
      const counters = await report();
      console.log(
        `${name}: ${sent} signals in ${SECONDS} s -> ${counters.passes} passes, at most ${counters.maxActive} at once`,
      );
      assert.equal(counters.maxActive, 1, "passes never overlap");
      assert.ok((counters.passes as number) < sent / 2, "bursts are coalesced");
      assert.equal(counters.value, "final");
      assert.equal(hasExited(), false, "still alive");
    } finally {
      child.stdin!.write("exit\n");
      if (!hasExited()) child.kill("SIGKILL");
    }
  });
}
