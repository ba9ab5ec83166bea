import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  AtomicConfig,
  Coordinator,
  type Hook,
  HookStatus,
  type ReloadResult,
} from "hup-reload";
import { reloadHandler } from "hup-reload/http";
import { connect } from "node:net";
import { renderHistoryPage } from "../src/http/html.ts";
import { captureLogs, deferred, nativeServer, tempConfig } from "./_helpers.ts";

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
      running_from: "source",
      drift: null,
      in_progress: null,
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
      running_from: "source",
      drift: null,
      in_progress: null,
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
      ["", "PATCH", "GET, HEAD, POST, PUT"],
      ["", "DELETE", "GET, HEAD, POST, PUT"],
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
    // An empty token (an unset variable, as it often arrives) is none:
    // POST answers 403, as with no token.
    const empty = reloadHandler(coordinator, { token: "" });
    const refused = await empty(
      new Request("http://localhost/-/reload", {
        method: "POST",
        headers: { authorization: "Bearer " },
      }),
    );
    assert.equal(refused.status, 403);
    assert.throws(
      () => reloadHandler(coordinator, { token: "", protectReads: true }),
      /no token is configured: options\.protectReads/,
    );
    for (const prefix of ["", "/a/../b", "/a/./b", "/a b", "/a//b", "/a\\b"]) {
      assert.throws(
        () => reloadHandler(coordinator, { prefix }),
        /^TypeError: Cannot mount the reload handler .*: options\.prefix$/,
        prefix,
      );
    }
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
      /<script|\ssrc=|href="(?:[a-z]+:|\/)/i,
      "no script, no external asset, no link off the handler's routes",
    );
    // The page links to the JSON, which a browser then gets as JSON.
    const link = /href="([^"]*format=json)"/.exec(html)?.[1];
    assert.ok(link !== undefined, "a link to the status JSON");
    const linked = await reloadHandler(coordinator)(
      new Request(new URL(link, URL_BASE), {
        headers: { accept: "text/html" },
      }),
    );
    assert.match(linked.headers.get("content-type")!, /^application\/json/);
    assert.equal((await linked.json()).generation, 1);
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

/** A request whose `url` is the target as sent, unparsed, as `Deno.serve`
 * passes it (a `new Request()` resolves dot segments and backslashes). */
function rawRequest(url: string, init: RequestInit = {}): Request {
  const request = new Request("http://localhost/", init);
  Object.defineProperty(request, "url", { value: url });
  return request;
}

