// Dry runs (`reload({ dryRun: true })`, `POST ?dry_run=1`): load and check
// against the running config, apply and record nothing; and the pass in
// progress, as every output shows it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  AtomicConfig,
  type ConfigObject,
  Coordinator,
  type Hook,
  HookStatus,
  type ReloadResult,
  resource,
} from "hup-reload";
import { metricsText, nodeListener, reloadHandler } from "hup-reload/http";
import {
  captureLogs,
  type Deferred,
  deferred,
  tempConfig,
} from "./_helpers.ts";

interface Calls {
  checks: string[];
  applies: string[];
  discards: string[];
  // How many checks or applies run at once, at most.
  overlap: number;
}

/**
 * A hook that records its calls, refuses `refuse: true`, and while `hold`
 * is set, holds its check until it is resolved (`holding` says it is).
 */
function recorder(name: string, calls: Calls, control: {
  hold?: Deferred;
  holding?: Deferred;
} = {}): Hook<ConfigObject> {
  let active = 0;
  const enter = () => {
    active++;
    calls.overlap = Math.max(calls.overlap, active);
  };
  return {
    name,
    timeout: Infinity,
    async check(_old, next) {
      enter();
      try {
        calls.checks.push(`${name}:${String(next.greeting)}`);
        const hold = control.hold;
        if (hold !== undefined) {
          control.hold = undefined;
          control.holding?.resolve();
          await hold.promise;
        }
        if (next.refuse === true) {
          throw new Error(`Cannot greet as refuse is set: refuse`);
        }
      } finally {
        active--;
      }
    },
    apply(_ctx, _old, next) {
      enter();
      calls.applies.push(`${name}:${String(next.greeting)}`);
      active--;
      return HookStatus.Applied;
    },
    discard(ctx, _old, next) {
      calls.discards.push(`${name}:${String(next.greeting)}:${ctx.status}`);
    },
  };
}

const newCalls = (): Calls => ({
  checks: [],
  applies: [],
  discards: [],
  overlap: 0,
});

const json = async (response: Response | Promise<Response>) =>
  await (await response).json();

