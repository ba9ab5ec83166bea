import { getLogger } from "@logtape/logtape";
import { realTimers, type Timers } from "../deadline.ts";
import type { FormatLimits, FormatName } from "./format/mod.ts";
import type { ParseOutcome } from "./parse_text.ts";
import { type Tape, TapeReader } from "./pieces.ts";
import { renderError } from "../render.ts";
import { runSliced } from "../slices.ts";
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
 * What the parser's worker answers: a document comes as a tape (see
 * `pieces.ts`) in parts of bounded size, each sent when asked for with a
 * {@linkcode ParseNext} (the first says whether nodes may be shared); the
 * outcome comes last, its `value` a placeholder for the document the tape
 * holds. A document that fails comes as its outcome alone.
 */
export type ParseResponse =
  | { id: number; tape: Tape; shared?: boolean }
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

/**
 * The worker did not answer in time: it is ended, and the text is to be
 * parsed on the event loop instead, where it gives what it would give
 * without a worker.
 */
export class WorkerTimeout extends Error {
  /**
   * Creates the error.
   *
   * @param ms The deadline that passed.
   */
  constructor(ms: number) {
    super(
      `the parser's worker did not answer within ${ms} ms (it is stopped and a new one starts with the next pass)`,
    );
    this.name = "WorkerTimeout";
  }
}

// The worker module beside this one: TypeScript from the sources (Deno),
// JavaScript from the npm build.
const WORKER_URL = new URL(
  import.meta.url.endsWith(".ts") ? "./parse_worker.ts" : "./parse_worker.js",
  import.meta.url,
);

/** How long a worker that has nothing to do is kept, by default (ms). */
export const WORKER_IDLE = 30_000;

/** How long the worker has to answer one message, by default (ms). */
export const WORKER_TIMEOUT = 30_000;

/**
 * How much longer the worker has for its first answer (the parse), per
 * character of the text (ms): 10 µs, more than ten times the slowest parse
 * measured on the event loop (under 1 µs a character, aliases and the
 * pathological files included), so that the deadline grows with the work.
 */
export const WORKER_TIMEOUT_PER_CHAR = 0.01;

// The longest wait a timer takes as such (2^31 - 1 ms); a longer one fires
// at once on Node.js.
const MAX_TIMER_MS = 2 ** 31 - 1;

interface Pending {
  resolve(outcome: ParseOutcome): void;
  reject(error: Error): void;
  timer: unknown;
  reader: TapeReader | undefined;
  /** The parts read so far, one after another. */
  reading: Promise<void>;
  /** Whether it failed (what is left of its answer is dropped). */
  broken: boolean;
}

/**
 * Parses large config files in a worker, so a reload never holds the event
 * loop for the length of a parse. One worker, started on first use, reused,
 * and ended once it has had nothing to do for `idle` ms (the next request
 * starts a new one); `close()` ends it, and it never keeps the process
 * alive. A worker that fails or stops rejects what it was asked (with a
 * message saying so); one that does not answer within its deadline is
 * ended and rejects with a {@linkcode WorkerTimeout}, for the text to be
 * parsed on the event loop. Either way, the next request starts a new one.
 */
export class OffThreadParser {
  readonly #url: URL;
  readonly #timeout: number;
  readonly #perChar: number;
  readonly #idle: number;
  readonly #timers: Timers;
  readonly #pending = new Map<number, Pending>();
  #worker: WorkerLike | undefined;
  #idleTimer: unknown;
  #starts = 0;
  #next = 1;
  #unavailable: string | undefined;

