// A directory watch that cannot be created (ENOSPC: the inotify limit,
// EMFILE) or that dies later: the file watch falls back to polling with one
// warning, keeps seeing changes, and never throws or ends the process.
import { test } from "node:test";
import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import type { FSWatcher } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { captureLogs, fakeTimers } from "./_helpers.ts";
import {
  setDirectoryWatchForTesting,
  watchConfigFile,
} from "../src/watch/file_watch.ts";

function systemError(code: string): Error {
  return Object.assign(new Error(`${code}: system limit reached, watch`), {
    code,
  });
}

async function withFile(
  run: (path: string) => Promise<void>,
): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "hup-reload-watch-fail-"));
  try {
    const path = join(dir, "config.yaml");
    await writeFile(path, "value: one\n");
    await run(path);
  } finally {
    setDirectoryWatchForTesting();
    await rm(dir, { recursive: true, force: true });
  }
}

test("a watch that cannot be created polls instead, with one warning, and sees every change", async () => {
  await using logs = await captureLogs();
  await withFile(async (path) => {
    let attempts = 0;
    setDirectoryWatchForTesting(() => {
      attempts++;
      throw systemError("ENOSPC");
    });
    const time = fakeTimers();
    let calls = 0;
    const watcher = watchConfigFile(path, () => calls++, {
      timers: time.timers,
      pollInterval: 1000,
    });
    try {
      await watcher.ready;
      assert.ok(attempts > 0);
      assert.deepEqual([...time.pending.values()].map((t) => t.ms), [1000]);
      for (const value of ["two", "three"]) {
        await writeFile(path, `value: ${value}\n`);
        // Only the poll can see it: no watch works.
        assert.equal(await time.poll(), 1000);
        assert.equal(calls, value === "two" ? 1 : 2);
      }
      // Polling goes on while the watch cannot be made.
      assert.equal(await time.poll(), 1000);
    } finally {
      watcher.close();
    }
    assert.equal(time.pending.size, 0);
  });
  const warnings = logs.records.filter((r) =>
    r.level === "warning" &&
    r.message.join("").startsWith("Cannot watch the config file's directory")
  );
  assert.equal(warnings.length, 1, "one warning for a lasting failure");
  assert.match(String(warnings[0].properties.error), /ENOSPC/);
});

test("a watch that dies polls instead, with one warning, and watches again once it can", async () => {
  await using logs = await captureLogs();
  await withFile(async (path) => {
    const made: (EventEmitter & { closed: boolean })[] = [];
    let failing = false;
    setDirectoryWatchForTesting(() => {
      if (failing) throw systemError("EMFILE");
      const fake = Object.assign(new EventEmitter(), {
        closed: false,
        close() {
          fake.closed = true;
        },
      });
      made.push(fake);
      return fake as unknown as FSWatcher;
    });
    const time = fakeTimers();
    let calls = 0;
    const watcher = watchConfigFile(path, () => calls++, {
      timers: time.timers,
      pollInterval: 1000,
    });
    try {
      await watcher.ready;
      assert.equal(time.pending.size, 0, "watching: no polling");
      const live = made.filter((w) => !w.closed);
      assert.ok(live.length > 0);
      // Every watch dies, and none can be made again for now.
      failing = true;
      for (const w of live) w.emit("error", systemError("EMFILE"));
      await writeFile(path, "value: two\n");
      assert.ok(
        [...time.pending.values()].some((t) => t.ms === 10),
        "the error asks for a comparison",
      );
      assert.equal(await watcher.check(), true);
      assert.equal(calls, 1);
      assert.ok(
        [...time.pending.values()].some((t) => t.ms === 1000),
        "polls while no watch can be made",
      );
      // Watches can be made again: the next poll watches, and polling stops.
      failing = false;
      await writeFile(path, "value: three\n");
      const [[id, { callback }]] = [...time.pending].filter(([, t]) =>
        t.ms === 1000
      );
      time.pending.delete(id);
      callback();
      while (calls < 2) await watcher.check();
      assert.equal(calls, 2);
      assert.ok(
        ![...time.pending.values()].some((t) => t.ms === 1000),
        "no more polling once watched",
      );
      assert.ok(made.some((w) => !w.closed), "watching again");
    } finally {
      watcher.close();
    }
  });
  const messages = logs.records.map((r) => r.message.join(""));
  const warnings = messages.filter((m) =>
    m.startsWith("Cannot watch the config file's directory")
  );
  assert.equal(warnings.length, 1, JSON.stringify(messages));
  assert.ok(
    messages.some((m) => m.startsWith("Watching the config file again")),
  );
});
