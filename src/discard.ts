import { getLogger } from "@logtape/logtape";
import { type Timers, withDeadline } from "./deadline.ts";
import { DiscardCall } from "./hook_context.ts";
import type { Hook } from "./hook.ts";
import type { ReloadStatus } from "./status.ts";

/** What {@linkcode discardChecked} needs of the pass that swaps nothing. */
export interface DiscardPlan<C> {
  /** How the config is named, for the log. */
  readonly name: string;
  /** The hooks whose check passed, in order, each with its deadline. */
  readonly passed: readonly { hook: Hook<C>; name: string; timeout: number }[];
  readonly old: C;
  readonly next: C;
  readonly changed: (path: string) => boolean;
  /** How the pass ends. */
  readonly status: ReloadStatus;
  readonly timers: Timers;
  /** Renders a hook's error as results do: config values removed. */
  readonly render: (error: unknown) => string;
}

/**
 * Calls `discard` on every hook whose check passed, the last one first (the
 * order of undoing), each within its deadline. Nothing it does changes the
 * pass: a discard that throws, rejects or overruns is logged.
 *
 * @param plan The hooks and what their discard gets.
 */
export async function discardChecked<C>(plan: DiscardPlan<C>): Promise<void> {
  const { old, next, changed, status, timers } = plan;
  for (const { hook, name, timeout } of [...plan.passed].reverse()) {
    try {
      // Read here, where a getter that throws is caught and logged.
      const discard = hook.discard;
      if (typeof discard !== "function") continue;
      await withDeadline(
        (deadline) =>
          discard.call(
            hook,
            new DiscardCall(deadline, changed, status),
            old,
            next,
          ),
        { ms: timeout, timers, what: "discard" },
      );
    } catch (error) {
      try {
        getLogger(["hup-reload", "coordinator"]).error(
          "Hook {hook} could not discard what its check prepared: {error}",
          { path: plan.name, hook: name, status, error: plan.render(error) },
        );
      } catch {
        // A logging sink that throws cannot be told about it either.
      }
    }
  }
}
