// The ways a config file gets changed, on the runtime that runs this script
// (`deno run -A bench/watch_cases.mjs`, `node bench/watch_cases.mjs`,
// `bun bench/watch_cases.mjs`; Node.js and Bun run the build: `npm run build`
// first). For each case: a coordinator with `triggers: [fileChanges()]` (the
// defaults: 10 ms debounce, 15 ms settle) and the periodic verification off,
// so that only the watch can see a change; then N changes, each made once the
// previous one is visible and the watch has been quiet for 200 ms. Reported
// per case: how many changes were seen within 3 s, the most passes one change
// caused (1 is right: one pass per burst), and the time from the end of the
// change to the new config being visible (an AtomicConfig.subscribe listener,
// same turn as the swap), p50 and max.
import {
  mkdir,
  mkdtemp,
  rename,
  rm,
  symlink,
  unlink,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { setTimeout as sleep } from "node:timers/promises";
import {
  flags,
  loadModule,
  loadWatch,
  median,
  note,
  report,
  runtimeVersion,
} from "./lib.mjs";

const opts = flags();
const N = opts.quick ? 3 : Number(opts.n ?? 11);
const SEEN_WITHIN_MS = 3000;
const QUIET_MS = 200;

const { Coordinator, fileSource } = await loadModule();
const { fileChanges } = await loadWatch();

const text = (value) => `value: ${JSON.stringify(value)}\n`;

/**
 * Each case: `setup(dir)` makes the files and returns the coordinator's
 * source(s); `change(dir, value)` changes what the config holds to `value`.
 */
const CASES = [
  {
    name: "in place (truncate and write: VS Code, echo >)",
    setup: async (dir) => {
      await writeFile(join(dir, "config.yaml"), text("v0"));
      return join(dir, "config.yaml");
    },
    change: (dir, value) => writeFile(join(dir, "config.yaml"), text(value)),
  },
  {
    name: "temp file renamed over (sed -i, deploy tools)",
    setup: async (dir) => {
      await writeFile(join(dir, "config.yaml"), text("v0"));
      return join(dir, "config.yaml");
    },
    change: async (dir, value) => {
      await writeFile(join(dir, "sedAbC123"), text(value));
      await rename(join(dir, "sedAbC123"), join(dir, "config.yaml"));
    },
  },
  {
    name: "vim (original moved to a backup, new file written, backup removed)",
    setup: async (dir) => {
      await writeFile(join(dir, "config.yaml"), text("v0"));
      return join(dir, "config.yaml");
    },
    change: async (dir, value) => {
      await rename(join(dir, "config.yaml"), join(dir, "config.yaml~"));
      await writeFile(join(dir, "config.yaml"), text(value));
      await unlink(join(dir, "config.yaml~"));
    },
  },
  {
    name: "deleted, then re-created",
    setup: async (dir) => {
      await writeFile(join(dir, "config.yaml"), text("v0"));
      return join(dir, "config.yaml");
    },
    change: async (dir, value) => {
      await unlink(join(dir, "config.yaml"));
      await writeFile(join(dir, "config.yaml"), text(value));
    },
  },
  {
    name: "Kubernetes ConfigMap (..data symlink swap)",
    setup: async (dir) => {
      await mkdir(join(dir, "..v0"));
      await writeFile(join(dir, "..v0", "config.yaml"), text("v0"));
      await symlink("..v0", join(dir, "..data"));
      await symlink(join("..data", "config.yaml"), join(dir, "config.yaml"));
      return join(dir, "config.yaml");
    },
    change: async (dir, value) => {
      await mkdir(join(dir, `..${value}`));
      await writeFile(join(dir, `..${value}`, "config.yaml"), text(value));
      await symlink(`..${value}`, join(dir, "..data_tmp"));
      await rename(join(dir, "..data_tmp"), join(dir, "..data"));
    },
  },
  {
    name:
      "release directory, current -> releases/vN (atomic: link renamed over)",
    setup: releases,
    change: async (dir, value) => {
      await release(dir, value);
      await symlink(join("releases", value), join(dir, "current.tmp"));
      await rename(join(dir, "current.tmp"), join(dir, "current"));
    },
  },
  {
    name: "release directory, ln -sfn (link removed, then made)",
    setup: releases,
    change: async (dir, value) => {
      await release(dir, value);
      await unlink(join(dir, "current"));
      await symlink(join("releases", value), join(dir, "current"));
    },
  },
  {
    name: "a link in the middle of a chain retargeted (app -> links -> data)",
    setup: async (dir) => {
      for (const d of ["app", "links", "data"]) await mkdir(join(dir, d));
      await writeFile(join(dir, "data", "v0.yaml"), text("v0"));
      await symlink("../data/v0.yaml", join(dir, "links", "active.yaml"));
      await symlink("../links/active.yaml", join(dir, "app", "config.yaml"));
      return join(dir, "app", "config.yaml");
    },
    change: async (dir, value) => {
      await writeFile(join(dir, "data", `${value}.yaml`), text(value));
      await symlink(`../data/${value}.yaml`, join(dir, "links", "tmp"));
      await rename(
        join(dir, "links", "tmp"),
        join(dir, "links", "active.yaml"),
      );
    },
  },
  {
    name: "config directory replaced by another",
    setup: async (dir) => {
      await mkdir(join(dir, "conf"));
      await writeFile(join(dir, "conf", "config.yaml"), text("v0"));
      return join(dir, "conf", "config.yaml");
    },
    change: async (dir, value) => {
      await mkdir(join(dir, `conf.${value}`));
      await writeFile(join(dir, `conf.${value}`, "config.yaml"), text(value));
      await rename(join(dir, "conf"), join(dir, `conf.old.${value}`));
      await rename(join(dir, `conf.${value}`), join(dir, "conf"));
    },
  },
  {
    name: "optional layer whose directory is missing at start-up, then created",
    setup: async (dir) => {
      await writeFile(join(dir, "base.yaml"), text("v0"));
      return [
        fileSource(join(dir, "base.yaml")),
        fileSource(join(dir, "local", "override.yaml"), { optional: true }),
      ];
    },
    // Removed (not measured: back to the base's value), then made again.
    before: async (dir, wait) => {
      await rm(join(dir, "local"), { recursive: true, force: true });
      await wait("v0");
    },
    change: async (dir, value) => {
      await mkdir(join(dir, "local"), { recursive: true });
      await writeFile(join(dir, "local", "override.yaml"), text(value));
    },
  },
];

async function releases(dir) {
  await release(dir, "v0");
  await symlink(join("releases", "v0"), join(dir, "current"));
  return join(dir, "current", "config.yaml");
}

async function release(dir, value) {
  await mkdir(join(dir, "releases", value), { recursive: true });
  await writeFile(join(dir, "releases", value, "config.yaml"), text(value));
}

async function runCase(kase) {
  const dir = await mkdtemp(join(tmpdir(), "hup-watch-cases-"));
  const sources = await kase.setup(dir);
  const coordinator = await Coordinator.create({
    ...(typeof sources === "string"
      ? { configPath: sources }
      : { source: sources }),
    triggers: [fileChanges()],
    verifyEvery: 0,
  });
  let passes = 0;
  coordinator.addEventListener("reload", () => passes++);
  let waiter = null;
  coordinator.config.subscribe(({ config }) => {
    if (waiter !== null && config.value === waiter.value) {
      waiter.resolve(performance.now());
    }
  });
  const wait = (value) => {
    if (coordinator.config.load().value === value) {
      return Promise.resolve(performance.now());
    }
    let resolve;
    const promise = new Promise((r) => resolve = r);
    waiter = { value, resolve };
    const timer = setTimeout(() => resolve(null), SEEN_WITHIN_MS);
    return promise.then((t) => (clearTimeout(timer), waiter = null, t));
  };
  coordinator.watch();
  // Let the watch settle before the first change.
  await sleep(QUIET_MS);
  const times = [];
  let seen = 0;
  let most = 0;
  try {
    for (let i = 1; i <= N; i++) {
      const value = `v${i}`;
      if (kase.before !== undefined) {
        await kase.before(dir, wait);
        await sleep(QUIET_MS);
      }
      const before = passes;
      const visible = wait(value);
      await kase.change(dir, value);
      const end = performance.now();
      const t = await visible;
      await sleep(QUIET_MS);
      most = Math.max(most, passes - before);
      if (opts.verbose) {
        process.stderr.write(
          `${kase.name.slice(0, 20)} #${i}: ${
            t === null ? "missed" : (t - end).toFixed(1)
          } ms, ${passes - before} passes\n`,
        );
      }
      if (t !== null) {
        seen++;
        times.push(Math.max(0, t - end));
      }
    }
  } finally {
    await coordinator.shutdown();
    await rm(dir, { recursive: true, force: true });
  }
  return { seen, most, times };
}

const rows = [];
for (const kase of CASES) {
  const { seen, most, times } = await runCase(kase);
  const p50 = times.length > 0 ? median(times) : null;
  const max = times.length > 0 ? Math.max(...times) : null;
  rows.push({ name: kase.name, seen, most, p50, max });
  report({
    bench: "watch cases",
    metric: `${kase.name}: seen`,
    value: seen,
    unit: `of ${N}`,
    goal: `${N} of ${N}`,
    ok: seen === N,
  });
  report({
    bench: "watch cases",
    metric: `${kase.name}: most passes per change`,
    value: most,
    unit: "count",
    goal: "1",
    ok: most === 1,
  });
  if (p50 !== null) {
    report({
      bench: "watch cases",
      metric: `${kase.name}: change to visible p50`,
      value: p50,
      hi: max,
      unit: "ms",
      goal: null,
      ok: null,
    });
  }
}
note(`watch cases on ${runtimeVersion()}, ${N} changes each`);
if (opts.table) {
  for (const { name, seen, most, p50, max } of rows) {
    process.stderr.write(
      `| ${name} | ${seen}/${N} | ${most} | ${
        p50 === null ? "–" : p50.toFixed(1)
      } | ${max === null ? "–" : max.toFixed(1)} |\n`,
    );
  }
}
