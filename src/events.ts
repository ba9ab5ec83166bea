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
