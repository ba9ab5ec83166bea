// The history page: what it shows for a fixed history, its links and its
// refresh, the same bytes on Deno, Node.js and Bun, and, on Node.js, what a
// real headless Chromium makes of it (DOM and screenshots, kept in
// test-artifacts/).
//
// The browser is the Chromium build inside the @sparticuz/chromium dev
// dependency, driven by puppeteer-core; HUP_CHROMIUM=/path/to/chromium
// uses another one instead. Nothing else is looked up.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import {
  mkdir,
  mkdtemp,
  readFile,
  realpath,
  rename,
  rm,
  writeFile,
} from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, sep } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import type { ReloadResult } from "hup-reload";
import { nodeListener, reloadHandler } from "hup-reload/http";
import type { Browser } from "puppeteer-core";
import { renderHistoryPage } from "../src/http/html.ts";
import { countColour, readPng } from "./_png.ts";
import {
  BROWSER_ACCEPT,
  FILES,
  fixedHistory,
  historyPage,
} from "./fixtures/history_page_child.ts";

const runtimeName = "Deno" in globalThis
  ? "deno"
  : process.versions.bun !== undefined
  ? "bun"
  : "node";
const isTs = import.meta.url.endsWith(".ts");
const root = fileURLToPath(new URL(isTs ? "../" : "../../", import.meta.url));
const artifacts = join(root, "test-artifacts");
const bin = (name: string) => join(root, "node_modules/.bin", name);

const COLOURS = {
  full_success: "#1a7f37",
  validation_failed: "#cf222e",
  load_failed: "#82071e",
  partial_applied: "#b35900",
};

const sha256 = (text: string) =>
  createHash("sha256").update(text).digest("hex");
const digestOf = (text: string) => `sha256:${sha256(text)}`;

