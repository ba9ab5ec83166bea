import type { ReloadResult } from "./result.ts";

/**
 * What a {@linkcode ReloadTrigger} gets when the coordinator starts it.
 *
 * @example Usage
 * ```ts
 * import type { TriggerContext } from "@hup/reload";
 *
 * async function onSomething(context: TriggerContext): Promise<void> {
 *   const result = await context.reload();
 *   console.log(`${context.configPath}: ${result.status}`);
 * }
 * ```
 */
export interface TriggerContext {
  /** The config file the coordinator reloads. */
  readonly configPath: string;
  /**
   * The SHA-256 of the file the config in effect was loaded from
   * (`sha256:<hex>`), when known.
   *
   * @returns The digest, or `null`.
   */
  digest(): string | null;
  /**
   * Asks for a pass, as `coordinator.reload()` does (never overlapping one
   * that runs); the result's `trigger` is the trigger's name.
   *
   * @returns The result of the pass.
   */
  reload(): Promise<ReloadResult>;
}

/**
 * Something other than SIGHUP that asks for reloads, started by
 * `coordinator.watch()` and stopped by `coordinator.shutdown()`: pass it in
 * the `triggers` option. The core knows nothing else of it, so a trigger
 * brings its own dependencies; `fileChanges()` is one.
 *
 * @example A trigger that reloads every hour
 * ```ts
 * import type { ReloadTrigger } from "@hup/reload";
 *
 * const hourly: ReloadTrigger = {
 *   name: "hourly",
 *   start(context) {
 *     const timer = setInterval(() => void context.reload(), 3_600_000);
 *     return () => clearInterval(timer);
 *   },
 * };
 * ```
 */
export interface ReloadTrigger {
  /** A short name, for logs. */
  readonly name: string;
  /**
   * Starts asking for reloads through `context`.
   *
   * @param context The config path, the digest in effect and `reload()`.
   * @returns A function that stops it.
   */
  start(context: TriggerContext): () => void;
}
