// The format seam: YAML, JSON and TOML load to the same plain data, with
// the same guarantees: line and column on errors, no value in a message,
// duplicate keys refused, `__proto__` an own key, bounded nesting.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type ConfigSchema,
  Coordinator,
  loadConfig,
  LoadError,
  type LoadOptions,
} from "hup-reload";
import { envOf } from "./_helpers.ts";

const SECRET = "s3cr3t-Zq7-value";
const env = envOf({ PORT: "8080", PASSWORD: SECRET });

/**
 * The same config in each format (in JSON and TOML a reference is a
 * string, so the port is written as a number there).
 */
const SAME = {
  yaml:
    'server:\n  port: ${PORT}\n  hosts: [a, "b"]\n  tls: true\nname: "api"\n',
  json:
    '{\n  "server": {\n    "port": 8080,\n    "hosts": ["a", "b"],\n    "tls": true\n  },\n  "name": "api"\n}\n',
  toml:
    'name = "api"\n\n[server]\nport = 8080\nhosts = ["a", "b"]\ntls = true\n',
};

async function file(name: string, text: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "hup-formats-"));
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

async function failure(
  name: string,
  text: string,
  options: LoadOptions<unknown> = {},
): Promise<LoadError> {
  const path = await file(name, text);
  return await loadConfig(path, { env, ...options } as never).then(
    () => assert.fail(`expected ${name} to fail to load`),
    (error: unknown) => {
      assert.ok(error instanceof LoadError, String(error));
      // Without the file's path: a temp directory's random name may hold
      // the same letters.
      const shown = error.message.replaceAll(path, "<path>");
      assert.ok(!shown.includes(SECRET), shown);
      assert.ok(!shown.includes("Zq7"), shown);
      return error;
    },
  );
}

