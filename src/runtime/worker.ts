import { readlinkSync } from "node:fs";
import { getPriority, setPriority } from "node:os";
import { parentPort, Worker } from "node:worker_threads";

/** A running worker, as the parser uses it. */
export interface WorkerLike {
  /** Sends a message (structured clone). */
  postMessage(message: unknown): void;
  /** Ends the worker at once. */
  terminate(): void;
}

/** What a worker reports. */
export interface WorkerEvents {
  /** A message from the worker. */
  message(message: unknown): void;
  /** The worker failed (an uncaught error in it), or could not start. */
  error(error: unknown): void;
  /** The worker stopped. */
  exit(code: number): void;
}

/**
 * Starts a worker running the module at `url`, one that never keeps the
 * process alive. `node:worker_threads` serves all three runtimes: Deno's
 * web `Worker` cannot be told not to keep a process alive, and its
 * `node:worker_threads` can. On Deno, starting one needs read access to the
 * module's file (a local one; a module from JSR needs nothing).
 *
 * @param url The worker module.
 * @param events Where its messages, errors and exit go.
 * @returns The worker.
 * @throws {Error} If it cannot start (on Deno: no read access to `url`).
 */
export function startWorker(url: URL, events: WorkerEvents): WorkerLike {
  // Not the parent's execArgv: flags such as `--input-type` or `-e` would
  // stop the worker module from loading.
  const worker = new Worker(url, { execArgv: [] });
  worker.on("message", events.message);
  worker.on("error", events.error);
  worker.on("exit", events.exit);
  // After the listeners: on Node.js, adding a "message" listener refs the
  // worker again.
  worker.unref();
  return {
    postMessage: (message) => worker.postMessage(message),
    terminate: () => void worker.terminate(),
  };
}

/**
 * In a worker: hands each message the parent sends to `handle`, with a
 * function that sends the parent an answer (one message each call).
 *
 * @param handle Answers a request.
 */
export function serveParent<A>(
  handle: (message: unknown, reply: (answer: A) => void) => void,
): void {
  parentPort?.on("message", (message) => {
    handle(message, (answer) => parentPort?.postMessage(answer));
  });
}

// The nice value the parser's worker runs at: under contention it gets
// about a tenth of a core's share against a thread at 0 (Linux CFS weights
// 110 against 1024), so serving comes first and a pass still ends.
const WORKER_NICE = 10;

// Deno asks the user for a permission not granted when it runs in a
// terminal: only what is granted already is used.
interface DenoPermissions {
  permissions: {
    querySync(descriptor: { name: string; path?: string; kind?: string }): {
      state: string;
    };
  };
}

function granted(): boolean {
  const deno = (globalThis as { Deno?: DenoPermissions }).Deno;
  if (deno === undefined) return true;
  return deno.permissions.querySync({
        name: "read",
        path: "/proc/thread-self",
      }).state === "granted" &&
    deno.permissions.querySync({ name: "sys", kind: "getPriority" }).state ===
      "granted" &&
    deno.permissions.querySync({ name: "sys", kind: "setPriority" }).state ===
      "granted";
}

/**
 * In a worker: lowers the calling thread's scheduling priority (nice 10,
 * or lower if it already is), so that while it works the threads serving
 * requests come first on a busy machine. Linux addresses threads by their
 * id (`/proc/thread-self`); elsewhere, or on Deno without read access to
 * `/proc/thread-self` and `--allow-sys`, it does nothing. Never throws.
 *
 * @returns Whether the priority was lowered.
 */
export function lowerThreadPriority(): boolean {
  try {
    if (!granted()) return false;
    const tid = Number(readlinkSync("/proc/thread-self").split("/").pop());
    if (!Number.isSafeInteger(tid) || tid <= 0) return false;
    setPriority(tid, Math.max(getPriority(tid), WORKER_NICE));
    return true;
  } catch {
    return false;
  }
}
