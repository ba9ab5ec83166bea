/**
 * Reload a service's YAML config on SIGHUP, safely, while it keeps serving.
 *
 * A reload pass reads the file, expands `${ENV}` variables, parses and
 * validates it; runs every hook's `check`, then every hook's `apply`; and
 * swaps the new config into an {@linkcode AtomicConfig} tagged with a new
 * generation. The {@linkcode ReloadResult} of each pass is plain JSON that
 * {@linkcode reloadHandler} serves to operators (JSON, Prometheus metrics,
 * an HTML history) beside a POST that runs a pass.
 *
 * @example Quickstart
 * ```ts
 * import {
 *   AtomicConfig,
 *   Coordinator,
 *   HookStatus,
 *   loadConfig,
 * } from "@hup/reload";
 * import assert from "node:assert/strict";
 * import { mkdtemp, writeFile } from "node:fs/promises";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 *
 * const path = join(await mkdtemp(join(tmpdir(), "hup-")), "config.yaml");
 * await writeFile(path, "greeting: hello\n");
 *
 * const config = new AtomicConfig(await loadConfig(path));
 * const coordinator = new Coordinator({
 *   configPath: path,
 *   config,
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
 * await writeFile(path, "greeting: hi\n");
 * const result = await coordinator.reload(); // or send SIGHUP
 * assert.equal(result.status, "full_success");
 * assert.equal(config.load()?.greeting, "hi");
 * await coordinator.shutdown();
 * ```
 *
 * @module
 */

export { AtomicConfig, type ConfigSnapshot } from "./src/atomic.ts";
export {
  certificateHook,
  type CertificateReloader,
} from "./src/certificate.ts";
export { Coordinator, type Deps } from "./src/coordinator.ts";
export type { Timers } from "./src/deadline.ts";
export {
  type EventListenerLike,
  ReloadEvent,
  SafeEventTarget,
} from "./src/events.ts";
export type { ReloadStats } from "./src/stats.ts";
export { LoadError, type LoadErrorLocation } from "./src/errors.ts";
export {
  type ConfigFileWatcher,
  watchConfigFile,
  type WatchConfigFileOptions,
} from "./src/file_watch.ts";
export { reloadHandler, type ReloadHandlerOptions } from "./src/handler.ts";
export {
  nodeListener,
  type NodeListenerOptions,
  type NodeRequestLike,
  type NodeResponseLike,
} from "./src/node_http.ts";
export type { ApplyContext, Hook } from "./src/hook.ts";
export { type ConfigObject, loadConfig, type LoadOptions } from "./src/load.ts";
export {
  type LogLevel,
  logLevelHook,
  type LogLevelHookOptions,
  LogLevelVar,
} from "./src/log_level.ts";
export type { HookOutcome, ReloadResult } from "./src/result.ts";
export type { ConfigSchema, SchemaIssue, SchemaResult } from "./src/schema.ts";
export type { SignalSource } from "./src/runtime/types.ts";
export { HookStatus, ReloadStatus } from "./src/status.ts";
export {
  rotateSecureContext,
  type RotateSecureContextOptions,
  type SecureContextServer,
  type TlsCertificateInfo,
  type TlsCertificateListener,
  TlsCertificateReloader,
  type TlsCertificateReloaderOptions,
  type TlsFiles,
  type TlsKeyPair,
} from "./src/tls.ts";