describe("reloadHandler() as an attacker sees it", () => {
  test("reloadHandler() routes on the path as sent, never on the host, the query or an encoded slash", async () => {
    const { coordinator } = setup();
    // evil.example is allowed here, so the host check lets it through to
    // routing, which must ignore it.
    const handler = reloadHandler(coordinator, {
      allowUnauthenticated: true,
      allowedHosts: ["evil.example"],
    });
    const status = async (request: Request) => {
      const response = await handler(request);
      await response.body?.cancel();
      return response.status;
    };
    const post = { method: "POST" };
    const cases: [Request, number][] = [
      [new Request("http://localhost//evil.example/-/reload", post), 404],
      [new Request("http://localhost/-%2Freload", post), 404],
      [new Request("http://localhost/-/reload%2Fmetrics"), 404],
      [new Request("http://localhost/-/reload/..%2Fhistory"), 404],
      [new Request("http://localhost/-/reload/%2e%2e/x"), 404],
      [new Request("http://localhost/-/RELOAD", post), 404],
      [rawRequest("http://localhost/x/../-/reload", post), 400],
      [rawRequest("http://localhost/-/reload/../x"), 400],
      [rawRequest("http://localhost/-/reload/./metrics"), 400],
      [rawRequest("http://localhost/x/%2E%2e/-/reload", post), 400],
      [rawRequest("http://localhost/-\\reload", post), 400],
      [rawRequest("http://localhost/-/re\tload", post), 400],
      [rawRequest("*", post), 400],
    ];
    for (const [request, code] of cases) {
      assert.equal(await status(request), code, request.url);
    }
    assert.equal(coordinator.lastResult(), null, "no pass ran");
    // The host and the query play no part.
    assert.equal(
      await status(new Request("http://evil.example/-/reload?x=/metrics")),
      200,
    );
    assert.equal(
      await status(rawRequest("http://evil.example/-/reload//", post)),
      200,
    );
    assert.equal(coordinator.generation(), 1);
  });

  test("reloadHandler() ignores method-override headers and parameters", async () => {
    const { coordinator } = setup();
    const handler = reloadHandler(coordinator, { allowUnauthenticated: true });
    const names = [
      "x-http-method-override",
      "x-http-method",
      "x-method-override",
    ];
    for (const [i, name] of names.entries()) {
      const response = await handler(
        new Request(`${URL_BASE}?_method=POST`, {
          headers: { [name]: "POST" },
        }),
      );
      assert.equal(response.status, 200);
      assert.equal((await response.json()).generation, i, `GET with ${name}`);
      assert.equal(coordinator.generation(), i, `GET with ${name} ran no pass`);
      const deleted = await handler(
        new Request(URL_BASE, {
          method: "POST",
          headers: { [name]: "DELETE" },
        }),
      );
      assert.equal(deleted.status, 200, `POST with ${name}: DELETE is a POST`);
      await deleted.body?.cancel();
    }
    assert.equal(coordinator.generation(), 3);
  });

  test("reloadHandler() puts nosniff and no-store on every response, HEAD and errors included", async () => {
    const { coordinator, setMode } = setup();
    const open = reloadHandler(coordinator, { allowUnauthenticated: true });
    const locked = reloadHandler(coordinator, { token: "t0ken" });
    const closed = reloadHandler(coordinator);
    const broken = reloadHandler(
      { history: () => [], lastResult: () => null } as unknown as Coordinator<
        unknown
      >,
      { allowUnauthenticated: true },
    );
    const cases: [(r: Request) => Promise<Response>, Request, number][] = [
      [open, get(), 200],
      [open, get("", { accept: "text/html" }), 200],
      [open, get("/metrics"), 200],
      [open, get("/history"), 200],
      [open, post(), 200],
      [open, new Request(URL_BASE, { method: "HEAD" }), 200],
      [open, rawRequest("http://localhost/-/../-/reload"), 400],
      [locked, post(), 401],
      [locked, new Request(URL_BASE, { method: "HEAD" }), 200],
      [open, post({ "sec-fetch-site": "cross-site" }), 403],
      [closed, post(), 403],
      [open, get("/nope"), 404],
      [open, new Request("http://localhost/nope", { method: "HEAD" }), 404],
      [open, new Request(URL_BASE, { method: "DELETE" }), 405],
      [open, new Request(URL_BASE, { method: "OPTIONS" }), 405],
      [broken, get(), 500],
      [broken, new Request(URL_BASE, { method: "HEAD" }), 500],
    ];
    for (const [handler, request, code] of cases) {
      const response = await handler(request);
      const what = `${request.method} ${request.url} -> ${response.status}`;
      assert.equal(response.status, code, what);
      assert.equal(
        response.headers.get("x-content-type-options"),
        "nosniff",
        what,
      );
      assert.equal(response.headers.get("cache-control"), "no-store", what);
      assert.match(
        response.headers.get("content-security-policy") ?? "",
        /frame-ancestors 'none'/,
        what,
      );
      const body = await response.text();
      if (request.method === "HEAD") assert.equal(body, "", what);
    }
    setMode("check");
    const failed = await open(post());
    assert.equal(failed.status, 422);
    assert.equal(failed.headers.get("x-content-type-options"), "nosniff");
    await failed.body?.cancel();
  });

  test("reloadHandler() answers a bare 500 and logs when the coordinator throws", async () => {
    await using logs = await captureLogs();
    const handler = reloadHandler(
      {
        configPath: "/etc/app/config.yaml",
        generation: () => 0,
        digest: () => null,
        lastResult: () => null,
        history() {
          throw new Error(`history lost ${SECRET}`);
        },
        reload: () => Promise.reject(new TypeError("bug")),
      } as unknown as Coordinator<unknown>,
      { allowUnauthenticated: true },
    );
    for (
      const request of [
        get("/history"),
        get("", { accept: "text/html" }),
        post(),
      ]
    ) {
      const response = await handler(request);
      assert.equal(response.status, 500);
      assert.equal(await response.text(), "Internal Server Error\n");
    }
    const errors = logs.records.filter((r) => r.level === "error");
    assert.equal(errors.length, 3);
    assert.deepEqual(errors[2].properties, { error: "bug" });
  });

  test("reloadHandler() refuses cross-origin POSTs from browsers with 403, with or without a token", async () => {
    const { coordinator } = setup();
    const open = reloadHandler(coordinator, { allowUnauthenticated: true });
    const locked = reloadHandler(coordinator, { token: "t0ken" });
    const bearer = { authorization: "Bearer t0ken" };
    const at = (origin: string, headers: Record<string, string> = {}) =>
      new Request("http://127.0.0.1:9090/-/reload", {
        method: "POST",
        headers: { ...headers, origin },
      });
    const refused: Request[] = [
      post({ "sec-fetch-site": "cross-site" }),
      post({ "sec-fetch-site": "same-site" }),
      post({ "sec-fetch-site": "cross-site", origin: "http://localhost" }),
      post({ "sec-fetch-site": "something-new" }),
      at("https://evil.example"),
      at("http://127.0.0.1:9091"),
      at("http://127.0.0.1"),
      at("http://localhost:9090"),
      at("null"),
      at("not a url"),
    ];
    for (const [handler, extra] of [[open, {}], [locked, bearer]] as const) {
      for (const template of refused) {
        const headers = new Headers(template.headers);
        for (const [k, v] of Object.entries(extra)) headers.set(k, v);
        const response = await handler(
          new Request(template.url, { method: "POST", headers }),
        );
        assert.equal(response.status, 403, JSON.stringify([...headers]));
        assert.equal(
          await response.text(),
          "Forbidden: cross-origin request\n",
        );
      }
    }
    assert.equal(coordinator.lastResult(), null, "no pass ran");
    const allowed: Request[] = [
      post(),
      post({ "sec-fetch-site": "same-origin" }),
      post({ "sec-fetch-site": "none" }),
      post({ "sec-fetch-site": "same-origin", origin: "https://evil.example" }),
      at("http://127.0.0.1:9090"),
    ];
    let generation = 0;
    for (const [handler, extra] of [[open, {}], [locked, bearer]] as const) {
      for (const template of allowed) {
        const headers = new Headers(template.headers);
        for (const [k, v] of Object.entries(extra)) headers.set(k, v);
        const response = await handler(
          new Request(template.url, { method: "POST", headers }),
        );
        assert.equal(response.status, 200, JSON.stringify([...headers]));
        assert.equal((await response.json()).generation, ++generation);
      }
    }
    // Reads are safe methods: a cross-site GET is answered (a browser does
    // not let the other page see the response).
    const read = await open(get("", { "sec-fetch-site": "cross-site" }));
    assert.equal(read.status, 200);
    await read.body?.cancel();
  });

  test("reloadHandler() refuses a token that no request could carry, without quoting it", () => {
    const { coordinator } = setup();
    const bad: unknown[] = [
      " ",
      "Zq9 x7",
      "Zq9x7 ",
      " Zq9x7",
      "Zq9\tx7",
      "Zq9\nx7",
      "Zq9ö-x7",
      "Zq9,x7",
      'Zq9"x7',
      "=Zq9x7",
      "Zq9=x7",
      "Zq9\u0000x7",
      42,
      null,
    ];
    for (const token of bad) {
      assert.throws(
        () => reloadHandler(coordinator, { token: token as string }),
        (error: unknown) => {
          assert.ok(error instanceof TypeError, String(token));
          assert.match(error.message, /^Cannot protect .*: options\.token$/);
          assert.ok(!/Zq9|x7/.test(error.message), error.message);
          return true;
        },
      );
    }
    for (
      const token of [
        "t",
        "s3cret-token",
        "a-b.c_d~e+f/g",
        "dGhpcyBpcyBhIHRva2Vu==",
        "A1/+=",
      ]
    ) {
      assert.doesNotThrow(() => reloadHandler(coordinator, { token }), token);
    }
  });

  test("reloadHandler() with protectReads needs the token on every read route", async () => {
    const { coordinator } = setup();
    await coordinator.reload();
    const handler = reloadHandler(coordinator, {
      token: "t0ken",
      protectReads: true,
    });
    const bearer = { authorization: "Bearer t0ken" };
    const reads: [string, Record<string, string>][] = [
      ["", {}],
      ["", { accept: "text/html" }],
      ["/history", {}],
      ["/metrics", {}],
    ];
    for (const [path, headers] of reads) {
      for (const method of ["GET", "HEAD"]) {
        const auths: Record<string, string>[] = [
          {},
          { authorization: "Bearer wrong" },
          { authorization: "Basic dDBrZW4=" },
        ];
        for (const auth of auths) {
          const response = await handler(
            new Request(`${URL_BASE}${path}`, {
              method,
              headers: { ...headers, ...auth },
            }),
          );
          const what = `${method} ${path} ${JSON.stringify(auth)}`;
          assert.equal(response.status, 401, what);
          assert.equal(
            response.headers.get("www-authenticate"),
            'Bearer realm="hup-reload"',
          );
          const body = await response.text();
          assert.ok(!/generation|hup_reload|db/.test(body), body);
        }
        const ok = await handler(
          new Request(`${URL_BASE}${path}`, {
            method,
            headers: { ...headers, ...bearer },
          }),
        );
        assert.equal(ok.status, 200, `${method} ${path} with the token`);
        await ok.body?.cancel();
      }
    }
    const posted = await handler(post(bearer));
    assert.equal(posted.status, 200);
    assert.equal((await posted.json()).generation, 2);
    assert.equal((await handler(post())).status, 401);
    assert.equal((await handler(get("/nope"))).status, 404);
    // Without protectReads, reads stay open even with a token.
    const open = reloadHandler(coordinator, { token: "t0ken" });
    assert.equal((await open(get("/metrics"))).status, 200);
    assert.throws(
      () => reloadHandler(coordinator, { protectReads: true }),
      /^TypeError: Cannot protect the read routes as no token is configured: options\.protectReads$/,
    );
    assert.throws(
      () =>
        reloadHandler(coordinator, {
          protectReads: true,
          allowUnauthenticated: true,
        }),
      TypeError,
    );
  });

  test("reloadHandler() with allowUnauthenticated refuses, with 421, every request for a host that is neither loopback nor allowed (DNS rebinding)", async () => {
    await using logs = await captureLogs();
    const { coordinator } = setup();
    const open = reloadHandler(coordinator, { allowUnauthenticated: true });
    const listed = reloadHandler(coordinator, {
      allowUnauthenticated: true,
      allowedHosts: ["admin.internal", "10.0.0.5", "[fd00::1]", "Mixed.Case."],
    });
    // What a page whose own name was rebound to 127.0.0.1 sends: its name.
    const rebound = [
      "rebind.evil.example",
      "evil.example:9090",
      "app.localhost",
      "localhost.evil.example",
      "127.0.0.1.nip.io",
      "10.0.0.1:9090",
      "[::2]",
      "[fe80::1]:9090",
      "admin.internal.evil.example",
    ];
    const routes: [string, string][] = [
      ["POST", "/-/reload"],
      ["PUT", "/-/reload"],
      ["GET", "/-/reload"],
      ["HEAD", "/-/reload"],
      ["GET", "/-/reload/metrics"],
      ["GET", "/-/reload/history"],
      ["DELETE", "/-/reload"],
      ["GET", "/elsewhere"],
    ];
    for (const handler of [open, listed]) {
      for (const host of rebound) {
        for (const [method, path] of routes) {
          const response = await handler(
            new Request(`http://${host}${path}`, { method }),
          );
          assert.equal(response.status, 421, `${method} ${host}${path}`);
          assert.equal(
            response.headers.get("x-content-type-options"),
            "nosniff",
          );
          assert.equal(response.headers.get("cache-control"), "no-store");
          const body = await response.text();
          if (method !== "HEAD") {
            assert.match(
              body,
              /^Misdirected Request: this host name is not served here/,
            );
          }
        }
        // The URL says loopback, the Host header does not: refused too.
        const mixed = await handler(
          new Request("http://127.0.0.1:9090/-/reload", {
            method: "POST",
            headers: { host: host },
          }),
        );
        assert.equal(mixed.status, 421, `Host: ${host}`);
        await mixed.body?.cancel();
      }
    }
    assert.equal(coordinator.lastResult(), null, "no pass ran");
    // The log names the host to allow, as sent.
    const warned = logs.records.filter((r) =>
      String(r.message[0]).startsWith("Refused an HTTP request for host ")
    );
    assert.equal(warned.length, 2 * rebound.length * (routes.length + 1));
    assert.deepEqual(warned[0].properties, { host: rebound[0] });
    assert.deepEqual(
      new Set(warned.map((r) => r.properties.host)),
      new Set(rebound),
    );

    // Loopback names, any port, any case, a final dot: answered.
    const loopback = [
      "localhost",
      "localhost:9090",
      "LOCALHOST.",
      "127.0.0.1:9090",
      "127.8.9.10",
      "127.1",
      "[::1]:9090",
      "[0:0:0:0:0:0:0:1]",
    ];
    let generation = 0;
    for (const host of loopback) {
      const response = await open(
        new Request(`http://${host}/-/reload`, { method: "POST" }),
      );
      assert.equal(response.status, 200, host);
      assert.equal((await response.json()).generation, ++generation);
    }
    // The allowed ones, as names or addresses, whatever the case and port.
    for (
      const host of [
        "admin.internal",
        "ADMIN.internal:9090",
        "10.0.0.5:9090",
        "[fd00::1]:9090",
        "mixed.case",
      ]
    ) {
      const response = await listed(
        new Request(`http://${host}/-/reload`, { method: "POST" }),
      );
      assert.equal(response.status, 200, host);
      await response.body?.cancel();
      const open421 = await open(new Request(`http://${host}/-/reload`));
      assert.equal(open421.status, 421, `${host} is not allowed by default`);
      await open421.body?.cancel();
    }
  });

  test("reloadHandler() checks the host with a token only when allowedHosts is given", async () => {
    const { coordinator } = setup();
    const bearer = { authorization: "Bearer t0ken" };
    const locked = reloadHandler(coordinator, { token: "t0ken" });
    const pinned = reloadHandler(coordinator, {
      token: "t0ken",
      allowedHosts: [],
    });
    const at = (host: string) =>
      new Request(`http://${host}/-/reload`, {
        method: "POST",
        headers: bearer,
      });
    // A token stands in the way of a rebound page: no host check by default.
    assert.equal((await locked(at("admin.example"))).status, 200);
    // allowedHosts: [] turns the check on, loopback names only.
    const refused = await pinned(at("admin.example"));
    assert.equal(refused.status, 421);
    await refused.body?.cancel();
    assert.equal((await pinned(at("localhost:9090"))).status, 200);
    // Before the token: no token is asked of a host not served here.
    const noToken = await pinned(
      new Request("http://admin.example/-/reload", { method: "POST" }),
    );
    assert.equal(noToken.status, 421);
    await noToken.body?.cancel();
  });

  test("reloadHandler() refuses allowedHosts that are not host names without ports", () => {
    const { coordinator } = setup();
    for (
      const allowedHosts of [
        ["admin.internal:9090"],
        ["http://admin.internal"],
        ["admin.internal/x"],
        [""],
        ["a b"],
        ["user@admin.internal"],
        ["::1"],
        ["[::1]:80"],
        [42],
        "admin.internal",
      ]
    ) {
      assert.throws(
        () =>
          reloadHandler(coordinator, {
            allowUnauthenticated: true,
            allowedHosts: allowedHosts as string[],
          }),
        (error: Error) =>
          error instanceof TypeError &&
          /^Cannot mount the reload handler as allowedHosts is not a list of host names .*: options\.allowedHosts/
            .test(error.message),
        JSON.stringify(allowedHosts),
      );
    }
  });

  test("reloadHandler() behind the runtime's own server (Deno.serve, Bun.serve) refuses a rebound Host with 421", async (t) => {
    const { coordinator } = setup();
    const handler = reloadHandler(coordinator, { allowUnauthenticated: true });
    const native = nativeServer(handler);
    if (native === undefined) {
      t.skip("Node.js: nodeListener's tests cover node:http");
      return;
    }
    try {
      const exchange = async (host: string, target = "/-/reload") =>
        await rawStatus(
          native.port,
          `POST ${target} HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`,
        );
      assert.equal(await exchange(`rebind.evil.example:${native.port}`), 421);
      assert.equal(await exchange("evil.example"), 421);
      assert.equal(await exchange(`app.localhost:${native.port}`), 421);
      assert.equal(coordinator.lastResult(), null, "no pass ran");
      assert.equal(await exchange(`127.0.0.1:${native.port}`), 200);
      assert.equal(await exchange(`localhost:${native.port}`), 200);
      assert.equal(coordinator.generation(), 2);
    } finally {
      await native.close();
    }
  });
});

