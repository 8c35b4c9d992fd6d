import { describe, expect, it } from 'vitest';
import {
  generateOrderReference,
  isOrderReference,
  ORDER_REFERENCE_PATTERN,
  PROVIDER_ORDER_REFERENCE_PATTERN,
} from '../../src/domain/order-reference.js';

/**
 * Deterministic byte source (xorshift32) so the 10^6 run is reproducible (docs/decisions.md, decision d). It
 * reuses one buffer: generateOrderReference reads the bytes before asking again.
 */
function seededBytes(seed: number) {
  let state = seed >>> 0 || 1;
  const bytes = new Uint8Array(6);
  return (size: number) => {
    for (let i = 0; i < size; i++) {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      bytes[i] = state & 0xff;
    }
    return bytes;
  };
}

describe('generateOrderReference', () => {
  it('makes PAY + 12 uppercase hex from crypto randomness by default', () => {
    const reference = generateOrderReference();
    expect(reference).toMatch(/^PAY[0-9A-F]{12}$/);
    expect(reference).toHaveLength(15);
    expect(isOrderReference(reference)).toBe(true);
    expect(generateOrderReference()).not.toBe(reference);
  });

  it('encodes the random bytes as hex, high nibble first', () => {
    const bytes = Uint8Array.from([0x3a, 0x44, 0xe1, 0xa7, 0xfc, 0x81]);
    expect(generateOrderReference(() => bytes)).toBe('PAY3A44E1A7FC81');
  });

  it('refuses a byte source that returns too few bytes', () => {
    expect(() => generateOrderReference(() => new Uint8Array(5))).toThrow(RangeError);
  });

  it('10^6 references from a fixed seed: all match ^[A-Z0-9]{1,20}$, no collisions (SEC-4)', () => {
    const random = seededBytes(20260105);
    const seen = new Set<string>();
    let malformed = 0;
    for (let i = 0; i < 1_000_000; i++) {
      const reference = generateOrderReference(random);
      if (!/^[A-Z0-9]{1,20}$/.test(reference)) malformed++;
      seen.add(reference);
    }
    // our own, stricter format on a sample
    for (const reference of [...seen].slice(0, 1000)) expect(reference).toMatch(ORDER_REFERENCE_PATTERN);
    expect(malformed).toBe(0);
    expect(seen.size).toBe(1_000_000);
  });

  it('exports the provider bound as SEC-4 states it', () => {
    expect(PROVIDER_ORDER_REFERENCE_PATTERN.source).toBe('^[A-Z0-9]{1,20}$');
  });

  it('isOrderReference rejects other shapes', () => {
    for (const value of [
      'PAY3a44e1a7fc81',
      'PAY3A44E1A7FC8',
      'XYZ3A44E1A7FC81',
      'PAY3A44E1A7FC81X',
      42,
      null,
    ]) {
      expect(isOrderReference(value)).toBe(false);
    }
  });
});
