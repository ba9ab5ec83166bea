/** What each error code of a failed request means, in words. */
const CODES: Readonly<Record<string, string>> = {
  ECONNREFUSED: "the connection was refused",
  ECONNRESET: "the connection was closed",
  EPIPE: "the connection was closed",
  UND_ERR_SOCKET: "the connection was closed",
  ENOTFOUND: "the host name cannot be resolved",
  EAI_AGAIN: "the host name cannot be resolved",
  ETIMEDOUT: "connecting timed out",
  UND_ERR_CONNECT_TIMEOUT: "connecting timed out",
  EHOSTUNREACH: "the host cannot be reached",
  ENETUNREACH: "the network cannot be reached",
};

// Deno gives no code; its messages (which quote the URL, so they are never
// shown) say what happened in these words.
const DENO_PHRASES: readonly (readonly [RegExp, string])[] = [
  [/connection refused/i, "ECONNREFUSED"],
  [/connection reset|connection closed|broken pipe/i, "ECONNRESET"],
  [
    /dns error|failed to lookup address|name or service not known/i,
    "ENOTFOUND",
  ],
  [/certificate|invalid peer cert|UnknownIssuer/i, "CERT_UNTRUSTED"],
  [/network is unreachable/i, "ENETUNREACH"],
  [/no route to host/i, "EHOSTUNREACH"],
];

/**
 * Why a request got no answer, from what `fetch` threw on Deno, Node.js or
 * Bun: the error code (of the error or one of its causes, or read from
 * Deno's message) and, when it is a known one, what it means in words.
 * Never the runtime's message itself, which may quote the URL.
 *
 * @param error What `fetch` (or reading its body) threw.
 * @returns The words, when the code is known, and the code, when there is
 *   one.
 */
export function fetchFailure(
  error: unknown,
): { words: string | undefined; code: string | undefined } {
  const code = errorCode(error);
  if (code === undefined) return { words: undefined, code };
  if (Object.hasOwn(CODES, code)) return { words: CODES[code], code };
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|TLS/.test(code)) {
    return { words: "the server's TLS certificate is not trusted", code };
  }
  return { words: undefined, code };
}

// The error code of `error` or of its causes, if one looks like a code.
function errorCode(error: unknown): string | undefined {
  let current = error;
  const messages: string[] = [];
  for (let depth = 0; depth < 4; depth++) {
    if (typeof current !== "object" || current === null) break;
    let code: unknown;
    let message: unknown;
    try {
      ({ code, message } = current as { code?: unknown; message?: unknown });
    } catch {
      break; // a getter that throws
    }
    if (typeof code === "string" && /^[A-Z][A-Z0-9_]{1,47}$/.test(code)) {
      return code;
    }
    if (typeof message === "string") messages.push(message);
    try {
      current = (current as { cause?: unknown }).cause;
    } catch {
      break;
    }
  }
  for (const message of messages) {
    // Without the URLs it quotes, whose path could hold any of the words.
    const words = message.replace(/\b[a-z][a-z0-9+.-]*:\/\/\S*/gi, "");
    for (const [phrase, code] of DENO_PHRASES) {
      if (phrase.test(words)) return code;
    }
  }
  return undefined;
}
