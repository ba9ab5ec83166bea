type Mapping = Record<string, unknown>;

const isMapping = (value: unknown): value is Mapping =>
  value !== null && typeof value === "object" && !Array.isArray(value);

/**
 * Merges config layers, later ones over earlier ones: mappings are merged
 * key by key, all the way down; a sequence or a scalar (`null` included)
 * replaces what was there, never appended to it. Keys keep the order in
 * which they first appear. The layers are not changed (a merged mapping
 * is a new one), so a node they share stays as it is.
 *
 * Linear in the layers: only mappings present in two layers at the same
 * place are walked.
 *
 * @param layers The layers' mappings, base first.
 * @returns The merged mapping (the only layer, when there is one).
 */
export function mergeLayers(layers: readonly Mapping[]): Mapping {
  let merged = layers[0] ?? {};
  for (let i = 1; i < layers.length; i++) merged = merge(merged, layers[i]);
  return merged;
}

function merge(base: Mapping, override: Mapping): Mapping {
  const out: Mapping = {};
  const put = (key: string, value: unknown) =>
    Object.defineProperty(out, key, {
      value,
      writable: true,
      enumerable: true,
      configurable: true,
    });
  for (const key of Object.keys(base)) {
    if (!Object.hasOwn(override, key)) {
      put(key, base[key]);
      continue;
    }
    const [a, b] = [base[key], override[key]];
    put(key, isMapping(a) && isMapping(b) ? merge(a, b) : b);
  }
  for (const key of Object.keys(override)) {
    if (!Object.hasOwn(base, key)) put(key, override[key]);
  }
  return out;
}
