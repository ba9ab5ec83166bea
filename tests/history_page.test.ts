// The history page: the same bytes on Deno, Node.js and Bun, and, on
// Node.js, what a real headless Chromium makes of it (DOM and screenshot,
// kept in test-artifacts/).
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
import { nodeListener, reloadHandler } from "hup-reload/http";
import type { Browser } from "puppeteer-core";
import { countColour, readPng } from "./_png.ts";
import { fixedHistory, historyPage } from "./fixtures/history_page_child.ts";

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

test("reloadHandler() history page shows every pass of a fixed history", async () => {
  const coordinator = await fixedHistory();
  try {
    const html = await historyPage(coordinator);
    await mkdir(artifacts, { recursive: true });
    await writeFile(join(artifacts, `history-page.${runtimeName}.html`), html);
    assert.match(html, /^<!doctype html>/);
    assert.equal(html.match(/<li class="pass"/g)?.length, 5);
    for (const status of Object.keys(COLOURS)) {
      assert.match(html, new RegExp(`data-status="${status}"`));
    }
    assert.match(html, /restart needed: <code>listen<\/code>/);
    assert.match(html, /duplicated mapping key/);
    assert.match(html, /datetime="2026-11-27T03:30:28\.000Z"/);
  } finally {
    await coordinator.shutdown();
  }
});

/** Runs a command; resolves with its stdout. */
function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { cwd: root, maxBuffer: 16 << 20 },
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
    {
      timeout: 60_000,
    },
    async () => {
      const fixture = join(root, "tests/fixtures/history_page_child.ts");
      const coordinator = await fixedHistory();
      const node = await historyPage(coordinator);
      await coordinator.shutdown();
      const [deno, bun] = await Promise.all([
        run(bin("deno"), ["run", "--quiet", "--no-prompt", fixture, "--print"]),
        run(bin("bun"), [fixture, "--print"]),
      ]);
      await mkdir(artifacts, { recursive: true });
      for (const [name, html] of [["deno", deno], ["bun", bun]]) {
        await writeFile(join(artifacts, `history-page.${name}.html`), html);
      }
      assert.match(node, /<li class="pass"/);
      assert.equal(sha256(deno), sha256(node), "Deno and Node.js differ");
      assert.equal(sha256(bun), sha256(node), "Bun and Node.js differ");
    },
  );

  test(
    "reloadHandler() history page renders a coloured timeline in headless Chromium",
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

      const coordinator = await fixedHistory();
      const expected = await historyPage(coordinator);
      const server = createServer(nodeListener(reloadHandler(coordinator)));
      const profile = await mkdtemp(join(tmpdir(), "hup-chromium-"));
      let chrome: Browser | undefined;
      try {
        await new Promise<void>((resolve) =>
          server.listen(0, "127.0.0.1", resolve)
        );
        const { port } = server.address() as AddressInfo;
        const url = `http://127.0.0.1:${port}/-/reload`;
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
        await page.setViewport({ width: 1000, height: 1100 });
        // Chromium asks for text/html first, as a person's browser does.
        const response = await page.goto(url);
        assert.equal(response?.status(), 200);
        assert.match(response!.headers()["content-type"], /^text\/html/);
        assert.equal(sha256(await response!.text()), sha256(expected));

        assert.equal(
          await page.$eval("h1", (h) => h.textContent),
          "Config reloads",
        );
        const passes = await page.$$eval(
          "li.pass",
          (items) =>
            items.map((li) => ({
              status: li.getAttribute("data-status"),
              border: li.ownerDocument.defaultView!.getComputedStyle(li)
                .borderLeftColor,
            })),
        );
        assert.deepEqual(passes.map((p) => p.status), [
          "full_success",
          "partial_applied",
          "load_failed",
          "validation_failed",
          "full_success",
        ]);
        for (const { status, border } of passes) {
          const hex = COLOURS[status as keyof typeof COLOURS];
          const [r, g, b] = [1, 3, 5].map((i) =>
            parseInt(hex.slice(i, i + 2), 16)
          );
          assert.equal(border, `rgb(${r}, ${g}, ${b})`, status!);
        }
        const text = await page.$eval("body", (b) => b.innerText);
        assert.match(text, /restart needed: listen/);
        assert.match(text, /duplicated mapping key/);

        await mkdir(artifacts, { recursive: true });
        const shot = join(artifacts, "history-page.png");
        await rm(shot, { force: true });
        await page.screenshot({ path: shot });
        const image = readPng(new Uint8Array(await readFile(shot)));
        assert.equal(image.width, 1000);
        assert.equal(image.height, 1100);
        // The status colours of the timeline are on screen.
        assert.ok(countColour(image, COLOURS.full_success) > 500, "green");
        assert.ok(countColour(image, COLOURS.validation_failed) > 500, "red");
        assert.ok(countColour(image, COLOURS.load_failed) > 500, "dark red");
        assert.ok(countColour(image, COLOURS.partial_applied) > 500, "amber");
        console.log(`screenshot: ${shot} (${browser.path})`);
      } finally {
        await chrome?.close();
        await new Promise((resolve) => server.close(resolve));
        await coordinator.shutdown();
        await rm(profile, { recursive: true, force: true });
      }
    },
  );
}
