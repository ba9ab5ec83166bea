import { createHash } from "node:crypto";

/**
 * The one SHA-256 of the module: of bytes or of text (as UTF-8), as raw
 * bytes. Computed with `node:crypto`, which Deno, Node.js and Bun all
 * provide: it is synchronous and about ten times cheaper per pass than Web
 * Crypto's `digest()`, whose cost for a config file is mostly the
 * scheduling of the promise.
 *
 * @param data The bytes, or a text.
 * @returns The 32 bytes of the digest.
 */
export function sha256Bytes(data: Uint8Array | string): Uint8Array {
  return createHash("sha256").update(data).digest();
}

/**
 * {@linkcode sha256Bytes} as 64 hex digits.
 *
 * @param data The bytes, or a text.
 * @returns The digest in hex.
 */
export function sha256Hex(data: Uint8Array | string): string {
  return createHash("sha256").update(data).digest("hex");
}

/**
 * The digest of a source as results show it: `sha256:<64 hex digits>`.
 *
 * @param bytes The source's bytes.
 * @returns The digest.
 */
export function sha256(bytes: Uint8Array): string {
  return `sha256:${sha256Hex(bytes)}`;
}
