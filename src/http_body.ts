/**
 * Reads a response's body, giving up as soon as it holds more than `limit`
 * bytes (the stream is then cancelled): a server cannot make a reader
 * take more than that, however long it sends.
 *
 * @param response The response.
 * @param limit The most bytes accepted.
 * @returns The bytes, or `undefined` when the body is larger than `limit`.
 * @throws What reading the stream throws (aborted, or cut short).
 */
export async function readBody(
  response: Response,
  limit: number,
): Promise<Uint8Array | undefined> {
  if (response.body === null) return new Uint8Array(0);
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > limit) {
        await reader.cancel().catch(() => {});
        return undefined;
      }
      chunks.push(value);
    }
  } finally {
    reader.releaseLock();
  }
  if (chunks.length === 1) return chunks[0];
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  return bytes;
}
