// A format's parser is imported on first use (a config in YAML never loads
// the JSON and TOML parsers): once, and again after an import that failed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { lazyModule } from "../src/load/format/lazy.ts";

test("lazyModule() imports once, on the first prepare(), and refuses get() before", async () => {
  let imports = 0;
  const lazy = lazyModule("TEST", () => {
    imports++;
    return Promise.resolve({ answer: 42 });
  });
  assert.equal(imports, 0, "nothing imported until asked");
  assert.throws(
    () => lazy.get(),
    /Cannot parse TEST as its parser is not loaded yet/,
  );
  const first = lazy.prepare();
  const second = lazy.prepare();
  assert.equal(first, second, "one import in flight");
  await first;
  assert.equal(lazy.prepare(), undefined, "nothing to wait for once loaded");
  assert.equal(lazy.get().answer, 42);
  assert.equal(imports, 1);
});

test("lazyModule() tries the import again after one that failed", async () => {
  let tries = 0;
  const lazy = lazyModule(
    "TEST",
    () =>
      ++tries === 1
        ? Promise.reject(new Error("not yet"))
        : Promise.resolve({ ok: true }),
  );
  await assert.rejects(lazy.prepare()!, /not yet/);
  await lazy.prepare();
  assert.equal(lazy.get().ok, true);
  assert.equal(tries, 2);
});
