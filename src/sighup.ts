// The SIGHUP trigger: the coordinator's own way of being asked for a
// reload, started by `watch()` beside the triggers it was given, and
// written as they are (a `ReloadTrigger`). The signals come from the
// runtime, or from the `signals` option, which tests use to fire a fake
// SIGHUP.

import { getLogger } from "@logtape/logtape";
import { renderError } from "./render.ts";
import { runtime, type SignalSource } from "./runtime/mod.ts";
import type { ReloadTrigger } from "./trigger.ts";

/**
 * A trigger that asks for a pass (trigger `signal`) on every SIGHUP. A
 * burst of them during a pass costs one more pass, as `reload()` joins the
 * one that waits.
 *
 * @param signals Where to listen; the runtime's signals when not given,
 *   looked up when the trigger starts.
 * @returns The trigger; its `start` throws if the platform has no SIGHUP
 *   (Windows), and its stop gives SIGHUP back its default action.
 */
export function sighup(signals: SignalSource | undefined): ReloadTrigger {
  return {
    name: "signal",
    start(context) {
      const log = getLogger(["hup-reload", "coordinator"]);
      const source = signals ?? runtime();
      const listener = () => {
        log.info("Received SIGHUP: reloading {path}", {
          path: context.configPath,
          trigger: "signal",
        });
        // Nobody awaits a signal's pass: a refusal is logged here.
        context.reload().catch((error) =>
          log.error("A reload could not be started: {error}", {
            path: context.configPath,
            error: renderError(error),
          })
        );
      };
      source.addSignalListener("SIGHUP", listener);
      return () => source.removeSignalListener("SIGHUP", listener);
    },
  };
}
