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
import { z } from "zod";
import { Coordinator } from "../../mod.ts";
import { reloadHandler } from "../../http.ts";
import { fileChanges } from "../../watch.ts";

const schema = z.strictObject({
  server: z.strictObject({ port: z.number().int() }),
  greeting: z.strictObject({ text: z.string().min(1) }),
});

const path = Deno.args[0] ?? "/etc/hup-demo/config.yaml";
const coordinator = await Coordinator.create({
  configPath: path,
  schema,
  nonReloadable: ["server.port"],
  // The kubelet swaps the ConfigMap volume's `..data` link: reload on it.
  triggers: [fileChanges()],
});
const config = coordinator.config;
coordinator.watch();
coordinator.addEventListener("reload", ({ result }) => {
  console.log(`reload: ${result.status}, generation ${result.generation}`);
});
const admin = reloadHandler(coordinator, {
  token: Deno.env.get("RELOAD_TOKEN") || undefined,
});

Deno.serve({
  hostname: Deno.env.get("DEMO_HOST") ?? "0.0.0.0",
  port: config.load().server.port,
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
