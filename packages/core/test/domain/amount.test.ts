import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  amountsEqual,
  formatMinor,
  parseAmount,
  toMinorUnits,
  toProviderAmount,
} from '../../src/domain/amount.js';

describe('parseAmount', () => {
  it.each([
    [1000, '1000.00'],
    ['1000', '1000.00'],
    ['1000.5', '1000.50'],
    ['1000.50', '1000.50'],
    [1000.5, '1000.50'],
    [1000.05, '1000.05'],
    [100, '100.00'],
    [10_000_000, '10000000.00'],
    ['0100', '100.00'],
  ])('%j → %s', (input, amount) => {
    expect(parseAmount(input)).toEqual({ ok: true, amount });
  });

  it.each([
    [0, 'not_positive'],
    ['0', 'not_positive'],
    ['0.00', 'not_positive'],
    [-5, 'not_positive'],
    ['-5', 'invalid'],
    ['1e3', 'invalid'],
    [1e21, 'invalid'],
    ['0x10', 'invalid'],
    [' 100', 'invalid'],
    ['100 ', 'invalid'],
    ['１００', 'invalid'],
    ['', 'invalid'],
    ['.5', 'invalid'],
    ['100.', 'invalid'],
    ['1,000', 'invalid'],
    ['+100', 'invalid'],
    [Number.NaN, 'invalid'],
    [Number.POSITIVE_INFINITY, 'invalid'],
    [Number.NEGATIVE_INFINITY, 'invalid'],
    [2 ** 53 + 2, 'invalid'],
    [null, 'invalid'],
    [true, 'invalid'],
    [{}, 'invalid'],
    ['1000.505', 'too_many_decimals'],
    [1000.505, 'too_many_decimals'],
    [0.1 + 0.2, 'too_many_decimals'],
    [99, 'below_min'],
    ['99.99', 'below_min'],
    [10_000_000.01, 'above_max'],
    ['10000001', 'above_max'],
  ])('%j is rejected (%s)', (input, reason) => {
    const result = parseAmount(input);
    expect(result).toMatchObject({ ok: false, reason });
  });

  it('rejects a bigint (not JSON input)', () => {
    expect(parseAmount(100n)).toMatchObject({ ok: false, reason: 'invalid' });
  });

  it('applies configured limits (inclusive), given as numbers or strings', () => {
    expect(parseAmount('500', { min: 500, max: '3000000' })).toEqual({ ok: true, amount: '500.00' });
    expect(parseAmount('3000000.00', { min: 500, max: '3000000' })).toEqual({
      ok: true,
      amount: '3000000.00',
    });
    expect(parseAmount('499.99', { min: 500 })).toMatchObject({
      ok: false,
      reason: 'below_min',
      message: 'Amount must be at least 500',
    });
    expect(parseAmount('3000000.01', { max: 3_000_000 })).toMatchObject({ ok: false, reason: 'above_max' });
    expect(parseAmount('1', { min: 1 })).toEqual({ ok: true, amount: '1.00' });
  });

  it('refuses limits that are not decimals with at most 2 places', () => {
    expect(() => parseAmount('1000', { min: '1e2' })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID' }),
    );
  });

  it('accepts every whole amount in range and keeps it exact', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 100, max: 10_000_000 }),
        fc.integer({ min: 0, max: 99 }),
        (whole, cents) => {
          const text = `${whole}.${String(cents).padStart(2, '0')}`;
          const parsed = parseAmount(text, { max: '10000000.99' });
          expect(parsed).toEqual({ ok: true, amount: text });
          expect(parseAmount(whole)).toEqual({ ok: true, amount: `${whole}.00` });
        },
      ),
    );
  });
});

describe('toProviderAmount', () => {
  it.each([
    ['1000.00', '1000'],
    ['1000.50', '1000.50'],
    ['1000.05', '1000.05'],
    ['100', '100'],
    ['20000.5', '20000.50'],
  ])('%s → %s', (amount, provider) => {
    expect(toProviderAmount(amount)).toBe(provider);
  });

  it('throws on a value that is not an amount', () => {
    expect(() => toProviderAmount('1e3')).toThrow();
    expect(() => toProviderAmount('10.001')).toThrow();
  });
});

describe('amountsEqual', () => {
  it('compares exactly after decimal normalisation (SM-7)', () => {
    expect(amountsEqual('20000.00', '20000', 20000)).toBe(true);
    expect(amountsEqual('1000.00', 1000)).toBe(true);
    expect(amountsEqual('1000.50', '1000.5', 1000.5, ' 1000.500 ')).toBe(true);
    expect(amountsEqual('01000', '1000.0')).toBe(true);
    expect(amountsEqual(1000n, '1000.00')).toBe(true);
  });

  it.each([
    ['1000.00', '0'],
    ['1000.00', '999.99'],
    ['1000.00', '1000.01'],
    ['1000.00', '1000.001'],
    ['1000.00', ''],
    ['1000.00', 'abc'],
    ['1000.00', '1e3'],
    ['1000.00', null],
    ['1000.00', undefined],
    ['1000.00', -1000],
    ['1000.00', Number.NaN],
    ['9007199254740993', 9007199254740992],
  ])('%j ≠ %j', (a, b) => {
    expect(amountsEqual(a, b)).toBe(false);
  });

  it('is false for no values', () => {
    expect(amountsEqual()).toBe(false);
  });

  it('never confuses neighbouring cents (no float rounding)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 15n }), (minor) => {
        const a = formatMinor(minor);
        const b = formatMinor(minor + 1n);
        expect(amountsEqual(a, b)).toBe(false);
        expect(amountsEqual(a, toProviderAmount(a))).toBe(true);
        expect(toMinorUnits(a)).toBe(minor);
      }),
    );
  });
});
