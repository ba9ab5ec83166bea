import { createHash } from "node:crypto";

/**
 * The SHA-256 of `bytes` as `sha256:<64 hex digits>`. Computed with
 * `node:crypto`, which Deno, Node.js and Bun all provide: it is synchronous
 * and about ten times cheaper per pass than Web Crypto's `digest()`, whose
 * cost for a config file is mostly the scheduling of the promise.
 *
 * @param bytes The file's bytes.
 * @returns The digest.
 */
export function sha256(bytes: Uint8Array): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}