describe("config formats", () => {
  test("loadConfig() reads YAML, JSON and TOML by the file's ending, to the same data", async () => {
    const expected = {
      server: { port: 8080, hosts: ["a", "b"], tls: true },
      name: "api",
    };
    for (const [format, text] of Object.entries(SAME)) {
      const config = await loadConfig(await file(`c.${format}`, text), { env });
      assert.deepEqual(
        JSON.parse(JSON.stringify(config)),
        expected,
        format,
      );
      assert.ok(Object.isFrozen(config.server), `${format}: frozen`);
    }
  });

  test("loadConfig() takes the format option over the file's ending, and refuses an unknown one", async () => {
    const config = await loadConfig(await file("config.conf", SAME.toml), {
      env,
      format: "toml",
    });
    assert.equal(config.name, "api");
    await assert.rejects(
      loadConfig(await file("c.yaml", SAME.yaml), {
        format: "ini" as "yaml",
      }),
      {
        name: "TypeError",
        message: /options\.format must be one of yaml, json, toml/,
      },
    );
  });

  test("a syntax error names the line and column, never the text", async () => {
    const cases: [string, string, RegExp][] = [
      [
        "c.json",
        `{\n  "a": 1,\n  "password": "${SECRET}" oops\n}\n`,
        /not valid JSON: .*c\.json line 3, column 34: unexpected character/,
      ],
      [
        "c.json",
        '{\n  "password": "${PASSWORD}",\n  "b": tru\n}\n',
        /not valid JSON: .*line 3, column 8: unexpected character/,
      ],
      [
        "c.toml",
        `a = 1\npassword = "${SECRET}" oops\n`,
        /not valid TOML: .*c\.toml line 2, column \d+: each key-value declaration must be followed by an end-of-line/,
      ],
      [
        "c.toml",
        'password = "${PASSWORD}"\nb = tru\n',
        /not valid TOML: .*line 2, column \d+: invalid value/,
      ],
    ];
    for (const [name, text, expected] of cases) {
      assert.match((await failure(name, text)).message, expected);
    }
  });

  test("a duplicate key is refused in every format", async () => {
    assert.match(
      (await failure("c.json", '{"a": 1,\n "a": 2}')).message,
      /line 2, column 2: duplicated mapping key/,
    );
    assert.match(
      (await failure("c.toml", "a = 1\na = 2\n")).message,
      /line 2, column 1: trying to redefine an already defined table or value/,
    );
    assert.match(
      (await failure("c.yaml", "a: 1\na: 2\n")).message,
      /line 2, column 1: duplicated mapping key/,
    );
  });

  test("a __proto__ key is an own key, and nothing is polluted", async () => {
    const texts: [string, string][] = [
      ["c.json", '{"__proto__": {"polluted": true}, "a": {"__proto__": 1}}'],
      ["c.toml", '[__proto__]\npolluted = true\n[a]\n"__proto__" = 1\n'],
      ["c.yaml", '__proto__: {polluted: true}\na: {"__proto__": 1}\n'],
    ];
    for (const [name, text] of texts) {
      const config = await loadConfig(await file(name, text));
      assert.ok(Object.hasOwn(config, "__proto__"), name);
      assert.deepEqual(Object.keys(config), ["__proto__", "a"], name);
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
      assert.equal(Object.getPrototypeOf(config), Object.prototype, name);
      assert.equal(Object.getPrototypeOf(config.a), Object.prototype, name);
      assert.equal(
        Object.getPrototypeOf(config.__proto__),
        Object.prototype,
        name,
      );
    }
  });

  test("every format gives plain objects on both paths, so an unchanged table is never reported changed", async () => {
    // Tables at every level, in arrays of tables and inline, a __proto__
    // key; parsed on the event loop and in the worker.
    const texts: [string, string][] = [
      [
        "c.toml",
        'top = 1\n"__proto__" = { x = 1 }\n[server]\nport = 8080\ntls = { on = true }\n[[routes]]\npath = "/a"\n[[routes]]\npath = "/b"\n',
      ],
      [
        "c.json",
        '{"top": 1, "__proto__": {"x": 1}, "server": {"port": 8080, "tls": {"on": true}}, "routes": [{"path": "/a"}, {"path": "/b"}]}',
      ],
      [
        "c.yaml",
        'top: 1\n"__proto__": {x: 1}\nserver: {port: 8080, tls: {on: true}}\nroutes: [{path: /a}, {path: /b}]\n',
      ],
    ];
    const mappings = (value: unknown, out: object[] = []): object[] => {
      if (value !== null && typeof value === "object") {
        if (!Array.isArray(value)) out.push(value);
        for (const key of Object.keys(value)) {
          mappings((value as Record<string, unknown>)[key], out);
        }
      }
      return out;
    };
    const loaded: Record<string, unknown>[] = [];
    for (const [name, text] of texts) {
      const path = await file(name, text);
      const [onLoop, inWorker] = await Promise.all(
        [Infinity, 0].map((workerThreshold) =>
          loadConfig(path, { workerThreshold })
        ),
      );
      for (const [where, config] of [["loop", onLoop], ["worker", inWorker]]) {
        const all = mappings(config);
        assert.equal(all.length, 6, `${name} ${where}`);
        for (const mapping of all) {
          assert.equal(
            Object.getPrototypeOf(mapping),
            Object.prototype,
            `${name} ${where}`,
          );
        }
        assert.ok(Object.hasOwn(config as object, "__proto__"));
      }
      // deepStrictEqual compares prototypes too.
      assert.deepStrictEqual(inWorker, onLoop, name);
      loaded.push(onLoop);
    }
    assert.deepStrictEqual(loaded[0], loaded[1]);
    assert.deepStrictEqual(loaded[1], loaded[2]);

    // A reload of the same TOML table through the other path: nothing
    // changed, nothing to restart for.
    const dir = await mkdtemp(join(tmpdir(), "hup-formats-"));
    const path = join(dir, "c.toml");
    const small = '[server]\nport = 8080\nname = "api"\n';
    await writeFile(path, small);
    const coordinator = await Coordinator.create({
      configPath: path,
      nonReloadable: ["server"],
      workerThreshold: 64,
    });
    // Past the threshold now, the same table parsed in the worker.
    await writeFile(path, `${small}${"# padding\n".repeat(20)}`);
    const result = await coordinator.reload();
    assert.equal(result.status, "full_success");
    assert.deepEqual(result.requires_restart ?? [], []);
    assert.deepEqual(result.changed ?? [], []);
    await coordinator.shutdown();
  });

  test("a top level that is not a mapping, or nothing, is refused", async () => {
    assert.match(
      (await failure("c.json", "[1, 2]")).message,
      /the top level is a sequence, not a mapping/,
    );
    assert.match(
      (await failure("c.json", '"just a string"')).message,
      /the top level is a string, not a mapping/,
    );
    assert.match(
      (await failure("c.json", " \n")).message,
      /the file has no JSON value \(it is empty\)/,
    );
    assert.match(
      (await failure("c.toml", "# only a comment\n")).message,
      /the file has no TOML content/,
    );
  });

  test("nesting is bounded in every format, brackets or dotted keys", async () => {
    const deep = 100_000;
    const cases: [string, string, RegExp][] = [
      ["c.json", `{"a": ${"[".repeat(deep)}`, /nests deeper than 100 levels/],
      ["c.toml", `a = ${"[".repeat(deep)}`, /nest too deeply/],
      [
        "c.toml",
        `x = 1\na.${"b.".repeat(10_000)}c = 1\n`,
        /nests deeper than 100 levels: \S+ line 2, column 1$/,
      ],
      [
        "c.toml",
        `x = 1\n[${"b.".repeat(10_000)}c]\nd = 1\n`,
        /nests deeper than 100 levels: \S+ line 2, column 1$/,
      ],
      [
        "c.toml",
        `x = 1\n[[${"b.".repeat(10_000)}c]]\nd = 1\n`,
        /nests deeper than 100 levels: \S+ line 2, column 1$/,
      ],
      // Each header one level deeper: the first one past the limit.
      [
        "c.toml",
        `x = 1\n${
          Array.from({ length: 12 }, (_, i) => `[${"b.".repeat(i * 10)}c]\n`)
            .join("")
        }`,
        /nests deeper than 100 levels: \S+ line 12, column 1$/,
      ],
      // Dotted keys, then brackets: neither alone is too deep.
      [
        "c.toml",
        `x = 1\n[a]\n${"b.".repeat(60)}c = ${"[".repeat(60)}${
          "]".repeat(60)
        }\n`,
        /nests deeper than 100 levels: \S+ line 3, column 1$/,
      ],
    ];
    for (const [name, text, expected] of cases) {
      assert.match((await failure(name, text)).message, expected, name);
    }
  });

  test("a TOML key of too many dotted parts is refused at the key, inside an inline table too", async () => {
    assert.match(
      (await failure("c.toml", `x = 1\na = { ${"b.".repeat(200)}c = 1 }\n`))
        .message,
      /nests deeper than 100 levels: \S+ line 2, column 7$/,
    );
    assert.match(
      (await failure(
        "c.toml",
        `x = 1\na = [{ "q".${"b .".repeat(200)}c = 1 }]\n`,
      ))
        .message,
      /nests deeper than 100 levels: \S+ line 2, column 8$/,
    );
  });

  test("loadConfig() counts no TOML key part or node in strings and comments", async () => {
    const dots = "a.".repeat(300);
    const commas = "x = 1, ".repeat(30);
    const text = [
      `basic = "${dots}\\" ${dots}\\\\"`,
      `literal = '${dots}\\'`,
      `multi = """${dots}\\""" ${dots}\n${commas}\n[[x]]\n""""`,
      `multiliteral = '''${dots}\n${commas}\n[[x]]\n'''''`,
      `# ${dots} ${commas}`,
      `"${dots}" = '${commas}'`,
      `n = [1.5, 2023-01-01T07:32:00.999Z, "${commas}", { a = 1, b = 2, c = 3 }]`,
      "[t]",
      `'${dots}' = 1`,
    ].join("\n") + "\n";
    const config = await loadConfig(await file("c.toml", text), {
      maxDepth: 5,
      maxNodes: 20,
    });
    assert.equal(config.basic, `${dots}" ${dots}\\`);
    assert.equal((config.n as unknown[]).length, 4);
    // A document of exactly maxNodes nodes (the top level, and each value
    // and table) loads; one more is refused.
    const shapes = [
      (n: number) => `a = [${"1, ".repeat(n - 3)}1]\n`,
      (n: number) =>
        Array.from({ length: n - 1 }, (_, i) => `k${i} = ${i}\n`).join(""),
      (n: number) => "[[t]]\n".repeat(n - 2),
      (n: number) => `a = [${"{}, ".repeat(n - 3)}{}]\n`,
    ];
    for (const shape of shapes) {
      await loadConfig(await file("c.toml", shape(20)), { maxNodes: 20 });
      assert.match(
        (await failure("c.toml", shape(21), { maxNodes: 20 })).message,
        /the document has more than 20 nodes: \S+$/,
      );
    }
  });

  test("loadConfig() refuses a TOML key of too many parts, or too many nodes, before parsing the file", async () => {
    // Were the file parsed first, the syntax error on line 2 would be
    // found first: smol-toml builds a table for each part of a key, and
    // every node, before the walk could count them.
    assert.match(
      (await failure("c.toml", `${"a.".repeat(200)}b = 1\nx = [\n`)).message,
      /nests deeper than 100 levels: \S+ line 1, column 1$/,
    );
    assert.match(
      (await failure("c.toml", `${"[[t]]\n".repeat(21)}x = [\n`, {
        maxNodes: 20,
      })).message,
      /the document has more than 20 nodes: \S+$/,
    );
  });

  test("TOML dates and times become ISO 8601 strings; impossible dates and huge integers are refused", async () => {
    const config = await loadConfig(
      await file(
        "c.toml",
        "at = 1979-05-27T07:32:00-07:00\nday = 1979-05-27\nlocal = 1979-05-27T07:32:00\ntime = 07:32:00\n",
      ),
    );
    assert.deepEqual({ ...config }, {
      at: "1979-05-27T07:32:00.000-07:00",
      day: "1979-05-27",
      local: "1979-05-27T07:32:00.000",
      time: "07:32:00.000",
    });
    assert.match(
      (await failure("c.toml", "a = 1\nday = 2023-02-30\n")).message,
      /line 2, column 7: invalid date/,
    );
    // Refused where it is a date value, in an array or inline table too.
    assert.match(
      (await failure("c.toml", "a = 1\nb = { c = [2023-01-01, 2023-06-31] }\n"))
        .message,
      /line 2, column 24: invalid date/,
    );
    assert.match(
      (await failure("c.toml", "a = 1\nb = 2023-02-29T23:30:00-05:00\n"))
        .message,
      /line 2, column 5: invalid date/,
    );
    assert.match(
      (await failure("c.toml", "n = 9007199254740993\n")).message,
      /line 1, column \d+: an integer is beyond 2\^53/,
    );
  });

  test("a TOML float too large for a double is refused at its start; inf, and such text in strings, comments and keys, load", async () => {
    const cases: [string, RegExp][] = [
      ["a = 1\nf = 1e400\n", /line 2, column 5: a number is too large/],
      ["a = 1\nf = -1_0.5e4_00\n", /line 2, column 5: a number is too large/],
      ["a = [1, 2.5e999]\n", /line 1, column 9: a number is too large/],
      [
        'a = { s = "1e400" }\nb = { f = 1e400 } # 1e400\n',
        /line 2, column 11: a number is too large/,
      ],
      ['s = "1e999"\nf = 1' + "0".repeat(400) + ".5\n", /line 2, column 5:/],
    ];
    for (const [text, expected] of cases) {
      const error = await failure("c.toml", text);
      assert.match(error.message, expected, text.slice(0, 40));
      assert.match(error.message, /write inf for infinity/);
    }
    const config = await loadConfig(
      await file(
        "c.toml",
        'a = inf\nb = -inf\ns = "1e400"\n# 1e999\n1e400 = 2\nc = 1e300\n',
      ),
    );
    assert.deepEqual({ ...config }, {
      a: Infinity,
      b: -Infinity,
      s: "1e400",
      "1e400": 2,
      c: 1e300,
    });
  });

  test("loadConfig() refuses the first of an impossible TOML date and a float too large, in the order of the file", async () => {
    assert.match(
      (await failure("c.toml", "f = 1e400\nday = 2023-02-30\n")).message,
      /line 1, column 5: a number is too large/,
    );
    assert.match(
      (await failure("c.toml", "day = 2023-02-30\nf = 1e400\n")).message,
      /line 1, column 7: invalid date/,
    );
  });

  test("loadConfig() takes an impossible date in a TOML string, comment or key for text, beside the date it would roll to", async () => {
    const text = "# renewed 2023-02-30\n" +
      'note = "2023-02-30"\n' +
      "2023-02-30 = 'a bare key'\n" +
      "day = 2023-03-02\n" +
      "at = 2023-03-02T10:00:00Z\n";
    const config = await loadConfig(await file("c.toml", text));
    assert.deepEqual({ ...config }, {
      note: "2023-02-30",
      "2023-02-30": "a bare key",
      day: "2023-03-02",
      at: "2023-03-02T10:00:00.000Z",
    });
  });

  test("schema issues are placed at their key or item, however deep, in JSON and TOML", async () => {
    const issueAt = (
      ...paths: (string | number)[][]
    ): ConfigSchema<unknown> => ({
      "~standard": {
        version: 1,
        vendor: "test",
        validate: () => ({
          issues: paths.map((path) => ({ message: "Wrong", path })),
        }),
      },
    });
    const schema = issueAt(
      [],
      ["a", 0],
      ["a", 1, "b", 1, "c"],
      ["skip", 1, "c"],
      ["d", "e"],
      ["missing", "x"],
    );
    const json = [
      "{",
      '  "a": [',
      "    1,",
      '    {"b": [true, {"c": "x"}]}',
      "  ],",
      '  "skip": [[1, 2], {"c": 1}],',
      '  "d": {"e": 1}',
      "}",
    ].join("\n");
    assert.deepEqual(
      (await failure("c.json", json, { schema })).message.split("\n").slice(1)
        .map((line) => line.replace(/^\s*\S+ /, "")),
      [
        "line 1, column 1: Wrong",
        "line 3, column 5 field a.0: Wrong",
        "line 4, column 19 field a.1.b.1.c: Wrong",
        "line 6, column 21 field skip.1.c: Wrong",
        "line 7, column 9 field d.e: Wrong",
        "field missing.x: Wrong",
      ],
    );
    const toml = [
      "[[a]]",
      "x = 1",
      "[[a]]",
      'b = [true, { c = "x" }]',
      "[d]",
      "e = 1",
      'f."g.h" = 2',
      '"\\u0069" = 3',
    ].join("\n");
    assert.deepEqual(
      (await failure("c.toml", toml, {
        schema: issueAt(["a", 0], ["a", 1, "b", 1, "c"], ["d", "f", "g.h"], [
          "d",
          "i",
        ]),
      })).message.split("\n").slice(1)
        .map((line) => line.replace(/^\s*\S+ /, "")),
      [
        // An item of an array of tables is placed at its header, a key in
        // an inline table at the nearest key line that holds it.
        "line 1, column 1 field a.0: Wrong",
        "line 4, column 1 field a.1.b.1.c: Wrong",
        "line 7, column 1 field d.f.g.h: Wrong",
        // A key spelled with an escape is not written in the file as it
        // is: the field names its parent, placed at the key.
        "line 8, column 1 field d: Wrong",
      ],
    );
  });

  test("a TOML schema issue is placed past a multi-line string whose lines look like keys with escapes", async () => {
    const schema: ConfigSchema<unknown> = {
      "~standard": {
        version: 1,
        vendor: "test",
        validate: () => ({ issues: [{ message: "Wrong", path: ["t", "x"] }] }),
      },
    };
    // In a literal string a backslash is text: `"\\q"` is no key.
    const text = "s = '''\n\"\\q\" = 1\n'''\n[t]\nx = 1\n";
    assert.match(
      (await failure("c.toml", text, { schema })).message,
      /line 5, column 1 field t\.x: Wrong/,
    );
  });

  test("schema issues name the field and its line in JSON and TOML too", async () => {
    const schema: ConfigSchema<{ server: { port: number } }> = {
      "~standard": {
        version: 1,
        vendor: "test",
        validate: (value) => {
          const port = (value as { server?: { port?: unknown } }).server?.port;
          return typeof port === "number"
            ? { value: value as { server: { port: number } } }
            : {
              issues: [{
                message: `Expected number, received "${String(port)}"`,
                path: ["server", "port"],
              }],
            };
        },
      },
    };
    const cases: [string, string, RegExp][] = [
      [
        "c.json",
        '{\n  "name": "x",\n  "server": {\n    "port": "${PASSWORD}"\n  }\n}\n',
        /line 4, column 5 field server\.port: Expected number, received …/,
      ],
      [
        "c.toml",
        'name = "x"\n\n[server]\nport = "${PASSWORD}"\n',
        /line 4, column 1 field server\.port: Expected number, received …/,
      ],
    ];
    for (const [name, text, expected] of cases) {
      const error = await failure(name, text, { schema });
      assert.match(error.message, expected);
      // And the same through a reload.
      const path = await file(name, text.replace('"${PASSWORD}"', "1"));
      const coordinator = await Coordinator.create({
        configPath: path,
        schema,
        env,
      });
      await writeFile(path, text);
      const result = await coordinator.reload();
      assert.equal(result.status, "load_failed");
      assert.doesNotMatch(JSON.stringify(result), /Zq7/);
    }
  });
});

