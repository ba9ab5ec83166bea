/** The version of the package, as package.json and deno.json say. */
export const VERSION = "0.1.0";
