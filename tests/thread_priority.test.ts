// The parser's worker runs at a lower priority than the threads serving
// requests (Linux nice 10), where the runtime lets it, and asks for nothing
// it was not granted: Deno without --allow-sys keeps it as it is, with no
// permission prompt.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import process from "node:process";
import { OffThreadParser } from "../src/off_thread.ts";

// The nice value of each thread of this process (field 19 of its stat;
// the command name before it may hold spaces, so count from the ")"), read
// by a shell: Deno lets a process read its own /proc only with --allow-all.
function niceValues(): Map<string, number> {
  const out = execFileSync("sh", [
    "-c",
    `for t in /proc/${process.pid}/task/*; do echo "\${t##*/} $(cat "$t/stat")"; done`,
  ], { encoding: "utf8" });
  const values = new Map<string, number>();
  for (const line of out.trim().split("\n")) {
    const tid = line.slice(0, line.indexOf(" "));
    const fields = line.slice(line.lastIndexOf(")") + 2).split(" ");
    values.set(tid, Number(fields[16]));
  }
  return values;
}

const deno = "Deno" in globalThis;
const sysGranted = deno &&
  (globalThis as unknown as {
      Deno: {
        permissions: { querySync(d: { name: string }): { state: string } };
      };
    }).Deno.permissions.querySync({ name: "sys" }).state === "granted";

test("the parser's worker yields to the threads serving requests", {
  skip: process.platform !== "linux" &&
    "threads have no nice value of their own here",
}, async () => {
  const before = niceValues();
  const parser = new OffThreadParser();
  try {
    const outcome = await parser.parse({
      format: "yaml",
      text: "a: 1\n",
      limits: { maxDepth: 100, maxNodes: 1000 },
    });
    assert.deepEqual(outcome, { ok: true, value: { a: 1 } });
    const after = niceValues();
    const added = [...after].filter(([tid]) => !before.has(tid));
    const lowered = added.filter(([, nice]) => nice === 10);
    assert.equal(
      after.get(String(process.pid)),
      before.get(String(process.pid)),
    );
    if (deno && !sysGranted) {
      assert.deepEqual(lowered, [], "nothing asked of Deno beyond its grants");
    } else {
      // The worker's thread, and on Bun the threads it starts after.
      assert.ok(lowered.length >= 1, JSON.stringify(added));
    }
    for (const [tid, nice] of before) {
      if (after.has(tid)) assert.equal(after.get(tid), nice, `thread ${tid}`);
    }
  } finally {
    parser.close();
  }
});
