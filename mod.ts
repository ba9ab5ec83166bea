/**
 * Reload a service's config on SIGHUP, safely, while it keeps serving.
 *
 * A reload pass reads the file, expands `${ENV}` variables, parses and
 * validates it; runs every hook's `check`, then every hook's `apply`; and
 * swaps the new config into the holder tagged with a new generation. The
 * {@linkcode ReloadResult} of each pass is plain JSON. The core knows only
 * {@linkcode Hook}s and {@linkcode ReloadTrigger}s; the rest comes from its
 * own entry points: `@hup/reload/http` (the operator surface),
 * `@hup/reload/tls`, `@hup/reload/log-level`, `@hup/reload/watch` (reload
 * on file changes) and `@hup/reload/testing`.
 *
 * @example Quickstart
 * ```ts
 * import { Coordinator, HookStatus } from "@hup/reload";
 * import assert from "node:assert/strict";
 * import { mkdtemp, writeFile } from "node:fs/promises";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 *
 * const configPath = join(await mkdtemp(join(tmpdir(), "hup-")), "config.yaml");
 * await writeFile(configPath, "greeting: hello\n");
 *
 * const coordinator = await Coordinator.create({
 *   configPath,
 *   hooks: [{
 *     name: "greeter",
 *     check(_old, next) {
 *       if (typeof next.greeting !== "string") throw new TypeError("Cannot greet as greeting is not a string: greeting");
 *     },
 *     apply: () => HookStatus.Applied,
 *   }],
 * });
 * coordinator.watch(); // kill -HUP <pid> reloads from now on
 *
 * await writeFile(configPath, "greeting: hi\n");
 * const result = await coordinator.reload(); // or send SIGHUP
 * assert.equal(result.status, "full_success");
 * assert.equal(coordinator.config.load().greeting, "hi");
 * await coordinator.shutdown();
 * ```
 *
 * @module
 */

export {
  AtomicConfig,
  type ConfigReader,
  type ConfigSnapshot,
} from "./src/atomic.ts";
export {
  Coordinator,
  type CoordinatorOptions,
  type CreateOptions,
  type Deps,
  type PassInProgress,
  type ReloadOptions,
} from "./src/coordinator.ts";
export type { Timers } from "./src/deadline.ts";
export { LoadError, type LoadErrorLocation } from "./src/errors.ts";
export { ReloadEvent, type ReloadEventListener } from "./src/events.ts";
export type {
  ApplyContext,
  CheckContext,
  DiscardContext,
  Hook,
} from "./src/hook.ts";
export { fileSource, type FileSourceOptions } from "./src/load/file_source.ts";
export type { FormatName } from "./src/load/format/types.ts";
export { loadConfig } from "./src/load/load_config.ts";
export type { ConfigObject, LoadOptions } from "./src/load/options.ts";
export type { ConfigPaths, FileLayer } from "./src/load/pipeline.ts";
export type {
  ConfigSource,
  SourceContent,
  SourceReadOptions,
  SourceStats,
  SourceWatchOptions,
} from "./src/load/source.ts";
export {
  resource,
  type ResourceHook,
  type ResourceOptions,
} from "./src/resource.ts";
export type { HookOutcome, ReloadResult } from "./src/result.ts";
export type { SignalSource } from "./src/runtime/types.ts";
export type { ConfigSchema, SchemaIssue, SchemaResult } from "./src/schema.ts";
export type { ReloadStats } from "./src/stats.ts";
export type { Drift, VerifyResult } from "./src/verify.ts";
export { HookStatus, ReloadStatus } from "./src/status.ts";
export type { ReloadTrigger, TriggerContext } from "./src/trigger.ts";
