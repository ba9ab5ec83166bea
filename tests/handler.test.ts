import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import {
  AtomicConfig,
  Coordinator,
  type Hook,
  HookStatus,
  nodeListener,
  reloadHandler,
} from "hup-reload";
import { deferred, tempConfig } from "./_helpers.ts";

const SECRET = "pa55w0rd-in-config";
const URL_BASE = "http://localhost/-/reload";

type Mode = "ok" | "load" | "check" | "apply";

function setup(
  options: { historySize?: number; hooks?: Hook<unknown>[] } = {},
) {
  let mode: Mode = "ok";
  const coordinator = new Coordinator<{ db: { password: string } }>({
    configPath: "/etc/app/config.yaml",
    config: new AtomicConfig({ db: { password: "old" } }),
    load: () => {
      if (mode === "load") {
        throw new Error(
          "Cannot load config as the file does not exist: /etc/app/config.yaml",
        );
      }
      return { db: { password: SECRET } };
    },
    historySize: options.historySize,
    hooks: options.hooks ?? [{
      name: "db",
      check() {
        if (mode === "check") {
          throw new Error("Cannot reconnect: db.password <rejected>");
        }
      },
      apply() {
        if (mode === "apply") throw new Error('Cannot reconnect to "db"');
        return HookStatus.Applied;
      },
    }],
  });
  return { coordinator, setMode: (m: Mode) => void (mode = m) };
}

const get = (path = "", headers: Record<string, string> = {}) =>
  new Request(`${URL_BASE}${path}`, { headers });
const post = (headers: Record<string, string> = {}) =>
  new Request(URL_BASE, { method: "POST", headers });

