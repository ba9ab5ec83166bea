/**
 * Helpers for testing a service's hooks and reload wiring without real
 * signals, files in fixed places or timing: a manual SIGHUP source, a hook
 * that records its calls and can be told to fail or hang, a temp config
 * file, and a promise for the next reload.
 *
 * @example A complete test of a service's reload wiring
 * ```ts
 * import { type ConfigObject, Coordinator } from "@hup/reload";
 * import {
 *   ManualSignals,
 *   nextReload,
 *   RecordingHook,
 *   tempConfig,
 * } from "@hup/reload/testing";
 * import assert from "node:assert/strict";
 *
 * await using file = await tempConfig("greeting: hello\n");
 * const signals = new ManualSignals();
 * const hook = new RecordingHook<ConfigObject>("greeter");
 * const coordinator = await Coordinator.create({ configPath: file.path, hooks: [hook], signals });
 * coordinator.watch();
 *
 * await file.write("greeting: hi\n");
 * const reloaded = nextReload(coordinator);
 * signals.fire("SIGHUP");
 * assert.equal((await reloaded).status, "full_success");
 * assert.equal(coordinator.config.load().greeting, "hi");
 * // The start-up check, then the pass's check and apply.
 * assert.deepEqual(hook.calls.map((c) => c.phase), ["check", "check", "apply"]);
 *
 * hook.failApply = new Error("Cannot greet: greeting");
 * await file.write("greeting: hey\n");
 * assert.equal((await coordinator.reload()).status, "partial_applied");
 * await coordinator.shutdown();
 * ```
 *
 * @module
 */

export {
  type HookCall,
  ManualSignals,
  nextReload,
  RecordingHook,
  type TempConfig,
  tempConfig,
} from "./src/testing.ts";
