export type Catalog = Record<string, string>;
export type Params = Record<string, string | number>;

const PLACEHOLDER = /\{(\w+)\}/g;

/** Names of the `{placeholders}` in a message, sorted and unique. */
export function placeholders(message: string): string[] {
  return [...new Set([...message.matchAll(PLACEHOLDER)].map((m) => m[1]))].sort();
}

/**
 * Look `key` up in `catalog`, then in `fallback`, then show the key itself
 * (visible but harmless). `{name}` is replaced by `params.name`; an unknown
 * placeholder is left as written.
 */
export function translate(catalog: Catalog, fallback: Catalog, key: string, params?: Params): string {
  const msg = catalog[key] ?? fallback[key] ?? key;
  if (!params) return msg;
  return msg.replace(PLACEHOLDER, (whole, name: string) =>
    Object.prototype.hasOwnProperty.call(params, name) ? String(params[name]) : whole,
  );
}
