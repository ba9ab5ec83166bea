import type { ReloadResult } from "./result.ts";

/** What the history page shows. */
export interface PageInput {
  generation: number;
  digest: string | null;
  history: readonly ReloadResult[];
  configPath: string;
}

const COLOURS: Record<string, string> = {
  full_success: "#1a7f37",
  partial_applied: "#b35900",
  validation_failed: "#cf222e",
  load_failed: "#82071e",
};

/**
 * Renders the reload history as a self-contained HTML page (inline CSS, no
 * script, no external asset): a timeline, newest first, with each pass's
 * status colour, generation, time, duration, failing hooks, load error and
 * requires-restart fields.
 *
 * @param input What to show.
 * @returns The page.
 */
export function renderHistoryPage(input: PageInput): string {
  const { generation, digest, history, configPath } = input;
  const items = history.map((r) => {
    const ms = Date.parse(r.ended_at) - Date.parse(r.started_at);
    const failed = r.outcomes.filter((o) => o.status === "failed");
    const details = [
      ...failed.map((o) =>
        `<li><span class="hook">${esc(o.name)}</span> failed: ${
          esc(o.error ?? "")
        }</li>`
      ),
      ...(r.load_error === undefined
        ? []
        : [`<li class="load">${esc(r.load_error)}</li>`]),
      ...(r.requires_restart ?? []).map((f) =>
        `<li class="restart">restart needed: <code>${esc(f)}</code></li>`
      ),
    ];
    return `<li class="pass" data-status="${esc(r.status)}" style="--c:${
      COLOURS[r.status] ?? "#57606a"
    }">
  <div class="head"><span class="status">${
      esc(r.status.replaceAll("_", " "))
    }</span> <span class="gen">generation ${r.generation}</span>
  <time datetime="${esc(r.started_at)}">${esc(r.started_at)}</time>
  <span class="ms">${ms} ms</span></div>${
      details.length === 0 ? "" : `\n  <ul>${details.join("")}</ul>`
    }
</li>`;
  });
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Config reloads: generation ${generation}</title>
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
<p class="meta">${esc(configPath)} · generation <b>${generation}</b> · ${
    digest === null ? "digest unknown" : `<code>${esc(digest)}</code>`
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

function esc(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(
    />/g,
    "&gt;",
  ).replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}
