import { scrypt } from "node:crypto";
import { sha256, sha256Hex } from "../digest.ts";

// A deliberately slow hash of the secret files' contents: the digest is
// public (results, metrics), and a fast hash of a short secret could be
// reversed by trying guesses. About 40 ms and 16 MiB, off the event loop,
// once per new set of contents.
const SCRYPT = { N: 16384, r: 8, p: 1 } as const;
const SALT = "hup-reload secret files";
// The slow hashes computed, by a fast hash of what went in: a pass whose
// secrets did not change pays nothing. Bounded: forgotten past 64.
const slow = new Map<string, string>();

/**
 * The digest of a config's sources, as results and metrics show it
 * (`sha256:<hex>`). A config read from one file with no secret file is the
 * SHA-256 of that file's bytes, as `sha256sum` prints it. Otherwise it is
 * the SHA-256 of each layer's SHA-256 in order (an absent optional layer
 * counts as absent), then of an scrypt hash of the secret files' SHA-256s:
 * the same sources give the same digest on every instance (paths are not
 * part of it), any change to a layer or a secret file changes it, and it
 * gives nothing away about a secret.
 *
 * @param layers Each layer's SHA-256 (`sha256:<hex>`), in order; `null`
 *   when absent.
 * @param secrets The SHA-256 of each secret file used, in the order first
 *   referenced.
 * @returns The digest.
 */
export async function configDigest(
  layers: readonly (string | null)[],
  secrets: readonly string[],
): Promise<string> {
  if (layers.length === 1 && layers[0] !== null && secrets.length === 0) {
    return layers[0];
  }
  const lines = ["hup-reload config digest 1"];
  layers.forEach((digest, i) => {
    lines.push(`layer ${i} ${digest ?? "absent"}`);
  });
  if (secrets.length > 0) {
    const key = sha256Hex(secrets.map((digest) => `${digest}\n`).join(""));
    let hash = slow.get(key);
    if (hash === undefined) {
      hash = await new Promise<string>((resolve, reject) =>
        scrypt(
          key,
          SALT,
          32,
          SCRYPT,
          (error, derived) =>
            error ? reject(error) : resolve(derived.toString("hex")),
        )
      );
      if (slow.size >= 64) slow.clear();
      slow.set(key, hash);
    }
    lines.push(`secrets ${secrets.length} scrypt:${hash}`);
  }
  return sha256(new TextEncoder().encode(lines.join("\n") + "\n"));
}
