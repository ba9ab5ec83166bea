import type { PassInProgress } from "../coordinator.ts";
import { rawPath } from "../http_common.ts";
import type { HookOutcome, ReloadResult } from "../result.ts";
import type { ReloadStatus } from "../status.ts";
import type { Drift } from "../verify.ts";

/** What the history page shows. */
export interface PageInput {
  /** The generation in effect. */
  generation: number;
  /** The digest of the file of the config in effect, when known. */
  digest: string | null;
  /** The recent results, newest first. */
  history: readonly ReloadResult[];
  /** The config file's path. */
  configPath: string;
  /**
   * The sources' difference from the config in effect, when they differ
   * (see `Coordinator.verify`): the page opens with a banner saying since
   * when, and the sources' digest.
   */
  drift?: Drift | null;
  /**
   * Where the config in effect came from (`Coordinator.runningFrom()`):
   * `"last_good"` opens the page with a banner saying so.
   */
  runningFrom?: "source" | "last_good";
  /**
   * The pass running now (`Coordinator.inProgress()`), if any: the page
   * opens with a line saying what asked for it, since when, and whether it
   * is a dry run.
   */
  inProgress?: PassInProgress | null;
  /**
   * The address the page was asked for (`request.url`, or a request target
   * such as `/-/reload?refresh=10`). Its path makes the links to the JSON,
   * the history and the metrics relative, so that they work under any
   * prefix and behind a proxy that mounts the handler elsewhere; its
   * `refresh` query parameter, a whole number of seconds from
   * {@linkcode MIN_REFRESH} to {@linkcode MAX_REFRESH}, makes the page reload
   * itself (anything else is ignored). Without it, the page has neither.
   */
  url?: string;
}

/** The shortest automatic refresh `?refresh=` may ask for, in seconds. */
export const MIN_REFRESH = 5;
/** The longest automatic refresh `?refresh=` may ask for, in seconds. */
export const MAX_REFRESH = 3600;

/** How each pass status looks: colour, text label and marker shape. */
const STATUSES: ReadonlyMap<ReloadStatus, { colour: string; label: string }> =
  new Map<ReloadStatus, { colour: string; label: string }>([
    ["full_success", { colour: "#1a7f37", label: "full success" }],
    ["partial_applied", { colour: "#b35900", label: "partially applied" }],
    ["validation_failed", { colour: "#cf222e", label: "validation failed" }],
    ["load_failed", { colour: "#82071e", label: "load failed" }],
  ]);
const UNKNOWN_COLOUR = "#57606a";

/** The statuses of a pass that keep the config in effect. */
const KEEPS: ReadonlySet<ReloadStatus> = new Set<ReloadStatus>([
  "validation_failed",
  "load_failed",
]);

/** The most changed paths and trigger kinds a pass shows. */
const MAX_LISTED = 100;