describe("reloadHandler()", () => {
  test("reloadHandler() GET shows an empty state before the first pass", async () => {
    const { coordinator } = setup();
    const response = await reloadHandler(coordinator)(get());
    assert.equal(response.status, 200);
    assert.match(response.headers.get("content-type")!, /^application\/json/);
    assert.equal(response.headers.get("cache-control"), "no-store");
    assert.deepEqual(await response.json(), {
      generation: 0,
      config_digest: null,
      last_result: null,
    });
  });

  test("reloadHandler() GET shows the last result, the generation and the file digest", async () => {
    await using file = await tempConfig("greeting: hello\n");
    const coordinator = new Coordinator({
      configPath: file.path,
      config: new AtomicConfig({}),
      hooks: [],
    });
    const result = await coordinator.reload();
    const bytes = new TextEncoder().encode("greeting: hello\n");
    const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
    const hex = [...hash].map((b) => b.toString(16).padStart(2, "0")).join("");
    const body = await (await reloadHandler(coordinator)(get())).json();
    assert.deepEqual(body, {
      generation: 1,
      config_digest: `sha256:${hex}`,
      last_result: result,
    });
    assert.equal(result.config_digest, `sha256:${hex}`);
  });

  test("reloadHandler() POST is refused with 403 when no token is configured", async () => {
    const { coordinator } = setup();
    const response = await reloadHandler(coordinator)(post());
    assert.equal(response.status, 403);
    assert.equal(coordinator.lastResult(), null, "no pass ran");
  });

  test("reloadHandler() POST runs a pass when allowUnauthenticated is set", async () => {
    const { coordinator } = setup();
    const response = await reloadHandler(coordinator, {
      allowUnauthenticated: true,
    })(post());
    assert.equal(response.status, 200);
    const body = await response.json();
    assert.equal(body.status, "full_success");
    assert.deepEqual(body, coordinator.lastResult());
  });

  test("reloadHandler() POST needs the bearer token and says nothing more on 401", async () => {
    const { coordinator } = setup();
    const handler = reloadHandler(coordinator, { token: "s3cret-token" });
    for (
      const headers of [
        {} as Record<string, string>,
        { authorization: "Bearer wrong" },
        { authorization: "Bearer s3cret-token-longer" },
        { authorization: "Basic czNjcmV0LXRva2Vu" },
        { authorization: "s3cret-token" },
      ]
    ) {
      const response = await handler(post(headers));
      assert.equal(response.status, 401, JSON.stringify(headers));
      assert.equal(
        response.headers.get("www-authenticate"),
        'Bearer realm="hup-reload"',
      );
      assert.equal(await response.text(), "Unauthorized\n");
    }
    assert.equal(coordinator.lastResult(), null, "no pass ran");
    const ok = await handler(post({ authorization: "bearer s3cret-token" }));
    assert.equal(ok.status, 200);
    // GET needs no token.
    assert.equal((await handler(get())).status, 200);
  });

  test("reloadHandler() POST answers non-2xx when the pass did not fully succeed", async () => {
    const { coordinator, setMode } = setup();
    const handler = reloadHandler(coordinator, { allowUnauthenticated: true });
    const cases: [Mode, number, string][] = [
      ["apply", 500, "partial_applied"],
      ["check", 422, "validation_failed"],
      ["load", 422, "load_failed"],
      ["ok", 200, "full_success"],
    ];
    for (const [mode, code, status] of cases) {
      setMode(mode);
      const response = await handler(post());
      assert.equal(response.status, code, mode);
      assert.equal((await response.json()).status, status);
    }
  });

  test("reloadHandler() coalesces concurrent POSTs into passes that never overlap", async () => {
    const gate = deferred();
    const entered = deferred();
    let active = 0;
    let maxActive = 0;
    let passes = 0;
    const { coordinator } = setup({
      hooks: [{
        name: "slow",
        check() {},
        async apply() {
          passes++;
          active++;
          maxActive = Math.max(maxActive, active);
          if (passes === 1) {
            entered.resolve();
            await gate.promise;
          }
          active--;
          return HookStatus.Applied;
        },
      }],
    });
    const handler = reloadHandler(coordinator, { allowUnauthenticated: true });
    const first = handler(post());
    await entered.promise;
    const more = [handler(post()), handler(post()), handler(post())];
    gate.resolve();
    const responses = await Promise.all([first, ...more]);
    const generations = await Promise.all(
      responses.map(async (r) => (await r.json()).generation),
    );
    assert.deepEqual(generations, [1, 2, 2, 2]);
    assert.equal(passes, 2);
    assert.equal(maxActive, 1);
  });

  test("reloadHandler() answers other methods with 405 and Allow, and unknown paths with 404", async () => {
    const { coordinator } = setup();
    const handler = reloadHandler(coordinator, { allowUnauthenticated: true });
    const cases: [string, string, string][] = [
      ["", "PUT", "GET, HEAD, POST"],
      ["", "DELETE", "GET, HEAD, POST"],
      ["/metrics", "POST", "GET, HEAD"],
      ["/history", "PATCH", "GET, HEAD"],
    ];
    for (const [path, method, allow] of cases) {
      const response = await handler(
        new Request(`${URL_BASE}${path}`, { method }),
      );
      assert.equal(response.status, 405, `${method} ${path}`);
      assert.equal(response.headers.get("allow"), allow);
    }
    assert.equal((await handler(get("/nope"))).status, 404);
    assert.equal(
      (await handler(new Request("http://localhost/other"))).status,
      404,
    );
  });

  test("reloadHandler() mounts under a custom prefix and answers HEAD without a body", async () => {
    const { coordinator } = setup();
    const handler = reloadHandler(coordinator, { prefix: "/admin/reload/" });
    assert.equal(
      (await handler(new Request("http://localhost/admin/reload"))).status,
      200,
    );
    assert.equal(
      (await handler(new Request("http://localhost/admin/reload/metrics")))
        .status,
      200,
    );
    assert.equal((await handler(get())).status, 404);
    const head = await handler(
      new Request("http://localhost/admin/reload", { method: "HEAD" }),
    );
    assert.equal(head.status, 200);
    assert.equal(await head.text(), "");
    assert.throws(
      () => reloadHandler(coordinator, { prefix: "admin" }),
      TypeError,
    );
    assert.throws(() => reloadHandler(coordinator, { token: "" }), TypeError);
  });

  test("reloadHandler() GET /metrics serves Prometheus text with every family", async () => {
    const { coordinator, setMode } = setup();
    setMode("apply");
    await coordinator.reload();
    setMode("check");
    await coordinator.reload();
    setMode("ok");
    await coordinator.reload();
    const response = await reloadHandler(coordinator)(get("/metrics"));
    assert.equal(
      response.headers.get("content-type"),
      "text/plain; version=0.0.4; charset=utf-8",
    );
    const text = await response.text();
    const sample = (line: string) =>
      assert.ok(text.split("\n").includes(line), `${line}\n---\n${text}`);
    sample("hup_reload_generation 2");
    sample('hup_reload_passes_total{status="full_success"} 1');
    sample('hup_reload_passes_total{status="partial_applied"} 1');
    sample('hup_reload_passes_total{status="validation_failed"} 1');
    sample('hup_reload_passes_total{status="load_failed"} 0');
    sample("hup_reload_config_last_reload_successful 1");
    sample('hup_reload_hook_failures_total{hook="db"} 2');
    sample("hup_reload_requires_restart 0");
    assert.match(
      text,
      /^hup_reload_last_success_timestamp_seconds [1-9][0-9.e+]*$/m,
    );
    assert.match(text, /^hup_reload_last_duration_seconds [0-9.e-]+$/m);
    for (const family of text.matchAll(/^# TYPE (\S+) (gauge|counter)$/gm)) {
      assert.match(text, new RegExp(`^# HELP ${family[1]} `, "m"));
    }
    setMode("load");
    await coordinator.reload();
    const after = await (await reloadHandler(coordinator)(get("/metrics")))
      .text();
    assert.match(after, /^hup_reload_config_last_reload_successful 0$/m);
  });

  test("reloadHandler() escapes hook names in metric labels", async () => {
    const { coordinator } = setup({
      hooks: [{
        name: 'we"ird\\name\n',
        check() {},
        apply() {
          throw new Error("x");
        },
      }],
    });
    await coordinator.reload();
    const text = await (await reloadHandler(coordinator)(get("/metrics")))
      .text();
    assert.ok(
      text.includes(
        'hup_reload_hook_failures_total{hook="we\\"ird\\\\name\\n"} 1',
      ),
      text,
    );
  });

  test("reloadHandler() GET /history lists the recent results newest first, bounded", async () => {
    const { coordinator } = setup({ historySize: 3 });
    for (let i = 0; i < 10; i++) await coordinator.reload();
    const body = await (await reloadHandler(coordinator)(get("/history")))
      .json();
    assert.deepEqual(
      body.map((r: { generation: number }) => r.generation),
      [10, 9, 8],
    );
  });

  test("reloadHandler() GET with Accept: text/html serves a self-contained history page", async () => {
    const { coordinator, setMode } = setup();
    setMode("check");
    await coordinator.reload();
    setMode("ok");
    await coordinator.reload();
    const response = await reloadHandler(coordinator)(
      get("", { accept: "text/html,application/xhtml+xml,*/*;q=0.8" }),
    );
    assert.match(response.headers.get("content-type")!, /^text\/html/);
    const html = await response.text();
    assert.match(html, /^<!doctype html>/);
    assert.match(html, /generation <b>1<\/b>/);
    assert.equal(html.match(/<li class="pass"/g)?.length, 2);
    assert.match(html, /data-status="validation_failed"/);
    assert.match(html, /db\.password &lt;rejected&gt;/, "errors are escaped");
    assert.doesNotMatch(
      html,
      /<script|\ssrc=|href=/,
      "no script, no external asset",
    );
  });

  test("reloadHandler() never serves a config value on any route", async () => {
    const { coordinator, setMode } = setup();
    const handler = reloadHandler(coordinator, { allowUnauthenticated: true });
    const bodies: string[] = [];
    for (const mode of ["ok", "apply", "check", "load"] as const) {
      setMode(mode);
      bodies.push(await (await handler(post())).text());
    }
    for (
      const request of [
        get(),
        get("/metrics"),
        get("/history"),
        get("", { accept: "text/html" }),
      ]
    ) {
      bodies.push(await (await handler(request)).text());
    }
    for (const body of bodies) assert.ok(!body.includes(SECRET), body);
  });
});

test("nodeListener() serves a web-standard handler from node:http", async () => {
  const { coordinator } = setup();
  const handler = reloadHandler(coordinator, { allowUnauthenticated: true });
  const server = createServer(nodeListener(handler));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  try {
    const base = `http://127.0.0.1:${port}/-/reload`;
    const posted = await fetch(base, { method: "POST", body: "ignored" });
    assert.equal(posted.status, 200);
    assert.equal((await posted.json()).generation, 1);
    const got = await fetch(base);
    assert.match(got.headers.get("content-type")!, /^application\/json/);
    assert.equal((await got.json()).generation, 1);
    const denied = await fetch(`${base}/metrics`, { method: "DELETE" });
    assert.equal(denied.status, 405);
    assert.equal(denied.headers.get("allow"), "GET, HEAD");
    await denied.body?.cancel();
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});

test("nodeListener() answers 500 when the handler throws", async () => {
  const server = createServer(nodeListener(() => {
    throw new Error("handler bug");
  }));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  try {
    const response = await fetch(`http://127.0.0.1:${port}/`);
    assert.equal(response.status, 500);
    assert.equal(await response.text(), "Internal Server Error\n");
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});
