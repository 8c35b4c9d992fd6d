import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  canonicalize,
  computeChecksum,
  legacyChecksumMessage,
  verifyChecksum,
} from '../../src/shared/checksum.js';

// Checksum vectors (computed with the documented algorithm in Node 20 and Python 3)
const DOCS_EXAMPLE = {
  amount: 100,
  currency: 'USD',
  reference: 'TX123',
  exchange: { toCurrency: 'TZS', rate: '1', fromCurrency: 'TZS', amount: '1000' },
  customer: { phone: '+255123456789', name: 'John Doe', email: 'john@example.com' },
};

describe("checksum vectors (ClickPesa's documented algorithm)", () => {
  it('canonicalizes and signs the docs example', () => {
    expect(canonicalize(DOCS_EXAMPLE)).toBe(
      '{"amount":100,"currency":"USD","customer":{"email":"john@example.com","name":"John Doe","phone":"+255123456789"},"exchange":{"amount":"1000","fromCurrency":"TZS","rate":"1","toCurrency":"TZS"},"reference":"TX123"}',
    );
    expect(computeChecksum(DOCS_EXAMPLE, 'secret-key')).toBe(
      'd777a80827f17cf7882f9ac5efa68416ec680e2d1ab72ad415228d00e4ac4957',
    );
  });

  it('signs a USSD push body', () => {
    const body = { amount: '1000', currency: 'TZS', orderReference: 'ORDER123', phoneNumber: '255712345678' };
    expect(computeChecksum(body, 'secret-key', 'canonical')).toBe(
      '9d6548c3728f656cef3b7ecbdc781419cb3cf48662951666dc2187193d1b704f',
    );
  });

  it('signs with the legacy algorithm', () => {
    const body = { reference: 'TX123', amount: 100, currency: 'USD' };
    expect(legacyChecksumMessage(body)).toBe('100USDTX123');
    expect(computeChecksum(body, 'secret-key', 'legacy')).toBe(
      '85b65bf2670dcdcb8ebb8d19939e4fd59b02d5218741be2eaf9f575273b101d1',
    );
  });
});

describe('canonicalize', () => {
  it('orders integer-like keys lexically, unlike a rebuilt JS object', () => {
    expect(canonicalize({ 9: 'a', 10: 'b', b: 1, a: 2 })).toBe('{"10":"b","9":"a","a":2,"b":1}');
  });

  it('keeps array order, canonicalizes elements and follows JSON.stringify for odd values', () => {
    const value = {
      list: [{ z: 1, y: [3, 2] }, undefined, null, Number.NaN],
      skipped: undefined,
      fn: () => 1,
      date: new Date('2026-01-02T03:04:05.000Z'),
      text: 'Zoë "quoted" \u2028',
    };
    expect(canonicalize(value)).toBe(
      `{"date":"2026-01-02T03:04:05.000Z","list":[{"y":[3,2],"z":1},null,null,null],"text":${JSON.stringify('Zoë "quoted" \u2028')}}`,
    );
  });

  it('types matter: a string amount and a number amount differ', () => {
    expect(computeChecksum({ amount: '1000' }, 'k')).not.toBe(computeChecksum({ amount: 1000 }, 'k'));
  });

  it('ignores the checksum fields themselves', () => {
    const body = { amount: '1000', currency: 'TZS' };
    const signed = computeChecksum(body, 'k');
    expect(computeChecksum({ ...body, checksum: signed, checksumMethod: 'canonical' }, 'k')).toBe(signed);
  });

  it('signs an own `__proto__` field like any other (found by the property below, seed 1257605822)', () => {
    const a = JSON.parse('{"__proto__":0," ":{}}');
    const b = JSON.parse('{"__proto__":"","  ":{}}'.replace('"  "', '" "'));
    expect(computeChecksum(a, 'k')).not.toBe(computeChecksum(b, 'k'));
    expect(verifyChecksum(b, computeChecksum(a, 'k'), 'k')).toBe(false);
  });

  it('refuses circular structures and BigInt', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => canonicalize(cyclic)).toThrow(TypeError);
    expect(() => canonicalize({ n: 1n })).toThrow(TypeError);
  });

  it('matches JSON.stringify for objects whose keys are not integer-like (property)', () => {
    const noIntegerKeys = fc.dictionary(
      fc.string().filter((key) => !/^\d+$/.test(key)),
      fc.jsonValue(),
    );
    fc.assert(
      fc.property(noIntegerKeys, (value) => {
        const sortedRebuild = (input: unknown): unknown => {
          if (Array.isArray(input)) return input.map(sortedRebuild);
          if (input === null || typeof input !== 'object') return input;
          const out: Record<string, unknown> = Object.create(null); // so an own `__proto__` key stays a key
          for (const key of Object.keys(input).sort())
            out[key] = sortedRebuild((input as Record<string, unknown>)[key]);
          return out;
        };
        // nested integer-like keys may still appear inside jsonValue; only compare when there are none
        fc.pre(!/"\d+":/.test(JSON.stringify(value)));
        expect(canonicalize(value)).toBe(JSON.stringify(sortedRebuild(value)));
      }),
    );
  });
});

