// Fails when anything that lists the entry points no longer follows
// deno.json "exports", the one list: every JSR entry point must be an npm
// entry point built from the same file, mapped for the tests, built and
// published; and every top-level .ts file must be one of them. (The npm
// scripts take the list from scripts/entries.mjs.)
import { readdir, readFile } from "node:fs/promises";

const deno = JSON.parse(await readFile("deno.json", "utf8"));
const pkg = JSON.parse(await readFile("package.json", "utf8"));
const problems = [];
const denoExports = typeof deno.exports === "string"
  ? { ".": deno.exports }
  : deno.exports;
for (const [key, source] of Object.entries(denoExports)) {
  const base = source.replace(/^\.\//, "./dist/").replace(/\.ts$/, "");
  const expected = { types: `${base}.d.ts`, default: `${base}.js` };
  const actual = pkg.exports?.[key];
  if (JSON.stringify(actual) !== JSON.stringify(expected)) {
    problems.push(
      `package.json exports["${key}"] is ${JSON.stringify(actual)}, expected ${
        JSON.stringify(expected)
      } (from deno.json exports["${key}"]: ${source})`,
    );
  }
  for (const file of [expected.types, expected.default]) {
    const entry = file.replace(/^\.\//, "");
    if (!pkg.files.some((f) => covers(f, entry))) {
      problems.push(`package.json files does not include ${entry}`);
    }
  }
  // The name the tests import it by, on Deno.
  const self = key === "." ? "hup-reload" : `hup-reload/${key.slice(2)}`;
  if (deno.imports?.[self] !== source) {
    problems.push(
      `deno.json imports["${self}"] is ${
        deno.imports?.[self]
      }, expected ${source} (from deno.json exports["${key}"])`,
    );
  }
}
// Every top-level .ts file is an entry point: the build and the JSR package
// take them all ("*.ts").
const sources = new Set(
  Object.values(denoExports).map((f) => f.replace(/^\.\//, "")),
);
for (const file of (await readdir(".")).filter((f) => f.endsWith(".ts"))) {
  if (!sources.has(file)) {
    problems.push(`${file} is a top-level .ts file but no entry point`);
  }
}
// The API table of the docs names every entry point.
const concepts = await readFile("docs/concepts.md", "utf8");
for (const key of Object.keys(denoExports)) {
  const name = key === "." ? "@hup/reload" : `@hup/reload/${key.slice(2)}`;
  if (!concepts.includes(`| \`${name}\``)) {
    problems.push(`docs/concepts.md's API table has no row for ${name}`);
  }
}
const build = JSON.parse(await readFile("tsconfig.build.json", "utf8"));
if (!build.include?.includes("*.ts") || build.files !== undefined) {
  problems.push(
    'tsconfig.build.json does not build the entry points as "include": ["*.ts", ...]',
  );
}
if (!deno.publish?.include?.includes("*.ts")) {
  problems.push('deno.json publish.include does not take "*.ts"');
}
for (const key of Object.keys(pkg.exports ?? {})) {
  if (key !== "./package.json" && !(key in denoExports)) {
    problems.push(`package.json exports["${key}"] has no deno.json twin`);
  }
}
// A library's runtime dependencies take caret ranges, the same as the
// deno.json import map; the tools it is built and tested with stay pinned
// (package-lock.json pins what CI installs either way).
for (const [name, range] of Object.entries(pkg.dependencies ?? {})) {
  if (!/^\^\d+\.\d+\.\d+$/.test(range)) {
    problems.push(
      `package.json dependencies["${name}"] is ${range}, expected a caret range (^x.y.z)`,
    );
  }
  const mapped = deno.imports?.[name];
  if (mapped !== `npm:${name}@${range}`) {
    problems.push(
      `deno.json imports["${name}"] is ${mapped}, expected npm:${name}@${range} (package.json dependencies)`,
    );
  }
}
for (const [name, version] of Object.entries(pkg.devDependencies ?? {})) {
  if (!/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(version)) {
    problems.push(
      `package.json devDependencies["${name}"] is ${version}, expected an exact version`,
    );
  }
}
if (pkg.version !== deno.version) {
  problems.push(
    `package.json version ${pkg.version} differs from deno.json version ${deno.version}`,
  );
}
/** Whether a `files` pattern of package.json takes `path`. */
function covers(pattern, path) {
  if (pattern.endsWith("/")) return path.startsWith(pattern);
  const regex = new RegExp(
    `^${
      pattern.split("*").map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
        .join("[^/]*")
    }$`,
  );
  return regex.test(path);
}

if (problems.length > 0) {
  console.error(`Entry points drifted:\n  ${problems.join("\n  ")}`);
  process.exit(1);
}
console.log(
  `Entry points match: ${
    Object.keys(denoExports).join(", ")
  } (version ${pkg.version})`,
);
