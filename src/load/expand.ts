import { LoadError, MAX_PROBLEMS } from "../errors.ts";
import { runSliced } from "../slices.ts";
import { expansionError, type Problem } from "./expand_errors.ts";
import { findSites, type ParsedLayer, type Site } from "./sites.ts";
import {
  eachReference,
  isSingleReference,
  type KindReference,
  parseTemplate,
  type Reference,
  type Template,
} from "./references.ts";

export type { ParsedLayer };

/** A value behind a `${kind:target}` reference: its text, or why not. */
export type ValueRead = { value: string } | { why: string };

/** Where a `${kind:target}` reference reads its value, or why it cannot. */
export type ValuePlace = { key: string; what: string } | { problem: string };

/** What expansion needs besides the layers. */
export interface ExpandOptions {
  /** Reads one environment variable; `undefined` when unset. */
  env: (name: string) => string | undefined;
  /**
   * Where a `${kind:target}` reference in `layer` reads its value: a key
   * (the same for every reference to the same value) and how messages
   * name it (`the secret file /run/secrets/db`); or why it cannot be read
   * (an unknown kind).
   */
  locate(kind: string, target: string, layer: ParsedLayer): ValuePlace;
  /** Reads the values behind the keys `locate` gave, each once. */
  readValues(keys: readonly string[]): Promise<Map<string, ValueRead>>;
  /** The most characters the values substituted may add up to. */
  maxChars: number;
}

/** What expansion did. */
export interface Expansion {
  /** The values substituted from the environment (each once). */
  values: string[];
  /**
   * The values substituted from `${kind:target}` references, secret files
   * among them (each once): secrets, wherever they go.
   */
  secrets: string[];
  /** The keys of the values substituted from such references. */
  used: string[];
  /** The keys of every such reference, its value used or not. */
  referenced: string[];
  /**
   * The keys that expansion renamed, by mapping: new key to the key as
   * written, so that a field can still be found in the text.
   */
  rawKeys: WeakMap<object, Map<string, string>>;
}

/** The most values (secret files) one config may refer to. */
export const MAX_REFERENCED = 1000;

/**
 * Expands the references in every string value and mapping key of the
 * parsed layers: `${NAME}` and `$NAME` from the environment (with `:-`,
 * `-`, `:?` and `?`), `${file:PATH}` from secret files, `$$` as `$`. A
 * value from the environment or a file arrives verbatim, whatever it holds,
 * and never changes the document's structure; in YAML, a plain scalar that
 * is exactly one reference is then typed by the core schema. Every problem
 * is collected, in every layer, before one {@linkcode LoadError} lists
 * them with their file, line and column.
 *
 * Linear in the documents: each mapping and sequence is walked once (a
 * shared one, once), and only strings that hold a `$` are looked at again.
 * The walk gives the event loop a turn every few milliseconds.
 *
 * @param layers The parsed layers, changed in place.
 * @param options The environment, the secret files and the size bound.
 * @returns What was substituted and renamed.
 * @throws {LoadError} If a reference cannot be expanded.
 */
