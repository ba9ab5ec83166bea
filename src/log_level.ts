import {
  compareLogLevel,
  getLogLevels,
  type LogLevel as LogTapeLevel,
} from "@logtape/logtape";
import { notifyAll } from "./listeners.ts";
import type { Hook } from "./hook.ts";
import { HookStatus } from "./status.ts";

/**
 * A log level name: LogTape's own `LogLevel` (`"trace"`, `"debug"`,
 * `"info"`, `"warning"`, `"error"`, `"fatal"`).
 *
 * @example Usage
 * ```ts
 * import type { LogLevel } from "@hup/reload/log-level";
 *
 * const level: LogLevel = "warning";
 * ```
 */
export type LogLevel = LogTapeLevel;

/**
 * Parses a level name: LogTape's names (`trace`, `debug`, `info`, `warning`,
 * `error`, `fatal`) in any case, and `warn` for `warning` (Go's slog name).
 *
 * @param name The level name.
 * @returns The LogTape level, or `undefined` when the name is unknown.
 */
export function parseLevelName(name: unknown): LogLevel | undefined {
  if (typeof name !== "string") return undefined;
  const lower = name.trim().toLowerCase();
  const level = lower === "warn" ? "warning" : lower;
  return (getLogLevels() as readonly string[]).includes(level)
    ? level as LogLevel
    : undefined;
}

/**
 * A mutable log level that the `log_level` hook updates on reload, like Go's
 * `slog.LevelVar`. Give its {@linkcode LogLevelVar.filter} to LogTape (or
 * read {@linkcode LogLevelVar.level} from any other logger) and the level
 * follows the config.
 *
 * @example With LogTape
 * ```ts
 * import { LogLevelVar } from "@hup/reload/log-level";
 * import assert from "node:assert/strict";
 *
 * const level = new LogLevelVar("info");
 * // await configure({ filters: { level: level.filter }, loggers: [...] });
 * level.set("debug");
 * assert.equal(level.level, "debug");
 * ```
 */
export class LogLevelVar {
  #level: LogLevel;
  readonly #listeners = new Set<(level: LogLevel) => unknown>();

  /**
   * Creates the holder.
   *
   * @param level The initial level.
   * @throws {RangeError} If `level` is not a known level name.
   */
  constructor(level: LogLevel | string = "info") {
    this.#level = LogLevelVar.#parse(level);
  }

  /** The current level. */
  get level(): LogLevel {
    return this.#level;
  }

  /**
   * Changes the level.
   *
   * @example Usage
   * ```ts
   * import { LogLevelVar } from "@hup/reload/log-level";
   * import assert from "node:assert/strict";
   *
   * const level = new LogLevelVar();
   * level.set("WARN");
   * assert.equal(level.level, "warning");
   * ```
   *
   * @param level A level name (`warn` and any case accepted).
   * @throws {RangeError} If `level` is not a known level name.
   */
  set(level: LogLevel | string): void {
    const parsed = LogLevelVar.#parse(level);
    if (parsed === this.#level) return;
    this.#level = parsed;
    notifyAll(this.#listeners, [parsed], {
      category: ["log-level"],
      message: "A log level subscriber failed: {error}",
      properties: { level: parsed },
    });
  }

  /**
   * Calls `listener` with the new level whenever it changes: the way to make
   * a logger other than LogTape follow the config.
   *
   * @example With pino
   * ```ts
   * import { LogLevelVar } from "@hup/reload/log-level";
   * import assert from "node:assert/strict";
   *
   * const logger = { level: "info" }; // a pino logger: pino({ level: "info" })
   * const level = new LogLevelVar("info");
   * // pino says "warn" where LogTape says "warning".
   * level.subscribe((l) => logger.level = l === "warning" ? "warn" : l);
   * level.set("warning");
   * assert.equal(logger.level, "warn");
   * ```
   *
   * @param listener Called with the new level; one that throws (or rejects)
   *   is logged, and the others still run.
   * @returns A function that unsubscribes `listener`.
   */
  subscribe(listener: (level: LogLevel) => unknown): () => void {
    const own = (level: LogLevel) => listener(level);
    this.#listeners.add(own);
    return () => void this.#listeners.delete(own);
  }

  /**
   * A LogTape filter that passes records at or above the current level.
   *
   * @example Usage
   * ```ts
   * import { LogLevelVar } from "@hup/reload/log-level";
   * import assert from "node:assert/strict";
   *
   * const level = new LogLevelVar("error");
   * assert.equal(level.filter({ level: "info" }), false);
   * ```
   */
  readonly filter = (record: { readonly level: LogLevel }): boolean =>
    compareLogLevel(record.level, this.#level) >= 0;

  static #parse(level: string): LogLevel {
    const parsed = parseLevelName(level);
    if (parsed === undefined) {
      throw new RangeError(
        `Cannot set the log level as the name is unknown: expected one of ${
          getLogLevels().join(", ")
        } (or warn)`,
      );
    }
    return parsed;
  }
}

/**
 * Options of {@linkcode logLevelHook}.
 *
 * @example Usage
 * ```ts
 * import type { LogLevelHookOptions } from "@hup/reload/log-level";
 *
 * const options: LogLevelHookOptions = { field: "logging.level" };
 * ```
 */
export interface LogLevelHookOptions {
  /**
   * The field's dotted path, named in error messages.
   *
   * @default {"log level"}
   */
  field?: string;
}

/**
 * Builds the `log_level` hook: `check` rejects an unknown level name, `apply`
 * sets the level on the holder; `skipped` when the config names no level or
 * names the level already in effect.
 *
 * @example Combined with the service's own hooks
 * ```ts
 * import { AtomicConfig, Coordinator } from "@hup/reload";
 * import { LogLevelVar, logLevelHook } from "@hup/reload/log-level";
 * import assert from "node:assert/strict";
 *
 * interface Config { logging: { level: string } }
 * const level = new LogLevelVar("info");
 * const coordinator = new Coordinator<Config>({
 *   configPath: "config.yaml",
 *   config: new AtomicConfig({ logging: { level: "info" } }),
 *   load: () => ({ logging: { level: "debug" } }),
 *   hooks: [logLevelHook(level, (c: Config) => c.logging.level, { field: "logging.level" })],
 * });
 * await coordinator.reload();
 * assert.equal(level.level, "debug");
 * ```
 *
 * @typeParam C The config type.
 * @param holder The level to update.
 * @param select Reads the level name from a config.
 * @param options The field name for messages.
 * @returns The hook.
 */
export function logLevelHook<C>(
  holder: LogLevelVar,
  select: (config: C) => unknown,
  options: LogLevelHookOptions = {},
): Hook<C> {
  const { field = "log level" } = options;
  return {
    name: "log_level",
    check(_old, next) {
      const value = select(next);
      if (value !== undefined && parseLevelName(value) === undefined) {
        throw new RangeError(
          `Cannot set the log level as the name is unknown: ${field} must be one of ${
            getLogLevels().join(", ")
          } (or warn)`,
        );
      }
    },
    apply(_ctx, _old, next) {
      const level = parseLevelName(select(next));
      if (level === undefined || level === holder.level) {
        return HookStatus.Skipped;
      }
      holder.set(level);
      return HookStatus.Applied;
    },
  };
}
