// A real etcd server for benchmark 7, as tests/_etcd.ts starts one for the
// tests (its lines, in plain JavaScript for the runner): found as HUP_ETCD,
// else `etcd` on the PATH; one member on 127.0.0.1 with free ports and a
// temp data directory; written to through its JSON gateway (plain HTTP),
// so the benchmark's puts never go through the client under test.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import process from "node:process";
import { Buffer } from "node:buffer";

/** The line printed, once, when the etcd row cannot run. */
export const NO_ETCD =
  "etcd row did not run: no etcd binary (install Debian's etcd-server: apt-get install etcd-server; or set HUP_ETCD to an etcd binary)";

const START_WAIT = 20_000;

/** HUP_ETCD when it names an executable file, else `etcd` on the PATH. */
export async function findEtcd() {
  const candidates = [];
  const named = process.env.HUP_ETCD;
  if (named !== undefined && named !== "") candidates.push(named);
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (dir !== "") candidates.push(join(dir, "etcd"));
  }
  for (const candidate of candidates) {
    try {
      const found = await stat(candidate);
      if (found.isFile() && (found.mode & 0o111) !== 0) return candidate;
    } catch {
      // not this one
    }
  }
  return undefined;
}

// Ports nothing listens on now, all different: each held until all are found.
async function freePorts(count) {
  const servers = Array.from({ length: count }, () => createServer());
  for (const server of servers) {
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
  }
  const ports = servers.map((server) => server.address().port);
  await Promise.all(servers.map((server) => {
    const closed = once(server, "close");
    server.close();
    return closed;
  }));
  return ports;
}

const base64 = (text) => Buffer.from(text).toString("base64");

/**
 * Starts one etcd member; resolves once it answers `/health`. A port taken
 * between its choice and etcd's start makes etcd exit at once: it is then
 * tried twice more, on other ports.
 *
 * @returns `{ endpoint, version, put(key, value), stop() }`.
 */
export async function startEtcd(binary) {
  for (let attempt = 1;; attempt++) {
    const dir = await mkdtemp(join(tmpdir(), "hup-bench-etcd-"));
    const [client, peer] = await freePorts(2);
    const endpoint = `http://127.0.0.1:${client}`;
    const peerUrl = `http://127.0.0.1:${peer}`;
    const child = spawn(binary, [
      "--name=default",
      `--data-dir=${join(dir, "data")}`,
      `--listen-client-urls=${endpoint}`,
      `--advertise-client-urls=${endpoint}`,
      `--listen-peer-urls=${peerUrl}`,
      `--initial-advertise-peer-urls=${peerUrl}`,
      `--initial-cluster=default=${peerUrl}`,
      // A member alone elects itself at once instead of after about a
      // second.
      "--heartbeat-interval=10",
      "--election-timeout=100",
    ], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk) => stderr = (stderr + chunk).slice(-8192));
    let exited;
    const gone = new Promise((resolve) => {
      child.on(
        "error",
        (e) => resolve(exited = `could not start: ${e.message}`),
      );
      child.on(
        "exit",
        (code, sig) => resolve(exited = `exited (${sig ?? code})`),
      );
    });
    const stop = async () => {
      if (exited === undefined) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
        await gone;
        clearTimeout(timer);
      }
      await rm(dir, { recursive: true, force: true });
    };
    const deadline = Date.now() + START_WAIT;
    let health;
    while (exited === undefined && Date.now() < deadline) {
      try {
        const response = await fetch(`${endpoint}/health`);
        health = await response.json();
        if (health.health === "true") break;
      } catch {
        // not yet
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    if (exited === undefined && health?.health === "true") {
      const version = await fetch(`${endpoint}/version`)
        .then((r) => r.json()).then((v) => v.etcdserver, () => "?");
      const put = async (key, value) => {
        const response = await fetch(`${endpoint}/v3/kv/put`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ key: base64(key), value: base64(value) }),
        });
        const answer = await response.json();
        if (!response.ok) {
          throw new Error(`etcd answered a put with ${response.status}`);
        }
        return answer.header.revision;
      };
      return { endpoint, version, put, stop };
    }
    const early = exited;
    await stop();
    if (early === undefined || attempt === 3) {
      throw new Error(`etcd ${early ?? "did not answer in time"}:\n${stderr}`);
    }
  }
}
