/** A 1-based line and column (in UTF-16 code units) in a text. */
export interface LineColumn {
  line: number;
  column: number;
}

/**
 * The 1-based line and column of each offset into `text`, in one pass over
 * the text up to the last of them.
 *
 * @param text The text.
 * @param offsets Offsets into it, in any order.
 * @returns The line and column of each, in the same order.
 */
export function lineColumns(
  text: string,
  offsets: readonly number[],
): LineColumn[] {
  const order = offsets.map((_, i) => i).sort((a, b) =>
    offsets[a] - offsets[b]
  );
  const found: LineColumn[] = new Array(offsets.length);
  let line = 1;
  let lineStart = 0;
  let newline = text.indexOf("\n");
  for (const i of order) {
    while (newline !== -1 && newline < offsets[i]) {
      line++;
      lineStart = newline + 1;
      newline = text.indexOf("\n", lineStart);
    }
    found[i] = { line, column: offsets[i] - lineStart + 1 };
  }
  return found;
}

/**
 * The 1-based line and column of one offset into `text`.
 *
 * @param text The text.
 * @param offset An offset into it.
 * @returns Its line and column.
 */
export function lineColumn(text: string, offset: number): LineColumn {
  return lineColumns(text, [offset])[0];
}
