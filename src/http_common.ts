// What the reload handler, the node:http bridge and the command line share:
// the headers every response carries, the rules a request target must
// follow, plain-text answers, the HTTP status of each pass status, and which
// hosts are loopback ones.

import type { ReloadStatus } from "./status.ts";

/**
 * The HTTP status that answers a `POST` whose pass (or dry run) ended with
 * each status: `curl -f` fails exactly when the reload did, or a dry run
 * found that it would. The command line holds an answer to it: a result
 * whose status disagrees with the HTTP one is not the handler's.
 */
export const POST_STATUS: Readonly<Record<ReloadStatus, number>> = {
  full_success: 200,
  partial_applied: 500,
  validation_failed: 422,
  load_failed: 422,
  would_apply: 200,
};

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

/**
 * A host name as URLs normalize it (lower case; `127.1` and `0x7f.0.0.1`
 * as `127.0.0.1`; IPv6 in brackets, compressed), less one final dot; or
 * `undefined` when `host` (a name or address, with or without a port) is
 * not one.
 *
 * @param host A `Host` header, a URL's `host`, or a name.
 * @returns The host name, without the port.
 */
export function hostName(host: string): string | undefined {
  // deno-lint-ignore no-control-regex
  if (host === "" || /[\x00-\x20\x7f/?#@\\]/.test(host)) return undefined;
  try {
    const name = new URL(`http://${host}`).hostname;
    return name === "" ? undefined : name.replace(/\.$/, "");
  } catch {
    return undefined;
  }
}

/**
 * Whether a host name (as {@linkcode hostName} gives it) is a loopback
 * one: `localhost`, an address in `127.0.0.0/8`, `[::1]`, or an IPv4
 * loopback address mapped into IPv6. Not `*.localhost`: not every resolver
 * keeps those on the machine.
 *
 * @param name The host name.
 * @returns Whether it names this machine's loopback interface.
 */
export function isLoopbackHost(name: string): boolean {
  const host = name.toLowerCase().replace(/\.$/, "");
  return host === "localhost" || host === "[::1]" ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) ||
    /^\[::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}\]$/.test(host);
}
