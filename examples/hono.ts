/**
 * A Hono app on Deno.serve: the reload handler mounts as a route, since it
 * is a plain `Request => Response` function.
 *
 *   deno run --allow-net=127.0.0.1 --allow-read=examples --allow-env=DEMO_PORT examples/hono.ts
 *
 * @module
 */
import { Hono } from "hono";
import { z } from "zod";
import { Coordinator } from "../mod.ts";
import { reloadHandler } from "../http.ts";

const schema = z.strictObject({
  // log_level is demo.ts's: accepted so that the shared config.yaml loads.
  server: z.strictObject({ port: z.number().int(), log_level: z.string() }),
  greeting: z.strictObject({ text: z.string().min(1), shout: z.boolean() }),
});

/** The greeting, upper-cased when the config says shout. */
function greet({ text, shout }: { text: string; shout: boolean }): string {
  return shout ? text.toUpperCase() : text;
}

const path = Deno.args[0] ??
  new URL("./config.yaml", import.meta.url).pathname;
const coordinator = await Coordinator.create({ configPath: path, schema });
const config = coordinator.config;
coordinator.watch();
coordinator.addEventListener("reload", ({ result }) => {
  console.log(`reload: ${result.status}, generation ${result.generation}`);
});
const admin = reloadHandler(coordinator, { allowUnauthenticated: true });

const app = new Hono();
app.all("/-/reload/*", (c) => admin(c.req.raw));
app.all("/-/reload", (c) => admin(c.req.raw));
app.get("/", (c) => {
  const { config: cfg, generation } = config.snapshot();
  c.header("x-config-generation", String(generation));
  return c.text(`${greet(cfg.greeting)}, world\n`);
});

Deno.serve({
  hostname: "127.0.0.1",
  port: config.load().server.port,
  onListen({ port }) {
    console.log(`Hono example, PID ${Deno.pid}
  serving:  http://127.0.0.1:${port}/
  admin:    http://127.0.0.1:${port}/-/reload
  reload:   kill -HUP ${Deno.pid}`);
  },
}, app.fetch);
