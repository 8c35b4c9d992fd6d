import { describe, expect, it } from 'vitest';
import {
  normaliseMsisdn,
  operatorFromMsisdn,
  operatorFromProviderName,
  PREFIX_TABLE_2025_07,
  PREFIX_TABLE_2026_06,
} from '../../src/domain/msisdn.js';

describe('normaliseMsisdn: the SEC-1 table (newest prefix table)', () => {
  it.each([
    ['0712345678', '255712345678'],
    ['+255 712 345 678', '255712345678'],
    ['255712345678', '255712345678'],
    ['255632345678', '255632345678'],
    ['0724737422', '255724737422'],
  ])('%s → %s', (input, msisdn) => {
    expect(normaliseMsisdn(input)).toMatchObject({ ok: true, msisdn });
  });

  it.each([
    ['255642345678', 'unknown_prefix'], // 64: non-operational
    ['255722345678', 'unknown_prefix'], // 72: non-operational, only the 724 block is valid
    ['2557123456789', 'invalid_format'], // too long
    ['٠٧١٢٣٤٥٦٧٨', 'invalid_characters'], // Arabic-Indic digits
    ['255712345678\n', 'invalid_characters'], // documented rule: newlines are rejected, not trimmed
    ['+1 202 555 0100', 'invalid_format'],
  ])('%j is rejected (%s)', (input, reason) => {
    expect(normaliseMsisdn(input)).toMatchObject({ ok: false, reason });
  });

  it('rejects 63 with the older table configured', () => {
    expect(normaliseMsisdn('255632345678', PREFIX_TABLE_2025_07)).toMatchObject({
      ok: false,
      reason: 'unknown_prefix',
    });
    expect(normaliseMsisdn('0724737422', PREFIX_TABLE_2025_07)).toMatchObject({
      ok: false,
      reason: 'unknown_prefix',
    });
    expect(normaliseMsisdn('0702345678', PREFIX_TABLE_2025_07)).toMatchObject({
      ok: false,
      reason: 'unknown_prefix',
    });
  });
});

describe('normaliseMsisdn: shapes, separators and operators', () => {
  it.each([
    ['+255712345678', '255712345678', 'TIGO'],
    ['0712-345-678', '255712345678', 'TIGO'],
    ['0712.345.678', '255712345678', 'TIGO'],
    ['255-754-123456', '255754123456', 'VODACOM'],
    ['0 754 123 456', '255754123456', 'VODACOM'],
    ['0682345678', '255682345678', 'AIRTEL'],
    ['0662345678', '255662345678', 'AIRTEL'],
    ['0612345678', '255612345678', 'HALOPESA'],
    ['0622345678', '255622345678', 'HALOPESA'],
    ['0652345678', '255652345678', 'TIGO'],
    ['0702345678', '255702345678', 'TIGO'],
    ['0792345678', '255792345678', 'VODACOM'],
    ['+255724737422', '255724737422', 'VODACOM'],
  ])('%s → %s (%s)', (input, msisdn, operator) => {
    expect(normaliseMsisdn(input)).toEqual({ ok: true, msisdn, operator });
  });

  it.each([
    ['', 'invalid_characters'],
    ['   ', 'invalid_characters'],
    ['0712 345 67a', 'invalid_characters'],
    ['0712\t345678', 'invalid_characters'],
    ['２５５７１２３４５６７８', 'invalid_characters'], // full-width digits
    ['255+712345678', 'invalid_characters'],
    ['++255712345678', 'invalid_characters'],
    ['+0712345678', 'invalid_format'],
    ['712345678', 'invalid_format'], // no trunk 0 or country code: ambiguous, rejected
    ['00255712345678', 'invalid_format'],
    ['071234567', 'invalid_format'], // too short
    ['25571234567', 'invalid_format'],
    ['+25524737422', 'invalid_format'], // the upstream validator's own invalid case (11 digits)
    ['255802345678', 'unknown_prefix'],
    ['255602345678', 'unknown_prefix'],
    ['255812345678', 'unknown_prefix'],
    ['255732345678', 'unsupported_wallet'], // TTCL: valid number, no ClickPesa wallet
  ])('%j is rejected (%s)', (input, reason) => {
    const result = normaliseMsisdn(input);
    expect(result).toMatchObject({ ok: false, reason });
    expect(result.ok === false && result.message.length).toBeGreaterThan(0);
  });

  it('rejects non-strings', () => {
    expect(normaliseMsisdn(null)).toMatchObject({ ok: false, reason: 'invalid_characters' });
    expect(normaliseMsisdn({})).toMatchObject({ ok: false, reason: 'invalid_characters' });
  });

  it('treats 66 as Smile (no wallet) in the older table', () => {
    expect(normaliseMsisdn('0662345678', PREFIX_TABLE_2025_07)).toMatchObject({
      ok: false,
      reason: 'unsupported_wallet',
    });
  });

  it('takes a custom table (numbering plans change)', () => {
    const table = { ...PREFIX_TABLE_2026_06, '80': 'AIRTEL' as const };
    expect(normaliseMsisdn('0802345678', table)).toEqual({
      ok: true,
      msisdn: '255802345678',
      operator: 'AIRTEL',
    });
  });

  it.each([
    ['newest', PREFIX_TABLE_2026_06, /^255(?:(?:6[12356789]|7[013456789])\d{7}|724\d{6})$/],
    ['older', PREFIX_TABLE_2025_07, /^255(?:6[1256789]|7[13456789])\d{7}$/],
  ] as const)(
    'agrees with the canonical-form regex of the %s table for every 3-digit national prefix',
    (_, table, regex) => {
      for (let prefix = 0; prefix < 1000; prefix++) {
        const msisdn = `255${String(prefix).padStart(3, '0')}123456`;
        const result = normaliseMsisdn(msisdn, table);
        // a valid number either has a wallet or is rejected only for lacking one (TTCL, Smile)
        const validNumber = result.ok || result.reason === 'unsupported_wallet';
        expect(validNumber, msisdn).toBe(regex.test(msisdn));
      }
    },
  );
});

describe('operatorFromMsisdn', () => {
  it('reads the operator of a canonical number, TTCL included; null otherwise', () => {
    expect(operatorFromMsisdn('255754123456')).toBe('VODACOM');
    expect(operatorFromMsisdn('255732345678')).toBe('TTCL');
    expect(operatorFromMsisdn('255642345678')).toBeNull();
    expect(operatorFromMsisdn('0754123456')).toBeNull();
  });
});

describe('operatorFromProviderName', () => {
  it.each([
    ['AIRTEL', 'AIRTEL'],
    ['airtel-money', 'AIRTEL'],
    ['VODACOM', 'VODACOM'],
    ['MPESA', 'VODACOM'],
    ['M-PESA', 'VODACOM'],
    ['TIGO', 'TIGO'],
    ['TIGO-PESA', 'TIGO'],
    ['yas', 'TIGO'],
    ['MIXX', 'TIGO'],
    ['Mixx by Yas', 'TIGO'],
    ['HALOPESA', 'HALOPESA'],
    ['halotel', 'HALOPESA'],
  ])('%s → %s', (name, operator) => {
    expect(operatorFromProviderName(name)).toBe(operator);
  });

  it.each(['TTCL', 'SMILE', '', 'VISA', 'constructor', '__proto__'])('%j → null', (name) => {
    expect(operatorFromProviderName(name)).toBeNull();
  });

  it('ignores non-strings', () => {
    expect(operatorFromProviderName(42)).toBeNull();
  });
});
