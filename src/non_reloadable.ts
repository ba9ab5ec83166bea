// The non-reloadable rule: which fields a reload cannot change (a port, a
// data directory), compared with the start-up config, never with the
// config in effect, so a restart owed stays owed until the process
// restarts. A pass reports them in `requires_restart`.

import { changedPathsSliced } from "./paths.ts";

/**
 * A coordinator's `nonReloadable` option: dotted paths, or a function that
 * lists the changed ones.
 *
 * @typeParam C The config type.
 */
export type NonReloadable<C> =
  | readonly string[]
  | ((oldCfg: C, newCfg: C) => string[]);

/**
 * The non-reloadable fields that differ between the start-up config and
 * `next`.
 *
 * @param rule The `nonReloadable` option, if given.
 * @param startup The start-up config.
 * @param next The config a pass loaded.
 * @returns The fields, as dotted paths (a copy).
 * @throws {TypeError} If `rule` is a function that does not return an
 *   array of strings (a pass reports it as a failure of its own).
 */
export function requiresRestart<C>(
  rule: NonReloadable<C> | undefined,
  startup: C,
  next: C,
): string[] | Promise<string[]> {
  if (rule === undefined) return [];
  if (typeof rule === "function") {
    const paths = rule(startup, next);
    if (!Array.isArray(paths) || paths.some((p) => typeof p !== "string")) {
      throw new TypeError(
        "Cannot compare non-reloadable fields as deps.nonReloadable did not return an array of strings",
      );
    }
    return [...paths];
  }
  return changedPathsSliced(rule, startup, next);
}
