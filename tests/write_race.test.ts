// A writer rewrites the config while passes run: a torn or partial file is
// never applied (at worst load_failed), and once the writer stops a pass
// applies its last, complete version.
import { test } from "node:test";
import assert from "node:assert/strict";
import { open, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  AtomicConfig,
  type ConfigSchema,
  Coordinator,
  HookStatus,
} from "hup-reload";
import { tempConfig } from "./_helpers.ts";

// Every prefix of a version is valid YAML (a list cut short, a missing
// checksum), so a torn read that got through would be applied.
const ITEMS = 200;
// The writer rewrites the file for this long (or this many versions).
const WRITE_MS = 800;
const MAX_VERSIONS = 20_000;

interface Versioned {
  version: number;
  items: string[];
  checksum: number;
}

const render = (v: number) =>
  `version: ${v}\nitems:\n${
    Array.from({ length: ITEMS }, (_, i) => `  - item-${i}-${v}\n`).join("")
  }checksum: ${v}\n`;

async function race(
  write: (path: string, text: string) => Promise<void>,
): Promise<
  { applied: Versioned[]; failed: number; passes: number; versions: number }
> {
  await using file = await tempConfig(render(0));
  const holder = new AtomicConfig<Versioned>({
    version: 0,
    items: [],
    checksum: 0,
  });
  const applied: Versioned[] = [];
  holder.subscribe(({ config }) => void applied.push(config));
  const coordinator = new Coordinator<Versioned>({
    configPath: file.path,
    config: holder,
    // The test checks each applied config's checksum itself.
    schema: passThrough<Versioned>(),
    hooks: [{ name: "noop", check() {}, apply: () => HookStatus.Applied }],
  });
  let writing = true;
  let versions = 0;
  const writer = (async () => {
    const until = Date.now() + WRITE_MS;
    while (Date.now() < until && versions < MAX_VERSIONS) {
      await write(file.path, render(++versions));
    }
    writing = false;
  })();
  let failed = 0;
  let passes = 0;
  while (writing) {
    const result = await coordinator.reload();
    passes++;
    if (result.status === "load_failed") failed++;
    else assert.equal(result.status, "full_success", String(result.load_error));
  }
  await writer;
  const last = await coordinator.reload();
  assert.equal(last.status, "full_success", String(last.load_error));
  assert.equal(holder.load()?.version, versions);
  return { applied, failed, passes, versions };
}

function assertWhole(applied: Versioned[]) {
  for (const config of applied) {
    assert.equal(config.checksum, config.version, "torn: checksum missing");
    assert.equal(config.items.length, ITEMS, "torn: list cut short");
    assert.equal(config.items.at(-1), `item-${ITEMS - 1}-${config.version}`);
  }
}

test("Coordinator never applies a file torn by an in-place writer", {
  timeout: 60_000,
}, async () => {
  const { applied, failed, passes, versions } = await race(
    async (path, text) => {
      // truncate, then write in three chunks, as `echo > file` or a naive
      // editor does
      const handle = await open(path, "r+");
      try {
        await handle.truncate(0);
        const third = Math.ceil(text.length / 3);
        for (let at = 0; at < text.length; at += third) {
          await handle.write(text.slice(at, at + third), at);
        }
      } finally {
        await handle.close();
      }
    },
  );
  assertWhole(applied);
  console.log(
    `in place: ${passes} passes during ${versions} rewrites, ${failed} load_failed, ${applied.length} applied`,
  );
});

test("Coordinator always applies a whole file from a writer that renames", {
  timeout: 60_000,
}, async () => {
  const { applied, passes, versions } = await race(async (path, text) => {
    const tmp = join(path, "..", `.config.yaml.${Math.random()}`);
    await writeFile(tmp, text);
    await rename(tmp, path);
  });
  assertWhole(applied);
  console.log(
    `rename: ${passes} passes during ${versions} rewrites, ${applied.length} applied`,
  );
});

/** A schema that accepts any mapping as `C`. */
function passThrough<C>(): ConfigSchema<C> {
  return {
    "~standard": {
      version: 1,
      vendor: "test",
      validate: (value) => ({ value: value as C }),
    },
  };
}
