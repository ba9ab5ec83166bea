import type { Hook } from "./hook.ts";
import { HookStatus } from "./status.ts";

/**
 * Rotates a TLS certificate on reload: the seed's `CertReloader`, as an
 * interface so any server can plug its own.
 *
 * @example A reloader for a Node.js `https` server
 * ```ts
 * import type { CertificateReloader } from "@hup/reload";
 *
 * interface Config { tls: { cert: string; key: string } }
 * const server = { setSecureContext(_options: { cert: string; key: string }) {} };
 *
 * const reloader: CertificateReloader<Config> = {
 *   check(config) {
 *     if (config.tls.cert === "") throw new Error("Cannot rotate the certificate as no path is set: tls.cert");
 *   },
 *   reload(config) {
 *     server.setSecureContext({ cert: config.tls.cert, key: config.tls.key });
 *   },
 * };
 * ```
 *
 * @typeParam C The config type.
 */
export interface CertificateReloader<C> {
  /**
   * Verifies the certificate the new config names, without switching to it.
   * Throwing aborts the pass (`validation_failed`).
   */
  check?(config: C, signal?: AbortSignal): void | Promise<void>;
  /** Switches to the certificate the new config names. */
  reload(config: C, signal: AbortSignal): void | Promise<void>;
}

/**
 * Builds the `tls_certificate` hook around a reloader: `check` calls the
 * reloader's `check`, `apply` its `reload`; `skipped` when there is no
 * reloader. Part of the default hook set; build it yourself to combine it
 * with your own hooks.
 *
 * @example Usage
 * ```ts
 * import { certificateHook } from "@hup/reload";
 * import assert from "node:assert/strict";
 *
 * const rotated: string[] = [];
 * const hook = certificateHook<{ cert: string }>({ reload: (c) => void rotated.push(c.cert) });
 * const ctx = { signal: new AbortController().signal, generation: 1, lookup: () => undefined };
 * assert.equal(await hook.apply(ctx, { cert: "a.pem" }, { cert: "b.pem" }), "applied");
 * assert.deepEqual(rotated, ["b.pem"]);
 * ```
 *
 * @typeParam C The config type.
 * @param reloader The reloader, or `undefined`.
 * @returns The hook.
 */
export function certificateHook<C>(
  reloader: CertificateReloader<C> | undefined,
): Hook<C> {
  return {
    name: "tls_certificate",
    async check(_old, next) {
      await reloader?.check?.(next);
    },
    async apply(ctx, _old, next) {
      if (reloader === undefined) return HookStatus.Skipped;
      await reloader.reload(next, ctx.signal);
      return HookStatus.Applied;
    },
  };
}
