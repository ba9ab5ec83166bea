// Benchmark 9, a saved file to the new config visible (runs on Node.js,
// inside bench/run.mjs): two children on the runtime under test
// (bench/peer_watch_child.mjs), one watching with hup-reload's `fileChanges()`,
// one with c12's `watchConfig()`, each on a 10 KB config in its own
// directory. The runner saves a new version of one file at a time, in
// place or by rename, each side in turn, and measures on the wall clock
// both processes share from the end of the save to the child's stamp of
// the new config.
//
// Saves start SPACING_MS apart (longer than c12's 100 ms debounce plus
// chokidar's 100 ms wait after an unlink), so each is a burst of its own and
// the other child is idle during it. Version N carries `gen_marker: N` on
// its third line and `gen_marker_end: N` on its last (see
// bench/file_change.mjs).
import { spawn } from "node:child_process";
import { renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import {
  age,
  childInbox,
  makeConfig,
  quantile,
  tempDir,
  wallNow,
} from "./lib.mjs";

export async function peerWatchBench(runtime, command, args, opts) {
  const count = opts.quick ? 2 : 20;
  const warmup = 1;
  const spacing = opts.quick ? 300 : 400;
  const template = makeConfig(10 * 1024, 0) + "gen_marker_end: 0\n";
  const versionOf = (n) =>
    template
      .replace("\ngen_marker: 0\n", `\ngen_marker: ${n}\n`)
      .replace("\ngen_marker_end: 0\n", `\ngen_marker_end: ${n}\n`);
  const sides = {};
  try {
    for (const side of ["hup", "c12"]) {
      const dir = await tempDir();
      const path = join(dir, "config.yaml");
      writeFileSync(path, versionOf(0));
      await age(path);
      const child = spawn(command, [...args, side, path], {
        stdio: ["pipe", "pipe", "inherit"],
      });
      sides[side] = {
        child,
        path,
        temp: join(dir, ".config.yaml.tmp"),
        version: 0,
        saves: [],
        ...childInbox(child, `peer child (${side})`),
      };
    }
    for (const s of Object.values(sides)) {
      await s.waitFor(0, (m) => m.ready, "the child's start", 15_000);
    }
    const save = async (s, kind) => {
      const from = s.inbox.length;
      const start = wallNow();
      s.version++;
      if (kind === "rename") {
        writeFileSync(s.temp, versionOf(s.version));
        renameSync(s.temp, s.path);
      } else writeFileSync(s.path, versionOf(s.version));
      const t0 = wallNow();
      const v = s.version;
      let seen;
      try {
        seen = await s.waitFor(
          from,
          (m) => m.visible === v,
          `${kind} save of version ${v}`,
          spacing * 5,
        );
      } catch (error) {
        // A save never seen is counted as missed; a child that ended is not.
        if (!String(error.message).includes("not within")) throw error;
      }
      await sleep(Math.max(0, start + spacing - wallNow()));
      const own = s.inbox.slice(from);
      s.saves.push({
        kind,
        latency: seen === undefined ? NaN : seen.t - t0,
        event: (own.find((m) => m.event)?.t ?? NaN) - t0,
        visible: own.filter((m) => m.visible !== undefined),
        failed: own.filter((m) => m.failed !== undefined),
      });
    };
    for (let i = 0; i < warmup + count; i++) {
      if (i === warmup) {
        for (const s of Object.values(sides)) s.saves.length = 0;
      }
      const order = i % 2 === 0 ? ["hup", "c12"] : ["c12", "hup"];
      for (const kind of ["in-place", "rename"]) {
        for (const side of order) await save(sides[side], kind);
      }
    }

    const rows = [];
    const f2 = (v) => v.toFixed(2);
    const p = (list, key, q) =>
      quantile(list.map((x) => x[key]).filter((x) => !Number.isNaN(x)), q);
    const describe = (s, kind) => {
      const list = s.saves.filter((x) => x.kind === kind);
      const missed = list.filter((x) => Number.isNaN(x.latency)).length;
      const torn = list.flatMap((x) => x.visible).filter((m) => !m.valid)
        .length;
      const failed = list.flatMap((x) => x.failed).length;
      return {
        p50: p(list, "latency", 0.5),
        missed,
        text: `p50 ${f2(p(list, "latency", 0.5))} / p99 ${
          f2(p(list, "latency", 0.99))
        } ms, change seen ${
          f2(p(list, "event", 0.5))
        } ms (median), ${missed} of ${list.length} not visible within ${
          spacing * 5
        } ms, ${torn} torn configs taken, ${failed} failed loads`,
      };
    };
    for (const kind of ["in-place", "rename"]) {
      const ours = describe(sides.hup, kind);
      const theirs = describe(sides.c12, kind);
      const ratio = ours.p50 / theirs.p50;
      rows.push({
        runtime,
        bench: "9 peer: c12",
        metric:
          `file change -> new config visible, ${kind} save (p50 of ${count}): hup-reload fileChanges() / c12 watchConfig()`,
        value: ratio,
        unit: "x",
        goal: "<= 1.00x",
        ok: ratio <= 1 && ours.missed === 0,
        detail: `hup-reload ${ours.text}; c12 ${theirs.text}`,
      });
    }
    rows.push({
      runtime,
      bench: "note",
      metric:
        `peer (c12) file change: both children at once, each on its own 10 KB file; saves ${spacing} ms apart, a side at a time, in place then by rename; ${warmup} warm-up round excluded; defaults on both sides (hup-reload: 10 ms debounce, 15 ms settle; c12: chokidar { ignoreInitial: true } so atomic: true, 100 ms debounce); from the end of the write to the child's stamp`,
    });
    for (const s of Object.values(sides)) s.child.stdin.write("exit\n");
    await Promise.all(Object.values(sides).map((s) => s.exited));
    return rows;
  } finally {
    for (const s of Object.values(sides)) s.child.kill("SIGKILL");
  }
}