export async function expandLayers(
  layers: readonly ParsedLayer[],
  options: ExpandOptions,
): Promise<Expansion> {
  const rawKeys = new WeakMap<object, Map<string, string>>();
  const sites: Site[] = [];
  for (const layer of layers) {
    if (!layer.text.includes("$")) continue;
    await runSliced(findSites(layer, sites));
  }
  const empty: Expansion = {
    values: [],
    secrets: [],
    used: [],
    referenced: [],
    rawKeys,
  };
  if (sites.length === 0) return empty;

  const problems: Problem[] = [];
  let problemCount = 0;
  const problem = (p: Problem) => {
    problemCount++;
    if (problems.length < MAX_PROBLEMS) problems.push(p);
  };

  // Where each `${kind:target}` reads its value, found once per layer.
  const places = new Map<ParsedLayer, Map<string, ValuePlace>>();
  const placeOf = (site: Site, ref: KindReference): ValuePlace => {
    let byTarget = places.get(site.layer);
    if (byTarget === undefined) places.set(site.layer, byTarget = new Map());
    const id = `${ref.kind}:${ref.target}`;
    let place = byTarget.get(id);
    if (place === undefined) {
      place = options.locate(ref.kind, ref.target, site.layer);
      byTarget.set(id, place);
    }
    return place;
  };
  const keys = new Set<string>();
  for (const site of sites) {
    const parsed = parseTemplate(site.raw);
    site.template = parsed.template;
    for (const p of parsed.problems) {
      problem({ site, ...p, end: p.end, secret: false });
    }
    if (parsed.template === undefined) continue;
    eachReference(parsed.template, (ref) => {
      if (!("kind" in ref)) return;
      const place = placeOf(site, ref);
      if ("key" in place) keys.add(place.key);
    });
  }
  const referenced = [...keys];
  if (referenced.length > MAX_REFERENCED) {
    throw new LoadError(
      `the config refers to more than ${MAX_REFERENCED} secret files (${referenced.length})`,
      [{ path: layers.map((l) => l.name).join(", "), reason: "" }],
    );
  }
  const reads = referenced.length === 0
    ? new Map<string, ValueRead>()
    : await options.readValues(referenced);

  // Each variable is read once.
  const envCache = new Map<string, { value?: string; error?: string }>();
  const readEnv = (name: string) => {
    let found = envCache.get(name);
    if (found === undefined) {
      try {
        const value = options.env(name);
        found = typeof value === "string" ? { value } : {};
      } catch (error) {
        found = { error: error instanceof Error ? error.name : "error" };
      }
      envCache.set(name, found);
    }
    return found;
  };

  const values = new Set<string>();
  const secrets = new Set<string>();
  const used = new Set<string>();
  let substituted = 0;
  let tooMuch = false;
  const HIDDEN = "…";

  for (const site of sites) {
    if (tooMuch) break;
    const template = site.template;
    if (template === undefined) {
      assign(site, site.raw);
      continue;
    }
    const before = problemCount;
    // The text a reference stands for; with `hide`, substituted values are
    // shown as "…" (in messages).
    const evaluate = (ref: Reference, hide: boolean): string => {
      if ("kind" in ref) {
        const place = placeOf(site, ref);
        const read = "key" in place ? reads.get(place.key) : undefined;
        if (!("key" in place) || read === undefined || "why" in read) {
          problem({
            site,
            reason: "problem" in place
              ? place.problem
              : `${place.what} cannot be read (${
                read !== undefined && "why" in read ? read.why : "not read"
              })`,
            offset: ref.offset,
            end: ref.end,
            secret: true,
          });
          return "";
        }
        secrets.add(read.value);
        used.add(place.key);
        count(read.value);
        return hide && read.value !== "" ? HIDDEN : read.value;
      }
      const { name, op, offset, end } = ref;
      const found = readEnv(name);
      if (found.error !== undefined) {
        // A `$NAME` may be a `$` inside a value: its name is not shown.
        const what = ref.bare
          ? "an environment variable that a $ names"
          : `the environment variable ${name}`;
        problem({
          site,
          reason:
            `${what} cannot be read (${found.error}; with Deno, allow it with --allow-env=${
              ref.bare ? "NAME" : name
            })`,
          offset,
          end,
          secret: false,
        });
        return "";
      }
      const value = found.value;
      const unset = value === undefined;
      const empty = unset || value === "";
      if (op === ":-" || op === "-") {
        if (op === ":-" ? empty : unset) return evaluateAll(ref.arg!, hide);
      } else if (op === ":?" || op === "?") {
        if (op === ":?" ? empty : unset) {
          const message = evaluateAll(ref.arg!, true);
          problem({
            site,
            reason: `the environment variable ${name} is ${
              unset ? "not set" : "empty"
            }${message === "" ? "" : ` (${message})`}`,
            offset,
            end,
            secret: false,
          });
          return value ?? "";
        }
      } else if (unset) {
        // A `$` inside a value (a password, say) reads as `$NAME` too: the
        // name is then part of the value, so it is not shown.
        problem({
          site,
          reason: ref.bare
            ? "a $ starts a reference to an environment variable that is not set (write $$ for a literal $, or give a default with ${NAME:-default})"
            : `the environment variable ${name} is not set (give a default with \${${name}:-default})`,
          offset,
          end,
          secret: false,
        });
        return "";
      }
      values.add(value!);
      count(value!);
      return hide && value !== "" ? HIDDEN : value!;
    };
    const evaluateAll = (parts: Template, hide: boolean) => {
      let text = "";
      for (const part of parts) {
        text += typeof part === "string" ? part : evaluate(part, hide);
      }
      return text;
    };
    const count = (value: string) => {
      substituted += value.length;
      if (substituted > options.maxChars && !tooMuch) {
        tooMuch = true;
        problem({
          site,
          reason:
            `the values substituted add up to more than ${options.maxChars} characters`,
          offset: 0,
          end: undefined,
          secret: false,
        });
      }
    };
    const text = evaluateAll(template, false);
    if (problemCount > before) continue;
    // A plain YAML scalar that is one reference alone is typed as YAML
    // would type the value written there; keys stay strings.
    const typed = site.mark?.kind === "P" && !site.isKey &&
        isSingleReference(template) && site.layer.format.typePlain
      ? site.layer.format.typePlain(text)
      : text;
    assign(site, typed);
  }

  if (problemCount === 0) renameKeys(sites, rawKeys, problem);
  if (problemCount > 0) throw expansionError(problems, problemCount);
  return {
    values: [...values],
    secrets: [...secrets],
    used: [...used],
    referenced,
    rawKeys,
  };
}

