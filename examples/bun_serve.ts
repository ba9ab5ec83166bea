/**
 * A Bun.serve service that reads its config on every request and serves the
 * reload status and POST under /-/reload.
 *
 *   bun examples/bun_serve.ts [config.yaml]
 *
 * @module
 */
import process from "node:process";
import { z } from "zod";
import { Coordinator } from "hup-reload";
import { reloadHandler } from "hup-reload/http";

// Just what this example uses of Bun's types.
declare const Bun: {
  serve(options: {
    hostname: string;
    port: number;
    fetch(request: Request): Response | Promise<Response>;
  }): { port: number };
};

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
const coordinator = await Coordinator.create({ configPath: path, schema });
const config = coordinator.config;
coordinator.watch();
coordinator.addEventListener("reload", ({ result }) => {
  console.log(`reload: ${result.status}, generation ${result.generation}`);
});
const admin = reloadHandler(coordinator, { allowUnauthenticated: true });

const server = Bun.serve({
  hostname: "127.0.0.1",
  port: config.load().server.port,
  fetch(request) {
    if (new URL(request.url).pathname.startsWith("/-/reload")) {
      return admin(request);
    }
    const { config: c, generation } = config.snapshot();
    return new Response(`${greet(c.greeting)}, world\n`, {
      headers: { "x-config-generation": String(generation) },
    });
  },
});
console.log(`Bun.serve example, PID ${process.pid}
  serving:  http://127.0.0.1:${server.port}/
  admin:    http://127.0.0.1:${server.port}/-/reload
  reload:   kill -HUP ${process.pid}`);
