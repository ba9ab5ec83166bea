// The helpers that every place naming a hook or trigger, or a host, goes
// through: cutName() (the one way names are cut), escapeControls() (what
// logs and the command line show of them), and the loopback rule that the
// command line and the reload handler share.
import { test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import fc from "fast-check";
import { hostName, isLoopbackHost } from "../src/http_common.ts";
import { cutName, escapeControls, logName, MAX_NAME } from "../src/render.ts";

const RUNS = Number(process.env.HUP_FUZZ_RUNS ?? 1000);
const LONE_SURROGATE =
  /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

test("cutName() keeps at most 64 code units, a prefix, and never splits a surrogate pair", () => {
  assert.equal(MAX_NAME, 64);
  assert.equal(cutName("a".repeat(63) + "😀"), "a".repeat(63));
  assert.equal(cutName("a".repeat(62) + "😀"), "a".repeat(62) + "😀");
  assert.equal(cutName("a".repeat(62) + "😀b"), "a".repeat(62) + "😀");
  assert.equal(cutName("😀".repeat(33)), "😀".repeat(32));
  assert.equal(cutName("short"), "short");
  assert.equal(cutName(""), "");
  fc.assert(
    fc.property(
      fc.array(
        fc.oneof(
          fc.constantFrom("a", "é", "😀", "👩‍👩‍👧", "\u{10FFFF}", "\n"),
          fc.string({ unit: "grapheme", maxLength: 4 }),
        ),
        { maxLength: 60 },
      ).map((parts) => parts.join("")),
      (name) => {
        const cut = cutName(name);
        assert.ok(name.startsWith(cut));
        assert.ok(cut.length <= 64);
        // Only what would split a pair is dropped: one code unit at most.
        assert.ok(cut.length >= Math.min(name.length, 63));
        if (!LONE_SURROGATE.test(name)) {
          assert.ok(!LONE_SURROGATE.test(cut), JSON.stringify(cut));
        }
      },
    ),
    { numRuns: RUNS },
  );
});

test("escapeControls() and logName() leave no character that ends or rewrites a line", () => {
  assert.equal(logName("db\nforged"), "db\\u{a}forged");
  assert.equal(logName("a\r\nb"), "a\\u{d}\\u{a}b");
  assert.equal(
    logName("x\u0085\u2028\u2029\u202e\u001b[2J"),
    "x\\u{85}\\u{2028}\\u{2029}\\u{202e}\\u{1b}[2J",
  );
  assert.equal(escapeControls("a\tb\nc", true), "a\tb\nc");
  assert.equal(logName("plain name: ok"), "plain name: ok");
  // C0, DEL, C1, line and paragraph separators, bidi overrides.
  const unsafe =
    // deno-lint-ignore no-control-regex
    /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
  fc.assert(
    fc.property(fc.string({ unit: "binary", maxLength: 200 }), (name) => {
      const shown = logName(name);
      assert.ok(!unsafe.test(shown), JSON.stringify(shown));
      if (!unsafe.test(name) && !name.includes("\\")) {
        assert.equal(shown, name, "a plain name is logged as it is");
      }
    }),
    { numRuns: RUNS },
  );
});

test("isLoopbackHost() takes localhost, 127.0.0.0/8 and ::1 in every spelling a URL allows, and nothing else", () => {
  const loopback = [
    "localhost",
    "LocalHost",
    "localhost.",
    "localhost:9090",
    "127.0.0.1",
    "127.255.255.254:1",
    "127.1",
    "0x7f.1",
    "2130706433",
    "[::1]",
    "[::1]:9090",
    "[0:0:0:0:0:0:0:1]",
    "[::ffff:127.0.0.1]",
  ];
  const not = [
    "app.localhost",
    "localhost.evil.example",
    "localhost.localdomain",
    "127.0.0.1.nip.io",
    "128.0.0.1",
    "10.0.0.1",
    "0.0.0.0",
    "[::]",
    "[::2]",
    "[fe80::1]",
    "[::ffff:10.0.0.1]",
    "evil.example",
  ];
  for (const host of loopback) {
    const name = hostName(host);
    assert.ok(name !== undefined && isLoopbackHost(name), host);
  }
  for (const host of not) {
    const name = hostName(host);
    assert.ok(name === undefined || !isLoopbackHost(name), host);
  }
  for (
    const bad of [
      "",
      "a b",
      "user@localhost",
      "localhost/x",
      "[::1",
      "a:99999",
      "a\nb",
    ]
  ) {
    assert.equal(hostName(bad), undefined, bad);
  }
});
