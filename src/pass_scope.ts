import { AsyncLocalStorage } from "node:async_hooks";

/**
 * The part of a reload pass that runs user code the pass waits for (the
 * loader, the `nonReloadable` rule, every `check` and `apply`): a
 * `reload()` awaited from there would wait for the pass that waits for it.
 */
export interface PassScope {
  /** The coordinator running the pass. */
  readonly owner: object;
  /** Whether the pass still waits for the code running in this scope. */
  open: boolean;
}

// `node:async_hooks` is provided by Deno, Node.js and Bun alike. On Node.js
// 20 an enabled AsyncLocalStorage makes every promise of the process about
// 2.5 times slower (it turns on promise hooks), so it is enabled only while
// a pass runs: disable() turns the hooks off again.
const current = new AsyncLocalStorage<PassScope>();
let running = 0;

/**
 * Runs `task` inside `scope`: anything it starts, synchronously or after
 * `await`, can tell it runs inside the pass with {@linkcode insidePass}
 * until the returned promise settles; then, if no other pass runs, the
 * storage is turned off.
 *
 * @param scope The pass's scope.
 * @param task The user code.
 * @returns What `task` returns.
 */
export async function runInPass<T>(
  scope: PassScope,
  task: () => Promise<T>,
): Promise<T> {
  running++;
  try {
    return await current.run(scope, task);
  } finally {
    if (--running === 0) current.disable();
  }
}

/**
 * Whether the caller is user code that a pass of `owner` is waiting for.
 *
 * @param owner A coordinator.
 * @returns `true` inside a running pass's loader, rule, check or apply.
 */
export function insidePass(owner: object): boolean {
  const scope = current.getStore();
  return scope !== undefined && scope.open && scope.owner === owner;
}
