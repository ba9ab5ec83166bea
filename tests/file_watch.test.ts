// watchConfigFile(): each way a config file gets changed, reproduced for real
// in a temp directory, drives a real Coordinator. The watch runs on real
// timers that the test gates: a timer that comes due while the test is
// still changing the file waits until the change is complete. So a
// comparison never sees a file half-written or a burst half-done, which
// makes "exactly one call per change" deterministic, while real events and
// real time do everything else (on Bun, a comparison must come a few ms
// after an event to see a write whose own event was dropped).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import {
  mkdir,
  mkdtemp,
  open,
  rename,
  rm,
  symlink,
  unlink,
  utimes,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { captureLogs } from "./_helpers.ts";
import {
  AtomicConfig,
  Coordinator,
  loadConfig,
  type ReloadResult,
  type Timers,
} from "hup-reload";
import { type ConfigFileWatcher, watchConfigFile } from "hup-reload/watch";

const DEBOUNCE = 30;
const POLL = 40;
const TIMEOUT = { timeout: 20_000 };

/** Resolves waiters on the next poke: a timer armed or onChange called. */
class Wakeup {
  #waiters: (() => void)[] = [];
  wait(): Promise<void> {
    return new Promise((resolve) => this.#waiters.push(resolve));
  }
  poke(): void {
    for (const wake of this.#waiters.splice(0)) wake();
  }
}

/**
 * Real timers behind a gate: a callback that comes due while the gate is
 * shut waits for it to open. Shut at first.
 */
class GatedTimers implements Timers {
  readonly #armed = new Map<
    number,
    { ms: number; handle: ReturnType<typeof setTimeout> }
  >();
  readonly #due = new Map<number, { ms: number; callback: () => void }>();
  readonly #wakeup: Wakeup;
  #open = false;
  #next = 0;
  constructor(wakeup: Wakeup) {
    this.#wakeup = wakeup;
  }
  setTimeout(callback: () => void, ms: number): unknown {
    const id = ++this.#next;
    const handle = setTimeout(() => {
      this.#armed.delete(id);
      if (this.#open) callback();
      else this.#due.set(id, { ms, callback });
    }, ms);
    this.#armed.set(id, { ms, handle });
    this.#wakeup.poke();
    return id;
  }
  clearTimeout(id: unknown): void {
    clearTimeout(this.#armed.get(id as number)?.handle);
    this.#armed.delete(id as number);
    this.#due.delete(id as number);
  }
  /** How many timers are armed or due. */
  get size(): number {
    return this.#armed.size + this.#due.size;
  }
  /** Whether a timer of `ms` is armed or due. */
  has(ms: number): boolean {
    return [...this.#armed.values(), ...this.#due.values()].some((t) =>
      t.ms === ms
    );
  }
  open(): void {
    this.#open = true;
    for (const [id, { callback }] of [...this.#due]) {
      if (this.#due.delete(id)) callback();
    }
  }
  shut(): void {
    this.#open = false;
  }
}

/** Opens the gate until `until()` holds, checked at each wakeup. */
async function drive(
  timers: GatedTimers,
  wakeup: Wakeup,
  until: () => boolean,
): Promise<void> {
  timers.open();
  try {
    while (!until()) await wakeup.wait();
  } finally {
    timers.shut();
  }
}

interface Watched extends AsyncDisposable {
  readonly path: string;
  readonly config: AtomicConfig<Record<string, unknown>>;
  readonly timers: GatedTimers;
  readonly watcher: ConfigFileWatcher;
  /** One reload pass per onChange call, in call order. */
  readonly passes: Promise<ReloadResult>[];
  /** Lets the timers run until `until()` holds. */
  drive(until: () => boolean): Promise<void>;
  /** Waits, the timers held, until `until()` holds. */
  wait(until: () => boolean): Promise<void>;
  /**
   * Runs `op` to completion, lets the timers run until onChange has been
   * called once more, checks that nothing more is to come, and returns the
   * result of the pass the call started.
   */
  change(op: () => Promise<unknown>): Promise<ReloadResult>;
}

/** A Coordinator on `path` reloaded by a watch on gated timers. */
async function watched(
  path: string,
  cleanup: () => Promise<void>,
): Promise<Watched> {
  const config = new AtomicConfig(await loadConfig(path));
  const coordinator = new Coordinator({ configPath: path, config, hooks: [] });
  const wakeup = new Wakeup();
  const timers = new GatedTimers(wakeup);
  const passes: Promise<ReloadResult>[] = [];
  const watcher = watchConfigFile(path, () => {
    passes.push(coordinator.reload());
    wakeup.poke();
  }, { debounce: DEBOUNCE, pollInterval: POLL, timers });
  await watcher.ready;
  return {
    path,
    config,
    timers,
    watcher,
    passes,
    drive: (until) => drive(timers, wakeup, until),
    async wait(until) {
      while (!until()) await wakeup.wait();
    },
    async change(op) {
      const before = passes.length;
      await op();
      await drive(timers, wakeup, () => passes.length > before);
      // A comparison begun now, after every event the change raised was
      // handled or is held at the gate, finds nothing more to report.
      assert.equal(await watcher.check(), false, "onChange is called once");
      assert.equal(passes.length, before + 1, "onChange is called once");
      return await passes[before];
    },
    async [Symbol.asyncDispose]() {
      watcher.close();
      await coordinator.shutdown();
      await cleanup();
    },
  };
}

async function tempDir(): Promise<
  { dir: string; [Symbol.asyncDispose](): Promise<void> }
> {
  const dir = await mkdtemp(join(tmpdir(), "hup-reload-watch-"));
  return {
    dir,
    [Symbol.asyncDispose]: () => rm(dir, { recursive: true, force: true }),
  };
}

/** A temp directory holding config.yaml with `text`, watched. */
async function watchedFile(text: string): Promise<Watched> {
  const dir = await mkdtemp(join(tmpdir(), "hup-reload-watch-"));
  const path = join(dir, "config.yaml");
  await writeFile(path, text);
  return await watched(
    path,
    () => rm(dir, { recursive: true, force: true }),
  );
}

function assertLoaded(w: Watched, result: ReloadResult, value: string): void {
  assert.equal(result.status, "full_success", JSON.stringify(result));
  assert.equal(w.config.load()?.value, value);
}

test(
  "watchConfigFile() reloads once per in-place write (truncate and write)",
  TIMEOUT,
  async () => {
    await using w = await watchedFile("value: one\n");
    // Each call after the first proves the previous change left no extra call
    // behind: calls are ordered, and each one loads the value just written.
    for (const value of ["two", "three", "four"]) {
      const result = await w.change(() =>
        writeFile(w.path, `value: ${value}\n`)
      );
      assertLoaded(w, result, value);
    }
    assert.equal(w.passes.length, 3);
  },
);

test(
  "watchConfigFile() reloads once per editor save (write a temp file, rename it over)",
  TIMEOUT,
  async () => {
    await using w = await watchedFile("value: one\n");
    const save = async (text: string) => {
      const temp = join(w.path, "..", ".config.yaml.swp");
      await writeFile(temp, text);
      await rename(temp, w.path);
    };
    for (const value of ["two", "three"]) {
      assertLoaded(w, await w.change(() => save(`value: ${value}\n`)), value);
    }
    assert.equal(w.passes.length, 2);
  },
);

test(
  "watchConfigFile() reloads once per editor save with the runtime's own timers",
  TIMEOUT,
  async () => {
    // A rename replaces the whole file at once, so however the events and
    // timers fall, there is exactly one new content to report.
    await using temp = await tempDir();
    const path = join(temp.dir, "config.yaml");
    await writeFile(path, "value: one\n");
    const config = new AtomicConfig(await loadConfig(path));
    const coordinator = new Coordinator({
      configPath: path,
      config,
      hooks: [],
    });
    const wakeup = new Wakeup();
    const passes: Promise<ReloadResult>[] = [];
    const watcher = watchConfigFile(path, () => {
      passes.push(coordinator.reload());
      wakeup.poke();
    });
    try {
      await watcher.ready;
      for (const [i, value] of ["two", "three"].entries()) {
        await writeFile(join(temp.dir, "config.yaml.tmp"), `value: ${value}\n`);
        await rename(join(temp.dir, "config.yaml.tmp"), path);
        while (passes.length <= i) await wakeup.wait();
        assert.equal(passes.length, i + 1);
        assert.equal((await passes[i]).status, "full_success");
        assert.equal(config.load()?.value, value);
      }
    } finally {
      watcher.close();
      await coordinator.shutdown();
    }
  },
);

test(
  "watchConfigFile() reloads once per Kubernetes ConfigMap update (..data symlink swap)",
  TIMEOUT,
  async () => {
    await using temp = await tempDir();
    const { dir } = temp;
    let serial = 0;
    let current = "";
    // What the kubelet's atomic writer does: a new timestamped directory, a
    // ..data_tmp symlink to it renamed over ..data, then the old one removed.
    const publish = async (text: string) => {
      const next = `..2026_11_27_03_30_57.${String(++serial).padStart(9, "0")}`;
      await mkdir(join(dir, next));
      await writeFile(join(dir, next, "config.yaml"), text);
      await symlink(next, join(dir, "..data_tmp"));
      await rename(join(dir, "..data_tmp"), join(dir, "..data"));
      if (current !== "") await rm(join(dir, current), { recursive: true });
      current = next;
    };
    await publish("value: one\n");
    await symlink(join("..data", "config.yaml"), join(dir, "config.yaml"));

    await using w = await watched(join(dir, "config.yaml"), async () => {});
    for (const value of ["two", "three", "four"]) {
      assertLoaded(
        w,
        await w.change(() => publish(`value: ${value}\n`)),
        value,
      );
    }
    assert.equal(w.passes.length, 3);
  },
);

test(
  "watchConfigFile() keeps working after the file is deleted and re-created",
  TIMEOUT,
  async () => {
    await using w = await watchedFile("value: one\n");
    for (const value of ["two", "three"]) {
      const before = w.passes.length;
      await unlink(w.path);
      // The watch noticed the file is gone when it starts polling for it.
      await w.drive(() => w.timers.has(POLL));
      assert.equal(w.passes.length, before, "a deletion is not a change");
      assertLoaded(
        w,
        await w.change(() => writeFile(w.path, `value: ${value}\n`)),
        value,
      );
    }
    // Re-created with the content it had: nothing to reload.
    await unlink(w.path);
    await w.drive(() => w.timers.has(POLL));
    await writeFile(w.path, "value: three\n");
    assert.equal(await w.watcher.check(), false);
    assert.equal(w.timers.has(POLL), false, "polling stops: the file is back");
    assertLoaded(
      w,
      await w.change(() => writeFile(w.path, "value: five\n")),
      "five",
    );
    assert.equal(w.passes.length, 3);
  },
);

test(
  "watchConfigFile() follows a symlink to another directory, and a re-pointed one",
  TIMEOUT,
  async () => {
    // Deno drops the event for creating a symlink whose target lies outside
    // the watched directory (denoland/deno#27560); polling while the file is
    // missing is what catches the re-created link there.
    await using temp = await tempDir();
    const [a, b] = [join(temp.dir, "a"), join(temp.dir, "b")];
    const dir = join(temp.dir, "app");
    for (const d of [a, b, dir]) await mkdir(d);
    await writeFile(join(a, "shared.yaml"), "value: one\n");
    await symlink(join(a, "shared.yaml"), join(dir, "config.yaml"));
    await using w = await watched(join(dir, "config.yaml"), async () => {});

    // The target is written in place: an event in a, not in app.
    const two = () => writeFile(join(a, "shared.yaml"), "value: two\n");
    assertLoaded(w, await w.change(two), "two");

    await unlink(w.path);
    await w.drive(() => w.timers.has(POLL));
    await writeFile(join(b, "shared.yaml"), "value: three\n");
    const relink = () => symlink(join(b, "shared.yaml"), w.path);
    assertLoaded(w, await w.change(relink), "three");

    const four = () => writeFile(join(b, "shared.yaml"), "value: four\n");
    assertLoaded(w, await w.change(four), "four");
    assert.equal(w.passes.length, 3);
  },
);

test(
  "watchConfigFile() calls once for several quick writes",
  TIMEOUT,
  async () => {
    await using w = await watchedFile("value: one\n");
    const burst = async (values: string[]) => {
      for (const value of values) await writeFile(w.path, `value: ${value}\n`);
    };
    assertLoaded(
      w,
      await w.change(() => burst(["a", "b", "c", "d", "e"])),
      "e",
    );
    assertLoaded(w, await w.change(() => burst(["f", "g", "h"])), "h");
    assert.equal(w.passes.length, 2);
    // The last write wins; a burst that ends where it began is no change.
    await burst(["x", "h"]);
    assert.equal(await w.watcher.check(), false);
    assertLoaded(w, await w.change(() => burst(["i"])), "i");
    assert.equal(w.passes.length, 3);
  },
);

test(
  "watchConfigFile() calls nothing after close() or an aborted signal",
  TIMEOUT,
  async () => {
    await using temp = await tempDir();
    const path = join(temp.dir, "config.yaml");
    await writeFile(path, "value: one\n");
    const wakeup = new Wakeup();
    const [timersA, timersB] = [
      new GatedTimers(wakeup),
      new GatedTimers(wakeup),
    ];
    let calls = 0;
    const options = { debounce: DEBOUNCE, pollInterval: POLL };
    const a = watchConfigFile(path, () => calls++, {
      ...options,
      timers: timersA,
    });
    const controller = new AbortController();
    const b = watchConfigFile(path, () => calls++, {
      ...options,
      timers: timersB,
      signal: controller.signal,
    });
    await Promise.all([a.ready, b.ready]);
    // Both have seen an event, and their debounce is armed, when they stop.
    await writeFile(path, "value: two\n");
    while (timersA.size === 0 || timersB.size === 0) await wakeup.wait();
    a.close();
    a.close(); // again: nothing
    controller.abort();
    assert.equal(a.closed, true);
    assert.equal(b.closed, true);
    assert.equal(timersA.size, 0, "close() clears its timers");
    assert.equal(timersB.size, 0, "an abort clears its timers");
    timersA.open();
    timersB.open();

    // A witness watch on the same directory sees the next change, so the
    // stopped ones would have seen it too.
    let seen = 0;
    const witness = watchConfigFile(path, () => {
      seen++;
      wakeup.poke();
    }, { debounce: DEBOUNCE });
    try {
      await witness.ready;
      await writeFile(path, "value: three\n");
      while (seen === 0) await wakeup.wait();
    } finally {
      witness.close();
    }
    assert.equal(await a.check(), false);
    assert.equal(await b.check(), false);
    assert.equal(calls, 0);
    assert.equal(timersA.size + timersB.size, 0);

    const already = watchConfigFile(path, () => {}, {
      signal: AbortSignal.abort(),
    });
    await already.ready;
    assert.equal(already.closed, true);
  },
);

test(
  "watchConfigFile() leaves nothing that keeps the process alive after close()",
  TIMEOUT,
  async () => {
    await using temp = await tempDir();
    const isTs = import.meta.url.endsWith(".ts");
    const fixture = fileURLToPath(
      new URL(
        `./fixtures/file_watch_child.${isTs ? "ts" : "js"}`,
        import.meta.url,
      ),
    );
    const args = "Deno" in globalThis
      ? ["run", "--quiet", "--allow-read", "--allow-write", fixture, temp.dir]
      : [fixture, temp.dir];
    const child = spawn(process.execPath, args, {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout!.on("data", (chunk) => out += chunk);
    try {
      const code = await new Promise((resolve) => child.on("exit", resolve));
      assert.equal(code, 0);
      assert.deepEqual(JSON.parse(out), { closed: true });
    } finally {
      child.kill("SIGKILL");
    }
  },
);

test(
  "watchConfigFile() logs what fails, never the file's content, and never throws",
  TIMEOUT,
  async () => {
    await using logs = await captureLogs();
    const { records } = logs;
    {
      await using temp = await tempDir();
      const path = join(temp.dir, "config.yaml");
      const secret = (n: number) => `password: hunter2-secret-${n}\n`;
      const wakeup = new Wakeup();
      const timers = new GatedTimers(wakeup);
      let calls = 0;
      // Missing at start: its first appearance is a change.
      const watcher = watchConfigFile(path, () => {
        calls++;
        wakeup.poke();
        if (calls === 1) throw new Error("Cannot reload: the first call fails");
        return Promise.reject(new Error("Cannot reload: the second one too"));
      }, { timers, debounce: DEBOUNCE, pollInterval: POLL });
      try {
        await watcher.ready;
        assert.ok(timers.has(POLL), "polls for a missing file");
        for (const n of [1, 2]) {
          await writeFile(path, secret(n));
          await drive(timers, wakeup, () => calls === n);
        }
        // A directory where the file should be: not a regular file.
        await unlink(path);
        await mkdir(path);
        await writeFile(join(path, "x"), "x");
        await drive(timers, wakeup, () => timers.has(POLL));
      } finally {
        watcher.close();
      }
      assert.equal(calls, 2);
      const text = JSON.stringify(
        records.map((r) => [r.message, r.properties]),
      );
      assert.ok(!text.includes("hunter2"), "no file content in any record");
      assert.ok(
        records.every((r) => r.category.join(".") === "hup-reload.watch"),
      );
      const messages = records.map((r) => r.message.join(""));
      for (
        const expected of [
          "The config file is missing",
          "The config file changed",
          "The config file's onChange failed",
          "The config file is not a regular file",
        ]
      ) {
        assert.ok(
          messages.some((m) => m.startsWith(expected)),
          `${expected}: ${JSON.stringify(messages)}`,
        );
      }
      assert.equal(
        messages.filter((m) =>
          m.startsWith("The config file's onChange failed")
        )
          .length,
        2,
      );
    }
  },
);

test("watchConfigFile() rejects bad arguments with a TypeError or RangeError", () => {
  const noop = () => {};
  assert.throws(() => watchConfigFile("", noop), TypeError);
  assert.throws(
    () => watchConfigFile("c.yaml", null as unknown as () => void),
    TypeError,
  );
  for (const debounce of [-1, NaN, Infinity]) {
    assert.throws(() => watchConfigFile("c.yaml", noop, { debounce }), {
      name: "RangeError",
      message:
        "Cannot watch the config file as options.debounce is not a finite number from 0: c.yaml",
    });
  }
  for (const pollInterval of [0, -5, Infinity]) {
    assert.throws(
      () => watchConfigFile("c.yaml", noop, { pollInterval }),
      RangeError,
    );
  }
});

test(
  "watchConfigFile() compares a file renamed over the path at once, and a write to it in place after the debounce",
  TIMEOUT,
  async () => {
    await using w = await watchedFile("value: zero\n");
    // Written earlier and renamed in now: whole by construction, as its
    // ctime past its mtime shows (even where ctimes are whole seconds).
    const temp = join(w.path, "..", "config.yaml.tmp");
    await writeFile(temp, "value: one\n");
    const written = new Date(Date.now() - 1500);
    await utimes(temp, written, written);
    await rename(temp, w.path);
    // No timer runs, so no debounce is over: the rename alone starts it.
    await w.wait(() => w.passes.length === 1);
    assertLoaded(w, await w.passes[0], "one");
    // The writer keeps writing to the file it renamed in: a write in place,
    // compared once the debounce is over, whose last content is loaded.
    const result = await w.change(() => writeFile(w.path, "value: two\n"));
    assertLoaded(w, result, "two");
    assert.equal(w.passes.length, 2);
  },
);

test("watchConfigFile() makes one reload of a burst of in-place writes that the reload read whole", async () => {
  const dir = await mkdtemp(join(tmpdir(), "hup-burst-"));
  const path = join(dir, "config.yaml");
  const text = (n: number) =>
    Array.from({ length: 200 }, (_, i) => `k${i}: ${n}\n`).join("");
  await writeFile(path, text(0));
  const coordinator = await Coordinator.create({ configPath: path });
  const results: ReloadResult[] = [];
  const watcher = watchConfigFile(
    path,
    // The result it resolves to says which content the reload loaded.
    () => coordinator.reload().then((r) => (results.push(r), r)),
    { knownDigest: coordinator.digest() },
  );
  try {
    await watcher.ready;
    // One save, written in three pieces a few milliseconds apart: events
    // arrive while the reload waits for the file to be left alone.
    const whole = text(1);
    const third = Math.ceil(whole.length / 3);
    const handle = await open(path, "r+");
    try {
      await handle.truncate(0);
      for (let at = 0; at < whole.length; at += third) {
        await handle.write(whole.slice(at, at + third), at);
        await new Promise((resolve) => setTimeout(resolve, 3));
      }
    } finally {
      await handle.close();
    }
    while (results.length === 0) await watcher.check();
    // Nothing more to report: the reload read the whole save.
    assert.equal(await watcher.check(), false);
    assert.equal(results.length, 1);
    assert.equal(results[0].status, "full_success");
    assert.equal(coordinator.config.load().k199, 1);
  } finally {
    watcher.close();
    await coordinator.shutdown();
    await rm(dir, { recursive: true, force: true });
  }
});

/** Replaces the symlink `link` by one to `to` at once, as `ln -sfn` would. */
async function relink(to: string, link: string): Promise<void> {
  const temp = `${link}.tmp`;
  await symlink(to, temp);
  await rename(temp, link);
}

test(
  "watchConfigFile() sees a release directory deploy (current -> releases/vN), atomic or not",
  TIMEOUT,
  async () => {
    await using temp = await tempDir();
    const { dir } = temp;
    for (const [v, value] of [["v1", "one"], ["v2", "two"], ["v3", "three"]]) {
      await mkdir(join(dir, "releases", v), { recursive: true });
      await writeFile(
        join(dir, "releases", v, "config.yaml"),
        `value: ${value}\n`,
      );
    }
    await symlink(join("releases", "v1"), join(dir, "current"));
    await using w = await watched(
      join(dir, "current", "config.yaml"),
      async () => {},
    );
    // The link is retargeted in the directory that holds it: no event in
    // either release directory.
    const v2 = () => relink(join("releases", "v2"), join(dir, "current"));
    assertLoaded(w, await w.change(v2), "two");
    // What `ln -sfn` does: remove the link, then make it again.
    const v3 = async () => {
      await unlink(join(dir, "current"));
      await symlink(join("releases", "v3"), join(dir, "current"));
    };
    assertLoaded(w, await w.change(v3), "three");
    // The old release is no longer watched; the new one is.
    await writeFile(join(dir, "releases", "v2", "config.yaml"), "value: x\n");
    assert.equal(await w.watcher.check(), false);
    const edit = () =>
      writeFile(join(dir, "releases", "v3", "config.yaml"), "value: four\n");
    assertLoaded(w, await w.change(edit), "four");
    assert.equal(w.passes.length, 3);
  },
);

test(
  "watchConfigFile() sees a symlink retargeted at each level of a chain",
  TIMEOUT,
  async () => {
    // app/config.yaml -> ../links/active.yaml -> ../data/current/a.yaml,
    // with data/current -> v1: three links in three directories.
    await using temp = await tempDir();
    const { dir } = temp;
    for (const d of ["app", "links", "data/v1", "data/v2"]) {
      await mkdir(join(dir, d), { recursive: true });
    }
    await writeFile(join(dir, "data/v1/a.yaml"), "value: one\n");
    await writeFile(join(dir, "data/v1/b.yaml"), "value: two\n");
    await writeFile(join(dir, "data/v2/b.yaml"), "value: three\n");
    await writeFile(join(dir, "data/v2/c.yaml"), "value: four\n");
    await writeFile(join(dir, "links/other.yaml"), "value: five\n");
    await symlink("v1", join(dir, "data/current"));
    await symlink("../data/current/a.yaml", join(dir, "links/active.yaml"));
    await symlink("../links/active.yaml", join(dir, "app/config.yaml"));
    await using w = await watched(join(dir, "app/config.yaml"), async () => {});

    // The middle link, in links/.
    const middle = () =>
      relink("../data/current/b.yaml", join(dir, "links/active.yaml"));
    assertLoaded(w, await w.change(middle), "two");
    // A directory link on the way, in data/.
    const directory = () => relink("v2", join(dir, "data/current"));
    assertLoaded(w, await w.change(directory), "three");
    // The middle link again, now through the new directory.
    const again = () =>
      relink("../data/current/c.yaml", join(dir, "links/active.yaml"));
    assertLoaded(w, await w.change(again), "four");
    // The first link, in app/.
    const first = () => relink("../links/other.yaml", w.path);
    assertLoaded(w, await w.change(first), "five");
    assert.equal(w.passes.length, 4);
  },
);

test(
  "watchConfigFile() sees a config directory replaced by another",
  TIMEOUT,
  async () => {
    await using temp = await tempDir();
    const { dir } = temp;
    await mkdir(join(dir, "conf"));
    await writeFile(join(dir, "conf", "config.yaml"), "value: one\n");
    await using w = await watched(
      join(dir, "conf", "config.yaml"),
      async () => {},
    );
    let n = 0;
    for (const value of ["two", "three"]) {
      const swap = async () => {
        const next = join(dir, `conf.new${n}`);
        await mkdir(next);
        await writeFile(join(next, "config.yaml"), `value: ${value}\n`);
        await rename(join(dir, "conf"), join(dir, `conf.old${n++}`));
        await rename(next, join(dir, "conf"));
      };
      assertLoaded(w, await w.change(swap), value);
    }
    // Still watching the new directory for edits in place.
    const edit = () =>
      writeFile(join(dir, "conf", "config.yaml"), "value: four\n");
    assertLoaded(w, await w.change(edit), "four");
    assert.equal(w.passes.length, 3);
  },
);

test(
  "watchConfigFile() watches for a file whose directory is missing at start-up, through events",
  TIMEOUT,
  async () => {
    await using temp = await tempDir();
    const path = join(temp.dir, "later", "deeper", "config.yaml");
    const wakeup = new Wakeup();
    const timers = new GatedTimers(wakeup);
    let calls = 0;
    // Polling so rare that only an event can find the file in time.
    const watcher = watchConfigFile(path, () => {
      calls++;
      wakeup.poke();
    }, { timers, debounce: DEBOUNCE, pollInterval: 3_600_000 });
    try {
      await watcher.ready;
      assert.equal(calls, 0);
      // The watch waits in the deepest directory there is, and goes one
      // level deeper with each that appears.
      await mkdir(join(temp.dir, "later"));
      assert.equal(await watcher.check(), false);
      await mkdir(join(temp.dir, "later", "deeper"));
      await writeFile(path, "value: one\n");
      await drive(timers, wakeup, () => calls === 1);
      assert.equal(await watcher.check(), false);
      assert.equal(calls, 1);
    } finally {
      watcher.close();
    }
  },
);

test(
  "watchConfigFile() with knownDigest absent calls nothing for a file still missing, and once when it appears",
  TIMEOUT,
  async () => {
    await using temp = await tempDir();
    const path = join(temp.dir, "local", "override.yaml");
    const wakeup = new Wakeup();
    const timers = new GatedTimers(wakeup);
    let calls = 0;
    const watcher = watchConfigFile(path, () => {
      calls++;
      wakeup.poke();
    }, {
      timers,
      debounce: DEBOUNCE,
      pollInterval: POLL,
      knownDigest: "absent",
    });
    try {
      await watcher.ready;
      assert.equal(await watcher.check(), false, "still missing: no change");
      assert.equal(calls, 0);
      await mkdir(join(temp.dir, "local"));
      await writeFile(path, "value: one\n");
      await drive(timers, wakeup, () => calls === 1);
      assert.equal(await watcher.check(), false);
      assert.equal(calls, 1);
    } finally {
      watcher.close();
    }
  },
);

test(
  "watchConfigFile() reloads once per vim save (original moved to a backup, new file written, backup removed)",
  TIMEOUT,
  async () => {
    await using w = await watchedFile("value: one\n");
    const save = async (text: string) => {
      await rename(w.path, `${w.path}~`);
      await writeFile(w.path, text);
      await unlink(`${w.path}~`);
    };
    for (const value of ["two", "three"]) {
      assertLoaded(w, await w.change(() => save(`value: ${value}\n`)), value);
    }
    assert.equal(w.passes.length, 2);
  },
);

test(
  "watchConfigFile() keeps the config in effect when a change does not load, and loads the next good one",
  TIMEOUT,
  async () => {
    await using w = await watchedFile("value: one\n");
    const broken = await w.change(() => writeFile(w.path, "value: [\n"));
    assert.equal(broken.status, "load_failed");
    assert.equal(w.config.load()?.value, "one", "nothing swapped");
    assertLoaded(
      w,
      await w.change(() => writeFile(w.path, "value: two\n")),
      "two",
    );
    assert.equal(w.passes.length, 2);
  },
);
