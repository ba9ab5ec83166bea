/**
 * A config kept in etcd: `etcdSource()` reads a key's value as the config
 * and follows the key with an etcd watch, so that a put reloads the
 * service within milliseconds and a lost connection changes nothing until
 * etcd is back. It needs the etcd3 client (`npm install etcd3`), which
 * only this entry point loads.
 *
 * @example Reading a key, then reading it again on each change
 * ```ts ignore
 * import { etcdSource } from "@hup/reload/etcd";
 *
 * const source = etcdSource({
 *   hosts: ["http://10.0.0.1:2379", "http://10.0.0.2:2379"],
 *   key: "/app/config.yaml",
 *   auth: { username: "app", password: Deno.env.get("ETCD_PASSWORD")! },
 * });
 * const first = await source.read({ maxBytes: 1024 * 1024 });
 * console.log(`config at revision ${first.version}`);
 * const stop = source.watch(async () => {
 *   const next = await source.read({ maxBytes: 1024 * 1024 });
 *   console.log(`config at revision ${next.version}`);
 * });
 * // On shutdown: stop() ends the watch and closes the connection.
 * ```
 *
 * @module
 */

export {
  type EtcdCredentials,
  type EtcdSource,
  etcdSource,
  type EtcdSourceOptions,
} from "./src/remote/etcd_source.ts";
// Re-exported so that this entry point documents on its own (`deno doc
// --lint etcd.ts`): the same types as the front door's.
export type { Timers } from "./src/deadline.ts";
export type { FormatName } from "./src/load/format/types.ts";
export type * from "./src/load/source.ts";