// Shapes are drawn in CSS (no font has to hold a symbol): a circle for
// full_success, a triangle for partial_applied, a square for
// validation_failed, a cross for load_failed, a ring for anything else; a
// disc, a ring and a cross for applied, skipped and failed hooks.
const STYLE =
  `body{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem;color:#1f2328;background:#fff;overflow-wrap:anywhere}
h1{font-size:1.4rem;margin:0 0 .3rem}
.meta,nav,.legend{color:#57606a;margin:0 0 .6rem}
nav a{color:#0550ae}
.legend{margin-bottom:1.5rem;font-size:.9rem}
.legend>span{margin-right:1rem;white-space:nowrap}
code{font:.85em ui-monospace,monospace}
ol.timeline{list-style:none;margin:0;padding:0 0 0 1.2rem;border-left:3px solid #d0d7de}
.pass{position:relative;margin:0 0 1rem;padding:.6rem .9rem;border:1px solid #d0d7de;border-left:6px solid var(--c);border-radius:6px}
.mark{display:inline-block;width:.8rem;height:.8rem;margin-right:.35rem;vertical-align:-.05rem;background:var(--c);border-radius:50%}
.pass>.mark{position:absolute;left:-1.95rem;top:.85rem;margin:0;width:1rem;height:1rem}
[data-status=partial_applied]>.mark,.mark.partial_applied{border-radius:0;clip-path:polygon(50% 0,100% 100%,0 100%)}
[data-status=validation_failed]>.mark,.mark.validation_failed{border-radius:0}
[data-status=load_failed]>.mark,.mark.load_failed,.outcome[data-status=failed]>.mark{border-radius:0;clip-path:polygon(20% 0,50% 30%,80% 0,100% 20%,70% 50%,100% 80%,80% 100%,50% 70%,20% 100%,0 80%,30% 50%,0 20%)}
.pass:not([data-status=full_success]):not([data-status=partial_applied]):not([data-status=validation_failed]):not([data-status=load_failed])>.mark{background:#fff;border:3px solid var(--c);box-sizing:border-box}
.head{display:flex;gap:.4rem 1rem;flex-wrap:wrap;align-items:baseline}
.status{font-weight:700;color:var(--c);text-transform:uppercase;letter-spacing:.03em}
.gen{font-weight:600}
time,.ms,.trigger{color:#57606a;font-variant-numeric:tabular-nums}
.pass p{margin:.3rem 0 0}
.pass ul{margin:.3rem 0 0;padding:0;list-style:none}
.outcome{--c:#1a7f37}
.outcome[data-status=skipped]{--c:#57606a}
.outcome[data-status=skipped]>.mark{background:#fff;border:2px solid var(--c);box-sizing:border-box}
.outcome[data-status=failed]{--c:#cf222e}
.outcome .mark{width:.65rem;height:.65rem}
.hook{font-weight:600}
.restart{color:#9a6700}
.pass ul.problems{margin:.15rem 0 0 1.2rem;list-style:disc}
.empty{color:#57606a}
.drift{margin:0 0 1rem;padding:.6rem .9rem;border:1px solid #d4a72c;border-left:6px solid #9a6700;border-radius:6px;background:#fff8c5}
.in-progress{margin:0 0 1rem;padding:.6rem .9rem;border:1px solid #54aeff;border-left:6px solid #0969da;border-radius:6px;background:#ddf4ff}
.last-good{margin:0 0 1rem;padding:.6rem .9rem;border:1px solid #ff8182;border-left:6px solid #cf222e;border-radius:6px;background:#ffebe9}`;

/**
 * Renders the reload history as a self-contained HTML page (inline CSS, no
 * script, no external asset): a timeline, newest first. Each pass shows its
 * status as a text label, a colour and a marker shape (so neither a
 * colour-blind reader nor a grey-scale print depends on the colour); the
 * generation it produced, or the one it kept when it failed; its start in
 * UTC and its duration; what triggered it (with counts when it answered
 * several requests); the digest of the file it loaded; the paths that
 * changed; every hook's outcome (applied, skipped, or failed with its
 * error); the load error; and the fields that need a restart.
 *
 * It reads the input by its types ({@linkcode ReloadResult},
 * {@linkcode HookOutcome}), so a renamed field fails type checking here.
 * Every value is escaped as the text `String()` gives it, whatever its
 * type at run time; a value that cannot be turned into text (a `toString`
 * that throws) throws, and the handler answers a bare 500, never half a
 * page.
 *
 * @param input What to show.
 * @returns The page.
 */
