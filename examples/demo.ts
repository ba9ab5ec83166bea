/**
 * The demo service: serves a greeting from its config on 127.0.0.1 and
 * reloads the config on SIGHUP.
 *
 *   npm run demo          (or: deno task demo)
 *   curl http://127.0.0.1:8000/
 *   kill -HUP <pid>       (after editing examples/config.yaml)
 *   curl http://127.0.0.1:8000/-/reload
 *   curl -sS --fail-with-body -X POST http://127.0.0.1:8000/-/reload
 *
 * DEMO_PORT picks the port (examples/config.yaml reads it; 0 lets the
 * system choose) and DEMO_TOKEN, when set, is the bearer token POST needs.
 *
 * @module
 */
import { configure, getConsoleSink, getTextFormatter } from "@logtape/logtape";
import { z } from "zod";
import { Coordinator, type Hook, HookStatus, LoadError } from "../mod.ts";
import { reloadHandler } from "../http.ts";
import { logLevelHook, LogLevelVar } from "../log_level.ts";

// What the config must hold; every reload is checked against it too.
// Strict objects: a misspelt key (prot: 8081) is an error, not ignored
// while a default takes its place.
const schema = z.strictObject({
  server: z.strictObject({
    port: z.number().int().min(0).max(65535),
    log_level: z.enum([
      "trace",
      "debug",
      "info",
      "warning",
      "warn",
      "error",
      "fatal",
    ])
      .default("info"),
  }),
  greeting: z.strictObject({
    text: z.string().trim().min(1),
    shout: z.boolean().default(false),
  }),
});
type DemoConfig = z.infer<typeof schema>;

// The bundled config, or the path given as the first argument.
const configPath = Deno.args[0] ??
  new URL("./config.yaml", import.meta.url).pathname;

// The log level follows server.log_level on every reload.
const level = new LogLevelVar("info");
// Strings as they are ("bare"), so that a log line reads the same on
// every runtime (each quotes strings its own way otherwise).
await configure({
  sinks: {
    console: getConsoleSink({ formatter: getTextFormatter({ value: "bare" }) }),
  },
  filters: { level: level.filter },
  loggers: [
    { category: ["hup-reload"], sinks: ["console"], filters: ["level"] },
    { category: ["demo"], sinks: ["console"], filters: ["level"] },
    { category: ["logtape", "meta"], sinks: ["console"], lowestLevel: "error" },
  ],
});

// What the service serves; the greeting hook swaps it on reload.
let greeting = "";
function render(c: DemoConfig): string {
  const text = `${c.greeting.text}, world`;
  return c.greeting.shout ? `${text.toUpperCase()}!` : `${text}.`;
}

const greetingHook: Hook<DemoConfig> = {
  name: "greeting",
  check(_old, next) {
    if (/[<>]/.test(next.greeting.text)) {
      throw new TypeError(
        "Cannot use the greeting as it holds < or >: greeting.text",
      );
    }
  },
  apply(_ctx, old, next) {
    const rendered = render(next);
    if (rendered === render(old)) return HookStatus.Skipped;
    greeting = rendered;
    return HookStatus.Applied;
  },
};

let coordinator: Coordinator<DemoConfig>;
try {
  // Loads the start-up config exactly as every reload will.
  coordinator = await Coordinator.create({
    configPath,
    schema,
    // The port is bound once: a change is reported, not applied.
    nonReloadable: ["server.port"],
    hooks: [
      logLevelHook(level, (c: DemoConfig) => c.server.log_level, {
        field: "server.log_level",
      }),
      greetingHook,
    ],
  });
} catch (error) {
  console.error(error instanceof LoadError ? error.message : error);
  Deno.exit(1);
}
const config = coordinator.config;
greeting = render(config.load());
level.set(config.load().server.log_level);

// The operator surface under /-/reload. POST needs DEMO_TOKEN when it is
// set; without one it is open, which is fine only because the demo listens
// on 127.0.0.1.
const token = Deno.env.get("DEMO_TOKEN") || undefined;
const operator = reloadHandler(coordinator, {
  token,
  allowUnauthenticated: token === undefined,
});
const port = config.load().server.port;
let server: Deno.HttpServer;
try {
  server = serve();
} catch (error) {
  if (!(error instanceof Deno.errors.AddrInUse)) throw error;
  // A busy port is the usual first-run problem: say what to do about it.
  console.error(
    `Cannot start the demo as 127.0.0.1:${port} is already in use: pick another port with DEMO_PORT, e.g. DEMO_PORT=${
      port === 65535 ? 8000 : port + 1
    } npm run demo (DEMO_PORT=0 picks a free one)`,
  );
  Deno.exit(1);
}

function serve(): Deno.HttpServer {
  return Deno.serve({
    hostname: "127.0.0.1",
    port,
    onListen({ port }) {
      const base = `http://127.0.0.1:${port}`;
      const auth = token === undefined
        ? ""
        : ' -H "Authorization: Bearer $DEMO_TOKEN"';
      console.log(`hup-reload demo, PID ${Deno.pid}
  serving:  ${base}/
  admin:    ${base}/-/reload  (JSON; open it in a browser for the history)
  metrics:  ${base}/-/reload/metrics
  config:   ${configPath}
  reload:   kill -HUP ${Deno.pid}
       or:  curl -sS --fail-with-body -X POST${auth} ${base}/-/reload
  stop:     Ctrl-C`);
    },
  }, (request) => {
    const url = new URL(request.url);
    if (url.pathname.startsWith("/-/reload")) return operator(request);
    if (url.pathname === "/") {
      const { generation } = config.snapshot();
      return new Response(`${greeting}\n`, {
        headers: { "x-config-generation": String(generation) },
      });
    }
    return new Response("Not Found\n", { status: 404 });
  });
}
coordinator.watch();

Deno.addSignalListener("SIGINT", async () => {
  await coordinator.shutdown();
  await server.shutdown();
  Deno.exit(0);
});
