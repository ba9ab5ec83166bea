import { getLogger } from "@logtape/logtape";
import { renderError } from "./render.ts";
import type { ReloadResult } from "./result.ts";

/**
 * The event a {@linkcode Coordinator} dispatches, as `"reload"`, when a pass
 * has finished, whatever its status.
 *
 * @example Listening for reloads
 * ```ts
 * import { AtomicConfig, Coordinator, ReloadEvent } from "@hup/reload";
 * import assert from "node:assert/strict";
 *
 * const coordinator = new Coordinator({ configPath: "c.yaml", config: new AtomicConfig({}), load: () => ({}), hooks: [] });
 * const seen: string[] = [];
 * coordinator.addEventListener("reload", (event) => {
 *   seen.push((event as ReloadEvent).result.status);
 * });
 * await coordinator.reload();
 * assert.deepEqual(seen, ["full_success"]);
 * ```
 */
export class ReloadEvent extends Event {
  /** The result of the pass. */
  readonly result: ReloadResult;

  /**
   * Creates the event.
   *
   * @param result The result of the pass.
   */
  constructor(result: ReloadResult) {
    super("reload");
    this.result = result;
  }
}

/**
 * A listener of a {@linkcode SafeEventTarget}: a function, or an object with
 * `handleEvent`; it may return a promise.
 *
 * @example Usage
 * ```ts
 * import type { EventListenerLike, ReloadEvent } from "@hup/reload";
 *
 * const listener: EventListenerLike<ReloadEvent> = (event) => console.log(event.result.status);
 * ```
 *
 * @typeParam E The event type.
 */
export type EventListenerLike<E> =
  | ((event: E) => unknown)
  | { handleEvent(event: E): unknown };

/**
 * An `EventTarget` whose listeners cannot hurt the dispatcher: a listener
 * that throws, or returns a promise that rejects, is logged (category
 * `["hup-reload", "events"]`) instead of reaching the runtime's
 * uncaught-error handling, which would end the process on Node.js and Deno.
 * {@linkcode Coordinator} is one, for `ReloadEvent`s.
 *
 * @typeParam E The type of the events listeners receive.
 *
 * @example A throwing listener does not stop the others
 * ```ts
 * import { SafeEventTarget } from "@hup/reload";
 * import assert from "node:assert/strict";
 *
 * const target = new SafeEventTarget();
 * const seen: string[] = [];
 * target.addEventListener("ping", () => { throw new Error("broken listener"); });
 * target.addEventListener("ping", (event) => void seen.push(event.type));
 * target.dispatchEvent(new Event("ping")); // logs the error, does not throw
 * assert.deepEqual(seen, ["ping"]);
 * ```
 */
export class SafeEventTarget<E extends Event = Event> extends EventTarget {
  readonly #wrapped = new WeakMap<object, EventListener>();

  /**
   * Adds a listener, wrapped so that its failures are logged.
   *
   * @param type The event type.
   * @param listener A function or an object with `handleEvent`.
   * @param options As for `EventTarget.addEventListener`.
   */
  override addEventListener(
    type: string,
    listener: EventListenerLike<E> | null,
    options?: boolean | AddEventListenerOptions,
  ): void {
    if (listener === null) return;
    let wrapped = this.#wrapped.get(listener);
    if (wrapped === undefined) {
      // Typed loosely: Deno's and Node's declarations of Event differ.
      const target = listener as
        | ((event: unknown) => unknown)
        | { handleEvent(event: unknown): unknown };
      const safe = (event: { type: string }) => {
        try {
          const returned = typeof target === "function"
            ? target.call(this, event)
            : target.handleEvent(event);
          if (returned instanceof Promise) {
            returned.catch((error) => logListenerError(event, error));
          }
        } catch (error) {
          logListenerError(event, error);
        }
      };
      wrapped = safe as unknown as EventListener;
      this.#wrapped.set(listener, wrapped);
    }
    super.addEventListener(type, wrapped, options);
  }

  /**
   * Removes a listener added with {@linkcode SafeEventTarget.addEventListener}.
   *
   * @param type The event type.
   * @param listener The listener as it was added.
   * @param options As for `EventTarget.removeEventListener`.
   */
  override removeEventListener(
    type: string,
    listener: EventListenerLike<E> | null,
    options?: boolean | EventListenerOptions,
  ): void {
    if (listener === null) return;
    super.removeEventListener(
      type,
      this.#wrapped.get(listener) ?? null,
      options,
    );
  }
}

function logListenerError(event: { type: string }, error: unknown): void {
  getLogger(["hup-reload", "events"]).error(
    "A {type} event listener failed: {error}",
    { type: event.type, error: renderError(error) },
  );
}