// Puts a value site's new value in place; key sites are renamed together
// at the end.
function assign(site: Site, value: unknown): void {
  if (site.isKey) {
    site.raw = value as string; // the new key, for renameKeys
    return;
  }
  (site.holder as Record<string | number, unknown>)[site.key] = value;
}

// Renames the keys that held a `$`, keeping every mapping's order; a new
// key that repeats another key of its mapping is a problem.
function renameKeys(
  sites: readonly Site[],
  rawKeys: WeakMap<object, Map<string, string>>,
  problem: (p: Problem) => void,
): void {
  const byHolder = new Map<object, Site[]>();
  for (const site of sites) {
    if (!site.isKey) continue;
    const list = byHolder.get(site.holder);
    if (list === undefined) byHolder.set(site.holder, [site]);
    else list.push(site);
  }
  for (const [holder, keySites] of byHolder) {
    const record = holder as Record<string, unknown>;
    const renamed = new Map<string, Site>();
    for (const site of keySites) renamed.set(site.key as string, site);
    const entries: [string, unknown, Site | undefined][] = [];
    const taken = new Set<string>();
    let clash = false;
    for (const key of Object.keys(record)) {
      const site = renamed.get(key);
      const name = site === undefined ? key : site.raw;
      if (taken.has(name)) {
        clash = true;
        problem({
          site: site ?? keySites[0],
          reason:
            "a key made by expanding a reference is the same as another key of its mapping",
          offset: 0,
          end: undefined,
          secret: false,
        });
      }
      taken.add(name);
      entries.push([name, record[key], site]);
    }
    if (clash) continue;
    const raw = new Map<string, string>();
    for (const key of Object.keys(record)) delete record[key];
    for (const [name, value, site] of entries) {
      Object.defineProperty(record, name, {
        value,
        writable: true,
        enumerable: true,
        configurable: true,
      });
      if (site !== undefined) {
        raw.set(name, site.mark?.value ?? String(site.key));
      }
    }
    rawKeys.set(record, raw);
  }
}
