/**
 * Renders a thrown value as the one-line message shown in outcomes and logs:
 * an `Error`'s message (each inner message for an `AggregateError`), a
 * string as is, anything else described by its type.
 *
 * @param error The thrown value.
 * @returns The message.
 */
export function renderError(error: unknown): string {
  if (error instanceof AggregateError) {
    const inner = error.errors.map(renderError);
    return inner.length === 0
      ? error.message
      : `${error.message}: ${inner.join("; ")}`;
  }
  if (error instanceof Error) {
    return error.message === "" ? error.name : error.message;
  }
  if (typeof error === "string") {
    return error === "" ? "empty string thrown" : error;
  }
  if (
    typeof error === "number" || typeof error === "boolean" ||
    typeof error === "bigint"
  ) {
    return `${typeof error} ${String(error)} thrown`;
  }
  if (error === undefined || error === null) return `${error} thrown`;
  return `non-Error value thrown (${Object.prototype.toString.call(error)})`;
}