export function renderHistoryPage(input: PageInput): string {
  const { generation, digest, url } = input;
  const items = input.history.map(renderPass);
  const page = url === undefined ? undefined : pageAddress(url);
  const refresh = page?.refresh;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${
    refresh === undefined
      ? ""
      : `<meta http-equiv="refresh" content="${refresh}">\n`
  }<title>Config reloads: generation ${esc(generation)}</title>
<style>
${STYLE}
</style>
</head>
<body>
<h1>Config reloads</h1>
<p class="meta">${esc(input.configPath)} · generation <b>${
    esc(generation)
  }</b> · ${
    digest === null || digest === undefined
      ? "digest unknown"
      : `<code>${esc(digest)}</code>`
  }</p>
${renderInProgress(input.inProgress)}${renderLastGood(input.runningFrom)}${
    renderDrift(input.drift)
  }${page === undefined ? "" : renderNav(page)}<p class="legend">${
    [...STATUSES].map(([status, { colour, label }]) =>
      `<span style="--c:${colour}"><span class="mark ${status}"></span>${label}</span>`
    ).join("")
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

// The line of a pass that has not ended yet.
function renderInProgress(running: PassInProgress | null | undefined): string {
  if (running === null || running === undefined) return "";
  const since = time(running.started_at);
  return `<p class="in-progress" role="status"><b>${
    running.dry_run === true
      ? "A dry run is in progress"
      : "A reload pass is in progress"
  }</b>, triggered by ${esc(running.trigger)}, since ${
    since === undefined
      ? "an unknown time"
      : `<time datetime="${since.iso}">${since.text}</time>`
  }; its result appears below when it ends.</p>\n`;
}

// The banner of a service that started from its last known-good config.
function renderLastGood(from: "source" | "last_good" | undefined): string {
  if (from !== "last_good") return "";
  return `<p class="last-good" role="alert"><b>Running from the last known-good config</b>: at start-up the sources did not load or a check refused them. It stays in effect until a reload from the sources succeeds.</p>\n`;
}

// The banner of a config that is not what its sources hold.
function renderDrift(drift: Drift | null | undefined): string {
  if (drift === null || drift === undefined) return "";
  const { digest } = drift;
  const since = time(drift.since);
  return `<p class="drift" role="alert"><b>The source differs from the running config</b> since ${
    since === undefined
      ? "an unknown time"
      : `<time datetime="${since.iso}">${since.text}</time>`
  }: ${
    digest === null || digest === undefined
      ? "a source cannot be read"
      : `the source holds <code>${esc(digest)}</code>`
  }.</p>\n`;
}

/** Where the page was asked for: its links, relative, and its refresh. */
interface PageAddress {
  /** The page itself, without query. */
  self: string;
  /** `<prefix>/history` and `<prefix>/metrics`, relative to the page. */
  history: string;
  metrics: string;
  /** The refresh asked for, in seconds, if valid. */
  refresh?: number;
}

/**
 * The relative links of a page at `url`: the page at `/a/reload` links to
 * `./reload/history`, at `/a/reload/` to `./history` (and at `/a/reload//`
 * to `../history`, as the handler ignores final slashes). `./` keeps a
 * segment with a colon from being read as a scheme.
 */
function pageAddress(url: string): PageAddress {
  const path = rawPath(url) ?? "/";
  let slashes = 0;
  while (slashes < path.length && path[path.length - 1 - slashes] === "/") {
    slashes++;
  }
  const base = slashes > 0
    ? "./" + "../".repeat(slashes - 1)
    : `./${path.slice(path.lastIndexOf("/") + 1)}/`;
  const self = slashes > 0 ? "./" : base.slice(0, -1);
  const query = url.indexOf("?");
  let refresh: number | undefined;
  if (query !== -1) {
    const hash = url.indexOf("#", query);
    const params = new URLSearchParams(
      url.slice(query + 1, hash === -1 ? undefined : hash),
    );
    const asked = params.get("refresh");
    if (asked !== null && /^[0-9]{1,4}$/.test(asked)) {
      const seconds = Number(asked);
      if (seconds >= MIN_REFRESH && seconds <= MAX_REFRESH) refresh = seconds;
    }
  }
  return {
    self,
    history: `${base}history`,
    metrics: `${base}metrics`,
    ...(refresh !== undefined && { refresh }),
  };
}

/** The links to the JSON, the history, the metrics and the refresh. */
function renderNav(page: PageAddress): string {
  const choice = (seconds: number | undefined, text: string) =>
    seconds === page.refresh
      ? `<b>${text}</b>`
      : `<a href="${
        esc(seconds === undefined ? page.self : `?refresh=${seconds}`)
      }">${text}</a>`;
  return `<nav><a href="${
    esc(`${page.self}?format=json`)
  }" type="application/json">status JSON</a> · <a href="${
    esc(page.history)
  }" type="application/json">history JSON</a> · <a href="${
    esc(page.metrics)
  }" type="text/plain">metrics</a> · auto-refresh: ${
    [
      choice(undefined, "off"),
      choice(10, "10 s"),
      choice(60, "1 min"),
      ...(page.refresh === undefined || page.refresh === 10 ||
          page.refresh === 60
        ? []
        : [choice(page.refresh, `${page.refresh} s`)]),
    ].join(" ")
  }</nav>\n`;
}

/** One pass of the timeline. */
function renderPass(result: ReloadResult): string {
  const { status } = result;
  const look = STATUSES.get(status);
  const statusText = String(status);
  const started = time(result.started_at);
  const ended = time(result.ended_at);
  const ms = started !== undefined && ended !== undefined
    ? ended.ms - started.ms
    : NaN;
  const generation = esc(result.generation);
  const kept = KEEPS.has(status);
  const lines = [
    renderDigest(result.config_digest),
    renderChanged(result.changed, result.changed_omitted),
    renderOutcomes(result.outcomes, kept),
  ];
  const loadError = result.load_error;
  const notes = [
    ...(loadError === undefined ? [] : [renderLoadError(String(loadError))]),
    ...(result.requires_restart ?? []).map((f) =>
      `<li class="restart">restart needed: <code>${esc(f)}</code></li>`
    ),
  ];
  return `<li class="pass" data-status="${esc(statusText)}" style="--c:${
    look?.colour ?? UNKNOWN_COLOUR
  }"><span class="mark"></span>
  <div class="head"><span class="status">${
    esc(look?.label ?? statusText.replaceAll("_", " "))
  }</span> <span class="gen">${
    kept ? `kept generation ${generation}` : `generation ${generation}`
  }</span>
  ${
    started === undefined
      ? `<span class="when">${esc(result.started_at)}</span>`
      : `<time datetime="${started.iso}">${started.text}</time>`
  }
  <span class="ms">${Number.isFinite(ms) ? duration(ms) : "? ms"}</span>
  ${renderTrigger(result.trigger, result.triggers)}</div>${
    [
      ...lines.filter((l) => l !== ""),
      ...(notes.length === 0
        ? []
        : [`<ul class="notes">${notes.join("")}</ul>`]),
    ].map((l) => `\n  ${l}`).join("")
  }
</li>`;
}

/** `triggered by signal`, and `(3 requests: signal 2, http 1)` for several. */
function renderTrigger(
  trigger: string,
  triggers: Record<string, number> | undefined,
): string {
  let counts = "";
  const entries = Object.entries(triggers ?? {});
  if (entries.length > 0) {
    let total = 0;
    for (const [, n] of entries) total += n;
    const shown = entries.slice(0, MAX_LISTED).map(([kind, n]) =>
      `${esc(kind)} ${esc(n)}`
    );
    if (entries.length > MAX_LISTED) {
      shown.push(`and ${entries.length - MAX_LISTED} more`);
    }
    counts = ` (${Number.isSafeInteger(total) ? `${total} requests: ` : ""}${
      shown.join(", ")
    })`;
  }
  if (trigger === undefined && counts === "") return "";
  return `<span class="trigger">triggered by ${esc(trigger)}${counts}</span>`;
}

// A load error as it reads: its first line, then one problem a line.
function renderLoadError(text: string): string {
  const [head, ...problems] = text.split("\n");
  return `<li class="load">${esc(head)}${
    problems.length === 0
      ? ""
      : `<ul class="problems">${
        problems.map((p) => `<li>${esc(p.trim())}</li>`).join("")
      }</ul>`
  }</li>`;
}

/** The digest of the file the pass loaded, if it says. */
function renderDigest(digest: string | undefined): string {
  return digest === undefined
    ? ""
    : `<p class="digest">digest <code>${esc(digest)}</code></p>`;
}

/** The changed paths, and how many more there were. */
function renderChanged(
  paths: readonly string[] | undefined,
  omitted: number | undefined,
): string {
  if (paths === undefined) return "";
  const more = Math.max(0, paths.length - MAX_LISTED) +
    (Number.isSafeInteger(omitted) && omitted! > 0 ? omitted! : 0);
  if (paths.length === 0 && more === 0) {
    return `<p class="changed">nothing changed</p>`;
  }
  return `<p class="changed">changed: ${
    paths.slice(0, MAX_LISTED).map((p) => `<code>${esc(p)}</code>`)
      .join(", ")
  }${more > 0 ? ` and ${more} more` : ""}</p>`;
}

/** Every hook's outcome: applied, skipped, or failed with its error. */
function renderOutcomes(
  outcomes: readonly HookOutcome[],
  checks: boolean,
): string {
  if (outcomes.length === 0) return "";
  const items = outcomes.map(({ name, status, error }) => {
    return `<li class="outcome" data-status="${
      esc(status)
    }"><span class="mark"></span><span class="hook">${esc(name)}</span> ${
      esc(status)
    }${
      status === "failed" || error !== undefined ? `: ${esc(error ?? "")}` : ""
    }</li>`;
  });
  return `<ul class="outcomes" aria-label="${
    checks ? "hook checks (nothing applied)" : "hooks"
  }">${items.join("")}</ul>`;
}

/** A strict ISO 8601 UTC time, normalized, and as `2026-11-27 03:30:57 UTC`. */
function time(
  value: string,
): { ms: number; iso: string; text: string } | undefined {
  if (
    typeof value !== "string" ||
    !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?Z$/.test(value)
  ) return undefined;
  const ms = Date.parse(value);
  if (!Number.isFinite(ms)) return undefined;
  const iso = new Date(ms).toISOString();
  return { ms, iso, text: `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC` };
}

/** `3 ms`, `1.234 s`, `2 min 5 s`. */
function duration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(3)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.floor(ms % 60_000 / 1000)} s`;
}

/**
 * `text` as HTML text or attribute value: as `String()` gives it, so that
 * whatever a result holds at run time is escaped (or throws), never
 * written as markup.
 */
function esc(text: string | number): string {
  return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(
    />/g,
    "&gt;",
  ).replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}
