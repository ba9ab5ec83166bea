import { timingSafeEqual } from "node:crypto";
import { sha256Bytes } from "./digest.ts";

/**
 * The RFC 6750 `b64token` syntax: the only tokens an `Authorization: Bearer`
 * header can carry.
 */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/**
 * Whether `token` can be sent as `Authorization: Bearer <token>`: a
 * non-empty RFC 6750 `b64token` (letters, digits, `-._~+/`, then any `=`).
 * A token with a space, a control character or anything else could never
 * match a request.
 *
 * @param token The configured token.
 * @returns Whether it is a usable bearer token.
 */
export function isBearerToken(token: unknown): token is string {
  return typeof token === "string" && B64TOKEN.test(token);
}

/**
 * Whether the request carries `Authorization: Bearer <token>`, compared in
 * constant time: both sides are hashed with SHA-256 first and the digests,
 * of equal length, compared with `node:crypto`'s `timingSafeEqual`, so
 * neither the token's content nor its length shows in the timing.
 *
 * @param request The request.
 * @param token The expected token.
 * @returns Whether it matches.
 */
export function hasBearerToken(request: Request, token: string): boolean {
  const header = request.headers.get("authorization") ?? "";
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
  // Compared even without a match, so a malformed header takes as long.
  const same = timingSafeEqual(
    sha256Bytes(match?.[1] ?? ""),
    sha256Bytes(token),
  );
  return same && match !== null;
}
