import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * ClickPesa's request/webhook checksum.
 *
 * canonical (default since Jan 2026): drop `checksum`/`checksumMethod`, sort object keys recursively, serialise
 * as compact JSON (JSON.stringify semantics), HMAC-SHA256 with the checksum key, lowercase hex.
 * legacy (opt-in): sort the top-level keys and concatenate their values, then HMAC-SHA256.
 */
export type ChecksumMethod = 'canonical' | 'legacy';

/** Fields that carry the signature itself and are never part of what is signed. */
const SIGNATURE_FIELDS: ReadonlySet<string> = new Set(['checksum', 'checksumMethod']);

const HEX_SHA256 = /^[0-9a-fA-F]{64}$/;

/**
 * The canonical JSON string of a value: object keys sorted at every level (plain code-unit order, so
 * integer-like keys sort lexically: "10" before "9"), arrays in order, compact like JSON.stringify.
 * The string is built directly: rebuilding a sorted object would let JS move integer-like keys first.
 */
export function canonicalize(value: unknown): string {
  const text = serialize(value, false, new Set());
  // JSON.stringify(undefined) is undefined; a checksum needs a string, and `null` is what JSON would say
  return text ?? 'null';
}

function serialize(input: unknown, inArray: boolean, ancestors: Set<object>): string | undefined {
  let value = input;
  if (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as { toJSON?: unknown }).toJSON === 'function'
  ) {
    value = (value as { toJSON: () => unknown }).toJSON();
  }
  if (value instanceof Number || value instanceof String || value instanceof Boolean) value = value.valueOf();

  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      throw new TypeError('Cannot compute a checksum over a BigInt');
    case 'undefined':
    case 'function':
    case 'symbol':
      return inArray ? 'null' : undefined;
  }
  if (value === null) return 'null';

  const object = value as object;
  if (ancestors.has(object)) throw new TypeError('Cannot compute a checksum over a circular structure');
  ancestors.add(object);
  try {
    if (Array.isArray(object)) {
      return `[${object.map((item) => serialize(item, true, ancestors)).join(',')}]`;
    }
    const record = object as Record<string, unknown>;
    const members: string[] = [];
    for (const key of Object.keys(record).sort()) {
      const member = serialize(record[key], false, ancestors);
      if (member !== undefined) members.push(`${JSON.stringify(key)}:${member}`);
    }
    return `{${members.join(',')}}`;
  } finally {
    ancestors.delete(object);
  }
}

/**
 * The legacy message: top-level values in key order, each converted like JS string concatenation
 * (`null` → "null", nested objects → "[object Object]"), joined without a separator.
 */
export function legacyChecksumMessage(payload: Record<string, unknown>): string {
  return Object.keys(payload)
    .sort()
    .map((key) => String(payload[key]))
    .join('');
}

function withoutSignatureFields(payload: Record<string, unknown>): Record<string, unknown> {
  // a null-prototype copy: on a plain object, an own `__proto__` key would hit the setter and go unsigned
  const rest: Record<string, unknown> = Object.create(null);
  for (const key of Object.keys(payload)) {
    if (!SIGNATURE_FIELDS.has(key)) rest[key] = payload[key];
  }
  return rest;
}

function checksumMessage(payload: Record<string, unknown>, method: ChecksumMethod): string {
  const signed = withoutSignatureFields(payload);
  return method === 'legacy' ? legacyChecksumMessage(signed) : canonicalize(signed);
}

function hmacHex(message: string, key: string): string {
  return createHmac('sha256', key).update(message, 'utf8').digest('hex');
}

/**
 * The checksum ClickPesa expects for `payload` (its own `checksum`/`checksumMethod` fields are ignored).
 * Hash exactly the object you send: `"amount":"1000"` and `"amount":1000` give different checksums.
 */
export function computeChecksum(
  payload: Record<string, unknown>,
  checksumKey: string,
  method: ChecksumMethod = 'canonical',
): string {
  if (typeof checksumKey !== 'string' || checksumKey.length === 0) {
    throw new TypeError('A non-empty checksum key is required');
  }
  return hmacHex(checksumMessage(payload, method), checksumKey);
}

/**
 * Timing-safe check of a received checksum against `payload` (e.g. a webhook body, which carries its own
 * `checksum` field: it is excluded from the computation). Several keys may be given during key rotation.
 * Never throws: anything malformed (non-object payload, non-hex or wrong-length checksum, no usable key,
 * circular payload) is simply `false`.
 */
export function verifyChecksum(
  payload: unknown,
  checksum: unknown,
  checksumKey: string | readonly string[],
  method: ChecksumMethod = 'canonical',
): boolean {
  try {
    if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) return false;
    if (typeof checksum !== 'string' || !HEX_SHA256.test(checksum)) return false;
    if (method !== 'canonical' && method !== 'legacy') return false;
    const keys = (Array.isArray(checksumKey) ? checksumKey : [checksumKey]).filter(
      (key): key is string => typeof key === 'string' && key.length > 0,
    );
    if (keys.length === 0) return false;

    const received = Buffer.from(checksum, 'hex');
    const message = checksumMessage(payload as Record<string, unknown>, method);
    let matched = false;
    // compare against every key (no early exit) so the time taken does not reveal which key matched
    for (const key of keys) {
      const expected = createHmac('sha256', key).update(message, 'utf8').digest();
      if (timingSafeEqual(expected, received)) matched = true;
    }
    return matched;
  } catch {
    return false;
  }
}
