// Pathological config files (tests/_pathological.ts), in YAML, JSON and
// TOML, of 128 KiB and 1 MiB: each pass must end load_failed with a bounded
// message that names the file and holds no value (or, for the few valid
// ones, load). Nothing here measures time (see
// scripts/measure-pathological.mjs), but every stage of the loader must be
// linear for the 1 MiB files to pass at all: the quadratic paths these
// files were written against took from seconds to an hour each.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { writeFile } from "node:fs/promises";
import { AtomicConfig, Coordinator, HookStatus } from "hup-reload";
import { tempConfig } from "./_helpers.ts";
import { cases, env, schema, SECRET } from "./_pathological.ts";

const KiB = 1024;
const SIZES = [128 * KiB, 1024 * KiB];

describe("pathological config files", () => {
  test("the generated files are as large as asked", () => {
    for (const kase of cases) {
      for (const size of SIZES) {
        const content = kase.make(size);
        const length = typeof content === "string"
          ? new TextEncoder().encode(content).length
          : content.length;
        assert.ok(
          length >= size * 0.9 && length <= size * 1.1 + 100,
          `${kase.name} at ${size}: ${length}`,
        );
        assert.ok(
          typeof content !== "string" || content.includes(SECRET),
          kase.name,
        );
      }
    }
  });

  test("every format has cases, and a few valid ones", () => {
    for (const format of ["yaml", "json", "toml"]) {
      assert.ok(cases.filter((c) => c.format === format).length >= 25, format);
    }
    assert.ok(cases.filter((c) => c.loads).length >= 2);
  });

  for (const { name, format, loads, make, where } of cases) {
    const sizes = SIZES;
    test(
      `Coordinator.reload() ${loads ? "loads" : "refuses"} ${name} (${
        sizes.map((s) => `${s / KiB} KiB`).join(", ")
      })${loads ? "" : " with a bounded message"}`,
      { timeout: 120_000 },
      async () => {
        await using dir = await tempConfig();
        const path = join(dir.dir, `config.${format}`);
        for (const size of sizes) {
          await writeFile(path, make(size));
          const holder = new AtomicConfig<unknown>({ server: { port: 1 } });
          const before = holder.snapshot();
          const calls: string[] = [];
          const coordinator = new Coordinator<unknown>({
            configPath: path,
            config: holder,
            schema,
            env,
            // On the event loop: the worker gives the same outcomes, as
            // tests/off_thread.test.ts shows for these files too, and
            // starting one per case would only cost time.
            workerThreshold: Infinity,
            hooks: [{
              name: "spy",
              check: () => void calls.push("check"),
              apply: () => (calls.push("apply"), HookStatus.Applied),
            }],
          });
          const result = await coordinator.reload();
          await coordinator.shutdown();
          const error = result.load_error ?? "";
          assert.ok(!JSON.stringify(result).includes(SECRET), error);
          if (loads) {
            assert.equal(result.status, "full_success", `${name}: ${error}`);
            assert.deepEqual(calls, ["check", "apply"]);
            assert.equal(coordinator.generation(), 1);
            assert.notEqual(holder.snapshot(), before);
            continue;
          }
          assert.equal(result.status, "load_failed", `${name}: ${error}`);
          assert.ok(error.startsWith("Cannot load config as "), error);
          assert.ok(error.includes(path), `names the file: ${error}`);
          assert.match(error, where);
          const bytes = new TextEncoder().encode(error).length;
          assert.ok(bytes <= 4096, `${name}: ${bytes} bytes`);
          assert.deepEqual(calls, []);
          assert.equal(coordinator.generation(), 0);
          assert.equal(holder.snapshot(), before);
        }
      },
    );
  }
});