test("a key from the environment spelled with an escape is never shown decoded", async () => {
  const schema: ConfigSchema<unknown> = {
    "~standard": {
      version: 1,
      vendor: "test",
      validate: (value) => ({
        issues: [{
          message: "Invalid option",
          path: [
            "tokens",
            ...Object.keys((value as { tokens: object }).tokens),
          ],
        }],
      }),
    },
  };
  const texts: [string, string][] = [
    ["c.json", '{"tokens": {"${S}": "superuser"}}\n'],
    ["c.yaml", 'tokens:\n  "${S}": superuser\n'],
  ];
  for (const [name, text] of texts) {
    const path = await file(name, text);
    const error = await loadConfig(path, {
      schema,
      env: envOf({
        S: name.endsWith("json") ? "Zq7\\u004dark7" : "Zq7\\x4dark7",
      }),
    }).then(() => assert.fail("expected a LoadError"), (e: Error) => e);
    assert.match(error.message, /field tokens: Invalid option/, name);
    // Without the file's path: a temp directory's random name may hold
    // the same letters.
    const shown = error.message.replaceAll(path, "<path>");
    assert.ok(!shown.includes("Zq7"), shown);
  }
});

test("JSON numbers a double cannot hold are refused, as in TOML", async () => {
  assert.match(
    (await failure("c.json", '{"a": 1,\n "n": 9007199254740993}')).message,
    /line 2, column 7: an integer is beyond 2\^53/,
  );
  assert.match(
    (await failure("c.json", '{"f": 1e400}')).message,
    /line 1, column 7: a number is too large/,
  );
  // Within range, and decimals (which are never exact), load.
  const config = await loadConfig(
    await file("c.json", '{"n": 9007199254740991, "f": 0.1, "e": 1e300}'),
  );
  assert.deepEqual({ ...config }, { n: 9007199254740991, f: 0.1, e: 1e300 });
});

test("a YAML document past maxNodes is refused before it is built, at the node past the bound", async () => {
  const error = await failure(
    "c.yaml",
    "a: [1, 2, 3]\nb: {c: 4, d: 5}\n",
    { maxNodes: 5 },
  );
  assert.match(
    error.message,
    // The root, "a", the sequence, 1 and 2 are five: 3 is past them.
    /the document has more than 5 nodes: .* line 1, column 11$/,
  );
});
