import { getLogger } from "@logtape/logtape";
import { sourceFile } from "../load/file_source.ts";
import { renderError } from "../render.ts";
import type { ConfigSource, SourceWatchOptions } from "../load/source.ts";
import type { ReloadTrigger, TriggerContext } from "../trigger.ts";
import { watchConfigFile } from "./file_watch.ts";

/**
 * A trigger that reloads when any source of the config changes, each
 * noticed its own way: file events for files (every layer, and every
 * secret file that a `${file:...}` reference reads), conditional GETs
 * every `every` ms for an `httpSource`, the etcd watch for an
 * `etcdSource`, and whatever a custom source's `watch` does.
 * `coordinator.watch()` starts it and `coordinator.shutdown()` stops it;
 * after every pass it follows the sources the config depends on (a secret
 * file added to the config is watched from then on).
 *
 * @example Reloading from layers and a remote source
 * ```ts ignore
 * import { Coordinator, fileSource } from "@hup/reload";
 * import { httpSource } from "@hup/reload/remote";
 * import { sourceChanges } from "@hup/reload/watch";
 *
 * const coordinator = await Coordinator.create({
 *   source: [
 *     fileSource("/etc/app/base.yaml"),
 *     httpSource("https://config.internal/app/production.yaml", { every: 30_000 }),
 *   ],
 *   triggers: [sourceChanges()],
 * });
 * coordinator.watch();
 * ```
 *
 * @param options The file watch's debounce and polling interval, and
 *   timers.
 * @returns The trigger.
 */
export function sourceChanges(
  options: SourceWatchOptions = {},
): ReloadTrigger {
  return followSources("source", () => true, options);
}

/**
 * A trigger that reloads when a config file changes, for the `triggers`
 * option: `coordinator.watch()` starts a {@linkcode watchConfigFile} watch
 * of every file the config is read from (each layer, and each secret file
 * that a `${file:...}` reference reads): editor saves, in-place writes,
 * the Kubernetes ConfigMap and secret volume `..data` swap. A change made
 * between start-up and the watch is caught too; a layer that is optional
 * and missing is reloaded once it appears; `coordinator.shutdown()` closes
 * every watch. A change that a pass started otherwise already read
 * (SIGHUP sent after a save, a call) asks for no second pass: the trigger
 * waits for the passes asked for meanwhile and compares with what they
 * read. Remote sources are left to {@linkcode sourceChanges}.
 *
 * @example Usage
 * ```ts
 * import { Coordinator } from "@hup/reload";
 * import { fileChanges } from "@hup/reload/watch";
 * import assert from "node:assert/strict";
 * import { mkdtemp, writeFile } from "node:fs/promises";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 *
 * const configPath = join(await mkdtemp(join(tmpdir(), "hup-")), "config.yaml");
 * await writeFile(configPath, "greeting: hello\n");
 * const coordinator = await Coordinator.create({ configPath, triggers: [fileChanges()] });
 * const { promise: reloaded, resolve } = Promise.withResolvers<void>();
 * coordinator.addEventListener("reload", () => resolve());
 * coordinator.watch();
 *
 * await writeFile(configPath, "greeting: hi\n");
 * await reloaded;
 * assert.equal(coordinator.config.load().greeting, "hi");
 * await coordinator.shutdown();
 * ```
 *
 * @param options The debounce, polling interval and timers.
 * @returns The trigger.
 */
export function fileChanges(
  options: SourceWatchOptions = {},
): ReloadTrigger {
  return followSources(
    "file",
    (source) => sourceFile(source) !== undefined,
    options,
  );
}

// A trigger that watches the wanted sources among those the config
// depends on, following that list after every pass.
function followSources(
  name: string,
  wanted: (source: ConfigSource) => boolean,
  options: SourceWatchOptions,
): ReloadTrigger {
  return {
    name,
    start(context) {
      const watches = new Map<ConfigSource, () => void>();
      const follow = () => {
        const current = new Set(context.sources().filter(wanted));
        for (const [source, stop] of watches) {
          if (current.has(source)) continue;
          watches.delete(source);
          stop();
        }
        for (const source of current) {
          if (watches.has(source)) continue;
          try {
            watches.set(source, watchSource(source, context, options));
          } catch (error) {
            getLogger(["hup-reload", "watch"]).error(
              "Cannot watch the source {source}: {error}",
              { source: source.name, error: renderError(error) },
            );
          }
        }
      };
      follow();
      const off = context.onPass(follow);
      return () => {
        off();
        for (const stop of watches.values()) stop();
        watches.clear();
      };
    },
  };
}

// Starts one source's change detection: the file watch for a file, the
// source's own `watch` for any other.
function watchSource(
  source: ConfigSource,
  context: TriggerContext,
  options: SourceWatchOptions,
): () => void {
  const file = sourceFile(source);
  if (file === undefined) {
    return source.watch?.(() => context.reload(), options) ?? (() => {});
  }
  const known = context.digestOf(source);
  let stopped = false;
  const watcher = watchConfigFile(
    file,
    async (seen) => {
      // A pass asked for otherwise (SIGHUP after a save, a call) may have
      // read this very content: wait for it, and ask for another only if
      // it did not, and the trigger was not stopped meanwhile (shutdown()
      // waits for the passes asked for before it, not after).
      await context.settled();
      if (stopped) return undefined;
      if (context.digestOf(source) !== seen) await context.reload();
      // What the pass read of this file counts as handled.
      return context.digestOf(source) ?? undefined;
    },
    {
      ...(options.debounce !== undefined && { debounce: options.debounce }),
      ...(options.pollInterval !== undefined &&
        { pollInterval: options.pollInterval }),
      ...(options.timers !== undefined && { timers: options.timers }),
      // A file that the last pass found missing is reported once it
      // appears; one never read (with a custom load) is a baseline.
      knownDigest: known === null ? "absent" : known ?? null,
    },
  );
  return () => {
    stopped = true;
    watcher.close();
  };
}
