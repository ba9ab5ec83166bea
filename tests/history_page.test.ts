// The history page in a real headless Chromium (Debian's `chromium`): the
// DOM it renders and a screenshot, kept in test-artifacts/.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import {
  AtomicConfig,
  Coordinator,
  HookStatus,
  nodeListener,
  reloadHandler,
} from "hup-reload";
import { countColour, readPng } from "./_png.ts";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const runtimeName = "Deno" in globalThis
  ? "deno"
  : process.versions.bun !== undefined
  ? "bun"
  : "node";
const artifacts = fileURLToPath(
  new URL(
    import.meta.url.endsWith(".ts")
      ? "../test-artifacts/"
      : "../../test-artifacts/",
    import.meta.url,
  ),
);

function chromium(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(CHROMIUM, args, { timeout: 60_000 }, (error, stdout, stderr) => {
      if (error) {
        reject(
          new Error(
            `Cannot run headless Chromium at ${CHROMIUM} (install Debian's chromium package: apt-get install chromium): ${error.message}\n${stderr}`,
          ),
        );
      } else resolve(stdout);
    });
  });
}

test(
  "reloadHandler() history page renders a coloured timeline in headless Chromium",
  {
    timeout: 120_000,
  },
  async () => {
    let mode = 0;
    const coordinator = new Coordinator({
      configPath: "/etc/app/config.yaml",
      config: new AtomicConfig({ listen: ":8080" }),
      load: () => {
        if (mode === 2) {
          throw new Error(
            "Cannot load config as the file is not valid YAML: /etc/app/config.yaml line 3, column 1: duplicated mapping key",
          );
        }
        return { listen: mode === 3 ? ":9090" : ":8080" };
      },
      nonReloadable: ["listen"],
      hooks: [{
        name: "cache",
        check() {
          if (mode === 1) {
            throw new Error(
              "Cannot resize the cache as the size is not positive: cache.size",
            );
          }
        },
        apply() {
          if (mode === 3) {
            throw new Error("Cannot reconnect to the database: db.host");
          }
          return HookStatus.Applied;
        },
      }],
    });
    for (mode = 0; mode < 5; mode++) await coordinator.reload();

    const server = createServer(nodeListener(reloadHandler(coordinator)));
    await new Promise<void>((resolve) =>
      server.listen(0, "127.0.0.1", resolve)
    );
    const { port } = server.address() as AddressInfo;
    // Chromium asks for text/html first, as a person's browser does.
    const url = `http://127.0.0.1:${port}/-/reload`;
    const profile = await mkdtemp(join(tmpdir(), "hup-chromium-"));
    const flags = [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--hide-scrollbars",
      `--user-data-dir=${profile}`,
    ];
    try {
      const dom = await chromium([...flags, "--dump-dom", url]);
      assert.match(dom, /<h1>Config reloads<\/h1>/);
      assert.equal(dom.match(/<li class="pass"/g)?.length, 5);
      for (
        const status of [
          "full_success",
          "validation_failed",
          "load_failed",
          "partial_applied",
        ]
      ) {
        assert.match(dom, new RegExp(`data-status="${status}"`));
      }
      assert.match(dom, /restart needed: <code>listen<\/code>/);
      assert.match(dom, /duplicated mapping key/);

      await mkdir(artifacts, { recursive: true });
      const shot = join(artifacts, `history-page.${runtimeName}.png`);
      await rm(shot, { force: true });
      await chromium([
        ...flags,
        "--window-size=1000,1100",
        `--screenshot=${shot}`,
        url,
      ]);
      const image = readPng(new Uint8Array(await readFile(shot)));
      assert.equal(image.width, 1000);
      // The status colours of the timeline are on screen.
      assert.ok(countColour(image, "#1a7f37") > 500, "green: full_success");
      assert.ok(countColour(image, "#cf222e") > 500, "red: validation_failed");
      assert.ok(countColour(image, "#82071e") > 500, "dark red: load_failed");
      assert.ok(countColour(image, "#b35900") > 500, "amber: partial_applied");
      console.log(`screenshot: ${shot}`);
    } finally {
      await new Promise((resolve) => server.close(resolve));
      await rm(profile, { recursive: true, force: true });
    }
  },
);
