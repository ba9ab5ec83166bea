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
 * A listener of a coordinator's `"reload"` events: a function, or an object
 * with `handleEvent`; it may return a promise (a rejection is logged).
 *
 * @example Usage
 * ```ts
 * import type { ReloadEventListener } from "@hup/reload";
 *
 * const listener: ReloadEventListener = (event) => console.log(event.result.status);
 * ```
 */
export type ReloadEventListener =
  | ((event: ReloadEvent) => unknown)
  | { handleEvent(event: ReloadEvent): unknown };
