// A real etcd server for the etcd source's tests: found as HUP_ETCD, else
// `etcd` on the PATH; started on 127.0.0.1 with free ports and a temp data
// directory; stopped and started again on the same ports and data; written
// to through its JSON gateway (plain HTTP), so that the tests' own writes
// never go through the client under test.

import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { connect, createServer, type Server, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import process from "node:process";
import { Buffer } from "node:buffer";

/** The line printed, once, when the etcd tests cannot run. */
export const NO_ETCD =
  "etcd tests did not run: no etcd binary (install Debian's etcd-server, or set HUP_ETCD)";

/** How long a server may take to answer after it starts. */
const START_WAIT = 20_000;
/** How long a server may take to exit after SIGTERM, before SIGKILL. */
const STOP_WAIT = 10_000;

/**
 * An executable: the file the variable `env` names, else the first `name`
 * on the PATH, else `undefined`. For etcd here, and Prometheus' binaries
 * (`_prometheus.ts`).
 */
export async function findBinary(
  name: string,
  env: string,
): Promise<string | undefined> {
  const candidates: string[] = [];
  const named = process.env[env];
  if (named !== undefined && named !== "") candidates.push(named);
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (dir !== "") candidates.push(join(dir, name));
  }
  for (const candidate of candidates) {
    // By its mode bits: on Deno, `access()` needs --allow-sys, and fails
    // without it by never settling.
    try {
      const found = await stat(candidate);
      if (found.isFile() && (found.mode & 0o111) !== 0) return candidate;
    } catch {
      // not this one
    }
  }
  return undefined;
}

/**
 * The etcd binary: `HUP_ETCD` when it names an executable file, else the
 * first executable `etcd` on the PATH, else `undefined`.
 */
export function findEtcd(): Promise<string | undefined> {
  return findBinary("etcd", "HUP_ETCD");
}

/**
 * Ports nothing listens on now, all different (another process may take
 * one later): each is held until all are found.
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers = Array.from({ length: count }, () => createServer());
  for (const server of servers) {
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
  }
  const ports = servers.map((server) => (server.address() as AddressInfo).port);
  await Promise.all(servers.map((server) => {
    const closed = once(server, "close");
    server.close();
    return closed;
  }));
  return ports;
}

const base64 = (text: string) => Buffer.from(text).toString("base64");

/** One etcd member, alone in its cluster, with its own data directory. */
export class EtcdServer implements AsyncDisposable {
  /** The client URL: `http://127.0.0.1:<port>`. */
  readonly endpoint: string;
  readonly #binary: string;
  readonly #dir: string;
  readonly #peer: string;
  #child: ChildProcess | undefined;
  #exited: Promise<unknown> = Promise.resolve();
  #stderr = "";
  #token: (() => Promise<string>) | undefined;

  private constructor(
    binary: string,
    dir: string,
    client: number,
    peer: number,
  ) {
    this.#binary = binary;
    this.#dir = dir;
    this.endpoint = `http://127.0.0.1:${client}`;
    this.#peer = `http://127.0.0.1:${peer}`;
  }

  /**
   * Starts a server with a new data directory; resolves once it answers.
   * A port taken by another process between its choice and etcd's start
   * makes etcd exit at once: it is then tried twice more, on other ports.
   */
  static async start(binary: string): Promise<EtcdServer> {
    for (let attempt = 1;; attempt++) {
      const dir = await mkdtemp(join(tmpdir(), "hup-etcd-"));
      const [client, peer] = await freePorts(2);
      const server = new EtcdServer(binary, dir, client, peer);
      try {
        await server.restart();
        return server;
      } catch (error) {
        await server[Symbol.asyncDispose]();
        if (attempt === 3 || (error as Error).cause !== "exit") throw error;
      }
    }
  }

  /** Whether the server process runs. */
  get running(): boolean {
    return this.#child !== undefined;
  }

