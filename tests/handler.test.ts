import { test } from "node:test";
import assert from "node:assert/strict";
import { AtomicConfig, Coordinator, statusHandler } from "hup-reload";

function coordinator(fail = false) {
  return new Coordinator<{ a: number }>({
    configPath: "/etc/app/config.yaml",
    config: new AtomicConfig({ a: 1 }),
    load: () => {
      if (fail) {
        throw new Error(
          "Cannot load config as the file does not exist: /etc/app/config.yaml",
        );
      }
      return { a: 2 };
    },
    hooks: [],
  });
}

test("statusHandler() answers GET with an empty state before the first pass", async () => {
  const response = await statusHandler(coordinator())(
    new Request("http://localhost/-/reload"),
  );
  assert.equal(response.status, 200);
  assert.match(
    response.headers.get("content-type") ?? "",
    /^application\/json/,
  );
  assert.equal(response.headers.get("cache-control"), "no-store");
  assert.deepEqual(await response.json(), { generation: 0, last_result: null });
});

test("statusHandler() answers GET with the last result and the generation", async () => {
  const c = coordinator();
  const result = await c.reload();
  const body = await statusHandler(c)(new Request("http://localhost/-/reload"))
    .json();
  assert.deepEqual(body, { generation: 1, last_result: result });
});

test("statusHandler() shows a load error as rendered, with nothing else", async () => {
  const c = coordinator(true);
  await c.reload();
  const body = await statusHandler(c)(new Request("http://localhost/")).json();
  assert.equal(body.last_result.status, "load_failed");
  assert.equal(
    body.last_result.load_error,
    "Cannot load config as the file does not exist: /etc/app/config.yaml",
  );
});

test("statusHandler() answers HEAD without a body and other methods with 405 and Allow", async () => {
  const handler = statusHandler(coordinator());
  const head = await handler(
    new Request("http://localhost/", { method: "HEAD" }),
  );
  assert.equal(head.status, 200);
  assert.equal(head.body, null);
  const post = await handler(
    new Request("http://localhost/", { method: "POST" }),
  );
  assert.equal(post.status, 405);
  assert.equal(post.headers.get("allow"), "GET, HEAD");
});
