// Shared test helpers: deferreds, an env lookup, and the package's own
// testing helpers.

import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { configure, type LogRecord, reset } from "@logtape/logtape";
import type { Coordinator, Timers } from "hup-reload";
import { reloadHandler } from "hup-reload/http";
import { ROUTES } from "../src/http/routes.ts";

// The package's own testing helpers, used by the suite as users would.
export { tempConfig } from "hup-reload/testing";

/**
 * Captures the LogTape records of `hup-reload` into `records` until
 * disposed (`await using logs = await captureLogs()`).
 */
export async function captureLogs(
  onRecord?: (record: LogRecord) => void,
): Promise<{ records: LogRecord[] } & AsyncDisposable> {
  const records: LogRecord[] = [];
  await configure({
    reset: true,
    sinks: {
      memory: (record) => {
        records.push(record);
        onRecord?.(record);
      },
    },
    loggers: [
      { category: ["hup-reload"], sinks: ["memory"], lowestLevel: "debug" },
      { category: ["logtape", "meta"], sinks: [], lowestLevel: "error" },
    ],
  });
  return { records, [Symbol.asyncDispose]: () => reset() };
}

/**
 * Everything an operator or a log pipeline could read of a coordinator, as
 * one text: the last result, the history, every read route of the handler
 * (the status JSON, the page, the history, the metrics, and any route added
 * to the table) and the log records. The "never" tests look
 * for secrets in it.
 */
export async function everyOutput<C>(
  coordinator: Coordinator<C>,
  records: unknown[],
): Promise<string> {
  const handler = reloadHandler(coordinator, { token: "t0ken-for-tests" });
  const get = async (path: string, accept = "application/json") =>
    await (await handler(
      new Request(`http://localhost/-/reload${path}`, { headers: { accept } }),
    )).text();
  // Every read route of the table, as a script and as a browser asks.
  const routes: string[] = [];
  for (const route of ROUTES) {
    if (route.access !== "read") continue;
    routes.push(await get(route.path), await get(route.path, "text/html"));
  }
  return [
    JSON.stringify(coordinator.lastResult()),
    JSON.stringify(coordinator.history()),
    ...routes,
    JSON.stringify(
      records,
      (_k, value) =>
        typeof value === "bigint" || typeof value === "symbol"
          ? String(value)
          : value,
    ),
  ].join("\n");
}

export interface Deferred<T = void> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets every pending promise callback run (no timers involved). */
export async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await Promise.resolve();
}

/** An env lookup backed by a plain object. */
export function envOf(
  vars: Record<string, string>,
): (name: string) => string | undefined {
  return (name) => Object.hasOwn(vars, name) ? vars[name] : undefined;
}

/** A child process that prints one JSON object a line on stdout. */
export interface JsonLinesChild {
  /** Every line parsed so far. */
  lines: Record<string, unknown>[];
  /** Resolves with the first line (seen or to come) that matches; rejects
   * if the child exits first. */
  waitFor(
    match: (line: Record<string, unknown>) => boolean,
  ): Promise<Record<string, unknown>>;
  /** Settles when the child exits. */
  exited: Promise<{ code: number | null; signal: string | null }>;
  /** Whether the child has exited. */
  hasExited(): boolean;
}

/** Reads a child's stdout as JSON lines, waiting on events, never polling. */
export function jsonLines(child: ChildProcess): JsonLinesChild {
  const lines: Record<string, unknown>[] = [];
  const waiters = new Set<() => void>();
  let done = false;
  const exited = new Promise<{ code: number | null; signal: string | null }>(
    (resolve) =>
      child.on("exit", (code, signal) => {
        done = true;
        resolve({ code, signal });
        for (const wake of [...waiters]) wake();
      }),
  );
  createInterface({ input: child.stdout! }).on("line", (line) => {
    lines.push(JSON.parse(line));
    for (const wake of [...waiters]) wake();
  });
  const waitFor = (match: (line: Record<string, unknown>) => boolean) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const look = () => {
        const found = lines.find(match);
        if (found !== undefined) {
          waiters.delete(look);
          resolve(found);
        } else if (done) {
          waiters.delete(look);
          reject(
            new Error(
              `child exited first; last lines: ${
                JSON.stringify(lines.slice(-5))
              }`,
            ),
          );
        }
      };
      waiters.add(look);
      look();
    });
  return { lines, waitFor, exited, hasExited: () => done };
}

/**
 * Timers that fire only when told, recording every delay scheduled; a
 * test waits for the next one to be scheduled, which is how it knows a
 * poll (and any pass it asked for) is over.
 */
/** What {@linkcode fakeTimers} gives a test. */
export interface FakeTimers {
  /** The timers to inject. */
  timers: Timers;
  /** The timers set and not yet fired or cleared, by handle. */
  pending: Map<number, { callback: () => void; ms: number }>;
  /** Every delay set, in order. */
  delays: number[];
  /** Settles with the delay of the next timer set. */
  scheduled(): Promise<number>;
  /** Fires the one pending timer (a poll) without waiting for it. */
  fire(): void;
  /**
   * Fires the one pending timer and waits for the poll it starts to
   * schedule the next one.
   */
  poll(): Promise<number>;
}

export function fakeTimers(): FakeTimers {
  const pending = new Map<number, { callback: () => void; ms: number }>();
  const delays: number[] = [];
  const waiters: ((ms: number) => void)[] = [];
  let next = 0;
  const timers: Timers = {
    setTimeout(callback, ms) {
      pending.set(++next, { callback, ms });
      delays.push(ms);
      for (const wake of waiters.splice(0)) wake(ms);
      return next;
    },
    clearTimeout(handle) {
      pending.delete(handle as number);
    },
  };
  const scheduled = (): Promise<number> =>
    new Promise<number>((resolve) => waiters.push(resolve));
  const fire = (): void => {
    assert.equal(pending.size, 1, "one timer is pending");
    const [[id, { callback }]] = [...pending];
    pending.delete(id);
    callback();
  };
  return {
    timers,
    pending,
    delays,
    scheduled,
    /** Fires the one pending timer (a poll) without waiting for it. */
    fire,
    /**
     * Fires the one pending timer and waits for the poll it starts to
     * schedule the next one: the poll, and any pass it asked for, is over.
     *
     * @returns That next delay.
     */
    async poll(): Promise<number> {
      const after = scheduled();
      fire();
      return await after;
    },
  };
}

/** A web-standard handler. */
export type WebHandler = (request: Request) => Response | Promise<Response>;

/**
 * `handler` served by the runtime's own HTTP server on 127.0.0.1 (whose
 * `request.url` carries the `Host` a client sent), or `undefined` on
 * Node.js, which has none.
 */
export function nativeServer(
  handler: WebHandler,
): { port: number; close(): Promise<void> } | undefined {
  const runtime = globalThis as unknown as {
    Deno?: {
      serve(
        options: { port: number; hostname: string; onListen(): void },
        handler: WebHandler,
      ): { addr: { port: number }; shutdown(): Promise<void> };
    };
    Bun?: {
      serve(options: { port: number; hostname: string; fetch: WebHandler }): {
        port: number;
        stop(force: boolean): Promise<void> | void;
      };
    };
  };
  if (runtime.Deno !== undefined) {
    const server = runtime.Deno.serve(
      { port: 0, hostname: "127.0.0.1", onListen() {} },
      handler,
    );
    return { port: server.addr.port, close: () => server.shutdown() };
  }
  if (runtime.Bun !== undefined) {
    const server = runtime.Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      fetch: handler,
    });
    return {
      port: server.port,
      close: async () => void await server.stop(true),
    };
  }
  return undefined;
}
