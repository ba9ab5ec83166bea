/**
 * A service that forwards every request to its upstream through a pool of
 * keep-alive connections, a `node:http` Agent sized by the config. The
 * `resource()` hook builds a new Agent when `upstream.pool` changes (in the
 * check phase: a pool that cannot be built fails the reload), swaps it in,
 * and destroys the old one `DEMO_DRAIN_MS` (2 s) later, once the requests
 * it carries have finished. A reload that another hook refuses destroys the
 * Agent it built at once: every pool built is destroyed exactly once.
 *
 * The upstream is a small server in the same process, standing in for the
 * database or service a real pool talks to.
 *
 *   deno run --allow-net=127.0.0.1 --allow-read=examples --allow-env=DEMO_PORT,DEMO_DRAIN_MS examples/agent_pool.ts
 *   bun examples/agent_pool.ts
 *
 * @module
 */
import { Agent, createServer, get, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import process from "node:process";
import { z } from "zod";
import { Coordinator, type Hook, HookStatus, resource } from "hup-reload";
import { nodeListener, reloadHandler } from "hup-reload/http";

const schema = z.strictObject({
  server: z.strictObject({ port: z.number().int() }),
  upstream: z.strictObject({
    path: z.string(),
    pool: z.strictObject({
      max_sockets: z.number(),
      keep_alive_ms: z.number(),
    }),
  }),
});
type Config = z.infer<typeof schema>;

/** An Agent, numbered for the logs. */
interface Pool {
  id: number;
  agent: Agent;
}

const path = process.argv[2] ??
  new URL("./agent_pool.yaml", import.meta.url).pathname;
// How long a swapped-out pool keeps carrying its requests in flight.
const drainMs = Number(process.env.DEMO_DRAIN_MS ?? 2_000);

let pools = 0;
const pool = resource({
  name: "upstream_pool",
  select: (c: Config) => c.upstream.pool,
  // Runs in the check phase: a pool it refuses fails the reload.
  build: ({ max_sockets, keep_alive_ms }): Pool => {
    // new Agent() takes 0, and then never sends a request.
    if (!(Number.isInteger(max_sockets) && max_sockets >= 1)) {
      throw new RangeError(
        "Cannot size the pool as max_sockets is not a whole number from 1: upstream.pool.max_sockets",
      );
    }
    const agent = new Agent({
      keepAlive: true,
      keepAliveMsecs: keep_alive_ms,
      maxSockets: max_sockets,
    });
    const id = ++pools;
    console.log(`pool #${id} built: max_sockets ${max_sockets}`);
    return { id, agent };
  },
  close: ({ id, agent }) => {
    agent.destroy();
    console.log(`pool #${id} closed`);
  },
  drainMs,
});

// The path is read on every request; a check keeps a bad one out.
const upstreamPath: Hook<Config> = {
  name: "upstream_path",
  check(_old, next) {
    if (!next.upstream.path.startsWith("/")) {
      throw new Error(
        'Cannot ask the upstream as the path does not start with "/": upstream.path',
      );
    }
  },
  apply: (ctx) =>
    ctx.changed("upstream.path") ? HookStatus.Applied : HookStatus.Skipped,
};

const coordinator = await Coordinator.create({
  configPath: path,
  schema,
  nonReloadable: ["server.port"],
  hooks: [pool, upstreamPath],
});
const config = coordinator.config;
await pool.init(config.load()); // the start-up pool
coordinator.watch();
coordinator.addEventListener("reload", ({ result }) => {
  console.log(`reload: ${result.status}, generation ${result.generation}`);
});

/** Listens on 127.0.0.1 and resolves with the port. */
function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve) =>
    server.listen(
      port,
      "127.0.0.1",
      () => resolve((server.address() as AddressInfo).port),
    )
  );
}

const upstream = createServer((req, res) => {
  if (req.url !== "/greeting") res.statusCode = 404;
  res.end(req.url === "/greeting" ? "Hello from upstream" : "Not found");
});
const upstreamPort = await listen(upstream, 0);

const app = createServer((_req, res) => {
  const { id, agent } = pool.get(); // the pool in effect, on every request
  const { upstream: { path } } = config.load();
  get({ host: "127.0.0.1", port: upstreamPort, path, agent }, (answer) => {
    let body = "";
    answer.setEncoding("utf8");
    answer.on("data", (chunk) => body += chunk);
    answer.on("end", () => {
      res.setHeader("x-pool", String(id));
      res.statusCode = answer.statusCode ?? 502;
      res.end(`${body} (pool #${id})\n`);
    });
  }).on("error", (error) => {
    res.statusCode = 502;
    res.end(`Cannot reach the upstream: ${error.message}\n`);
  });
});
const admin = createServer(
  nodeListener(reloadHandler(coordinator, { allowUnauthenticated: true })),
);
const port = await listen(app, config.load().server.port);
const adminPort = await listen(admin, 0);
console.log(`agent pool example, PID ${process.pid}
  serving:  http://127.0.0.1:${port}/
  admin:    http://127.0.0.1:${adminPort}/-/reload
  reload:   kill -HUP ${process.pid}`);

// On SIGTERM: stop serving, let the running pass end, close every pool.
process.on("SIGTERM", async () => {
  app.close();
  admin.close();
  upstream.close();
  await coordinator.shutdown();
  await pool.close();
  process.exit(0);
});
