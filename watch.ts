/**
 * Reloading when the config file changes: the `fileChanges()` trigger for a
 * coordinator, and the file watch underneath it, which follows editor saves,
 * in-place writes, deletes and re-creates, and the Kubernetes ConfigMap
 * `..data` swap.
 *
 * @example Reloading on SIGHUP and on file changes
 * ```ts ignore
 * import { Coordinator } from "@hup/reload";
 * import { fileChanges } from "@hup/reload/watch";
 *
 * const coordinator = await Coordinator.create({
 *   configPath: "/etc/app/config.yaml",
 *   triggers: [fileChanges()],
 * });
 * coordinator.watch(); // SIGHUP and file changes; shutdown() stops both
 * ```
 *
 * @module
 */

export {
  type ConfigFileWatcher,
  watchConfigFile,
  type WatchConfigFileOptions,
} from "./src/watch/file_watch.ts";
export { fileChanges, sourceChanges } from "./src/watch/source_changes.ts";
export type { SourceWatchOptions } from "./src/load/source.ts";
