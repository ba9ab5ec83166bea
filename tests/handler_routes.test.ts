// Every route of the table goes through the same guards: a route added to
// ROUTES is covered here without a line of this file changing.
import { test } from "node:test";
import assert from "node:assert/strict";
import { AtomicConfig, Coordinator } from "hup-reload";
import { reloadHandler } from "hup-reload/http";
import { ROUTES } from "../src/http/routes.ts";

const TOKEN = "t0ken";
const BEARER = { authorization: `Bearer ${TOKEN}` };

function coordinator() {
  return new Coordinator({
    configPath: "/etc/app/config.yaml",
    config: new AtomicConfig({ n: 1 }),
    load: () => ({ n: 2 }),
  });
}

const reads = ROUTES.filter((r) => r.access === "read");
const writes = ROUTES.filter((r) => r.access === "write");
const paths = [...new Set(ROUTES.map((r) => r.path))];
const allowOf = (path: string) =>
  ROUTES.filter((r) => r.path === path).flatMap((r) => r.methods).join(", ");

const at = (
  path: string,
  method: string,
  headers: Record<string, string> = {},
  base = "http://localhost/-/reload",
) => new Request(`${base}${path}`, { method, headers });

function assertSafe(response: Response, what: string) {
  assert.equal(response.headers.get("x-content-type-options"), "nosniff", what);
  assert.equal(response.headers.get("cache-control"), "no-store", what);
  assert.match(
    response.headers.get("content-security-policy") ?? "",
    /frame-ancestors 'none'/,
    what,
  );
}

test("ROUTES holds the status, reload, metrics and history routes, each path and access once", () => {
  const listed = ROUTES.map((r) => `${r.methods.join("|")} ${r.path || "/"}`);
  for (
    const route of [
      "GET|HEAD /",
      "POST|PUT /",
      "GET|HEAD /metrics",
      "GET|HEAD /history",
    ]
  ) {
    assert.ok(listed.includes(route), `${route} in ${listed.join(", ")}`);
  }
  const keys = ROUTES.map((r) => `${r.access} ${r.path}`);
  assert.equal(new Set(keys).size, keys.length);
  for (const route of ROUTES) {
    assert.match(route.path, /^(?:\/[a-z][a-z0-9_-]*)?$/, route.path);
  }
});

test("reloadHandler() serves every read route of ROUTES with the safe headers, HEAD without a body, under any prefix", async () => {
  const handler = reloadHandler(coordinator(), { prefix: "/admin/reload/" });
  for (const route of reads) {
    for (const method of route.methods) {
      const what = `${method} ${route.path}`;
      const response = await handler(
        at(route.path, method, {}, "http://localhost/admin/reload"),
      );
      assert.equal(response.status, 200, what);
      assertSafe(response, what);
      const body = await response.text();
      if (method === "HEAD") assert.equal(body, "", what);
      else assert.notEqual(body, "", what);
      // The default prefix is not mounted.
      const elsewhere = await handler(at(route.path, method));
      assert.equal(elsewhere.status, 404, what);
      await elsewhere.body?.cancel();
    }
  }
});

test("reloadHandler() with protectReads asks for the token on every read route of ROUTES", async () => {
  const handler = reloadHandler(coordinator(), {
    token: TOKEN,
    protectReads: true,
  });
  for (const route of reads) {
    for (const method of route.methods) {
      const what = `${method} ${route.path}`;
      for (
        const auth of [{}, { authorization: "Bearer wrong" }] as Record<
          string,
          string
        >[]
      ) {
        const denied = await handler(at(route.path, method, auth));
        assert.equal(denied.status, 401, what);
        assertSafe(denied, what);
        assert.equal(
          await denied.text(),
          method === "HEAD" ? "" : "Unauthorized\n",
        );
      }
      const ok = await handler(at(route.path, method, BEARER));
      assert.equal(ok.status, 200, what);
      await ok.body?.cancel();
    }
  }
});

test("reloadHandler() runs no write route of ROUTES without the token, or for another origin", async () => {
  const service = coordinator();
  const locked = reloadHandler(service, { token: TOKEN });
  const closed = reloadHandler(service);
  const open = reloadHandler(service, { allowUnauthenticated: true });
  for (const route of writes) {
    for (const method of route.methods) {
      const what = `${method} ${route.path}`;
      const cases: [typeof open, Record<string, string>, number][] = [
        [locked, {}, 401],
        [locked, { authorization: "Bearer wrong" }, 401],
        [closed, {}, 403],
        [open, { "sec-fetch-site": "cross-site" }, 403],
        [locked, { ...BEARER, origin: "https://evil.example" }, 403],
      ];
      for (const [handler, headers, code] of cases) {
        const response = await handler(at(route.path, method, headers));
        assert.equal(
          response.status,
          code,
          `${what} ${JSON.stringify(headers)}`,
        );
        assertSafe(response, what);
        await response.body?.cancel();
      }
    }
  }
  assert.equal(service.lastResult(), null, "nothing ran");
});

test("reloadHandler() answers every path of ROUTES with 405 and the methods of its entries for any other method", async () => {
  const handler = reloadHandler(coordinator(), { allowUnauthenticated: true });
  for (const path of paths) {
    for (const method of ["DELETE", "PATCH", "OPTIONS"]) {
      const response = await handler(at(path, method));
      assert.equal(response.status, 405, `${method} ${path}`);
      assert.equal(response.headers.get("allow"), allowOf(path));
      assertSafe(response, `${method} ${path}`);
      await response.body?.cancel();
    }
  }
});

test("reloadHandler() refuses, with 421, every route of ROUTES for a rebound host", async () => {
  const service = coordinator();
  const handler = reloadHandler(service, { allowUnauthenticated: true });
  for (const route of ROUTES) {
    for (const method of route.methods) {
      const response = await handler(
        at(route.path, method, {}, "http://rebind.evil.example/-/reload"),
      );
      assert.equal(response.status, 421, `${method} ${route.path}`);
      await response.body?.cancel();
    }
  }
  assert.equal(service.lastResult(), null, "nothing ran");
});
