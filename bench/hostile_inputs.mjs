// Hostile inputs for the off-thread parser (benchmark 8, and anyone who
// wants to attack the worker by hand): small YAML files whose parsed
// documents are cheap on the event loop but were costly to send from the
// worker, each a function of its size. Deterministic, plain JavaScript, no
// import from the module, so the same file runs on Deno, Node.js and Bun.
//
// Every file is accepted by the default limits (maxNodes 1,000,000, maxDepth
// 100, maxBytes 16 MiB) and loads on the event loop.

// `depth` nested mappings, each under a key of `keyLength` characters (flow
// style, so the text does not grow with the indentation), with `inner` as
// the innermost mapping's text; the anchor `&a` is defined at the top.
function nested(depth, keyLength, inner, head = "base: &a {x: 1}\n") {
  const key = (i) => `k${i}_`.padEnd(keyLength, "x");
  let open = "";
  let close = "";
  for (let i = 0; i < depth; i++) {
    open += `${key(i)}: {`;
    close += "}";
  }
  return `${head}${open}${inner}${close}\n`;
}

// `count` aliases of the anchor `*a`, as the entries of a flow mapping.
function aliasEntries(count, alias = "*a") {
  const parts = new Array(count);
  for (let i = 0; i < count; i++) parts[i] = `a${i}: ${alias}`;
  return parts.join(", ");
}

/**
 * The issue's file: `count` aliases of one small mapping, 95 mappings deep
 * under keys of `keyLength` characters. 4,000 aliases under 800-character
 * keys is about 110 KB; each alias's place is 96 keys (76 KB of keys) from
 * the root.
 */
export function aliasesUnderLongKeys(count = 4000, keyLength = 800) {
  return nested(95, keyLength, aliasEntries(count));
}

/**
 * `count` aliases of one empty mapping in one flow sequence, `depth`
 * mappings deep under short keys: 300,000 at depth 1 is the "re-joining
 * 300K aliases" file (1.2 MB); 999,000 at depth 95 is "~1M aliases" (4 MB,
 * 999,000 + 97 nodes: just under the default maxNodes).
 */
export function manyAliases(count = 300_000, depth = 1) {
  const items = new Array(count).fill("*a").join(",");
  return nested(depth, 4, `list: [${items}]`, "base: &a {}\n");
}

/**
 * A deep alias chain: `levels` anchored mappings, each holding an alias of
 * the one before under a key of `keyLength` characters, every anchor
 * defined `depth` mappings deep, then `count` aliases of the last (each
 * expands `levels` deep).
 */
export function deepAliasChain(levels = 90, keyLength = 800, count = 2000) {
  const key = `n_`.padEnd(keyLength, "y");
  const chain = ["c0: &c0 {v: 1}"];
  for (let i = 1; i < levels; i++) {
    chain.push(`c${i}: &c${i} {${key}: *c${i - 1}}`);
  }
  return nested(
    8,
    keyLength,
    `${chain.join(", ")}, uses: [${
      new Array(count).fill(`*c${levels - 1}`).join(", ")
    }]`,
    "",
  );
}

/**
 * One long string anchored once and aliased `count` times (a scalar alias
 * is the same string, not a copy, on the event loop): 1,000 aliases of a
 * 100,000-character string is a 105 KB file of 100 MB of strings, if each
 * were copied.
 */
export function aliasedLongString(count = 1000, length = 100_000) {
  return `s: &s ${"z".repeat(length)}\nuses: [${
    new Array(count).fill("*s").join(", ")
  }]\n`;
}

/**
 * One mapping with a long key merged (`<<: *m`) into `count` mappings: each
 * gets the same key, a property of the same string on the event loop.
 */
export function mergedLongKeys(count = 5000, keyLength = 20_000) {
  const key = "m".repeat(keyLength);
  const items = new Array(count).fill("{<<: *m}").join(", ");
  return `m: &m {${key}: 1}\nuses: [${items}]\n`;
}

/** The inputs of benchmark 8, by name, at their default sizes. */
export const HOSTILE = {
  "4K aliases, 95 levels of 800-char keys": () => aliasesUnderLongKeys(4000),
  "8K aliases, 95 levels of 800-char keys": () => aliasesUnderLongKeys(8000),
  "300K aliases": () => manyAliases(300_000, 1),
  "100K aliases, 95 levels": () => manyAliases(100_000, 95),
  "999K aliases, 95 levels": () => manyAliases(999_000, 95),
  "deep alias chain (90 levels, 800-char keys)": () => deepAliasChain(),
  "1,000 aliases of a 100K string": () => aliasedLongString(),
  "5,000 merges of a 20K-char key": () => mergedLongKeys(),
};