describe("renderHistoryPage()", () => {
  const pass = (fields: Record<string, unknown>) =>
    ({
      generation: 1,
      status: "partial_applied",
      trigger: "call",
      outcomes: [],
      started_at: "2026-01-01T00:00:00.000Z",
      ended_at: "2026-01-01T00:00:00.012Z",
      ...fields,
    }) as unknown as ReloadResult;
  const throwing = {
    [Symbol.toPrimitive]() {
      throw new Error("no primitive");
    },
    toString() {
      throw new Error("no string");
    },
  };
  const hostile = new Proxy({}, {
    get() {
      throw new Error("no property");
    },
    getPrototypeOf() {
      throw new Error("no prototype");
    },
  });
  const page = (history: ReloadResult[]) =>
    renderHistoryPage({
      generation: { toString: () => "<i>" } as unknown as number,
      digest: 5 as unknown as string,
      history,
      configPath: Symbol("path") as unknown as string,
    });

  // The page reads results by their types; a value of another type (only a
  // cast or a hand-made view can put one there) is written as the text
  // String() gives it, escaped, or the page throws: never markup.
  test("renderHistoryPage() escapes a mistyped value as its text", () => {
    const failed = (error: unknown) => ({
      name: "cache",
      status: "failed",
      error,
    });
    const history = [
      pass({
        outcomes: [
          failed(42),
          failed({ code: 7 }),
          failed(Symbol("sym")),
          failed(10n),
          failed(null),
          failed("<script>alert(1)</script>"),
          { name: Symbol("hook"), status: "failed", error: "x" },
        ],
        requires_restart: ["a.b", 42],
      }),
      pass({ status: 7, generation: "<b>7</b>", started_at: "x" }),
      pass({ status: "__proto__" }),
      pass({ status: "constructor" }),
    ];
    const html = page(history);
    assert.match(html, /^<!doctype html>/);
    assert.match(html, /<\/html>\n$/);
    for (
      const shown of [
        "failed: 42</li>",
        "failed: [object Object]</li>",
        "failed: Symbol(sym)</li>",
        "failed: 10</li>",
        "failed: </li>",
        "failed: &lt;script&gt;alert(1)&lt;/script&gt;</li>",
        '<span class="hook">Symbol(hook)</span>',
        "<code>42</code>",
        "generation &lt;b&gt;7&lt;/b&gt;",
        'data-status="7"',
        'data-status="__proto__" style="--c:#57606a"',
        'data-status="constructor" style="--c:#57606a"',
        "? ms",
        "Symbol(path)",
        "<code>5</code>",
        "generation <b>&lt;i&gt;</b>",
      ]
    ) {
      assert.ok(html.includes(shown), `${shown}\n---\n${html}`);
    }
    assert.doesNotMatch(html, /<script|<b>7|<i>/);
    assert.equal(html.match(/<li class="pass"/g)?.length, history.length);
  });

  test("renderHistoryPage() throws, rather than write half a page, on a value that has no text", () => {
    const cases: [string, ReloadResult[]][] = [
      ["a toString() that throws", [pass({ trigger: throwing })]],
      ["a proxy that throws", [pass({ outcomes: [hostile] })]],
      ["a null outcome", [pass({ outcomes: [null] })]],
      ["outcomes that are not a list", [pass({ outcomes: "x" })]],
      ["a history that is not a list", "x" as never],
      ["a null result", [null as never]],
    ];
    for (const [what, history] of cases) {
      assert.throws(() => page(history), Error, what);
    }
  });

  test("reloadHandler() serves the history page when a hook throws an error whose message is not a string", async () => {
    const messages: unknown[] = [
      42,
      { reason: "x" },
      Symbol("why"),
      throwing,
      Object.create(null),
      10n,
    ];
    let next = 0;
    const { coordinator } = setup({
      hooks: [{
        name: "boom",
        check() {},
        apply() {
          throw Object.assign(new Error(), { message: messages[next++] });
        },
      }],
    });
    const handler = reloadHandler(coordinator, { allowUnauthenticated: true });
    for (let i = 0; i < messages.length; i++) {
      const result = await coordinator.reload();
      assert.equal(result.status, "partial_applied");
      const page = await handler(get("", { accept: "text/html" }));
      assert.equal(page.status, 200, `message ${i}`);
      const html = await page.text();
      assert.equal(
        html.match(/<span class="hook">boom<\/span> failed: /g)?.length,
        i + 1,
        html,
      );
    }
  });
});

/** Sends `text` on a new connection; the status of the response. */
function rawStatus(port: number, text: string): Promise<number> {
  return new Promise((resolve, reject) => {
    let raw = "";
    const socket = connect(port, "127.0.0.1", () => socket.write(text));
    socket.setEncoding("latin1");
    socket.on("data", (chunk: string) => {
      raw += chunk;
      const line = /^HTTP\/1\.[01] (\d{3})/.exec(raw);
      if (line !== null) {
        socket.destroy();
        resolve(Number(line[1]));
      }
    });
    socket.on("error", reject);
    socket.on("close", () => reject(new Error(`no status line: ${raw}`)));
  });
}
