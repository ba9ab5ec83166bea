import { createHash } from "node:crypto";

// Which file bytes a loaded config came from, kept beside the config object
// (never inside it) so results and the handler can show it.
const digests = new WeakMap<object, string>();

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

/**
 * Records that `config` was loaded from bytes with `digest`.
 *
 * @param config The loaded config (objects only; others are ignored).
 * @param digest Its file's digest.
 */
export function tagDigest(config: unknown, digest: string): void {
  if (config !== null && typeof config === "object") {
    digests.set(config, digest);
  }
}

/**
 * The digest recorded for `config` by the loader.
 *
 * @param config A config.
 * @returns The digest, or `undefined` when it was not loaded from a file.
 */
export function digestOf(config: unknown): string | undefined {
  return config !== null && typeof config === "object"
    ? digests.get(config)
    : undefined;
}
