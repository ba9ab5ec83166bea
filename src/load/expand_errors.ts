import { LoadError, type LoadErrorLocation } from "../errors.ts";
import { lineColumns } from "./position.ts";
import { type ParsedLayer, pathOf, type Site } from "./sites.ts";

/** One reference that could not be expanded, and where. */
export interface Problem {
  site: Site;
  reason: string;
  /** The reference's offset and end in the string, when known. */
  offset: number;
  end: number | undefined;
  secret: boolean;
}

/**
 * The LoadError for every problem, each placed in its layer's text at the
 * reference's line and column where the text tells.
 *
 * @param problems The problems listed (at most 50).
 * @param count How many there were in all.
 * @returns The error.
 */
export function expansionError(problems: Problem[], count: number): LoadError {
  const located = locate(problems);
  const secretOnly = problems.every((p) => p.secret);
  const envOnly = problems.every((p) => !p.secret);
  const reason = secretOnly
    ? count === 1
      ? "a secret file cannot be read"
      : "secret files cannot be read"
    : envOnly
    ? count === 1
      ? "an environment variable cannot be expanded"
      : "environment variables cannot be expanded"
    : "references cannot be expanded";
  const list = problems.map((p, i) => ({ ...located[i], reason: p.reason }));
  list.sort((a, b) =>
    layerOrder(a.path, problems) - layerOrder(b.path, problems) ||
    (a.line ?? Infinity) - (b.line ?? Infinity) ||
    (a.column ?? 0) - (b.column ?? 0)
  );
  return new LoadError(reason, list, { omitted: count - problems.length });
}

const layerOrder = (name: string, problems: Problem[]) =>
  problems.findIndex((p) => p.site.layer.name === name);

// Where each problem is: its layer's name and, where the text tells, the
// line and column of the reference.
function locate(problems: Problem[]): LoadErrorLocation[] {
  const offsets: (number | undefined)[] = problems.map(() => undefined);
  // Marked strings know where they are; the others are found by path.
  const byLayer = new Map<ParsedLayer, number[]>();
  problems.forEach((p, i) => {
    const { mark, layer } = p.site;
    if (mark !== undefined) {
      offsets[i] = within(layer.text, mark.start, mark.end, p);
    } else {
      const list = byLayer.get(layer);
      if (list === undefined) byLayer.set(layer, [i]);
      else list.push(i);
    }
  });
  for (const [layer, indexes] of byLayer) {
    const found = layer.format.locate(
      layer.text,
      indexes.map((i) => pathOf(problems[i].site.place)),
      Infinity,
    );
    indexes.forEach((i, n) => {
      const at = found[n];
      if (at === undefined) return;
      const p = problems[i];
      // Past the key: the string (its key, or its value) comes after it.
      const span = 64 + 6 * (p.site.raw.length + String(p.site.key).length);
      offsets[i] = within(layer.text, at, at + span, p);
    });
  }
  const result: LoadErrorLocation[] = [];
  const places = new Map<ParsedLayer, { line: number; column: number }[]>();
  for (const [layer] of new Map(problems.map((p) => [p.site.layer, 0]))) {
    const at = problems.flatMap((p, i) =>
      p.site.layer === layer && offsets[i] !== undefined ? [offsets[i]!] : []
    );
    places.set(layer, lineColumns(layer.text, at));
  }
  const cursor = new Map<ParsedLayer, number>();
  problems.forEach((p, i) => {
    const layer = p.site.layer;
    if (offsets[i] === undefined) {
      result.push({ path: layer.name });
      return;
    }
    const n = cursor.get(layer) ?? 0;
    cursor.set(layer, n + 1);
    result.push({ path: layer.name, ...places.get(layer)![n] });
  });
  return result;
}

// Where the reference of a problem is in the text, searching between
// `start` and `end` for it as written (a malformed one: its first
// characters): at `start` when it is not written as is there (escaped),
// or not known.
function within(text: string, start: number, end: number, p: Problem): number {
  const scalar = text.slice(start, Math.min(end, text.length));
  if (scalar === p.site.raw) return start + p.offset;
  const until = p.end ?? Math.min(p.site.raw.length, p.offset + 16);
  const written = p.site.raw.slice(p.offset, until).split("\n")[0];
  if (written === "") return start;
  const found = scalar.indexOf(written);
  return found === -1 ? start : start + found;
}
