// reloadHandler() served from a hand-made ReloadView: no coordinator, no
// config, no pass. What the handler shows is what the view reports, and a
// view without reload() has no way to run a pass.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { ReloadResult, ReloadStats } from "hup-reload";
import {
  metricsText,
  type ReloadControl,
  reloadHandler,
  type ReloadView,
} from "hup-reload/http";

const RESULT: ReloadResult = {
  generation: 7,
  status: "partial_applied",
  trigger: "deploy",
  triggers: { deploy: 1, signal: 2 },
  outcomes: [
    { name: "cache", status: "applied" },
    { name: "db", status: "failed", error: "Cannot reconnect: db.host" },
  ],
  changed: ["cache.size", "db.host"],
  requires_restart: ["listen"],
  config_digest: "sha256:ab12",
  started_at: "2026-03-01T10:00:00.000Z",
  ended_at: "2026-03-01T10:00:00.250Z",
};

const STATS: ReloadStats = {
  passes: {
    full_success: 5,
    partial_applied: 1,
    validation_failed: 0,
    load_failed: 0,
  },
  dry_runs: { would_apply: 0, validation_failed: 0, load_failed: 0 },
  hook_failures: { db: 1 },
  last_success_at: "2026-03-01T09:00:00.000Z",
  last_duration_ms: 250,
  requires_restart: ["listen"],
};

/** A view of a service at generation 7, read by nothing but the handler. */
function view(): ReloadView {
  return {
    configPath: "/srv/app/config.yaml",
    sources: [{ name: "/srv/app/config.yaml" }],
    generation: () => 7,
    digest: () => "sha256:ab12",
    runningFrom: () => "source",
    startedAt: () => "2026-03-01T08:00:00.000Z",
    inProgress: () => ({
      trigger: "signal",
      started_at: "2026-03-01T10:01:00.000Z",
      dry_run: false,
    }),
    lastResult: () => RESULT,
    history: () => [RESULT],
    stats: () => STATS,
    verification: () => ({
      drift: { since: "2026-03-01T10:00:30.000Z", digest: "sha256:cd34" },
      checked_at: "2026-03-01T10:00:30.000Z",
    }),
  };
}

const get = (path = "", accept = "application/json") =>
  new Request(`http://localhost/-/reload${path}`, { headers: { accept } });

test("reloadHandler() serves every read route from a hand-made view, without a coordinator", async () => {
  const handler = reloadHandler(view());
  const status = await handler(get());
  assert.equal(status.status, 200);
  assert.deepEqual(await status.json(), {
    generation: 7,
    config_digest: "sha256:ab12",
    running_from: "source",
    drift: { since: "2026-03-01T10:00:30.000Z", digest: "sha256:cd34" },
    in_progress: {
      trigger: "signal",
      started_at: "2026-03-01T10:01:00.000Z",
      dry_run: false,
    },
    last_result: RESULT,
  });
  assert.deepEqual(await (await handler(get("/history"))).json(), [RESULT]);
  const metrics = await (await handler(get("/metrics"))).text();
  assert.equal(metrics, metricsText(view()));
  assert.match(metrics, /^hup_reload_generation 7$/m);
  assert.match(metrics, /^hup_reload_hook_failures_total\{hook="db"\} 1$/m);
  const page = await (await handler(get("", "text/html"))).text();
  assert.match(page, /<title>Config reloads: generation 7<\/title>/);
  assert.match(page, /\/srv\/app\/config\.yaml · generation <b>7<\/b>/);
  assert.match(page, /A reload pass is in progress<\/b>, triggered by signal/);
  assert.match(page, /the source holds <code>sha256:cd34<\/code>/);
  assert.match(page, /<span class="hook">db<\/span> failed: Cannot reconnect/);
  assert.match(page, /restart needed: <code>listen<\/code>/);
});

test("reloadHandler() of a view without reload() answers POST and PUT with 405, whatever the token", async () => {
  const handler = reloadHandler(view(), { token: "t0ken" });
  for (const method of ["POST", "PUT"]) {
    for (
      const headers of [{}, { authorization: "Bearer t0ken" }] as Record<
        string,
        string
      >[]
    ) {
      const response = await handler(
        new Request("http://localhost/-/reload?dry_run=1", {
          method,
          headers,
        }),
      );
      assert.equal(response.status, 405, method);
      assert.equal(response.headers.get("allow"), "GET, HEAD");
      assert.equal(response.headers.get("x-content-type-options"), "nosniff");
      await response.body?.cancel();
    }
  }
  assert.equal((await handler(get())).status, 200);
});

test("reloadHandler() runs POST through the view's reload(), after the token, as the caller asked", async () => {
  const asked: unknown[] = [];
  const control: ReloadView & ReloadControl = {
    ...view(),
    reload(options) {
      asked.push(options);
      return Promise.resolve({
        ...RESULT,
        status: options?.dryRun ? "would_apply" : "full_success",
        ...(options?.dryRun && { dry_run: true as const }),
      });
    },
  };
  const handler = reloadHandler(control, { token: "t0ken" });
  const post = (query = "", headers: Record<string, string> = {}) =>
    handler(
      new Request(`http://localhost/-/reload${query}`, {
        method: "POST",
        headers,
      }),
    );
  assert.equal((await post()).status, 401);
  assert.equal(
    (await post("?dry_run=2", { authorization: "Bearer t0ken" }))
      .status,
    400,
  );
  assert.deepEqual(asked, [], "nothing ran without the token or a dry_run");
  const pass = await post("", { authorization: "Bearer t0ken" });
  assert.equal(pass.status, 200);
  assert.equal((await pass.json()).status, "full_success");
  const dry = await post("?dry_run=1", { authorization: "Bearer t0ken" });
  assert.equal((await dry.json()).status, "would_apply");
  assert.deepEqual(asked, [
    { trigger: "http", dryRun: false },
    { trigger: "http", dryRun: true },
  ]);
});

test("reloadHandler() answers a bare 500 when a view's result cannot be written as text", async () => {
  // Only a view that lies about its types can hold such a value: the page
  // refuses it whole rather than serve half a page.
  const unwritable = {
    toString() {
      throw new Error("no text");
    },
  };
  const broken: ReloadView = {
    ...view(),
    history: () => [{ ...RESULT, trigger: unwritable as unknown as string }],
  };
  const handler = reloadHandler(broken);
  const page = await handler(get("", "text/html"));
  assert.equal(page.status, 500);
  assert.equal(await page.text(), "Internal Server Error\n");
  // The JSON routes do not read it as text.
  assert.equal((await handler(get())).status, 200);
});