test("Coordinator.reload({ dryRun: true }) reports what a pass would do, and changes nothing a pass records", async () => {
  await using file = await tempConfig("greeting: hello\nport: 8080\n");
  const calls = newCalls();
  const coordinator = await Coordinator.create({
    configPath: file.path,
    hooks: [recorder("a", calls), recorder("b", calls)],
    nonReloadable: ["port"],
    verifyEvery: 0,
  });
  const digest = coordinator.digest();
  const events: unknown[] = [];
  coordinator.addEventListener("reload", (event) => events.push(event));
  const swaps: unknown[] = [];
  coordinator.config.subscribe((snapshot) => void swaps.push(snapshot));
  await using logs = await captureLogs();
  calls.checks.length = 0;

  await file.replace("greeting: hi\nport: 9090\n");
  const result = await coordinator.reload({ dryRun: true, trigger: "deploy" });
  assert.equal(result.status, "would_apply");
  assert.equal(result.dry_run, true);
  assert.equal(result.trigger, "deploy");
  assert.equal(result.generation, 0);
  assert.deepEqual(result.changed, ["greeting", "port"]);
  assert.deepEqual(result.requires_restart, ["port"]);
  assert.deepEqual(result.outcomes, [
    { name: "a", status: "skipped" },
    { name: "b", status: "skipped" },
  ]);
  assert.deepEqual(JSON.parse(JSON.stringify(result)), result);
  // Every check ran against the running config; nothing was applied, and
  // every check's work is discarded, the last first.
  assert.deepEqual(calls.checks, ["a:hi", "b:hi"]);
  assert.deepEqual(calls.applies, []);
  assert.deepEqual(calls.discards, ["b:hi:would_apply", "a:hi:would_apply"]);

  // Nothing a pass records has heard of it.
  assert.equal(coordinator.config.load().greeting, "hello");
  assert.equal(coordinator.generation(), 0);
  assert.equal(coordinator.lastResult(), null);
  assert.deepEqual(coordinator.history(), []);
  assert.equal(coordinator.digest(), digest);
  assert.deepEqual(events, []);
  assert.deepEqual(swaps, []);
  const stats = coordinator.stats();
  assert.deepEqual(stats.passes, {
    full_success: 0,
    partial_applied: 0,
    validation_failed: 0,
    load_failed: 0,
  });
  assert.deepEqual(stats.requires_restart, []);
  assert.equal(stats.last_duration_ms, null);
  assert.deepEqual(stats.dry_runs, {
    would_apply: 1,
    validation_failed: 0,
    load_failed: 0,
  });
  const metrics = metricsText(coordinator);
  assert.match(
    metrics,
    /^hup_reload_dry_runs_total\{status="would_apply"\} 1$/m,
  );
  assert.match(metrics, /^hup_reload_config_last_reload_successful 1$/m);
  assert.match(metrics, /^hup_reload_requires_restart 0$/m);
  assert.match(
    metrics,
    /^hup_reload_passes_total\{status="full_success"\} 0$/m,
  );
  assert.doesNotMatch(metrics, /hup_reload_passes_total\{status="would_apply"/);
  // The logs say it was a dry run.
  const messages = logs.records.map((r) => r.message.join(""));
  assert.ok(
    messages.some((m) => m.startsWith("Dry run started for")),
    messages.join("\n"),
  );
  assert.ok(
    messages.some((m) => m.startsWith("Dry run would apply, nothing changed")),
    messages.join("\n"),
  );
  assert.ok(!messages.some((m) => m.startsWith("Reload pass")));

  // A real pass then does what the dry run said.
  const pass = await coordinator.reload();
  assert.equal(pass.status, "full_success");
  assert.equal(pass.dry_run, undefined);
  assert.deepEqual(pass.changed, result.changed);
  assert.equal(pass.config_digest, result.config_digest);
  assert.equal(coordinator.stats().dry_runs.would_apply, 1);
  await coordinator.shutdown();
});

test("Coordinator.reload({ dryRun: true }) reports a refused check and a file that does not load as a pass would, counting only dry runs", async () => {
  await using file = await tempConfig("greeting: hello\n");
  const calls = newCalls();
  const coordinator = await Coordinator.create({
    configPath: file.path,
    hooks: [recorder("a", calls), recorder("b", calls)],
    verifyEvery: 0,
  });
  await file.replace("greeting: hi\nrefuse: true\n");
  calls.discards.length = 0;
  const refused = await coordinator.reload({ dryRun: true });
  assert.equal(refused.status, "validation_failed");
  assert.equal(refused.dry_run, true);
  assert.deepEqual(refused.changed, ["greeting", "refuse"]);
  assert.equal(refused.outcomes[0].status, "failed");
  assert.match(refused.outcomes[0].error!, /^Cannot greet as refuse is set/);
  assert.deepEqual(calls.discards, []);

  await file.replace("greeting: [\n");
  const bad = await coordinator.reload({ dryRun: true });
  assert.equal(bad.status, "load_failed");
  assert.equal(bad.dry_run, true);
  assert.match(bad.load_error!, /not valid YAML: .*line 1/);

  const stats = coordinator.stats();
  assert.deepEqual(stats.dry_runs, {
    would_apply: 0,
    validation_failed: 1,
    load_failed: 1,
  });
  assert.equal(stats.passes.validation_failed + stats.passes.load_failed, 0);
  assert.deepEqual(stats.hook_failures, {});
  assert.equal(coordinator.lastResult(), null);
  await coordinator.shutdown();
});

test("a dry run waits in line with passes, never beside one, and neither answers the other's caller", async () => {
  const calls = newCalls();
  const control: { hold?: Deferred; holding?: Deferred } = {
    hold: deferred(),
    holding: deferred(),
  };
  let greeting = "one";
  const coordinator = new Coordinator<ConfigObject>({
    configPath: "config.yaml",
    config: new AtomicConfig<ConfigObject>({ greeting: "zero" }),
    load: () => ({ greeting }),
    hooks: [recorder("a", calls, control)],
  });
  const hold = control.hold!;
  const first = coordinator.reload({ trigger: "signal" });
  await control.holding!.promise;
  // While the pass holds: a dry run, a pass, then two more dry runs and a
  // pass. The dry runs share one, the passes another.
  const dry1 = coordinator.reload({ dryRun: true, trigger: "http" });
  const pass2 = coordinator.reload({ trigger: "http" });
  const dry2 = coordinator.reload({ dryRun: true, trigger: "cli" });
  const pass3 = coordinator.reload({ trigger: "signal" });
  assert.equal(dry1, dry2);
  assert.equal(pass2, pass3);
  assert.notEqual(dry1, pass2);
  greeting = "two";
  hold.resolve();
  const results = await Promise.all([first, dry1, pass2]);
  const [r1, rd, r2] = results as ReloadResult[];
  assert.equal(r1.status, "full_success");
  assert.equal(r1.dry_run, undefined);
  assert.equal(rd.status, "would_apply");
  assert.equal(rd.dry_run, true);
  assert.deepEqual(rd.triggers, { http: 1, cli: 1 });
  // The dry run was asked for first: it ran before the second pass, with
  // the first pass's config as the running one.
  assert.equal(rd.generation, 1);
  assert.equal(r2.status, "full_success");
  assert.equal(r2.dry_run, undefined);
  assert.deepEqual(r2.triggers, { http: 1, signal: 1 });
  assert.equal(r2.generation, 2);
  assert.deepEqual(calls.checks, ["a:one", "a:two", "a:two"]);
  assert.deepEqual(calls.applies, ["a:one", "a:two"]);
  assert.equal(calls.overlap, 1);
  assert.deepEqual(coordinator.history().map((r) => r.generation), [2, 1]);
  assert.equal(coordinator.stats().dry_runs.would_apply, 1);
  await coordinator.shutdown();
});

test("a dry run that read a changed file leaves it for the verification, which still starts the pass", async () => {
  await using file = await tempConfig("greeting: hello\n");
  const coordinator = await Coordinator.create({
    configPath: file.path,
    verifyEvery: 0,
  });
  await file.replace("greeting: hi\n");
  assert.equal(
    (await coordinator.reload({ dryRun: true })).status,
    "would_apply",
  );
  const verified = await coordinator.verify();
  assert.equal(verified.pass?.trigger, "verify");
  assert.equal(verified.pass?.status, "full_success");
  assert.equal(verified.in_sync, true);
  assert.equal(coordinator.config.load().greeting, "hi");
  await coordinator.shutdown();
});

test("a dry run writes no last known-good config and does not end a start from it", async () => {
  const dir = await mkdtemp(join(tmpdir(), "hup-reload-dry-"));
  try {
    await mkdir(join(dir, "var"));
    const configPath = join(dir, "config.yaml");
    const lastGood = join(dir, "var", "config.last-good");
    await writeFile(configPath, "greeting: hello\n");
    const options = { configPath, lastGood, verifyEvery: 0 };
    await (await Coordinator.create(options)).shutdown();
    const kept = await readFile(lastGood, "utf8");

    await writeFile(configPath, "greeting: [\n");
    const coordinator = await Coordinator.create(options);
    assert.equal(coordinator.runningFrom(), "last_good");
    const drift = coordinator.verification().drift;
    assert.notEqual(drift, null);
    await writeFile(configPath, "greeting: fixed\n");
    const dry = await coordinator.reload({ dryRun: true });
    assert.equal(dry.status, "would_apply");
    assert.equal(coordinator.runningFrom(), "last_good");
    assert.equal(await readFile(lastGood, "utf8"), kept);
    // The verification's view is its own, or a pass's: not a dry run's.
    assert.deepEqual(coordinator.verification().drift, drift);

    assert.equal((await coordinator.reload()).status, "full_success");
    assert.equal(coordinator.runningFrom(), "source");
    assert.notEqual(await readFile(lastGood, "utf8"), kept);
    await coordinator.shutdown();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("resource() closes what its check built in a dry run, and keeps the one in use", async () => {
  const closed: number[] = [];
  let built = 0;
  const pool = resource({
    name: "pool",
    select: (config: { size: number }) => config,
    build: (section) => ({ id: ++built, size: section.size }),
    close: (p) => void closed.push(p.id),
    drainMs: 0,
  });
  const config = new AtomicConfig({ size: 1 });
  await pool.init(config.load()!);
  const coordinator = new Coordinator({
    configPath: "config.yaml",
    config,
    load: () => ({ size: 2 }),
    hooks: [pool],
  });
  assert.equal(
    (await coordinator.reload({ dryRun: true })).status,
    "would_apply",
  );
  assert.deepEqual(closed, [2]);
  assert.deepEqual(pool.get(), { id: 1, size: 1 });
  assert.equal((await coordinator.reload()).status, "full_success");
  assert.deepEqual(pool.get(), { id: 3, size: 2 });
  await pool.close();
  await coordinator.shutdown();
});

test("the pass in progress is in inProgress(), GET status, the page and the metrics, through nodeListener, dry runs too", async () => {
  const calls = newCalls();
  const control: { hold?: Deferred; holding?: Deferred } = {};
  const coordinator = new Coordinator<ConfigObject>({
    configPath: "config.yaml",
    config: new AtomicConfig<ConfigObject>({ greeting: "hello" }),
    load: () => ({ greeting: "hi" }),
    hooks: [recorder("a", calls, control)],
    now: () => new Date("2026-12-06T03:00:00.000Z"),
  });
  const server = createServer(
    nodeListener(reloadHandler(coordinator, { token: "t0ken" })),
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}/-/reload`;
  const auth = { authorization: "Bearer t0ken" };
  try {
    const idle = await json(fetch(url));
    assert.equal(idle.in_progress, null);
    assert.match(
      await (await fetch(`${url}/metrics`)).text(),
      /^hup_reload_pass_in_progress 0$/m,
    );

    for (const dryRun of [false, true]) {
      control.hold = deferred();
      control.holding = deferred();
      const hold = control.hold;
      const answer = fetch(dryRun ? `${url}?dry_run=1` : url, {
        method: "POST",
        headers: auth,
      });
      await control.holding.promise;
      const running = {
        trigger: "http",
        started_at: "2026-12-06T03:00:00.000Z",
        dry_run: dryRun,
      };
      assert.deepEqual(coordinator.inProgress(), running);
      const status = await json(fetch(url));
      assert.deepEqual(status.in_progress, running);
      // Before: "none since start-up"; during the dry run, the pass before.
      assert.equal(status.last_result?.generation ?? null, dryRun ? 1 : null);
      const page = await (await fetch(url, {
        headers: { accept: "text/html" },
      })).text();
      assert.match(
        page,
        new RegExp(
          `<p class="in-progress" role="status"><b>A ${
            dryRun ? "dry run" : "reload pass"
          } is in progress</b>, triggered by http, since <time datetime="2026-12-06T03:00:00.000Z">`,
        ),
      );
      assert.ok(
        page.indexOf('class="in-progress"') < page.indexOf("<nav>"),
        "the line is at the top",
      );
      assert.match(
        await (await fetch(`${url}/metrics`)).text(),
        /^hup_reload_pass_in_progress 1$/m,
      );
      hold.resolve();
      const result = await json(answer);
      assert.equal(result.status, dryRun ? "would_apply" : "full_success");
      assert.equal(coordinator.inProgress(), null);
      assert.equal((await json(fetch(url))).in_progress, null);
      assert.doesNotMatch(
        await (await fetch(url, { headers: { accept: "text/html" } })).text(),
        /class="in-progress"/,
      );
    }
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await coordinator.shutdown();
  }
});

test("POST ?dry_run=1 runs a dry run with the same auth as a POST, through nodeListener; a dry_run it cannot read runs nothing", async () => {
  let greeting = "hi";
  const coordinator = new Coordinator<ConfigObject>({
    configPath: "config.yaml",
    config: new AtomicConfig<ConfigObject>({ greeting: "hello" }),
    load: () => ({ greeting }),
    hooks: [{
      name: "greeter",
      check(_old, next) {
        if (next.greeting === "") {
          throw new Error("Cannot greet as greeting is empty: greeting");
        }
      },
      apply: () => HookStatus.Applied,
    }],
  });
  const server = createServer(
    nodeListener(reloadHandler(coordinator, { token: "t0ken" })),
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}/-/reload`;
  const auth = { authorization: "Bearer t0ken" };
  const post = (query: string, init: RequestInit = {}) =>
    fetch(`${base}${query}`, { method: "POST", headers: auth, ...init });
  try {
    // Refused as a POST is: no token, a wrong one, another origin.
    assert.equal((await post("?dry_run=1", { headers: {} })).status, 401);
    assert.equal(
      (await post("?dry_run=1", { headers: { authorization: "Bearer no" } }))
        .status,
      401,
    );
    assert.equal(
      (await post("?dry_run=1", {
        headers: { ...auth, origin: "https://evil.example" },
      })).status,
      403,
    );
    // A value it cannot read, or two: 400, and nothing runs.
    for (const query of ["?dry_run=yes", "?dry_run=", "?dry_run=1&dry_run=0"]) {
      const answer = await post(query);
      assert.equal(answer.status, 400, query);
      assert.match(await answer.text(), /dry_run/);
    }
    assert.equal(coordinator.stats().dry_runs.would_apply, 0);
    assert.equal(coordinator.lastResult(), null);

    const ok = await post("?dry_run=1");
    assert.equal(ok.status, 200);
    const result = await ok.json();
    assert.equal(result.status, "would_apply");
    assert.equal(result.dry_run, true);
    assert.equal(result.trigger, "http");
    assert.deepEqual(result.changed, ["greeting"]);

    greeting = "";
    const put = await fetch(`${base}?dry_run=true`, {
      method: "PUT",
      headers: auth,
    });
    assert.equal(put.status, 422);
    assert.equal((await put.json()).status, "validation_failed");
    assert.equal(coordinator.generation(), 0);
    assert.equal(coordinator.lastResult(), null);
    assert.deepEqual(coordinator.stats().dry_runs, {
      would_apply: 1,
      validation_failed: 1,
      load_failed: 0,
    });

    // dry_run=0 is a pass.
    greeting = "hey";
    const real = await post("?dry_run=0");
    assert.equal(real.status, 200);
    assert.equal((await real.json()).dry_run, undefined);
    assert.equal(coordinator.generation(), 1);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await coordinator.shutdown();
  }
});
