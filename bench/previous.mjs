// The previous loader, for benchmark 2's "new pipeline / previous loader"
// rows (runs on Node.js, inside bench/run.mjs): the tree at PREVIOUS, from
// before config sources, when the loader expanded `${ENV}` on the text and
// then parsed it. It is prepared once into the git-ignored bench/.dist/:
// its module files taken out of git (`git archive`), node_modules linked to
// the repository's, then built with the repository's tsc and that commit's
// own tsconfig.build.json, for Node.js and Bun (`dist/mod.js`); Deno imports
// its `mod.ts` directly. The full run prepares it afresh (it takes about a
// second); `--quick` reuses one already prepared, and prepares it only when
// there is none.
import { execFileSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The commit of the previous loader. */
export const PREVIOUS = "cb2d07f";

const repo = fileURLToPath(new URL("../", import.meta.url));
const DIST = join(repo, "bench", ".dist");
// What the build needs: the entry points its tsconfig.build.json lists,
// src/, and package.json (for "type": "module").
const PATHS = [
  "mod.ts",
  "cli.ts",
  "http.ts",
  "log_level.ts",
  "testing.ts",
  "tls.ts",
  "watch.ts",
  "src",
  "package.json",
  "tsconfig.build.json",
];
// Written last, once the build succeeded.
const STAMP = ".prepared";

/**
 * The directory of the prepared previous version, or why it cannot be had.
 *
 * @param fresh Whether to prepare it again even when it is there.
 * @returns `{ dir }`, or `{ skipped }`: one line saying why.
 */
export function previousLoader(fresh) {
  const dir = join(DIST, PREVIOUS);
  const stamp = join(dir, STAMP);
  if (
    !fresh && existsSync(stamp) &&
    readFileSync(stamp, "utf8").trim() === PREVIOUS
  ) return { dir };
  const git = (args, options = {}) =>
    execFileSync("git", args, {
      cwd: repo,
      stdio: ["ignore", "pipe", "pipe"],
      ...options,
    });
  try {
    git(["cat-file", "-e", `${PREVIOUS}^{commit}`]);
  } catch {
    return {
      skipped:
        `commit ${PREVIOUS} (the previous loader) cannot be read: no git history here (a shallow clone, an archive) or no git`,
    };
  }
  const building = join(DIST, `${PREVIOUS}.building`);
  rmSync(building, { recursive: true, force: true });
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(building, { recursive: true });
  try {
    const archive = git(["archive", "--format=tar", PREVIOUS, "--", ...PATHS], {
      maxBuffer: 256 * 1024 * 1024,
    });
    execFileSync("tar", ["-x", "-C", building], { input: archive });
    symlinkSync(join(repo, "node_modules"), join(building, "node_modules"));
    execFileSync(
      join(repo, "node_modules", ".bin", "tsc"),
      ["-p", "tsconfig.build.json"],
      { cwd: building, stdio: ["ignore", "pipe", "pipe"] },
    );
    writeFileSync(join(building, STAMP), `${PREVIOUS}\n`);
    renameSync(building, dir);
  } catch (error) {
    rmSync(building, { recursive: true, force: true });
    const output = [error.stdout, error.stderr]
      .map((b) => b?.toString().trim()).filter(Boolean).join("\n");
    return {
      skipped: `the previous loader (${PREVIOUS}) could not be built: ${
        output.split("\n")[0] || error.message
      }`,
    };
  }
  return { dir };
}
