// The demo as a first-time user meets it: `deno task demo` (what
// `npm run demo` runs) on a port that is already taken.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../", import.meta.url));

test("examples/demo.ts says which port is busy and how to pick another", {
  timeout: 60_000,
}, async () => {
  using busy = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = busy.addr as Deno.NetAddr;
  const demo = await new Deno.Command(Deno.execPath(), {
    args: ["task", "--quiet", "demo"],
    cwd: root,
    env: { DEMO_PORT: String(port), NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
    // A demo that served anyway would never exit: end it.
    signal: AbortSignal.timeout(30_000),
  }).output();
  const stdout = new TextDecoder().decode(demo.stdout);
  const stderr = new TextDecoder().decode(demo.stderr);
  assert.equal(demo.code, 1, stderr);
  assert.equal(stdout, "");
  assert.equal(
    stderr.trim(),
    `Cannot start the demo as 127.0.0.1:${port} is already in use: pick another port with DEMO_PORT, e.g. DEMO_PORT=${
      port + 1
    } npm run demo (DEMO_PORT=0 picks a free one)`,
  );
  assert.doesNotMatch(stderr, /Uncaught|AddrInUse|\n\s+at /);
});
