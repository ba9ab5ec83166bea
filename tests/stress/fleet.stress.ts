// A fleet, end to end: four instances (tests/fixtures/fleet_child.ts, child
// processes on Node.js) scraped every second by a real Prometheus (the
// shipped scrape config and rules, targets in a file_sd file), asked
// through its HTTP API. A changed file converges; a change that every
// instance refuses, and one that one instance refuses, each show as the
// shipped rules and the docs' queries say. Then the config in etcd: each
// put reaches every instance, and the median time from put to the last
// instance is printed (a measurement, not an assertion).
// Without prometheus (HUP_PROMETHEUS, else on the PATH) or etcd, the tests
// that need them are skipped and one line says so.
//
//   npm run build && npm run build:tests && node --test build/tests/stress/fleet.stress.js
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { load } from "js-yaml";
import { EtcdServer, findEtcd, NO_ETCD } from "../_etcd.ts";
import { jsonLines } from "../_helpers.ts";
import {
  EXAMPLES,
  findBinary,
  NO_PROMETHEUS,
  PrometheusServer,
  ROOT,
  type Sample,
} from "../_prometheus.ts";

const prometheusBinary = await findBinary("prometheus", "HUP_PROMETHEUS");
if (prometheusBinary === undefined) console.log(NO_PROMETHEUS);
const etcdBinary = await findEtcd();
if (etcdBinary === undefined) console.log(NO_ETCD);

const INSTANCES = 4;
const PUTS = 11;
const CHILD = join(ROOT, "build/tests/fixtures/fleet_child.js");
const JOB = `{job="fleet"}`;

/** The shipped rules' expressions, by alert name. */
const rules = load(
  await readFile(join(EXAMPLES, "hup-reload.rules.yml"), "utf8"),
) as { groups: { rules: { alert?: string; expr: string }[] }[] };
const alert = (name: string) => {
  const found = rules.groups.flatMap((g) => g.rules).find((r) =>
    r.alert === name
  );
  assert.ok(found, name);
  return found.expr;
};

/** The docs' queries, by their first comment line, for job "fleet". */
const docs = await readFile(join(ROOT, "docs/operators.md"), "utf8");
const docQuery = (start: string) => {
  const block = /```promql\n([\s\S]*?)```/.exec(docs)![1];
  const query = block.split(/\n\s*\n/).find((q) => q.startsWith(start));
  assert.ok(query, start);
  return query.replaceAll(`job="my-service"`, `job="fleet"`);
};

