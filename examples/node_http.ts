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
import {
  AtomicConfig,
  Coordinator,
  loadConfig,
  nodeListener,
  reloadHandler,
} from "hup-reload";

interface Config {
  server: { port: number };
  greeting: { text: string };
}

const path = process.argv[2] ??
  new URL("./config.yaml", import.meta.url).pathname;
const config = new AtomicConfig(await loadConfig(path) as unknown as Config);
const coordinator = new Coordinator({
  configPath: path,
  config,
  nonReloadable: ["server.port"],
});
coordinator.watch();
coordinator.addEventListener("reload", ({ result }) => {
  console.log(`reload: ${result.status}, generation ${result.generation}`);
});

const app = createServer((_req, res) => {
  const { config: c, generation } = config.snapshot();
  res.setHeader("x-config-generation", String(generation));
  res.end(`${c.greeting.text}, world\n`);
});
const admin = createServer(
  nodeListener(reloadHandler(coordinator, { allowUnauthenticated: true })),
);
app.listen(config.load()!.server.port, "127.0.0.1", () => {
  admin.listen(0, "127.0.0.1", () => {
    const port = (server: typeof app) => (server.address() as AddressInfo).port;
    console.log(`node:http example, PID ${process.pid}
  serving:  http://127.0.0.1:${port(app)}/
  admin:    http://127.0.0.1:${port(admin)}/-/reload
  reload:   kill -HUP ${process.pid}`);
  });
});