/** A fixed history in a new directory; removed by `[Symbol.asyncDispose]`. */
async function history() {
  const dir = await mkdtemp(join(tmpdir(), "hup-page-"));
  const coordinator = await fixedHistory(join(dir, "config.yaml"));
  return {
    coordinator,
    async [Symbol.asyncDispose]() {
      await coordinator.shutdown();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The `<li class="pass">` items of a page, newest first. */
const passesOf = (html: string) =>
  [...html.matchAll(/<li class="pass"[^]*?\n<\/li>/g)].map((m) => m[0]);

test("reloadHandler() history page shows every pass of a fixed history", async () => {
  await using fixed = await history();
  const html = await historyPage(fixed.coordinator);
  assert.match(html, /^<!doctype html>/);
  assert.match(html, /generation <b>3<\/b>/);
  assert.ok(html.includes(`<code>${digestOf(FILES[5])}</code></p>`), html);

  const passes = passesOf(html);
  assert.equal(passes.length, 5);
  const [fifth, fourth, third, second, first] = passes;
  // The status: a label besides the colour (the shape is checked in
  // Chromium), the generation made or kept.
  assert.match(fifth, /data-status="full_success"/);
  assert.match(fifth, /<span class="status">full success<\/span>/);
  assert.match(fifth, /<span class="gen">generation 3<\/span>/);
  assert.match(fourth, /<span class="status">partially applied<\/span>/);
  assert.match(fourth, /<span class="gen">generation 2<\/span>/);
  assert.match(third, /<span class="status">load failed<\/span>/);
  assert.match(third, /<span class="gen">kept generation 1<\/span>/);
  assert.match(second, /<span class="status">validation failed<\/span>/);
  assert.match(second, /<span class="gen">kept generation 1<\/span>/);
  assert.match(first, /<span class="gen">generation 1<\/span>/);
  // Times readable and machine-readable, and durations.
  assert.match(
    fifth,
    /<time datetime="2026-11-27T03:30:28\.000Z">2026-11-27 03:30:28 UTC<\/time>/,
  );
  assert.match(fifth, /<span class="ms">3 ms<\/span>/);
  assert.match(fourth, /<span class="ms">1\.250 s<\/span>/);
  // Who asked, with the counts when a pass answered several requests.
  assert.match(
    fifth,
    /triggered by signal \(3 requests: signal 2, http 1\)/,
  );
  assert.match(fourth, /triggered by deploy</);
  assert.match(third, /triggered by file</);
  assert.match(second, /triggered by http</);
  assert.match(first, /triggered by signal</);
  // The digest of what each pass loaded (none when the file did not load).
  assert.ok(fifth.includes(`digest <code>${digestOf(FILES[5])}</code>`));
  assert.ok(fourth.includes(`digest <code>${digestOf(FILES[4])}</code>`));
  assert.doesNotMatch(third, /digest/);
  assert.ok(second.includes(`digest <code>${digestOf(FILES[2])}</code>`));
  assert.ok(first.includes(`digest <code>${digestOf(FILES[1])}</code>`));
  // What changed, and how many more than are listed.
  assert.match(
    fifth,
    /changed: <code>db\.host<\/code>, <code>routes\.0<\/code>, /,
  );
  assert.equal(fifth.match(/<code>routes\.\d+<\/code>/g)?.length, 99);
  assert.match(fifth, /<code>routes\.98<\/code> and 21 more<\/p>/);
  assert.match(
    fourth,
    /changed: <code>listen<\/code>, <code>db\.host<\/code><\/p>/,
  );
  assert.doesNotMatch(third, /changed/);
  // Every hook's outcome, not only the failures.
  const outcomes = (pass: string) =>
    [...pass.matchAll(
      /<span class="hook">(\w+)<\/span> (\w+)(: [^<]*)?<\/li>/g,
    )]
      .map((m) => `${m[1]} ${m[2]}${m[3] ?? ""}`);
  assert.deepEqual(outcomes(fifth), [
    "cache skipped",
    "db applied",
    "routes applied",
  ]);
  assert.deepEqual(outcomes(fourth), [
    "cache skipped",
    "db failed: Cannot reconnect to the database: db.host",
    "routes skipped",
  ]);
  assert.deepEqual(outcomes(third), []);
  assert.deepEqual(outcomes(second), [
    "cache failed: Cannot resize the cache as the size is not positive: cache.size",
    "db skipped",
    "routes skipped",
  ]);
  assert.deepEqual(outcomes(first), [
    "cache applied",
    "db skipped",
    "routes skipped",
  ]);
  assert.match(third, /<li class="load">[^<]*duplicated mapping key<\/li>/);
  assert.match(fifth, /restart needed: <code>listen<\/code>/);
  assert.match(fourth, /restart needed: <code>listen<\/code>/);
});

/** The `href`s of a page's links, in order. */
const hrefs = (html: string) =>
  [...html.matchAll(/<a href="([^"]*)"/g)].map((m) =>
    m[1].replaceAll("&amp;", "&")
  );

test("renderHistoryPage() links to the JSON, the history and the metrics relative to the page, under any prefix", async () => {
  await using fixed = await history();
  const { coordinator } = fixed;
  for (
    const [prefix, at] of [
      ["/-/reload", "/-/reload"],
      ["/-/reload", "/-/reload/"],
      ["/-/reload", "/-/reload//"],
      ["/ops/tools/reload", "/ops/tools/reload"],
      ["/", "/"],
      ["/a:b", "/a:b"],
      ["/a:b", "/a:b/"],
    ]
  ) {
    const serve = reloadHandler(coordinator, { prefix });
    const page = new URL(`http://127.0.0.1:9090${at}?refresh=60`);
    const response = await serve(
      new Request(page, { headers: { accept: BROWSER_ACCEPT } }),
    );
    assert.equal(response.status, 200, at);
    const links = hrefs(await response.text());
    assert.equal(links.length, 5, `${at}: ${links}`);
    const [status, historyJson, metrics, off, ten] = links;
    const base = prefix === "/" ? "" : prefix;
    assert.equal(new URL(status, page).pathname.replace(/\/+$/, ""), base, at);
    assert.equal(new URL(historyJson, page).pathname, `${base}/history`, at);
    assert.equal(new URL(metrics, page).pathname, `${base}/metrics`, at);
    assert.equal(new URL(off, page).search, "", at);
    assert.equal(new URL(ten, page).href, `${page.origin}${at}?refresh=10`);
    // Followed, each reaches its route.
    const follow = async (href: string, accept?: string) =>
      await serve(
        new Request(new URL(href, page), {
          headers: accept === undefined ? {} : { accept },
        }),
      );
    const json = await follow(status);
    assert.equal(json.status, 200, at);
    assert.equal((await json.json()).generation, 3);
    const list = await follow(historyJson, BROWSER_ACCEPT);
    assert.equal(list.status, 200, at);
    assert.equal((await list.json()).length, 5);
    const text = await follow(metrics, BROWSER_ACCEPT);
    assert.equal(text.status, 200, at);
    assert.match(await text.text(), /^hup_reload_generation 3$/m);
    for (const href of [off, ten]) {
      const again = await follow(href, BROWSER_ACCEPT);
      assert.match(again.headers.get("content-type")!, /^text\/html/, href);
      await again.body?.cancel();
    }
  }
});

test("renderHistoryPage() shows a load error's problems one a line", () => {
  const html = renderHistoryPage({
    generation: 0,
    digest: null,
    configPath: "c.yaml",
    history: [{
      generation: 0,
      status: "load_failed",
      trigger: "signal",
      outcomes: [],
      load_error:
        "Cannot load config as environment variables cannot be expanded:\n  c.yaml line 1, column 4: A <unset>\n  c.yaml line 2, column 4: B",
      started_at: "2026-12-06T10:00:00.000Z",
      ended_at: "2026-12-06T10:00:00.002Z",
    }],
  });
  assert.match(
    html,
    /<li class="load">Cannot load config as environment variables cannot be expanded:<ul class="problems"><li>c\.yaml line 1, column 4: A &lt;unset&gt;<\/li><li>c\.yaml line 2, column 4: B<\/li><\/ul><\/li>/,
  );
});

test("renderHistoryPage() refreshes itself only for ?refresh= from 5 to 3600 seconds", () => {
  const page = (url?: string) =>
    renderHistoryPage({
      generation: 0,
      digest: null,
      history: [],
      configPath: "c.yaml",
      ...(url !== undefined && { url }),
    });
  const refresh = (html: string) =>
    html.match(/<meta http-equiv="refresh" content="(\d+)">/)?.[1];
  for (
    const [query, seconds] of [
      ["refresh=5", "5"],
      ["refresh=10", "10"],
      ["refresh=0060", "60"],
      ["refresh=3600", "3600"],
      ["refresh=30&refresh=99999", "30"],
      ["a=1&refresh=15#top", "15"],
    ]
  ) {
    const html = page(`http://h/-/reload?${query}`);
    assert.equal(refresh(html), seconds, query);
    assert.equal(html.match(/http-equiv/g)?.length, 1);
  }
  for (
    const query of [
      "refresh=4",
      "refresh=0",
      "refresh=3601",
      "refresh=99999",
      "refresh=10.5",
      "refresh=-10",
      "refresh=1e3",
      "refresh=%2010",
      "refresh=",
      "refresh",
      "refresh=ten",
      "refresh=10;url=https://evil.example",
      "refresh=10%22%3E%3Cscript%3E",
      "REFRESH=10",
      "#refresh=10",
    ]
  ) {
    const html = page(`http://h/-/reload?${query}`);
    assert.equal(refresh(html), undefined, query);
    assert.doesNotMatch(html, /http-equiv|<script/, query);
  }
  assert.doesNotMatch(page(), /http-equiv|href=/);
  // Whatever the address holds, nothing of it is left unescaped.
  const odd = page(`/x"><script>alert(1)</script>/"'<b>?refresh=10`);
  assert.doesNotMatch(odd, /<script|<b>"|"'</);
  assert.equal(refresh(odd), "10");
  // The refresh chosen is marked, and the other choices are links.
  const chosen = page("http://h/-/reload?refresh=300");
  assert.match(chosen, /<b>300 s<\/b>/);
  assert.deepEqual(hrefs(chosen).slice(3), [
    "./reload",
    "?refresh=10",
    "?refresh=60",
  ]);
});

test("renderHistoryPage() shows what a pass says whatever its shape", () => {
  const base: ReloadResult = {
    generation: 4,
    status: "full_success",
    trigger: "call",
    outcomes: [],
    started_at: "2026-01-01T00:00:00.000Z",
    ended_at: "2026-01-01T00:02:05.500Z",
  };
  const html = renderHistoryPage({
    generation: 4,
    digest: null,
    configPath: "c.yaml",
    history: [
      { ...base, changed: [] },
      {
        ...base,
        changed: ["a"],
        changed_omitted: 7,
        trigger: "<deploy>",
        triggers: { "<deploy>": 1, 'x"y': 2 },
      },
      { ...base, started_at: "yesterday", ended_at: "today" },
      {
        ...base,
        changed: Array.from({ length: 150 }, (_, i) => `p${i}`),
        changed_omitted: -3,
      },
      { ...base, trigger: undefined } as unknown as ReloadResult,
    ],
  });
  const [nothing, several, odd, many, untriggered] = passesOf(html);
  assert.match(nothing, /<p class="changed">nothing changed<\/p>/);
  assert.match(nothing, /<span class="ms">2 min 5 s<\/span>/);
  assert.match(several, /changed: <code>a<\/code> and 7 more<\/p>/);
  assert.match(
    several,
    /triggered by &lt;deploy&gt; \(3 requests: &lt;deploy&gt; 1, x&quot;y 2\)/,
  );
  assert.match(odd, /<span class="when">yesterday<\/span>/);
  assert.match(odd, /\? ms/);
  assert.doesNotMatch(odd, /<time/);
  assert.equal(many.match(/<code>p\d+<\/code>/g)?.length, 100);
  assert.match(many, /<code>p99<\/code> and 50 more<\/p>/);
  assert.doesNotMatch(untriggered, /triggered by/);
});

/** Runs a command in `cwd`; resolves with its stdout. */
function run(command: string, args: string[], cwd = root): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { cwd, maxBuffer: 16 << 20 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${command} failed: ${stderr}`));
        else resolve(stdout);
      },
    );
  });
}

/**
 * The browser to use: HUP_CHROMIUM if set, else the build inside the
 * @sparticuz/chromium package. That package inflates its archive into
 * os.tmpdir() (`chromium`, `fonts/`, the SwiftShader libraries) and reuses
 * a `chromium` it finds there without checking it; so it inflates into an
 * empty staging folder under node_modules/.cache, moved into place whole,
 * and nothing outside node_modules is used.
 */
async function browserExecutable(): Promise<
  { path: string; bundled: boolean; env: Record<string, string> }
> {
  const chosen = process.env.HUP_CHROMIUM;
  if (chosen !== undefined && chosen !== "") {
    return { path: chosen, bundled: false, env: {} };
  }
  const pkg = join(root, "node_modules/@sparticuz/chromium");
  const { version } = JSON.parse(
    await readFile(join(pkg, "package.json"), "utf8"),
  );
  const home = join(root, "node_modules/.cache/hup-reload-chromium", version);
  if (!existsSync(join(home, "chromium"))) {
    await mkdir(dirname(home), { recursive: true });
    const staging = await mkdtemp(join(dirname(home), "staging-"));
    const { default: chromium } = await import("@sparticuz/chromium");
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = staging;
    try {
      assert.equal(tmpdir(), staging);
      assert.equal(await chromium.executablePath(), join(staging, "chromium"));
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
    }
    try {
      await rename(staging, home);
    } catch (error) {
      // Another run moved its copy in first: use that one.
      await rm(staging, { recursive: true, force: true });
      if (!existsSync(join(home, "chromium"))) throw error;
    }
  }
  // The package's own fonts, so that text renders without system fonts.
  const fontsConf = join(home, "fonts.conf");
  await writeFile(
    fontsConf,
    `<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <dir>${join(home, "fonts")}</dir>
  <cachedir>${join(home, "fonts-cache")}</cachedir>
</fontconfig>
`,
  );
  return {
    path: join(home, "chromium"),
    bundled: true,
    env: { FONTCONFIG_FILE: fontsConf },
  };
}

// One browser run is enough once the page is proven to be the same bytes
// on every runtime.
if (runtimeName === "node") {
  test(
    "reloadHandler() history page is the same bytes on Deno, Node.js and Bun",
    { timeout: 60_000 },
    async () => {
      // Each runtime loads config.yaml in a directory of its own, so the
      // runs can go side by side; the page names the file by its absolute
      // path, which is compared as <dir>.
      const fixture = (ext: string) =>
        join(
          root,
          `${isTs ? "" : "build/"}tests/fixtures/history_page_child.${ext}`,
        );
      const dirs = await Promise.all(
        [0, 1, 2].map(() => mkdtemp(join(tmpdir(), "hup-page-"))),
      );
      try {
        const pages = await Promise.all([
          run(bin("deno"), [
            "run",
            "--quiet",
            "--no-prompt",
            `--config=${join(root, "deno.json")}`,
            "--allow-read=.",
            "--allow-write=.",
            join(root, "tests/fixtures/history_page_child.ts"),
            "--print",
          ], dirs[0]),
          run(process.execPath, [fixture("js"), "--print"], dirs[1]),
          run(bin("bun"), [
            join(root, "tests/fixtures/history_page_child.ts"),
            "--print",
          ], dirs[2]),
        ]);
        const [deno, node, bun] = pages.map((html, i) =>
          html.replaceAll(`${dirs[i]}/`, "<dir>/")
        );
        await mkdir(artifacts, { recursive: true });
        for (
          const [name, html] of [["deno", deno], ["node", node], ["bun", bun]]
        ) {
          await writeFile(join(artifacts, `history-page.${name}.html`), html);
        }
        assert.equal(passesOf(node).length, 5);
        assert.match(node, /<p class="meta"><dir>\/config\.yaml · /);
        assert.equal(sha256(deno), sha256(node), "Deno and Node.js differ");
        assert.equal(sha256(bun), sha256(node), "Bun and Node.js differ");
      } finally {
        for (const dir of dirs) await rm(dir, { recursive: true, force: true });
      }
    },
  );

  test(
    "reloadHandler() history page renders in headless Chromium: statuses by colour, label and shape; links; refresh",
    { timeout: 120_000 },
    async () => {
      const browser = await browserExecutable();
      if (process.env.HUP_CHROMIUM === undefined) {
        // Without HUP_CHROMIUM, only what npm ci installed is used.
        const modules = await realpath(join(root, "node_modules"));
        assert.ok(browser.bundled);
        assert.ok(
          (await realpath(browser.path)).startsWith(modules + sep),
          `${browser.path} is not under ${modules}`,
        );
      }
      const { default: puppeteer } = await import("puppeteer-core");

      await using fixed = await history();
      const { coordinator } = fixed;
      const serve = reloadHandler(coordinator, { prefix: "/ops/reload" });
      const server = createServer(nodeListener(serve));
      const profile = await mkdtemp(join(tmpdir(), "hup-chromium-"));
      let chrome: Browser | undefined;
      try {
        await new Promise<void>((resolve) =>
          server.listen(0, "127.0.0.1", resolve)
        );
        const { port } = server.address() as AddressInfo;
        const origin = `http://127.0.0.1:${port}`;
        const url = `${origin}/ops/reload?refresh=3600`;
        const expected = await (await serve(
          new Request(url, { headers: { accept: BROWSER_ACCEPT } }),
        )).text();
        const plain = await (await reloadHandler(coordinator, {
          prefix: "/ops/reload",
        })(new Request(url, { headers: { accept: BROWSER_ACCEPT } }))).text();
        // The network here is closed: no background connections, no QUIC.
        chrome = await puppeteer.launch({
          executablePath: browser.path,
          headless: browser.bundled ? "shell" : true,
          userDataDir: profile,
          env: { ...process.env, ...browser.env },
          args: [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
          ],
        });
        const page = await chrome.newPage();
        const complaints: string[] = [];
        page.on("console", (message) => complaints.push(message.text()));
        page.on("pageerror", (error) => complaints.push(String(error)));
        await page.setViewport({ width: 1000, height: 1100 });
        // Chromium asks for text/html first, as a person's browser does.
        const response = await page.goto(url);
        assert.equal(response?.status(), 200);
        const headers = response!.headers();
        assert.match(headers["content-type"], /^text\/html/);
        assert.match(
          headers["content-security-policy"],
          /^default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'$/,
        );
        const body = await response!.text();
        assert.equal(sha256(body), sha256(expected));
        // reloadHandler() serves the same page, with the links and the
        // refresh when it gives the page its address, without otherwise.
        const addressless = body.replace(/<meta http-equiv[^\n]*\n/, "")
          .replace(/<nav>[^\n]*\n/, "");
        assert.notEqual(addressless, body);
        assert.ok(plain === body || plain === addressless, plain);

        assert.equal(
          await page.$eval("h1", (h) => h.textContent),
          "Config reloads",
        );
        assert.equal(
          await page.$eval(
            'meta[http-equiv="refresh"]',
            (m) => m.getAttribute("content"),
          ),
          "3600",
        );
        const passes = await page.$$eval(
          "li.pass",
          (items) =>
            items.map((li) => {
              const view = li.ownerDocument.defaultView!;
              const mark = view.getComputedStyle(li.querySelector(".mark")!);
              const text = (selector: string) =>
                [...li.querySelectorAll(selector)].map((e) =>
                  (e as unknown as { innerText: string }).innerText
                );
              return {
                status: li.getAttribute("data-status"),
                border: view.getComputedStyle(li).borderLeftColor,
                shape: `${mark.clipPath} / ${mark.borderTopLeftRadius}`,
                markColour: mark.backgroundColor,
                label: text(".status")[0],
                gen: text(".gen")[0],
                time: text("time")[0],
                datetime: li.querySelector("time")?.getAttribute("datetime"),
                trigger: text(".trigger")[0],
                digest: text(".digest")[0],
                changed: text(".changed")[0],
                outcomes: text(".outcome"),
                outcomeShapes: [...li.querySelectorAll(".outcome .mark")].map(
                  (m) => {
                    const s = view.getComputedStyle(m);
                    return `${s.clipPath} / ${s.borderTopLeftRadius} / ${s.backgroundColor}`;
                  },
                ),
                notes: text(".notes li"),
              };
            }),
        );
        assert.deepEqual(passes.map((p) => p.status), [
          "full_success",
          "partial_applied",
          "load_failed",
          "validation_failed",
          "full_success",
        ]);
        const rgb = (hex: string) => {
          const [r, g, b] = [1, 3, 5].map((i) =>
            parseInt(hex.slice(i, i + 2), 16)
          );
          return `rgb(${r}, ${g}, ${b})`;
        };
        for (const { status, border, markColour } of passes) {
          const colour = rgb(COLOURS[status as keyof typeof COLOURS]);
          assert.equal(border, colour, status!);
          assert.equal(markColour, colour, status!);
        }
        // Not by colour alone: each status has its own label and shape.
        const byStatus = new Map(passes.map((p) => [p.status, p]));
        assert.deepEqual(
          [...byStatus.values()].map((p) => p.label),
          [
            "FULL SUCCESS",
            "PARTIALLY APPLIED",
            "LOAD FAILED",
            "VALIDATION FAILED",
          ],
        );
        const shapes = [...byStatus.values()].map((p) => p.shape);
        assert.equal(new Set(shapes).size, 4, shapes.join("\n"));
        assert.deepEqual(passes.map((p) => p.gen), [
          "generation 3",
          "generation 2",
          "kept generation 1",
          "kept generation 1",
          "generation 1",
        ]);
        assert.equal(passes[0].time, "2026-11-27 03:30:28 UTC");
        assert.equal(passes[0].datetime, "2026-11-27T03:30:28.000Z");
        assert.equal(
          passes[0].trigger,
          "triggered by signal (3 requests: signal 2, http 1)",
        );
        assert.equal(passes[0].digest, `digest ${digestOf(FILES[5])}`);
        assert.equal(passes[2].digest, undefined);
        assert.match(passes[0].changed, /^changed: db\.host, routes\.0, /);
        assert.match(passes[0].changed, /, routes\.98 and 21 more$/);
        assert.deepEqual(passes[1].outcomes, [
          "cache skipped",
          "db failed: Cannot reconnect to the database: db.host",
          "routes skipped",
        ]);
        // applied, failed and skipped hooks have three shapes too.
        assert.equal(
          new Set(passes[1].outcomeShapes.concat(passes[0].outcomeShapes))
            .size,
          3,
        );
        assert.deepEqual(passes[1].notes, ["restart needed: listen"]);
        assert.match(passes[2].notes[0], /duplicated mapping key$/);

        // The links resolve under the prefix, and lead to their routes.
        const links = await page.$$eval(
          "nav a",
          (anchors) =>
            anchors.map((
              a,
            ) => [a.textContent, (a as unknown as { href: string }).href]),
        );
        assert.deepEqual(links, [
          ["status JSON", `${origin}/ops/reload?format=json`],
          ["history JSON", `${origin}/ops/reload/history`],
          ["metrics", `${origin}/ops/reload/metrics`],
          ["off", `${origin}/ops/reload`],
          ["10 s", `${origin}/ops/reload?refresh=10`],
          ["1 min", `${origin}/ops/reload?refresh=60`],
        ]);
        assert.equal(
          await page.$eval("nav b", (b) => b.textContent),
          "3600 s",
        );

        await mkdir(artifacts, { recursive: true });
        await writeFile(join(artifacts, "history-page.chromium.html"), body);
        const shot = join(artifacts, "history-page.png");
        await rm(shot, { force: true });
        await page.screenshot({ path: shot, fullPage: true });
        const image = readPng(new Uint8Array(await readFile(shot)));
        assert.equal(image.width, 1000);
        assert.ok(image.height >= 1100, `${image.height}`);
        // The status colours of the timeline are on screen.
        assert.ok(countColour(image, COLOURS.full_success) > 500, "green");
        assert.ok(countColour(image, COLOURS.validation_failed) > 500, "red");
        assert.ok(countColour(image, COLOURS.load_failed) > 500, "dark red");
        assert.ok(countColour(image, COLOURS.partial_applied) > 500, "amber");
        // As a reader without colour vision sees it (kept for a look).
        await page.emulateVisionDeficiency("achromatopsia");
        const grey = join(artifacts, "history-page.grey.png");
        await page.screenshot({ path: grey, fullPage: true });
        await page.emulateVisionDeficiency("none");
        const greyImage = readPng(new Uint8Array(await readFile(grey)));
        assert.equal(countColour(greyImage, COLOURS.full_success), 0);

        // The browser follows each link to JSON or text, not the page.
        for (const [, href] of links.slice(0, 3)) {
          const followed = await page.goto(href);
          assert.equal(followed?.status(), 200, href);
          assert.match(
            followed!.headers()["content-type"],
            href.endsWith("metrics") ? /^text\/plain/ : /^application\/json/,
          );
        }
        assert.deepEqual(
          complaints.filter((c) => /Content Security Policy|Refused/i.test(c)),
          [],
          "no CSP refusal",
        );
        console.log(`screenshots: ${shot}, ${grey} (${browser.path})`);
      } finally {
        await chrome?.close();
        await new Promise((resolve) => server.close(resolve));
        await rm(profile, { recursive: true, force: true });
      }
    },
  );
}

test("renderHistoryPage() opens with a banner while the sources differ from the config in effect", () => {
  const base = {
    generation: 3,
    digest: "sha256:" + "a".repeat(64),
    history: [],
    configPath: "/etc/app/config.yaml",
  };
  assert.doesNotMatch(renderHistoryPage(base), /class="drift"/);
  assert.doesNotMatch(
    renderHistoryPage({ ...base, drift: null }),
    /class="drift"/,
  );
  const drifting = renderHistoryPage({
    ...base,
    drift: {
      since: "2026-12-06T03:01:00.000Z",
      digest: "sha256:" + "b".repeat(64),
    },
  });
  assert.match(
    drifting,
    /<p class="drift" role="alert"><b>The source differs from the running config<\/b> since <time datetime="2026-12-06T03:01:00.000Z">2026-12-06 03:01:00 UTC<\/time>: the source holds <code>sha256:b{64}<\/code>\.<\/p>/,
  );
  const unreadable = renderHistoryPage({
    ...base,
    drift: { since: "<script>", digest: null },
  });
  assert.match(unreadable, /since an unknown time: a source cannot be read\./);
  assert.doesNotMatch(unreadable, /<script>/);
});
