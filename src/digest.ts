// Which file bytes a loaded config came from, kept beside the config object
// (never inside it) so results and the handler can show it.
const digests = new WeakMap<object, string>();

/**
 * The SHA-256 of `bytes` as `sha256:<64 hex digits>`, with Web Crypto.
 *
 * @param bytes The file's bytes.
 * @returns The digest.
 */
export async function sha256(bytes: Uint8Array): Promise<string> {
  const hash = new Uint8Array(
    await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>),
  );
  let hex = "";
  for (const byte of hash) hex += byte.toString(16).padStart(2, "0");
  return `sha256:${hex}`;
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
