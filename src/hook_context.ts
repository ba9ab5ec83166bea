import type { Deadline } from "./deadline.ts";
import type { ApplyContext, CheckContext, DiscardContext } from "./hook.ts";
import type { ReloadStatus } from "./status.ts";

// What a hook call is given. A class each, with `signal` a getter of the
// prototype that reads the call's deadline only when the hook reads it (no
// AbortSignal is made for a hook that never looks at it): an object
// literal with a getter of its own costs a closure and an accessor per
// call, most of what a pass spent on a synchronous hook.

/** The context of a `check` call. */
export class CheckCall implements CheckContext {
  readonly #deadline: Deadline;
  /** Whether the value at a dotted path differs between the two configs. */
  readonly changed: (path: string) => boolean;

  /**
   * @param deadline The deadline of the call.
   * @param changed Whether a path changed.
   */
  constructor(deadline: Deadline, changed: (path: string) => boolean) {
    this.#deadline = deadline;
    this.changed = changed;
  }

  /** Aborted once the call's deadline has passed. */
  get signal(): AbortSignal {
    return this.#deadline.signal;
  }
}

/** The context of an `apply` call. */
export class ApplyCall extends CheckCall implements ApplyContext {
  /** The generation the new config will have. */
  readonly generation: number;
  /** Looks up an optional subsystem by name. */
  readonly lookup: <T = unknown>(name: string) => T | undefined;

  /**
   * @param deadline The deadline of the call.
   * @param changed Whether a path changed.
   * @param generation The generation the new config will have.
   * @param lookup Looks up a subsystem.
   */
  constructor(
    deadline: Deadline,
    changed: (path: string) => boolean,
    generation: number,
    lookup: <T = unknown>(name: string) => T | undefined,
  ) {
    super(deadline, changed);
    this.generation = generation;
    this.lookup = lookup;
  }
}

/** The context of a `discard` call. */
export class DiscardCall extends CheckCall implements DiscardContext {
  /** How the pass ends. */
  readonly status: ReloadStatus;

  /**
   * @param deadline The deadline of the call.
   * @param changed Whether a path changed.
   * @param status How the pass ends.
   */
  constructor(
    deadline: Deadline,
    changed: (path: string) => boolean,
    status: ReloadStatus,
  ) {
    super(deadline, changed);
    this.status = status;
  }
}
