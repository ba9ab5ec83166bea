/**
 * A log level that follows the config: a holder that LogTape filters on (or
 * any other logger subscribes to), and the `log_level` hook that sets it on
 * reload. Level names are LogTape's `LogLevel`.
 *
 * @example With LogTape
 * ```ts
 * import { AtomicConfig, Coordinator } from "@hup/reload";
 * import { logLevelHook, LogLevelVar } from "@hup/reload/log-level";
 * import assert from "node:assert/strict";
 *
 * interface Config { log_level: string }
 * const level = new LogLevelVar("info");
 * // await configure({ filters: { level: level.filter }, ... });
 * const coordinator = new Coordinator<Config>({
 *   configPath: "config.yaml",
 *   config: new AtomicConfig({ log_level: "info" }),
 *   load: () => ({ log_level: "debug" }),
 *   hooks: [logLevelHook(level, (config: Config) => config.log_level, { field: "log_level" })],
 * });
 * await coordinator.reload();
 * assert.equal(level.level, "debug");
 * ```
 *
 * @module
 */

export {
  type LogLevel,
  logLevelHook,
  type LogLevelHookOptions,
  LogLevelVar,
} from "./src/log_level.ts";
