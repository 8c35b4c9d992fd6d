import { randomBytes as cryptoRandomBytes } from 'node:crypto';

/** Source of random bytes; injectable so tests can use a seeded generator. Default: node:crypto. */
export type RandomBytes = (size: number) => Uint8Array;

/** Our order references (docs/decisions.md, decision d): `PAY` + 12 uppercase hex = 48 random bits. */
export const ORDER_REFERENCE_PATTERN = /^PAY[0-9A-F]{12}$/;

/** What ClickPesa accepts as far as we know (SEC-4, F11): alphanumeric, at most 20 characters. */
export const PROVIDER_ORDER_REFERENCE_PATTERN = /^[A-Z0-9]{1,20}$/;

/** "00".."FF" by byte value: one lookup per byte keeps 10^6 generations well under a second. */
const BYTE_HEX: readonly string[] = Array.from({ length: 256 }, (_, byte) =>
  byte.toString(16).toUpperCase().padStart(2, '0'),
);

/**
 * A new order reference for one push attempt, e.g. `PAY3A44E1A7FC81`. Generated server-side only, never taken
 * from a client. 48 random bits do collide now and then at scale (about 0.18 % over 10^6 references), so
 * stores enforce UNIQUE(order_reference) and creation retries on STORE_CONFLICT.
 */
export function generateOrderReference(randomBytes: RandomBytes = cryptoRandomBytes): string {
  const bytes = randomBytes(6);
  if (bytes.length < 6) throw new RangeError('randomBytes returned fewer than 6 bytes');
  let reference = 'PAY';
  for (let i = 0; i < 6; i++) reference += BYTE_HEX[bytes[i]!]!;
  return reference;
}

/** True for references in our own format (`PAY` + 12 uppercase hex). */
export function isOrderReference(value: unknown): value is string {
  return typeof value === 'string' && ORDER_REFERENCE_PATTERN.test(value);
}
