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
 * constant time: both sides are hashed with SHA-256 first, so neither the
 * token's content nor its length shows in the timing.
 *
 * @param request The request.
 * @param token The expected token.
 * @returns Whether it matches.
 */
export async function hasBearerToken(
  request: Request,
  token: string,
): Promise<boolean> {
  const header = request.headers.get("authorization") ?? "";
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
  const given = match?.[1] ?? "";
  const [a, b] = await Promise.all([hash(given), hash(token)]);
  let diff = match === null ? 1 : 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

async function hash(text: string): Promise<Uint8Array> {
  return new Uint8Array(
    await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)),
  );
}
