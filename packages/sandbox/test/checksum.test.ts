import { describe, expect, it } from 'vitest';
import { canonicalString, computeChecksum, legacyString, verifyChecksum } from '../src/checksum.js';

// Checksum vectors computed with ClickPesa's documented algorithm.
const docsExample = {
  amount: 100,
  currency: 'USD',
  reference: 'TX123',
  exchange: { toCurrency: 'TZS', fromCurrency: 'TZS', rate: '1', amount: '1000' },
  customer: { phone: '+255123456789', name: 'John Doe', email: 'john@example.com' },
};

describe('checksum', () => {
  it('matches vector 1 (docs example, nested objects sorted)', () => {
    expect(canonicalString(docsExample)).toBe(
      '{"amount":100,"currency":"USD","customer":{"email":"john@example.com","name":"John Doe","phone":"+255123456789"},"exchange":{"amount":"1000","fromCurrency":"TZS","rate":"1","toCurrency":"TZS"},"reference":"TX123"}',
    );
    expect(computeChecksum('secret-key', docsExample)).toBe(
      'd777a80827f17cf7882f9ac5efa68416ec680e2d1ab72ad415228d00e4ac4957',
    );
  });

  it('matches vector 2 (a USSD push body)', () => {
    const body = { amount: '1000', currency: 'TZS', orderReference: 'ORDER123', phoneNumber: '255712345678' };
    expect(computeChecksum('secret-key', body)).toBe(
      '9d6548c3728f656cef3b7ecbdc781419cb3cf48662951666dc2187193d1b704f',
    );
  });

  it('matches vector 3 (legacy concatenation)', () => {
    const body = { reference: 'TX123', currency: 'USD', amount: 100 };
    expect(legacyString(body)).toBe('100USDTX123');
    expect(computeChecksum('secret-key', body, 'legacy')).toBe(
      '85b65bf2670dcdcb8ebb8d19939e4fd59b02d5218741be2eaf9f575273b101d1',
    );
  });

  it('leaves checksum and checksumMethod out of their own checksum', () => {
    const body = { amount: '1000', currency: 'TZS', orderReference: 'ORDER123', phoneNumber: '255712345678' };
    const withFields = { ...body, checksum: 'x', checksumMethod: 'canonical' };
    expect(computeChecksum('secret-key', withFields)).toBe(computeChecksum('secret-key', body));
  });

  it('hashes types, so "1000" and 1000 differ', () => {
    expect(computeChecksum('k', { amount: '1000' })).not.toBe(computeChecksum('k', { amount: 1000 }));
  });

  it('keeps array order and canonicalises array elements', () => {
    expect(canonicalString({ items: [{ b: 1, a: 2 }, 3] })).toBe('{"items":[{"a":2,"b":1},3]}');
  });

  it('verifies canonical and legacy checksums and refuses wrong or missing ones', () => {
    const body = { amount: '1000', currency: 'TZS', orderReference: 'ORDER123', phoneNumber: '255712345678' };
    const canonical = { ...body, checksum: computeChecksum('k', body) };
    const legacy = { ...body, checksumMethod: 'legacy', checksum: computeChecksum('k', body, 'legacy') };
    expect(verifyChecksum('k', canonical)).toBe(true);
    expect(verifyChecksum('k', legacy)).toBe(true);
    expect(verifyChecksum('other', canonical)).toBe(false);
    expect(verifyChecksum('k', { ...canonical, amount: '1001' })).toBe(false);
    expect(verifyChecksum('k', { ...legacy, checksumMethod: 'canonical' })).toBe(false);
    expect(verifyChecksum('k', body)).toBe(false);
    expect(verifyChecksum('k', { ...body, checksum: 'abc' })).toBe(false);
  });
});
