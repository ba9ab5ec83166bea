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
