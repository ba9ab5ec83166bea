// A writer rewrites the config while passes run: a torn or partial file is
// never applied (at worst load_failed), and once the writer stops a pass
// applies its last, complete version.
import { test } from "node:test";
import assert from "node:assert/strict";
import { chmod, open, rename, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { spawn } from "node:child_process";
import {
  AtomicConfig,
  type ConfigSchema,
  Coordinator,
  HookStatus,
  loadConfig,
  LoadError,
} from "hup-reload";
import { jsonLines, tempConfig } from "./_helpers.ts";

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

// A write that closely follows another change to the file (one that
// something then looked at with stat) can get an mtime a fraction of a
// millisecond ahead of Date.now(): the guard must still see it as recent.
for (const prior of ["write", "chmod"] as const) {
  test(
    `Coordinator never applies a file torn by a writer right after a ${prior} and a stat`,
    {
      timeout: 60_000,
    },
    async () => {
      await using file = await tempConfig(render(0));
      const holder = new AtomicConfig<Versioned>({
        version: 0,
        items: [],
        checksum: 0,
      });
      const coordinator = new Coordinator<Versioned>({
        configPath: file.path,
        config: holder,
        // Any mapping: the test checks each applied config itself.
        schema: passThrough<Versioned>(),
        hooks: [],
      });
      const TRIALS = 50;
      let torn = 0;
      let whole = 0;
      for (let trial = 1; trial <= TRIALS; trial++) {
        if (prior === "write") await writeFile(file.path, render(trial - 1));
        else await chmod(file.path, trial % 2 === 0 ? 0o644 : 0o640);
        await stat(file.path);
        // The new version in two halves, 5 ms apart, and a pass started
        // right after the first half.
        const text = render(trial);
        const half = text.length >> 1;
        const handle = await open(file.path, "r+");
        try {
          await handle.truncate(0);
          await handle.write(text.slice(0, half), 0);
          const pass = coordinator.reload();
          await new Promise((resolve) => setTimeout(resolve, 5));
          await handle.write(text.slice(half), half);
          const result = await pass;
          if (result.status !== "full_success") continue;
          const config = holder.load()!;
          if (
            config.checksum !== config.version || config.items.length !== ITEMS
          ) torn++;
          else whole++;
        } finally {
          await handle.close();
        }
      }
      assert.equal(torn, 0, `${torn} torn of ${TRIALS}`);
      // The guard waits for the writer, so passes succeed on the whole file.
      assert.ok(whole > TRIALS / 2, `${whole} whole of ${TRIALS}`);
    },
  );
}

test(
  "loadConfig() never reads a file that is never left alone, even on its last try",
  {
    timeout: 60_000,
  },
  async () => {
    // Half a config, stable in content, but touched every 2 ms by another
    // process, as by a slow writer: no read may take it as whole.
    await using file = await tempConfig("version: 1\nitems:\n  - a\n");
    const toucher = spawn("perl", [
      "-e",
      `my $f = shift; $| = 1; print "{}\\n";
     while (1) { utime(undef, undef, $f); select(undef, undef, undef, 0.002) }`,
      file.path,
    ], { stdio: ["ignore", "pipe", "inherit"] });
    const child = jsonLines(toucher);
    try {
      await child.waitFor(() => true);
      await assert.rejects(
        loadConfig(file.path, { settle: 100 }),
        (error) =>
          error instanceof LoadError &&
          /the file kept changing while it was read \(10 tries\)/.test(
            error.message,
          ),
      );
    } finally {
      toucher.kill();
      await child.exited;
    }
  },
);
