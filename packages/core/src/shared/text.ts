/**
 * Text every store can keep. PostgreSQL refuses NUL in text and unpaired UTF-16 surrogates in JSON, SQLite
 * keeps them, a memory store does not care: text with them would behave differently per store (and fail as
 * "storage unavailable" on one of them), so it is refused at the door or made storable first.
 */

/** C0 controls other than tab, line feed and carriage return, and DEL. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/u;
/** With the `u` flag a paired surrogate is one code point: only unpaired halves match. */
const LONE_SURROGATE = /\p{Cs}/u;
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const UNSTORABLE_GLOBAL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]|\p{Cs}/gu;

/** Why `value` cannot be stored as is, or null when it can. */
export function unstorableTextProblem(value: string): string | null {
  if (LONE_SURROGATE.test(value)) return 'must not contain unpaired UTF-16 surrogates';
  if (CONTROL.test(value)) return 'must not contain control characters';
  return null;
}

/** The same text with every unstorable character replaced by U+FFFD (the Unicode replacement character). */
export function toStorableText(value: string): string {
  return value.replace(UNSTORABLE_GLOBAL, '\ufffd');
}

/** A JSON value with every string (keys included) made storable; the same object when nothing changed. */
export function toStorableJson<T>(value: T): T {
  if (typeof value === 'string') return toStorableText(value) as T;
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    const items = value.map((item) => toStorableJson(item));
    return (items.every((item, index) => item === value[index]) ? value : items) as T;
  }
  let changed = false;
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    const storableKey = toStorableText(key);
    const storableItem = toStorableJson(item);
    if (storableKey !== key || storableItem !== item) changed = true;
    copy[storableKey] = storableItem;
  }
  return (changed ? copy : value) as T;
}
