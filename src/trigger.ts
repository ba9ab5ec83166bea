import type { ConfigSource } from "./load/source.ts";
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
  /**
   * How the config is named: its file's path, or its sources' names joined
   * by ` + `.
   */
  readonly configPath: string;
  /**
   * The digest of the sources the config in effect was loaded from
   * (`sha256:<hex>`), when known.
   *
   * @returns The digest, or `null`.
   */
  digest(): string | null;
  /**
   * What the config depends on, as of the last pass: its layers' sources,
   * then a file source for each secret file it refers to (`${file:...}`).
   * With a custom `load`, the files of `configPath`.
   *
   * @returns The sources.
   */
  sources(): readonly ConfigSource[];
  /**
   * The SHA-256 (`sha256:<hex>`) of what the last pass read from one of
   * {@linkcode TriggerContext.sources}, so a watch knows which content was
   * already handled.
   *
   * @param source The source.
   * @returns The digest; `null` when the last pass found the source absent
   *   (an optional layer, a missing secret file); `undefined` when it was
   *   never read (a custom `load`).
   */
  digestOf(source: ConfigSource): string | null | undefined;
  /**
   * Calls `listener` after every pass (when the list of sources may have
   * changed), until the coordinator shuts down.
   *
   * @param listener What to call.
   * @returns A function that stops calling it.
   */
  onPass(listener: () => void): () => void;
  /**
   * Settles once the passes asked for so far have ended (at once when none
   * runs or waits). A watch that sees new content waits for it before
   * asking for a pass: when one that something else asked for (SIGHUP, a
   * call) already read that content ({@linkcode TriggerContext.digestOf}),
   * another would only repeat it.
   *
   * @returns A promise that rejects only when called from inside the
   *   running pass (a hook's `check` or `apply`), where it would wait for
   *   itself, as {@linkcode TriggerContext.reload} does there.
   */
  settled(): Promise<void>;
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
  /**
   * A short name, for logs and results: its passes' `trigger`, cut to 64
   * UTF-16 code units (never inside a surrogate pair); logs show its control
   * characters escaped (`\u{a}`), so a name cannot start a forged line.
   */
  readonly name: string;
  /**
   * Starts asking for reloads through `context`.
   *
   * @param context The config path, the digest in effect and `reload()`.
   * @returns A function that stops it.
   */
  start(context: TriggerContext): () => void;
}
