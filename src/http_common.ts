// What the reload handler and the node:http bridge share: the headers every
// response carries, the rules a request target must follow, and plain-text
// answers.

/**
 * The headers on every response of the operator surface: never sniffed as
 * another type, never stored by a cache, never framed, no active content.
 */
export const SAFE_HEADERS: Readonly<Record<string, string>> = {
  "x-content-type-options": "nosniff",
  "cache-control": "no-store",
  "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
};

/**
 * A plain-text response carrying {@linkcode SAFE_HEADERS}.
 *
 * @param status The status code.
 * @param body The text, without the final newline.
 * @param headers More headers, which win over the safe ones.
 * @returns The response.
 */
export function textResponse(
  status: number,
  body: string,
  headers: Record<string, string> = {},
): Response {
  return new Response(`${body}\n`, {
    status,
    headers: {
      ...SAFE_HEADERS,
      "content-type": "text/plain; charset=utf-8",
      ...headers,
    },
  });
}

/**
 * The path of a URL or request target as sent, neither decoded nor
 * normalized: what follows `scheme://authority` (or the whole target when it
 * starts with `/`), up to `?` or `#`.
 *
 * @param target An absolute URL or an origin-form request target.
 * @returns The path, `/` for an absolute URL without one, or `undefined`
 *   when `target` is neither form.
 */
export function rawPath(target: string): string | undefined {
  const authority = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*/.exec(target);
  const rest = authority === null ? target : target.slice(authority[0].length);
  const end = rest.search(/[?#]/);
  const path = end === -1 ? rest : rest.slice(0, end);
  if (path.startsWith("/")) return path;
  return authority !== null && path === "" ? "/" : undefined;
}

/**
 * Whether a raw path could be read as another path by a URL parser or a
 * proxy in front: a backslash (a `/` to WHATWG URL parsers), a dot segment
 * (`.` or `..`, also percent-encoded), or a control or space character
 * (which URL parsers drop or encode). No client needs these: browsers and
 * curl resolve dot segments before sending.
 *
 * @param path A raw path, from {@linkcode rawPath}.
 * @returns Whether to refuse it.
 */
export function isAmbiguousPath(path: string): boolean {
  // deno-lint-ignore no-control-regex
  return /[\\\x00-\x20\x7f]/.test(path) ||
    /(?:^|\/)(?:\.|%2e){1,2}(?:\/|$)/i.test(path);
}
