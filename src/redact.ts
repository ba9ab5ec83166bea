// "received 1234" but not "received string": schema libraries name the type
// (harmless) or the value (maybe secret) after these words.
const RECEIVED_VALUE =
  /\b(received|got)\s+(?!(?:an?\s+)?(?:string|number|boolean|object|array|null|undefined|bigint|symbol|function|date|nan|map|set)\b)[^,;)\n]+/gi;

const STANDARD_TAG = /^!<tag:yaml\.org,2002:[a-z]+>$/;

/**
 * Removes the parts of a js-yaml error reason that can quote the file: alias,
 * anchor and handle names in quotes, custom tag names and invalid tag text.
 * Standard tags (`!!int`) and the fixed wording stay.
 *
 * @param reason The `reason` of a `YAMLException`, never its `message`
 *   (which quotes source lines).
 * @returns The reason, safe to show.
 */
export function scrubYamlReason(reason: string): string {
  return reason
    .replace(/"[^"]*"/g, '"…"')
    .replace(
      /!<[^>]*>/g,
      (tag) => STANDARD_TAG.test(tag) ? tag : "(custom tag)",
    )
    .replace(/(such characters:).*$/, "$1 …");
}

/**
 * Removes quoted text, "received ..." tails and every known value from a
 * message that a schema library wrote about a config.
 *
 * @param message The message.
 * @param values Values from the file and the environment.
 * @returns The message, safe to show.
 */
export function redact(message: string, values: readonly string[]): string {
  let out = message
    .replace(/"[^"]*"|'[^']*'|`[^`]*`/g, "…")
    .replace(RECEIVED_VALUE, "$1 …");
  for (const value of new Set(values)) {
    if (value.length >= 4 && out.includes(value)) {
      out = out.split(value).join("…");
    }
  }
  return out;
}
