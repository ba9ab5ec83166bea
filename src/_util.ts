/**
 * Whether `value` is a promise or any other thenable (reading `then` may
 * throw: callers read it where a throw is handled).
 *
 * @param value Any value.
 * @returns Whether it has a `then` method.
 */
export function isThenable<T>(
  value: T | PromiseLike<T>,
): value is PromiseLike<T> {
  return value !== null &&
    (typeof value === "object" || typeof value === "function") &&
    typeof (value as { then?: unknown }).then === "function";
}
