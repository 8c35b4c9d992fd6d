import { createHmac, timingSafeEqual } from 'node:crypto';
import type { ChecksumMethod } from './types.js';

// The sandbox's own implementation of ClickPesa's checksum (sorted keys, compact JSON, HMAC-SHA256),
// deliberately independent of @clickpesa-kit/core so the client's checksum tests check against a second opinion.

/** Recursively sorted keys, rebuilt as plain objects exactly like ClickPesa's JS reference. */
export function canonicalize(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonicalize);
  if (value === null || typeof value !== 'object') return value;
  const source = value as Record<string, unknown>;
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(source).sort()) sorted[key] = canonicalize(source[key]);
  return sorted;
}

/** Everything but `checksum` and `checksumMethod`, which never take part in their own checksum. */
export function withoutChecksumFields(payload: Record<string, unknown>): Record<string, unknown> {
  const { checksum: _checksum, checksumMethod: _method, ...rest } = payload;
  return rest;
}

export function canonicalString(payload: Record<string, unknown>): string {
  return JSON.stringify(canonicalize(withoutChecksumFields(payload)));
}

/** Legacy: top-level keys sorted, values concatenated with JS string conversion. */
export function legacyString(payload: Record<string, unknown>): string {
  const rest = withoutChecksumFields(payload);
  return Object.keys(rest)
    .sort()
    .map((key) => String(rest[key]))
    .join('');
}

export function computeChecksum(
  key: string,
  payload: Record<string, unknown>,
  method: ChecksumMethod = 'canonical',
): string {
  const message = method === 'legacy' ? legacyString(payload) : canonicalString(payload);
  return createHmac('sha256', key).update(message, 'utf8').digest('hex');
}

/** Checks `payload.checksum` with the algorithm `payload.checksumMethod` names (canonical unless 'legacy'). */
export function verifyChecksum(key: string, payload: Record<string, unknown>): boolean {
  const given = payload.checksum;
  if (typeof given !== 'string') return false;
  const method: ChecksumMethod = payload.checksumMethod === 'legacy' ? 'legacy' : 'canonical';
  const expected = Buffer.from(computeChecksum(key, payload, method), 'utf8');
  const actual = Buffer.from(given, 'utf8');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
