// The routes of the operator surface, one entry each. The handler does the
// rest the same way for every route: it checks the path and the host,
// answers 404 and 405, asks for the token (`read` routes only with
// protectReads; `write` routes always, and refuses cross-origin browsers),
// drops the body of HEAD, and puts the safe headers on every response.
// A read-only route is an entry here and its serve function in a file of
// its own; a test that walks this table covers it on every guard.

import { serveHistory } from "./route_history.ts";
import { serveMetrics } from "./route_metrics.ts";
import { serveReload } from "./route_reload.ts";
import { serveStatus } from "./route_status.ts";
import type { ReloadControl, ReloadView } from "./view.ts";

/** A route that only reads: `GET` and `HEAD`, behind `protectReads`. */
export interface ReadRoute {
  /** The path after the prefix: `""` for the prefix itself, else `/name`. */
  readonly path: string;
  /** The methods it answers. */
  readonly methods: readonly ("GET" | "HEAD")[];
  /** Who may use it: the token only with `protectReads`. */
  readonly access: "read";
  /** Builds the answer from what the view reports, changing nothing. */
  readonly serve: (
    request: Request,
    view: ReloadView,
  ) => Response | Promise<Response>;
}

/**
 * A route that runs something: it needs the token (or
 * `allowUnauthenticated`), a request from the same origin, and a view that
 * can reload (without one, the route is not mounted).
 */
export interface WriteRoute {
  /** The path after the prefix. */
  readonly path: string;
  /** The methods it answers. */
  readonly methods: readonly ("POST" | "PUT")[];
  /** Who may use it: the token, or `allowUnauthenticated`. */
  readonly access: "write";
  /** Runs it and answers. */
  readonly serve: (
    request: Request,
    control: ReloadControl,
  ) => Promise<Response>;
}

/** One route of the operator surface. */
export type Route = ReadRoute | WriteRoute;

const READ = ["GET", "HEAD"] as const;

/** Every route, in the order `Allow` lists the methods of a path. */
export const ROUTES: readonly Route[] = [
  { path: "", methods: READ, access: "read", serve: serveStatus },
  // PUT too, as Prometheus accepts for its own reload.
  { path: "", methods: ["POST", "PUT"], access: "write", serve: serveReload },
  { path: "/metrics", methods: READ, access: "read", serve: serveMetrics },
  { path: "/history", methods: READ, access: "read", serve: serveHistory },
];
