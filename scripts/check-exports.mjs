// Fails when package.json "exports" no longer mirror deno.json "exports":
// every JSR entry point must be an npm entry point built from the same file.
import { readFile } from "node:fs/promises";

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
    if (!pkg.files.some((f) => entry === f || entry.startsWith(f))) {
      problems.push(`package.json files does not include ${entry}`);
    }
  }
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
if (problems.length > 0) {
  console.error(`Entry points drifted:\n  ${problems.join("\n  ")}`);
  process.exit(1);
}
console.log(
  `Entry points match: ${
    Object.keys(denoExports).join(", ")
  } (version ${pkg.version})`,
);
