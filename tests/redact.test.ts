import { test } from "node:test";
import assert from "node:assert/strict";
import { keyShower, Redactor, stringsIn } from "../src/redact.ts";

test("Redactor.scrub() removes a value as is and in every escaped form a message may quote", () => {
  const value = 'Pa"s\\s\nwörd';
  const redactor = new Redactor([value], 4);
  for (
    const form of [
      value,
      JSON.stringify(value).slice(1, -1),
      'Pa\\"s\\\\s\\nw\\u00f6rd',
      'Pa"s\\\\s\nwörd'.replace(/'/g, "\\'"),
    ]
  ) {
    assert.equal(redactor.scrub(`before ${form} after`, 100), "before … after");
  }
});

test("Redactor.scrub() removes the longest value first, and short ones not at all", () => {
  const redactor = new Redactor(["abcd", "abcdefgh", "xy"], 4);
  assert.equal(redactor.scrub("abcdefgh abcd xy", 100), "… … xy");
});

test("Redactor.scrub() bounds its result and never leaves half a value at the cut", () => {
  const value = "S".repeat(200);
  const redactor = new Redactor([value], 8);
  for (const at of [0, 500, 990, 1023, 1024, 1100]) {
    const text = "a".repeat(at) + value + "b".repeat(5_000_000);
    const out = redactor.scrub(text, 1024);
    assert.ok(out.length <= 1024, `${at}: ${out.length}`);
    assert.doesNotMatch(out, /S/, `${at}`);
    assert.ok(out.endsWith("…"));
  }
  assert.equal(redactor.scrub("short", 1024), "short");
});

test("Redactor.redactMessage() removes quoted values of any length, starts of long ones and received tails", () => {
  const redactor = new Redactor(["80", "a-very-long-secret-value"], 4);
  assert.equal(
    redactor.redactMessage('the value "80" is not a number', 300),
    'the value "…" is not a number',
  );
  assert.equal(
    redactor.redactMessage('the value "a-very-long-se" is cut', 300),
    'the value "…" is cut',
  );
  assert.equal(
    redactor.redactMessage('expected one of "quiet"|"loud"', 300),
    'expected one of "quiet"|"loud"',
  );
  assert.equal(
    redactor.redactMessage("must be positive, received -5", 300),
    "must be positive, received …",
  );
  assert.equal(
    redactor.redactMessage("expected number, received string", 300),
    "expected number, received string",
  );
});

test("stringsIn() collects every string (and number) once, ignoring keys", () => {
  const shared = { s: "shared-string" };
  const found = stringsIn(
    { a: "short", b: [shared, shared, 12345], "key-not-value": true },
    6,
    true,
  );
  assert.deepEqual(found.sort(), ["shared-string"]);
  assert.deepEqual(stringsIn({ n: 1234567 }, 4, true), ["1234567"]);
  assert.deepEqual(stringsIn({ n: 1234567 }, 4, false), []);
});

test("keyShower() shows a key only if it is a name, holds no value from the environment, and is written so in the file", () => {
  const show = keyShower(
    ["Zq7\\u004dark7", "tok-secret"],
    ['a: 1\n"b\\u0063": 2\nport: 3\n'],
  );
  assert.equal(show("a"), true);
  assert.equal(show("port"), true);
  // Spelled with an escape in the file: not written as it is.
  assert.equal(show("bc"), false);
  // A value from the environment that an escape spells differently.
  assert.equal(show("Zq7Mark7"), false);
  assert.equal(show("tok-secret"), false);
  assert.equal(show("x-tok-secret-y"), false);
  assert.equal(show("pass word"), false);
  // Without the file's text (a custom loader), names are shown.
  assert.equal(keyShower([])("anything"), true);
});
