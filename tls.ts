/**
 * TLS certificate rotation on reload: a reloader that reads, verifies and
 * swaps a certificate and key from PEM files named in the config, the
 * `tls_certificate` hook around it, and the bridge that hands each new pair
 * to a `node:tls` or `node:https` server.
 *
 * @example Rotating a node:https server's certificate on SIGHUP
 * ```ts ignore
 * import { Coordinator } from "@hup/reload";
 * import { rotateSecureContext, TlsCertificateReloader, type TlsFiles, tlsHook } from "@hup/reload/tls";
 * import { createServer } from "node:https";
 *
 * const certificates = new TlsCertificateReloader<{ tls: TlsFiles }>({ select: (config) => config.tls });
 * const coordinator = await Coordinator.create({
 *   configPath: "config.yaml",
 *   schema: configSchema, // any Standard Schema of { tls: { cert: string; key: string } }
 *   hooks: [tlsHook(certificates)],
 * });
 * const pair = await certificates.load(coordinator.config.load());
 * const server = createServer({ ...pair }, (_req, res) => res.end("ok\n")).listen(8443);
 * rotateSecureContext(server, certificates);
 * coordinator.watch();
 * ```
 *
 * @module
 */

export {
  type CertificateReloader,
  rotateSecureContext,
  type RotateSecureContextOptions,
  type SecureContextServer,
  type TlsCertificateInfo,
  type TlsCertificateListener,
  TlsCertificateReloader,
  type TlsCertificateReloaderOptions,
  type TlsFiles,
  tlsHook,
  type TlsKeyPair,
} from "./src/tls.ts";