describe('checksum properties', () => {
  const payload = fc.dictionary(fc.string({ minLength: 1 }), fc.jsonValue(), { minKeys: 1 });

  it('key order never changes the checksum', () => {
    fc.assert(
      fc.property(payload, fc.string({ minLength: 1 }), (value, key) => {
        const reversed = Object.fromEntries(Object.entries(value).reverse());
        expect(computeChecksum(reversed, key)).toBe(computeChecksum(value, key));
      }),
    );
  });

  it('mutating any field value changes the checksum', () => {
    fc.assert(
      fc.property(
        payload.filter((value) => Object.keys(value).some((k) => k !== 'checksum' && k !== 'checksumMethod')),
        fc.nat(),
        fc.jsonValue(),
        fc.string({ minLength: 1 }),
        (value, index, replacement, key) => {
          const fields = Object.keys(value).filter((k) => k !== 'checksum' && k !== 'checksumMethod');
          const field = fields[index % fields.length]!;
          fc.pre(canonicalize(replacement) !== canonicalize(value[field]));
          // a field whose value JSON drops (e.g. undefined) is not part of the signature: keep comparisons fair
          const mutated = { ...value, [field]: replacement };
          expect(computeChecksum(mutated, key)).not.toBe(computeChecksum(value, key));
        },
      ),
    );
  });

  it('a computed checksum verifies, with any of several keys', () => {
    fc.assert(
      fc.property(payload, fc.string({ minLength: 1 }), (value, key) => {
        const checksum = computeChecksum(value, key);
        expect(verifyChecksum({ ...value, checksum }, checksum, key)).toBe(true);
        expect(verifyChecksum(value, checksum, ['other-key', key])).toBe(true);
        expect(verifyChecksum(value, checksum.toUpperCase(), key)).toBe(true);
        expect(verifyChecksum(value, checksum, `${key}x`)).toBe(false);
      }),
    );
  });

  it('verifyChecksum never throws on arbitrary input', () => {
    fc.assert(
      fc.property(
        fc.anything(),
        fc.anything(),
        fc.anything(),
        fc.anything(),
        (value, checksum, key, method) => {
          const result = verifyChecksum(value, checksum, key as string, method as 'canonical');
          expect(typeof result).toBe('boolean');
        },
      ),
    );
  });
});

describe('verifyChecksum rejects malformed input', () => {
  const body = { amount: '1000', currency: 'TZS' };
  const good = computeChecksum(body, 'key');
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;

  it.each([
    ['wrong length', body, good.slice(0, 63), 'key'],
    ['too long', body, `${good}00`, 'key'],
    ['non-hex', body, 'z'.repeat(64), 'key'],
    ['number checksum', body, 12345, 'key'],
    ['array payload', [body], good, 'key'],
    ['null payload', null, good, 'key'],
    ['string payload', JSON.stringify(body), good, 'key'],
    ['empty key', body, good, ''],
    ['no keys', body, good, []],
    ['circular payload', cyclic, good, 'key'],
  ] as const)('%s → false', (_label, payload, checksum, key) => {
    expect(verifyChecksum(payload, checksum, key as string)).toBe(false);
  });

  it('accepts legacy only when asked for legacy', () => {
    const legacy = computeChecksum(body, 'key', 'legacy');
    expect(verifyChecksum(body, legacy, 'key')).toBe(false);
    expect(verifyChecksum(body, legacy, 'key', 'legacy')).toBe(true);
    expect(verifyChecksum(body, good, 'key', 'bogus' as 'legacy')).toBe(false);
  });
});