  /**
   * Creates the parser; nothing starts until the first request.
   *
   * @param options The worker module; the deadline of one answer (`timeout`,
   *   ms), and how much longer the first has per character of the text
   *   (`timeoutPerChar`, ms); how long an idle worker is kept (`idle`, ms,
   *   `Infinity` for as long as the parser); timers.
   */
  constructor(
    options: {
      url?: URL;
      timeout?: number;
      timeoutPerChar?: number;
      idle?: number;
      timers?: Timers;
    } = {},
  ) {
    this.#url = options.url ?? WORKER_URL;
    this.#timeout = options.timeout ?? WORKER_TIMEOUT;
    this.#perChar = options.timeoutPerChar ?? WORKER_TIMEOUT_PER_CHAR;
    const idle = options.idle ?? WORKER_IDLE;
    if (typeof idle !== "number" || !(idle >= 0)) {
      throw new RangeError(
        `Cannot create the parser's worker as options.workerIdle is not a number of milliseconds from 0 (or Infinity): ${
          String(idle)
        }`,
      );
    }
    // Past what a timer can wait (about 24.8 days) is as good as forever.
    this.#idle = idle > MAX_TIMER_MS ? Infinity : idle;
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
   * @throws {WorkerTimeout} If the worker did not answer in time.
   * @throws {Error} If the worker failed or stopped.
   */
  parse(request: Omit<ParseRequest, "id">): Promise<ParseOutcome> {
    if (this.#unavailable !== undefined) {
      return Promise.reject(new WorkerUnavailable(this.#unavailable));
    }
    this.#stopIdleTimer();
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
    const pending: Pending = {
      resolve: (outcome) => {
        this.#settled(id);
        resolve(outcome);
      },
      reject: (error) => {
        this.#settled(id);
        reject(error);
      },
      timer: undefined,
      reader: undefined,
      reading: Promise.resolve(),
      broken: false,
    };
    this.#pending.set(id, pending);
    this.#await(pending, this.#timeout + request.text.length * this.#perChar);
    worker.postMessage({ ...request, id } satisfies ParseRequest);
    return promise;
  }

  /** Ends the worker, failing whatever it was asked. Safe to call again. */
  close(): void {
    this.#stopIdleTimer();
    this.#fail(new Error("the parser was closed (the coordinator shut down)"));
  }

  // Starts the deadline of the worker's next answer to `pending`.
  #await(pending: Pending, ms: number): void {
    this.#timers.clearTimeout(pending.timer);
    pending.timer = this.#timers.setTimeout(
      () => this.#fail(new WorkerTimeout(ms)),
      ms,
    );
  }

  // A request is answered: once none is left, the idle time starts.
  #settled(id: number): void {
    const pending = this.#pending.get(id);
    if (pending === undefined) return;
    this.#timers.clearTimeout(pending.timer);
    this.#pending.delete(id);
    if (this.#pending.size > 0 || this.#worker === undefined) return;
    if (this.#idle === Infinity) return;
    this.#stopIdleTimer();
    const handle = this.#timers.setTimeout(() => {
      if (this.#idleTimer !== handle) return;
      this.#idleTimer = undefined;
      if (this.#pending.size > 0) return;
      const worker = this.#worker;
      this.#worker = undefined;
      worker?.terminate();
    }, this.#idle);
    this.#idleTimer = handle;
    // An idle worker never keeps the process alive, nor does its timer.
    if (this.#timers === realTimers) unrefTimer(handle);
  }

  #stopIdleTimer(): void {
    if (this.#idleTimer === undefined) return;
    this.#timers.clearTimeout(this.#idleTimer);
    this.#idleTimer = undefined;
  }

  #start(): WorkerLike {
    this.#starts++;
    // The handlers below run only once the worker runs, after it is set.
    const worker: WorkerLike = startWorker(this.#url, {
      message: (message) => {
        if (this.#worker !== worker) return;
        this.#receive(worker, message as ParseResponse);
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

  // One message of an answer: a part of the tape is read in slices, after
  // the parts before it, and the next is asked for as it starts, so that
  // the worker writes a part while this thread reads one, and no more than
  // two are held at once.
  #receive(worker: WorkerLike, response: ParseResponse): void {
    const { id } = response;
    const pending = this.#pending.get(id);
    if (pending === undefined) return;
    this.#timers.clearTimeout(pending.timer);
    pending.timer = undefined;
    if ("tape" in response) {
      pending.reader ??= new TapeReader(response.shared !== false);
      const { reader } = pending;
      const { tape } = response;
      pending.reading = pending.reading.then(() => {
        if (pending.broken || this.#pending.get(id) !== pending) return;
        this.#await(pending, this.#timeout);
        worker.postMessage({ id, next: true } satisfies ParseNext);
        return runSliced(reader.read(tape));
      }).catch((error) => {
        // A worker that sends what does not fit is ended, as one that failed.
        if (this.#pending.get(id) === pending) this.#fail(misfit(error));
      });
      return;
    }
    const { outcome } = response;
    pending.reading.then(() => {
      if (pending.broken || this.#pending.get(id) !== pending) return;
      if (!outcome.ok) return pending.resolve(outcome);
      let value;
      try {
        if (pending.reader === undefined) throw new Error("no tape came");
        value = pending.reader.result();
      } catch (error) {
        return this.#fail(misfit(error));
      }
      pending.resolve({ ...outcome, value });
    });
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
    this.#stopIdleTimer();
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const request of pending) {
      this.#timers.clearTimeout(request.timer);
      request.broken = true;
      request.reject(error);
    }
    worker?.terminate();
  }
}

function misfit(error: unknown): Error {
  return new Error(
    `the parser's worker sent a document that does not fit together (${
      renderError(error)
    })`,
  );
}

// Lets the process exit while `handle`, a real timer, is pending.
function unrefTimer(handle: unknown): void {
  try {
    if (typeof handle === "object" && handle !== null && "unref" in handle) {
      (handle as { unref(): void }).unref();
    } else if (typeof handle === "number") {
      const deno = (globalThis as {
        Deno?: { unrefTimer?(id: number): void };
      }).Deno;
      deno?.unrefTimer?.(handle);
    }
  } catch {
    // Not a timer this runtime can unref: it keeps the process up to `idle`.
  }
}

function errorName(error: unknown): string {
  try {
    return error instanceof Error ? error.name : "unknown error";
  } catch {
    return "unknown error";
  }
}
