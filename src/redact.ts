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
 * Removes every value from the file and the environment from a message that
 * a schema library wrote about a config: quoted text that is (or holds) such
 * a value, any occurrence of a value of 4 characters or more, and
 * "received ..." / "got ..." tails that are not a type name. Quoted text
 * that is not a value (the allowed options, say) stays.
 *
 * @param message The message.
 * @param values Values from the file and the environment.
 * @returns The message, safe to show.
 */
export function redact(message: string, values: readonly string[]): string {
  const known = new Set(values);
  const long = [...known].filter((value) => value.length >= 4);
  const holdsValue = (text: string) =>
    known.has(text) || long.some((value) => text.includes(value));
  let out = message.replace(
    /"([^"]*)"|'([^']*)'|`([^`]*)`/g,
    (quoted, a, b, c) =>
      holdsValue(a ?? b ?? c) ? `${quoted[0]}…${quoted[0]}` : quoted,
  );
  for (const value of long) {
    if (out.includes(value)) out = out.split(value).join("…");
  }
  return out.replace(RECEIVED_VALUE, "$1 …");
}
