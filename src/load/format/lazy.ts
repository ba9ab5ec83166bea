// A format's parser, imported on first use: a service whose config is YAML
// never loads the JSON and TOML parsers (jsonc-parser alone costs Deno
// about 20 ms at start-up, through its CommonJS build).

/** A module imported when a format is first used. */
export interface LazyModule<M> {
  /**
   * Imports the module, once; `undefined` once it is loaded, so that a
   * caller on a synchronous path need not wait for a turn.
   */
  prepare(): Promise<void> | undefined;
  /**
   * The module.
   *
   * @throws {Error} If `prepare()` has not settled yet.
   */
  get(): M;
}

/**
 * A module to import on first use.
 *
 * @param what The format's name, for the error of a parse before it loaded.
 * @param load The import (`() => import("smol-toml")`).
 * @returns The module, lazily.
 */
export function lazyModule<M>(
  what: string,
  load: () => Promise<M>,
): LazyModule<M> {
  let module: M | undefined;
  let loading: Promise<void> | undefined;
  return {
    prepare() {
      if (module !== undefined) return undefined;
      return loading ??= load().then((loaded) => {
        module = loaded;
      }, (error) => {
        loading = undefined; // a later pass tries again
        throw error;
      });
    },
    get() {
      if (module === undefined) {
        throw new Error(
          `Cannot parse ${what} as its parser is not loaded yet (prepare() first)`,
        );
      }
      return module;
    },
  };
}
