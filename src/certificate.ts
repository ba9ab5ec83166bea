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
 * Builds the `tls_certificate` hook around a reloader; `skipped` when none is
 * given.
 *
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
