import { LoadError } from "../errors.ts";
import { lineColumn } from "./position.ts";

/**
 * Decodes a source's bytes as UTF-8 text, the decode step of a load. A
 * byte order mark is dropped; UTF-16 and UTF-32 text (known by its mark)
 * and invalid bytes are refused at the line and column of the first bad
 * byte.
 *
 * @param name How messages name the source.
 * @param bytes The bytes.
 * @returns The text.
 * @throws {LoadError} If the bytes are not UTF-8 text.
 */
export function decodeUtf8(name: string, bytes: Uint8Array): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    // By its byte order mark: UTF-32 (LE, BE) before UTF-16, whose LE mark
    // starts UTF-32 LE's.
    const [b0, b1, b2, b3] = bytes;
    const utf32 = (b0 === 0xff && b1 === 0xfe && b2 === 0 && b3 === 0) ||
      (b0 === 0 && b1 === 0 && b2 === 0xfe && b3 === 0xff);
    const utf16 = (b0 === 0xff && b1 === 0xfe) || (b0 === 0xfe && b1 === 0xff);
    const reason = utf32
      ? "the file is UTF-32 text, not UTF-8 (save it as UTF-8)"
      : utf16
      ? "the file is UTF-16 text, not UTF-8 (save it as UTF-8)"
      : "the file is not valid UTF-8 text";
    // The text before the first bad byte is valid: its end is the place.
    const before = new TextDecoder("utf-8").decode(
      bytes.subarray(0, firstInvalidUtf8(bytes)),
    );
    throw new LoadError(reason, [{
      path: name,
      ...lineColumn(before, before.length),
      reason: "",
    }]);
  }
}

// The index of the first byte that does not start or continue a well-formed
// UTF-8 sequence (as the WHATWG decoder sees it), or the length.
function firstInvalidUtf8(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length;) {
    const b = bytes[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    const need = b >= 0xc2 && b <= 0xdf
      ? 1
      : b >= 0xe0 && b <= 0xef
      ? 2
      : b >= 0xf0 && b <= 0xf4
      ? 3
      : 0;
    if (need === 0) return i;
    // The second byte's range excludes overlong forms, surrogates and
    // code points past U+10FFFF.
    const lo = b === 0xe0 ? 0xa0 : b === 0xf0 ? 0x90 : 0x80;
    const hi = b === 0xed ? 0x9f : b === 0xf4 ? 0x8f : 0xbf;
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (
        c === undefined || c < (k === 1 ? lo : 0x80) ||
        c > (k === 1 ? hi : 0xbf)
      ) return i;
    }
    i += need + 1;
  }
  return bytes.length;
}
