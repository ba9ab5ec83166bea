import { getLogger } from "@logtape/logtape";
import { realTimers, type Timers } from "../deadline.ts";
import type { FormatLimits, FormatName } from "./format/mod.ts";
import type { ParseOutcome } from "./parse_text.ts";
import { joinDocument, type Link, type Piece } from "./pieces.ts";
import { renderError } from "../render.ts";
import { startWorker, type WorkerLike } from "../runtime/worker.ts";

/** What the parser's worker is asked. */
export interface ParseRequest {
  id: number;
  format: FormatName;
  /**
   * The decoded text. Only the text: the file's bytes are digested where
   * they were read, as a typed array costs Deno's `node:worker_threads` far
   * more to send than a string (70 ms against 1 ms for 1 MB, measured).
   */
  text: string;
  limits: FormatLimits;
}

/** What asks the parser's worker for the next message of an answer. */
export interface ParseNext {
  id: number;
  next: true;
}

/**
 * What the parser's worker answers: a large document comes in several
 * messages, its pieces and links first (see `cutDocument`), one at a time,
 * each sent when asked for with a {@linkcode ParseNext}, so that reading
 * each back holds the event loop only briefly (messages that arrive
 * together are read back in one go); the outcome, with the root, comes
 * last.
 */
export type ParseResponse =
  | { id: number; pieces: Piece[] }
  | { id: number; links: Link[] }
  | { id: number; outcome: ParseOutcome };

/** The worker cannot start here (on Deno: no read access to its module). */
export class WorkerUnavailable extends Error {
  /**
   * Creates the error.
   *
   * @param reason Why.
   */
  constructor(reason: string) {
    super(
      `Cannot parse off the event loop as the worker cannot start: ${reason}`,
    );
    this.name = "WorkerUnavailable";
  }
}

// The worker module beside this one: TypeScript from the sources (Deno),
// JavaScript from the npm build.
const WORKER_URL = new URL(
  import.meta.url.endsWith(".ts") ? "./parse_worker.ts" : "./parse_worker.js",
  import.meta.url,
);

interface Pending {
  resolve(outcome: ParseOutcome): void;
  reject(error: Error): void;
  timer: unknown;
  pieces: Piece[];
  links: Link[];
}

/**
 * Parses large config files in a worker, so a reload never holds the event
 * loop for the length of a parse. One worker, started on first use and
 * reused; `close()` ends it, and it never keeps the process alive. A worker
 * that fails, stops or does not answer within `timeout` rejects what it was
 * asked (with a message saying so) and is replaced on the next request.
 */
export class OffThreadParser {
  readonly #url: URL;
  readonly #timeout: number;
  readonly #timers: Timers;
  readonly #pending = new Map<number, Pending>();
  #worker: WorkerLike | undefined;
  #starts = 0;
  #next = 1;
  #unavailable: string | undefined;

  /**
   * Creates the parser; nothing starts until the first request.
   *
   * @param options The worker module, the deadline of one parse, timers.
   */
  constructor(
    options: { url?: URL; timeout?: number; timers?: Timers } = {},
  ) {
    this.#url = options.url ?? WORKER_URL;
    this.#timeout = options.timeout ?? 30_000;
    this.#timers = options.timers ?? realTimers;
  }

  /** Whether a worker runs now. */
  get running(): boolean {
    return this.#worker !== undefined;
  }

  /** How many workers were started so far. */
  get starts(): number {
    return this.#starts;
  }

  /**
   * Parses in the worker.
   *
   * @param request The format, text and limits.
   * @returns The outcome.
   * @throws {WorkerUnavailable} If no worker can start here.
   * @throws {Error} If the worker failed, stopped or did not answer in time.
   */
  parse(request: Omit<ParseRequest, "id">): Promise<ParseOutcome> {
    if (this.#unavailable !== undefined) {
      return Promise.reject(new WorkerUnavailable(this.#unavailable));
    }
    let worker: WorkerLike;
    try {
      worker = this.#worker ??= this.#start();
    } catch (error) {
      this.#unavailable = renderError(error);
      this.#warnUnavailable();
      return Promise.reject(new WorkerUnavailable(this.#unavailable));
    }
    const id = this.#next++;
    // Promise.withResolvers is not in Node.js 20.
    let resolve!: (outcome: ParseOutcome) => void;
    let reject!: (error: Error) => void;
    const promise = new Promise<ParseOutcome>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const timer = this.#timers.setTimeout(() => {
      this.#fail(
        new Error(
          `the parser's worker did not answer within ${this.#timeout} ms (it is stopped and a new one starts with the next pass)`,
        ),
      );
    }, this.#timeout);
    this.#pending.set(id, { resolve, reject, timer, pieces: [], links: [] });
    worker.postMessage({ ...request, id } satisfies ParseRequest);
    return promise;
  }

  /** Ends the worker, failing whatever it was asked. Safe to call again. */
  close(): void {
    this.#fail(new Error("the parser was closed (the coordinator shut down)"));
  }

  #start(): WorkerLike {
    this.#starts++;
    // The handlers below run only once the worker runs, after it is set.
    const worker: WorkerLike = startWorker(this.#url, {
      message: (message) => {
        const response = message as ParseResponse;
        const pending = this.#pending.get(response.id);
        if (pending === undefined) return;
        if ("pieces" in response || "links" in response) {
          if ("pieces" in response) pending.pieces.push(...response.pieces);
          else pending.links.push(...response.links);
          worker.postMessage({ id: response.id, next: true } as ParseNext);
          return;
        }
        this.#pending.delete(response.id);
        this.#timers.clearTimeout(pending.timer);
        const { outcome } = response;
        if (!outcome.ok) return pending.resolve(outcome);
        try {
          joinDocument(outcome.value, pending.pieces, pending.links);
        } catch (error) {
          return pending.reject(
            new Error(
              `the parser's worker sent a document that does not fit together (${
                renderError(error)
              })`,
            ),
          );
        }
        pending.resolve(outcome);
      },
      error: (error) => {
        if (this.#worker !== worker) return;
        const name = errorName(error);
        // Deno checks the worker's module graph as it loads: a permission
        // error there means no worker can run here, as when it cannot start.
        if (name === "NotCapable" || name === "PermissionDenied") {
          this.#unavailable = renderError(error);
          this.#warnUnavailable();
          this.#fail(new WorkerUnavailable(this.#unavailable));
          return;
        }
        this.#fail(new Error(`the parser's worker failed (${name})`));
      },
      exit: (code) => {
        if (this.#worker !== worker) return;
        this.#fail(
          new Error(`the parser's worker stopped (exit code ${code})`),
        );
      },
    });
    return worker;
  }

  #warnUnavailable(): void {
    getLogger(["hup-reload", "load"]).warn(
      "Parsing large config files on the event loop, as the parser's worker cannot start: {error}",
      { error: this.#unavailable },
    );
  }

  // Fails every pending request and ends the worker; the next request starts
  // a new one.
  #fail(error: Error): void {
    const worker = this.#worker;
    this.#worker = undefined;
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const { reject, timer } of pending) {
      this.#timers.clearTimeout(timer);
      reject(error);
    }
    worker?.terminate();
  }
}

function errorName(error: unknown): string {
  try {
    return error instanceof Error ? error.name : "unknown error";
  } catch {
    return "unknown error";
  }
}
