/**
 * A Deno service for Kubernetes: its config comes from a ConfigMap mounted as
 * a directory, and it reloads when the kubelet swaps in a new version (the
 * `..data` symlink swap) — no signal needed. SIGHUP still works.
 *
 *   deno run --allow-net --allow-read=/etc/hup-demo --allow-env=DEMO_PORT \
 *     examples/kubernetes/app.ts /etc/hup-demo/config.yaml
 *
 * @module
 */
import {
  AtomicConfig,
  Coordinator,
  loadConfig,
  reloadHandler,
} from "../../mod.ts";

interface Config {
  server: { port: number };
  greeting: { text: string };
}

const path = Deno.args[0] ?? "/etc/hup-demo/config.yaml";
const config = new AtomicConfig(await loadConfig(path) as unknown as Config);
const coordinator = new Coordinator({
  configPath: path,
  config,
  nonReloadable: ["server.port"],
  watchFile: true, // the ConfigMap volume is updated in place by the kubelet
});
coordinator.watch();
coordinator.addEventListener("reload", ({ result }) => {
  console.log(`reload: ${result.status}, generation ${result.generation}`);
});
const admin = reloadHandler(coordinator, {
  token: Deno.env.get("RELOAD_TOKEN") || undefined,
});

Deno.serve({
  hostname: Deno.env.get("DEMO_HOST") ?? "0.0.0.0",
  port: config.load()!.server.port,
  onListen({ hostname, port }) {
    console.log(`Kubernetes example, PID ${Deno.pid}
  serving:  http://${hostname}:${port}/
  admin:    http://${hostname}:${port}/-/reload
  config:   ${path}`);
  },
}, (request) => {
  const url = new URL(request.url);
  if (url.pathname === "/healthz") return new Response("ok\n");
  if (url.pathname.startsWith("/-/reload")) return admin(request);
  const { config: c, generation } = config.snapshot();
  return new Response(`${c.greeting.text}, world\n`, {
    headers: { "x-config-generation": String(generation) },
  });
});