  /**
   * Starts the server (again) on the same ports and data; resolves once it
   * answers `/health`.
   */
  async restart(): Promise<void> {
    if (this.#child !== undefined) throw new Error("etcd is already running");
    const child = spawn(this.#binary, [
      "--name=default",
      `--data-dir=${join(this.#dir, "data")}`,
      `--listen-client-urls=${this.endpoint}`,
      `--advertise-client-urls=${this.endpoint}`,
      `--listen-peer-urls=${this.#peer}`,
      `--initial-advertise-peer-urls=${this.#peer}`,
      `--initial-cluster=default=${this.#peer}`,
      // A member alone elects itself at once instead of after about a
      // second.
      "--heartbeat-interval=10",
      "--election-timeout=100",
    ], { stdio: ["ignore", "ignore", "pipe"] });
    this.#child = child;
    this.#stderr = "";
    child.stderr!.setEncoding("utf8");
    child.stderr!.on("data", (chunk: string) => {
      this.#stderr = (this.#stderr + chunk).slice(-8192);
    });
    const exited = new Promise<string>((resolve) => {
      child.on(
        "error",
        (error) => resolve(`could not start: ${error.message}`),
      );
      child.on("exit", (code, signal) => resolve(`exited (${signal ?? code})`));
    });
    this.#exited = exited.then(() => {
      if (this.#child === child) this.#child = undefined;
    });
    const deadline = Date.now() + START_WAIT;
    let early: string | undefined;
    void exited.then((why) => {
      early = why;
    });
    while (early === undefined) {
      if (await this.#healthy()) return;
      if (Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const why = early ?? `did not answer within ${START_WAIT} ms`;
    await this.stop();
    throw new Error(`etcd ${why}:\n${this.#stderr}`, {
      cause: early === undefined ? "timeout" : "exit",
    });
  }

  async #healthy(): Promise<boolean> {
    try {
      const response = await fetch(`${this.endpoint}/health`);
      const body = await response.json() as { health?: string };
      return body.health === "true";
    } catch {
      return false;
    }
  }

  /** Stops the server with SIGTERM and waits for it to exit. */
  async stop(): Promise<void> {
    const child = this.#child;
    if (child === undefined) return;
    child.kill("SIGTERM");
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<"late">((resolve) => {
      timer = setTimeout(() => resolve("late"), STOP_WAIT);
    });
    if (await Promise.race([this.#exited, late]) === "late") {
      child.kill("SIGKILL");
      await this.#exited;
    }
    clearTimeout(timer);
  }

  /** Calls the JSON gateway; resolves with its answer. */
  async call(path: string, body: unknown): Promise<Record<string, unknown>> {
    const headers: Record<string, string> = {
      "content-type": "application/json",
    };
    if (this.#token !== undefined) headers.authorization = await this.#token();
    const response = await fetch(`${this.endpoint}${path}`, {
      method: "POST",
      headers,
      body: JSON.stringify(body),
    });
    const answer = await response.json() as Record<string, unknown>;
    if (!response.ok) {
      throw new Error(
        `etcd answered ${path} with ${response.status}: ${
          JSON.stringify(answer)
        }`,
      );
    }
    return answer;
  }

  /** Puts `value` at `key`; resolves with the store's new revision. */
  async put(key: string, value: string): Promise<string> {
    const answer = await this.call("/v3/kv/put", {
      key: base64(key),
      value: base64(value),
    });
    return (answer.header as { revision: string }).revision;
  }

  /** Deletes `key`; resolves with the store's new revision. */
  async delete(key: string): Promise<string> {
    const answer = await this.call("/v3/kv/deleterange", { key: base64(key) });
    return (answer.header as { revision: string }).revision;
  }

  /** Compacts the store up to `revision`: older revisions are gone. */
  async compact(revision: string): Promise<void> {
    await this.call("/v3/kv/compaction", { revision, physical: true });
  }

  /**
   * Turns authentication on with a `root` user of this password, and a
   * user `nobody` of the same password with no role; this server's own
   * writes go on as `root`.
   */
  async enableAuth(password: string): Promise<void> {
    await this.call("/v3/auth/role/add", { name: "root" });
    await this.call("/v3/auth/user/add", { name: "root", password });
    await this.call("/v3/auth/user/grant", { user: "root", role: "root" });
    await this.call("/v3/auth/user/add", { name: "nobody", password });
    await this.call("/v3/auth/enable", {});
    let token: Promise<string> | undefined;
    this.#token = () =>
      token ??= fetch(`${this.endpoint}/v3/auth/authenticate`, {
        method: "POST",
        body: JSON.stringify({ name: "root", password }),
      }).then((r) => r.json()).then((answer) => answer.token as string);
  }

  /** Stops the server and removes its data directory. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
    await rm(this.#dir, { recursive: true, force: true });
  }
}

/**
 * A TCP proxy in front of a server, whose connections a test cuts and
 * restores: while cut, every connection is closed as soon as it opens.
 */
export class CutProxy implements AsyncDisposable {
  /** The proxy's URL: `http://127.0.0.1:<port>`. */
  readonly endpoint: string;
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  #cut = false;

  private constructor(server: Server) {
    this.#server = server;
    const { port } = server.address() as AddressInfo;
    this.endpoint = `http://127.0.0.1:${port}`;
  }

  /** Starts a proxy to `target` (`http://127.0.0.1:<port>`). */
  static async start(target: string): Promise<CutProxy> {
    const server = createServer();
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const proxy = new CutProxy(server);
    const port = Number(new URL(target).port);
    server.on("connection", (socket) => proxy.#accept(socket, port));
    return proxy;
  }

  #accept(socket: Socket, port: number): void {
    socket.on("error", () => {});
    if (this.#cut) {
      socket.destroy();
      return;
    }
    const upstream = connect(port, "127.0.0.1");
    upstream.on("error", () => {});
    for (const [one, other] of [[socket, upstream], [upstream, socket]]) {
      this.#sockets.add(one);
      one.on("close", () => {
        this.#sockets.delete(one);
        other.destroy();
      });
    }
    socket.pipe(upstream).pipe(socket);
  }

  /** Closes every connection, and each new one, until `restore()`. */
  cut(): void {
    this.#cut = true;
    for (const socket of this.#sockets) socket.destroy();
  }

  /** Lets connections through again. */
  restore(): void {
    this.#cut = false;
  }

  /** Closes the proxy and every connection. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.cut();
    const closed = once(this.#server, "close");
    this.#server.close();
    await closed;
  }
}
