// Measures the time and peak memory of loading the worst hostile files the
// loader accepts to read (each case in a fresh Node.js process):
//   npm run build && node scripts/measure-hostile.mjs
import { execFileSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

const MiB = 1024 * 1024;
const cases = {
  "baseline: a 4-line config": () =>
    "server:\n  port: 8080\n  mode: quiet\nname: api\n",
  "billion laughs (9 x 9 aliases)": () => {
    const lines = [
      'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
    ];
    for (let i = 1; i < 10; i++) {
      const [p, n] = [String.fromCharCode(96 + i), String.fromCharCode(97 + i)];
      lines.push(`${n}: &${n} [${Array(9).fill(`*${p}`).join(",")}]`);
    }
    return lines.join("\n") + "\n";
  },
  "doubling aliases (2^40 nodes)": () => {
    const lines = ["l0: &l0 [x, x]"];
    for (let i = 1; i < 40; i++) {
      lines.push(`l${i}: &l${i} [*l${i - 1}, *l${i - 1}]`);
    }
    return lines.join("\n") + "\n";
  },
  "100,000 nested [ (flow)": () =>
    `a: ${"[".repeat(100_000)}${"]".repeat(100_000)}\n`,
  "16 MiB line of ] (junk)": () => `a: ${"]".repeat(16 * MiB - 8)}\n`,
  "16 MiB top-level sequence": () => "- x\n".repeat(4 * MiB),
  "16 MiB of 1,000,000+ keys (valid)": () => {
    const parts = [];
    let size = 0;
    for (let i = 0; size < 16 * MiB - 64; i++) {
      const line = `key_${i}: value-${i}\n`;
      parts.push(line);
      size += line.length;
    }
    return parts.join("");
  },
  "16 MiB + 1 byte (refused by size)": () =>
    "a: " + "x".repeat(16 * MiB - 2) + "\n",
};

const child = `
import { loadConfig } from "hup-reload";
const started = performance.now();
let outcome = "loaded";
try { await loadConfig(process.argv[1], { env: () => undefined }); }
catch (e) { outcome = e.message.replace(/: \\/.*$/s, "").slice(0, 70); }
const ms = performance.now() - started;
console.log(JSON.stringify({ ms, maxRssMiB: process.resourceUsage().maxRSS / 1024, outcome }));
`;

const dir = await mkdtemp(join(tmpdir(), "hup-measure-"));
try {
  const path = join(dir, "config.yaml");
  console.log(
    "| case | outcome | time (ms) | peak RSS (MiB) |\n| --- | --- | ---: | ---: |",
  );
  for (const [name, make] of Object.entries(cases)) {
    await writeFile(path, make());
    const out = JSON.parse(
      execFileSync(
        process.execPath,
        ["--input-type=module", "-e", child, path],
        {
          cwd: process.cwd(),
        },
      ).toString(),
    );
    console.log(
      `| ${name} | ${out.outcome} | ${out.ms.toFixed(0)} | ${
        out.maxRssMiB.toFixed(0)
      } |`,
    );
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
