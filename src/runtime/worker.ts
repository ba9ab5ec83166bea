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
