/**
 * A validator in the Standard Schema v1 form, which zod, valibot, arktype and
 * others implement: the `schema` of {@linkcode loadConfig} and `Deps`. The
 * same shape as `StandardSchemaV1<unknown, C>` from `@standard-schema/spec`,
 * written out so the config type `C` is inferred from any such library
 * without this module depending on it.
 *
 * @example A hand-written schema
 * ```ts
 * import type { ConfigSchema } from "@hup/reload";
 *
 * const portSchema: ConfigSchema<{ port: number }> = {
 *   "~standard": {
 *     version: 1,
 *     vendor: "example",
 *     validate: (value) =>
 *       typeof (value as { port?: unknown }).port === "number"
 *         ? { value: value as { port: number } }
 *         : { issues: [{ message: "Expected a number", path: ["port"] }] },
 *   },
 * };
 * ```
 *
 * @typeParam C The validated config type.
 */
export interface ConfigSchema<C> {
  /** The Standard Schema properties. */
  readonly "~standard": {
    /** The version of the Standard Schema spec: 1. */
    readonly version: 1;
    /** The library that made the schema. */
    readonly vendor: string;
    /** Validates a value. */
    readonly validate: (
      value: unknown,
    ) => SchemaResult<C> | Promise<SchemaResult<C>>;
    /** The inferred types, for type-level use only. */
    readonly types?:
      | { readonly input: unknown; readonly output: C }
      | undefined;
  };
}

/**
 * What a {@linkcode ConfigSchema} returns: the value, or the issues.
 *
 * @example Usage
 * ```ts
 * import type { SchemaResult } from "@hup/reload";
 *
 * const failed: SchemaResult<unknown> = { issues: [{ message: "Required", path: ["server", "port"] }] };
 * ```
 *
 * @typeParam C The validated config type.
 */
export type SchemaResult<C> =
  | { readonly value: C; readonly issues?: undefined }
  | { readonly issues: ReadonlyArray<SchemaIssue> };

/**
 * One problem a {@linkcode ConfigSchema} found.
 *
 * @example Usage
 * ```ts
 * import type { SchemaIssue } from "@hup/reload";
 *
 * const issue: SchemaIssue = { message: "Expected number", path: ["server", { key: "port" }] };
 * ```
 */
export interface SchemaIssue {
  /** What is wrong. */
  readonly message: string;
  /** Where: keys, or objects holding a key. */
  readonly path?:
    | ReadonlyArray<PropertyKey | { readonly key: PropertyKey }>
    | undefined;
}
