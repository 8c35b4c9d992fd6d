// PostgreSQL text and jsonb cannot hold the NUL character (U+0000), which JSON and JavaScript strings can.
// A webhook payload or a provider message carrying one must still be stored, so NUL becomes U+FFFD.

const NUL = '\u0000';
const REPLACEMENT = '\uFFFD';

const clean = (text: string): string => (text.includes(NUL) ? text.replaceAll(NUL, REPLACEMENT) : text);

function replacer(_key: string, value: unknown): unknown {
  if (typeof value === 'string') return clean(value);
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const keys = Object.keys(value);
    if (keys.some((key) => key.includes(NUL))) {
      return Object.fromEntries(keys.map((key) => [clean(key), (value as Record<string, unknown>)[key]]));
    }
  }
  return value;
}

/** JSON text for a jsonb parameter. */
export function postgresJson(value: unknown): string {
  return JSON.stringify(value, replacer);
}

/** A bind parameter as PostgreSQL can store it. */
export function postgresValue(value: unknown): unknown {
  return typeof value === 'string' ? clean(value) : value;
}
