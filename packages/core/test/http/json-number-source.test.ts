import { describe, expect, it } from 'vitest';
import { exactDecimal, topLevelNumberSource } from '../../src/http/json-number-source.js';

describe('topLevelNumberSource', () => {
  it('returns the number token of a top-level key as written', () => {
    expect(topLevelNumberSource('{"amount":100.999999999999999999}', 'amount')).toBe(
      '100.999999999999999999',
    );
    expect(topLevelNumberSource(' \n{ "a" : [1,{"amount":5}] , "amount" : -1.5E+3 }', 'amount')).toBe(
      '-1.5E+3',
    );
  });

  it('ignores nested keys, keys inside strings and non-number values', () => {
    expect(
      topLevelNumberSource('{"meta":{"amount":1.001},"note":"\\"amount\\":9.999"}', 'amount'),
    ).toBeUndefined();
    expect(topLevelNumberSource('{"amount":"100.999"}', 'amount')).toBeUndefined();
    expect(topLevelNumberSource('{"amount":null}', 'amount')).toBeUndefined();
    expect(topLevelNumberSource('[1.001]', 'amount')).toBeUndefined();
  });

  it('reads escaped key names and keeps the last duplicate, as JSON.parse does', () => {
    expect(topLevelNumberSource('{"\\u0061mount":1.001}', 'amount')).toBe('1.001');
    expect(topLevelNumberSource('{"amount":1.001,"amount":"5"}', 'amount')).toBeUndefined();
    expect(topLevelNumberSource('{"amount":"5","amount":1.001}', 'amount')).toBe('1.001');
    expect(topLevelNumberSource('\ufeff{"amount":2.345}', 'amount')).toBe('2.345');
  });
});

describe('exactDecimal', () => {
  it.each([
    ['100.999999999999999999', '100.999999999999999999'],
    ['1.5e3', '1500'],
    ['100050e-2', '1000.5'],
    ['1.000001e3', '1000.001'],
    ['0.005', '0.005'],
    ['5e-3', '0.005'],
    ['1500.0', '1500'],
    ['-2.50', '-2.5'],
    ['0', '0'],
  ])('%s → %s', (token, exact) => {
    expect(exactDecimal(token)).toBe(exact);
  });

  it('gives up on exponents no amount can have', () => {
    expect(exactDecimal('1e999')).toBeUndefined();
  });
});
