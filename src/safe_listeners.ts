// The coordinator's listeners, made safe: a "reload" listener that throws,
// or returns a promise that rejects, is logged instead of reaching the
// runtime's uncaught-error handling, which would end the process on
// Node.js and Deno. One wrapper per listener, so that removing the
// listener removes its wrapper.

import type { ReloadEventListener } from "./events.ts";
import { callListener } from "./listeners.ts";

/** The wrappers of one event target's listeners. */
export class SafeListeners {
  readonly #target: EventTarget;
  readonly #wrapped = new WeakMap<object, EventListener>();

  /**
   * Creates an empty set of wrappers.
   *
   * @param target The target the listeners are added to: `this` in a
   *   function listener.
   */
  constructor(target: EventTarget) {
    this.#target = target;
  }

  /**
   * The wrapper of `listener`, made at its first use.
   *
   * @param listener A function or an object with `handleEvent`.
   * @returns The wrapper to add to the target.
   */
  wrap(listener: ReloadEventListener): EventListener {
    let wrapped = this.#wrapped.get(listener);
    if (wrapped === undefined) {
      // Typed loosely: Deno's and Node's declarations of Event differ.
      const target = listener as
        | ((event: unknown) => unknown)
        | { handleEvent(event: unknown): unknown };
      const self = this.#target;
      const safe = (event: { type: string }) =>
        callListener(
          () =>
            typeof target === "function"
              ? target.call(self, event)
              : target.handleEvent(event),
          {
            category: ["events"],
            message: "A {type} event listener failed: {error}",
            properties: { type: event.type },
          },
        );
      wrapped = safe as unknown as EventListener;
      this.#wrapped.set(listener, wrapped);
    }
    return wrapped;
  }

  /**
   * The wrapper of `listener`, if it was ever added.
   *
   * @param listener The listener as it was added.
   * @returns Its wrapper, or `null`.
   */
  wrapped(listener: ReloadEventListener): EventListener | null {
    return this.#wrapped.get(listener) ?? null;
  }
}
