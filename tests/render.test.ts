import { test } from "node:test";
import assert from "node:assert/strict";
import { MAX_HOOK_ERROR, renderError, truncate } from "../src/render.ts";
import { nastyValues } from "./_nasty.ts";

for (const [name, make] of Object.entries(nastyValues)) {
  test(`renderError() renders ${name} as a bounded string without throwing`, () => {
    const text = renderError(make());
    assert.equal(typeof text, "string");
    assert.ok(text.length > 0);
    assert.ok(text.length <= MAX_HOOK_ERROR, `${text.length} code units`);
  });
}

test("renderError() shows the message, inner errors and what was thrown", () => {
  assert.equal(renderError(new Error("boom")), "boom");
  assert.equal(renderError(new TypeError("")), "TypeError");
  assert.equal(
    renderError(new AggregateError([new Error("a"), "b"], "two")),
    "two: a; b",
  );
  assert.equal(
    renderError(nastyValues["an AggregateError that contains itself"]()),
    "outer: (cycle); inner",
  );
  assert.equal(renderError("plain"), "plain");
  assert.equal(renderError(""), "empty string thrown");
  assert.equal(renderError(7), "number 7 thrown");
  assert.equal(renderError(undefined), "undefined thrown");
  assert.equal(renderError(Symbol("s")), "symbol thrown");
  assert.equal(
    renderError({ code: 7 }),
    "non-Error value thrown ([object Object])",
  );
  assert.equal(
    renderError(nastyValues["an Error whose message is a number"]()),
    "Error",
  );
  assert.equal(renderError(nastyValues["a Proxy of an Error"]()), "proxied");
  assert.match(
    renderError(nastyValues["an AggregateError of 100,000 errors"]()),
    /^wide: inner 0; inner 1; inner 2; inner 3; inner 4; and 99995 more$/,
  );
});

test("renderError() cuts a long message to the limit, ending with …", () => {
  const text = renderError(new Error("y".repeat(5000)));
  assert.equal(text.length, MAX_HOOK_ERROR);
  assert.ok(text.endsWith("y…"));
  assert.equal(renderError(new Error("z".repeat(5000)), 100).length, 100);
});

test("truncate() never cuts a surrogate pair in two", () => {
  const text = "a" + "😀".repeat(10);
  for (let max = 1; max < text.length; max++) {
    const cut = truncate(text, max);
    assert.ok(cut.length <= max);
    assert.ok(cut.endsWith("…"));
    // No lone high surrogate before the ellipsis.
    assert.doesNotMatch(cut, /[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
  }
  assert.equal(truncate("short", 10), "short");
});
