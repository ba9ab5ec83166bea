import type { ReloadResult } from "./result.ts";

/** What the history page shows. */
export interface PageInput {
  generation: number;
  digest: string | null;
  history: readonly ReloadResult[];
  configPath: string;
}

const COLOURS: ReadonlyMap<unknown, string> = new Map([
  ["full_success", "#1a7f37"],
  ["partial_applied", "#b35900"],
  ["validation_failed", "#cf222e"],
  ["load_failed", "#82071e"],
]);

/**
 * Renders the reload history as a self-contained HTML page (inline CSS, no
 * script, no external asset): a timeline, newest first, with each pass's
 * status colour, generation, time, duration, failing hooks, load error and
 * requires-restart fields.
 *
 * Rendering is total: whatever the input holds (a number or an object where
 * a string belongs, a symbol, a getter or `toString` that throws, a list
 * that is not an array), it renders a page, every value escaped.
 *
 * @param input What to show.
 * @returns The page.
 */
export function renderHistoryPage(input: PageInput): string {
  const generation = show(field(input, "generation"));
  const digest = field(input, "digest");
  const items = list(field(input, "history")).map(renderPass);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Config reloads: generation ${esc(generation)}</title>
<style>
body{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem;color:#1f2328;background:#fff}
h1{font-size:1.4rem;margin:0 0 .3rem}
.meta{color:#57606a;margin:0 0 1.5rem;word-break:break-all}
ol.timeline{list-style:none;margin:0;padding:0 0 0 1.2rem;border-left:3px solid #d0d7de}
.pass{position:relative;margin:0 0 1rem;padding:.6rem .9rem;border:1px solid #d0d7de;border-left:6px solid var(--c);border-radius:6px}
.pass::before{content:"";position:absolute;left:-1.85rem;top:.9rem;width:.8rem;height:.8rem;border-radius:50%;background:var(--c)}
.head{display:flex;gap:1rem;flex-wrap:wrap;align-items:baseline}
.status{font-weight:700;color:var(--c);text-transform:uppercase;letter-spacing:.03em}
.gen{font-weight:600}
time,.ms{color:#57606a;font-variant-numeric:tabular-nums}
.pass ul{margin:.4rem 0 0;padding-left:1.2rem}
.hook{font-weight:600}
.restart{color:#9a6700}
.empty{color:#57606a}
</style>
</head>
<body>
<h1>Config reloads</h1>
<p class="meta">${esc(show(field(input, "configPath")))} · generation <b>${
    esc(generation)
  }</b> · ${
    digest === null || digest === undefined
      ? "digest unknown"
      : `<code>${esc(show(digest))}</code>`
  }</p>
${
    items.length === 0
      ? `<p class="empty">No reload pass yet.</p>`
      : `<ol class="timeline">\n${items.join("\n")}\n</ol>`
  }
</body>
</html>
`;
}

/** One pass of the timeline. */
function renderPass(result: unknown): string {
  const status = show(field(result, "status"));
  const started = show(field(result, "started_at"));
  const ms = Date.parse(show(field(result, "ended_at"))) - Date.parse(started);
  const failed = list(field(result, "outcomes")).filter((o) =>
    field(o, "status") === "failed"
  );
  const loadError = field(result, "load_error");
  const details = [
    ...failed.map((o) =>
      `<li><span class="hook">${esc(show(field(o, "name")))}</span> failed: ${
        esc(show(field(o, "error") ?? ""))
      }</li>`
    ),
    ...(loadError === undefined
      ? []
      : [`<li class="load">${esc(show(loadError))}</li>`]),
    ...list(field(result, "requires_restart")).map((f) =>
      `<li class="restart">restart needed: <code>${esc(show(f))}</code></li>`
    ),
  ];
  return `<li class="pass" data-status="${esc(status)}" style="--c:${
    COLOURS.get(status) ?? "#57606a"
  }">
  <div class="head"><span class="status">${
    esc(status.replaceAll("_", " "))
  }</span> <span class="gen">generation ${
    esc(show(field(result, "generation")))
  }</span>
  <time datetime="${esc(started)}">${esc(started)}</time>
  <span class="ms">${Number.isFinite(ms) ? `${ms} ms` : "? ms"}</span></div>${
    details.length === 0 ? "" : `\n  <ul>${details.join("")}</ul>`
  }
</li>`;
}

/** `value[key]` for an object, `undefined` for anything else or a getter that throws. */
function field(value: unknown, key: string): unknown {
  if (value === null || typeof value !== "object") return undefined;
  try {
    return (value as Record<string, unknown>)[key];
  } catch {
    return undefined;
  }
}

/** The items of an array (a copy), or none for anything else. */
function list(value: unknown): unknown[] {
  try {
    return Array.isArray(value) ? Array.from(value as unknown[]) : [];
  } catch {
    return [];
  }
}

/**
 * Any value as text, never throwing: a string as is, a primitive (symbols
 * included) as `String()` gives it, an object as its `[object Type]` tag.
 */
function show(value: unknown): string {
  if (typeof value === "string") return value;
  if (value === null || typeof value !== "object") {
    return typeof value === "function" ? "[function]" : String(value);
  }
  try {
    return Object.prototype.toString.call(value);
  } catch {
    return "[object]"; // a proxy whose toStringTag getter throws
  }
}

function esc(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(
    />/g,
    "&gt;",
  ).replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}
