/**
 * A node:http service (Node.js, or Bun's and Deno's node:http) that reads
 * its config on every request and reloads it on SIGHUP or
 * `POST /-/reload` (admin port, loopback only).
 *
 *   npm run build && node build/examples/node_http.js [config.yaml]
 *
 * @module
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import process from "node:process";
import { z } from "zod";
import { Coordinator } from "hup-reload";
import { nodeListener, reloadHandler } from "hup-reload/http";

const schema = z.strictObject({
  // log_level is demo.ts's: accepted so that the shared config.yaml loads.
  server: z.strictObject({ port: z.number().int(), log_level: z.string() }),
  greeting: z.strictObject({ text: z.string().min(1), shout: z.boolean() }),
});

/** The greeting, upper-cased when the config says shout. */
function greet({ text, shout }: { text: string; shout: boolean }): string {
  return shout ? text.toUpperCase() : text;
}

const path = process.argv[2] ??
  new URL("./config.yaml", import.meta.url).pathname;
const coordinator = await Coordinator.create({
  configPath: path,
  schema,
  nonReloadable: ["server.port"],
});
const config = coordinator.config;
coordinator.watch();
coordinator.addEventListener("reload", ({ result }) => {
  console.log(`reload: ${result.status}, generation ${result.generation}`);
});

const app = createServer((_req, res) => {
  const { config: c, generation } = config.snapshot();
  res.setHeader("x-config-generation", String(generation));
  res.end(`${greet(c.greeting)}, world\n`);
});
const admin = createServer(
  nodeListener(reloadHandler(coordinator, { allowUnauthenticated: true })),
);
app.listen(config.load().server.port, "127.0.0.1", () => {
  admin.listen(0, "127.0.0.1", () => {
    const port = (server: typeof app) => (server.address() as AddressInfo).port;
    console.log(`node:http example, PID ${process.pid}
  serving:  http://127.0.0.1:${port(app)}/
  admin:    http://127.0.0.1:${port(admin)}/-/reload
  reload:   kill -HUP ${process.pid}`);
  });
});