/** A fleet of children, each with its JSON lines. */
async function startFleet(args: (name: string) => string[]) {
  const children = Array.from({ length: INSTANCES }, (_, i) => {
    const name = `i${i}`;
    const child: ChildProcess = spawn(
      process.execPath,
      [CHILD, name, ...args(name)],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    return { name, child, ...jsonLines(child) };
  });
  const ports = await Promise.all(
    children.map((c) => c.waitFor((l) => typeof l.port === "number")),
  );
  const hosts = ports.map((p) => `127.0.0.1:${p.port}`);
  return {
    children: children.map((c, i) => ({ ...c, host: hosts[i] })),
    hosts,
    /** When every instance has reported a pass that swapped in `version`. */
    reloaded: (version: number) =>
      Promise.all(
        children.map((c) =>
          c.waitFor((l) => l.status === "full_success" && l.version === version)
        ),
      ),
    /** When every instance has reported a pass of the digest, by status. */
    passed: (digest: string) =>
      Promise.all(children.map((c) => c.waitFor((l) => l.digest === digest)))
        .then((lines) => lines.map((l) => l.status)),
    async [Symbol.asyncDispose]() {
      await Promise.all(children.map(async (c) => {
        if (c.hasExited()) return;
        c.child.kill("SIGTERM");
        await c.exited;
      }));
    },
  };
}

let prometheus: PrometheusServer | undefined;
before(async () => {
  if (prometheusBinary !== undefined) {
    prometheus = await PrometheusServer.start(prometheusBinary);
  }
});
after(async () => {
  await prometheus?.[Symbol.asyncDispose]();
});

/** `count by (digest)` of a family, as { digest: count }. */
const byDigest = (samples: Sample[]) =>
  Object.fromEntries(samples.map((s) => [s.metric.digest ?? "", s.value]));

/** Waits until count by (digest) of config and source info are these. */
async function until(
  config: Record<string, number>,
  source: Record<string, number>,
) {
  for (const [family, expected] of [["config", config], ["source", source]]) {
    await prometheus!.until(
      `count by (digest) (hup_reload_${family}_info${JOB})`,
      (samples) => {
        try {
          assert.deepEqual(byDigest(samples), expected);
          return true;
        } catch {
          return false;
        }
      },
    );
  }
}

/** The instances an expression gives, sorted. */
const instances = async (expr: string) =>
  (await prometheus!.query(expr)).map((s) => s.metric.instance ?? s.metric.job)
    .sort();

const sha256 = (text: string) =>
  `sha256:${createHash("sha256").update(text).digest("hex")}`;

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

test(
  "a fleet converges on a changed file, and Prometheus shows a refused change and an instance behind as the shipped rules say",
  {
    skip: prometheusBinary === undefined ? "no prometheus binary" : false,
    timeout: 60_000,
  },
  async () => {
    const dir = await mkdtemp(join(tmpdir(), "hup-fleet-"));
    const path = join(dir, "config.yaml");
    // As an editor saves: written whole, then renamed over the file.
    const save = async (text: string) => {
      await writeFile(`${path}.tmp`, text);
      await rename(`${path}.tmp`, path);
    };
    try {
      await save("version: 1\n");
      await using fleet = await startFleet(() => ["file", path]);
      await prometheus!.targets(fleet.hosts);
      const d1 = sha256("version: 1\n");
      await until({ [d1]: INSTANCES }, { [d1]: INSTANCES });

      // A change reaches every instance; Prometheus sees one config, the
      // one the sources hold, on every target.
      const written = Date.now();
      const v2 = "version: 2\nrefuse: []\n";
      await save(v2);
      const reports = await fleet.reloaded(2);
      console.log(
        `file saved -> all ${INSTANCES} on the new digest: ${
          Math.max(...reports.map((r) => r.at as number)) - written
        } ms`,
      );
      const d2 = sha256(v2);
      await until({ [d2]: INSTANCES }, { [d2]: INSTANCES });
      console.log(
        `file saved -> Prometheus (1 s scrapes) sees all ${INSTANCES} on it: ${
          Date.now() - written
        } ms`,
      );
      await prometheus!.until(docQuery("# Converged"), (s) => s.length === 1);
      assert.deepEqual(await instances(alert("ConfigFleetNotConverged")), []);
      assert.deepEqual(await instances(alert("ConfigInstanceBehind")), []);

      // Every instance refuses the next: one config in effect still, as when
      // converged, but the sources hold another. Not converged; nobody
      // behind.
      const v3 = "version: 3\nrefuse: [all]\n";
      await save(v3);
      const d3 = sha256(v3);
      assert.deepEqual(
        await fleet.passed(d3),
        Array(INSTANCES).fill("validation_failed"),
      );
      await until({ [d2]: INSTANCES }, { [d3]: INSTANCES });
      assert.deepEqual(await instances(alert("ConfigFleetNotConverged")), [
        "fleet",
      ]);
      assert.deepEqual(await instances(alert("ConfigInstanceBehind")), []);
      assert.deepEqual(await instances(docQuery("# Converged")), []);

      // One instance refuses the next: the others run it, it is behind.
      const refuser = fleet.children[2];
      const v4 = `version: 4\nrefuse: [${refuser.name}]\n`;
      await save(v4);
      const d4 = sha256(v4);
      assert.deepEqual(
        await fleet.passed(d4),
        fleet.children.map((c) =>
          c === refuser ? "validation_failed" : "full_success"
        ),
      );
      await until({ [d4]: INSTANCES - 1, [d2]: 1 }, { [d4]: INSTANCES });
      const behind = await prometheus!.query(alert("ConfigInstanceBehind"));
      assert.deepEqual(
        behind.map((s) => [s.metric.instance, s.metric.digest]),
        [[refuser.host, d4]],
      );
      assert.deepEqual(await instances(docQuery("# The instances behind")), [
        refuser.host,
      ]);
      assert.deepEqual(await instances(alert("ConfigFleetNotConverged")), [
        "fleet",
      ]);
      assert.deepEqual(await instances(alert("ConfigReloadFailed")), [
        refuser.host,
      ]);
      assert.deepEqual(await instances(alert("ConfigDrift")), [refuser.host]);
      // Prometheus evaluates the shipped rules itself: the alert is pending
      // (it fires after its minute).
      await prometheus!.until(
        `ALERTS{alertname="ConfigInstanceBehind", alertstate="pending"}`,
        (s) => s.length === 1 && s[0].metric.instance === refuser.host,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
);

test(
  "a fleet whose config is in etcd: every put reaches every instance, and Prometheus sees them converge",
  {
    skip: prometheusBinary === undefined
      ? "no prometheus binary"
      : etcdBinary === undefined
      ? "no etcd binary"
      : false,
    timeout: 60_000,
  },
  async () => {
    await using etcd = await EtcdServer.start(etcdBinary!);
    const key = "/fleet/config.yaml";
    await etcd.put(key, "version: 0\n");
    await using fleet = await startFleet(() => ["etcd", etcd.endpoint, key]);
    await prometheus!.targets(fleet.hosts);
    // The last test's targets leave `up` a few scrapes after they leave
    // the targets file.
    await prometheus!.until(
      `count(up${JOB}) == ${INSTANCES} and count(up${JOB} == 1) == ${INSTANCES}`,
      (s) => s.length === 1,
    );
    await prometheus!.until(
      `count by (digest) (hup_reload_config_info${JOB})`,
      (s) => s.length === 1 && s[0].value === INSTANCES,
    );

    const times: number[] = [];
    for (let version = 1; version <= PUTS; version++) {
      const put = Date.now();
      await etcd.put(key, `version: ${version}\n`);
      const reports = await fleet.reloaded(version);
      times.push(Math.max(...reports.map((r) => r.at as number)) - put);
    }
    console.log(
      `etcd put -> all ${INSTANCES} on the new digest: p50 ${
        median(times)
      } ms (of ${PUTS}: ${times.join(", ")} ms)`,
    );
    const last = (await fleet.reloaded(PUTS))[0].digest as string;
    await until({ [last]: INSTANCES }, { [last]: INSTANCES });
    await prometheus!.until(docQuery("# Converged"), (s) => s.length === 1);
    // Only the new fleet: the file's instances went stale when the targets
    // file changed.
    assert.deepEqual(
      (await prometheus!.query(`hup_reload_config_info${JOB}`)).map((s) =>
        s.metric.instance
      ).sort(),
      [...fleet.hosts].sort(),
    );
  },
);
