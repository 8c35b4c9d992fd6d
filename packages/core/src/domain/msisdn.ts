import type { Operator } from './payment.js';

/**
 * Operator prefix table: national prefix (the digits after `255`, 2 or 3 of them) → operator.
 * `null` marks a prefix whose numbers are valid but whose operator runs no wallet ClickPesa pushes to.
 * The longest matching prefix wins, so `724` can be allowed while the rest of `72` is not.
 */
export type PrefixTable = Readonly<Record<string, Operator | null>>;

/**
 * Newest table (ClickPesa/tanzanian-phone-validator v1.1.8, 2026-06-21):
 * `^255(?:(?:6[12356789]|7[013456789])\d{7}|724\d{6})$`. 64 and 72 are non-operational (absent).
 */
export const PREFIX_TABLE_2026_06: PrefixTable = Object.freeze({
  '61': 'HALOPESA',
  '62': 'HALOPESA',
  '63': 'HALOPESA',
  '65': 'TIGO',
  '66': 'AIRTEL',
  '67': 'TIGO',
  '68': 'AIRTEL',
  '69': 'AIRTEL',
  '70': 'TIGO',
  '71': 'TIGO',
  '724': 'VODACOM',
  '73': 'TTCL',
  '74': 'VODACOM',
  '75': 'VODACOM',
  '76': 'VODACOM',
  '77': 'TIGO',
  '78': 'AIRTEL',
  '79': 'VODACOM',
});

/**
 * Older table (2025-07-18): `^255(?:6[1256789]|7[13456789])\d{7}$`. 63 and 70 and the 724 block were not
 * allowed, and 66 belonged to Smile (no wallet).
 */
export const PREFIX_TABLE_2025_07: PrefixTable = Object.freeze({
  '61': 'HALOPESA',
  '62': 'HALOPESA',
  '65': 'TIGO',
  '66': null,
  '67': 'TIGO',
  '68': 'AIRTEL',
  '69': 'AIRTEL',
  '71': 'TIGO',
  '73': 'TTCL',
  '74': 'VODACOM',
  '75': 'VODACOM',
  '76': 'VODACOM',
  '77': 'TIGO',
  '78': 'AIRTEL',
  '79': 'VODACOM',
});

/** The default allow-list: the newest published table. Numbering plans change, so hosts may pass their own. */
export const DEFAULT_PREFIX_TABLE: PrefixTable = PREFIX_TABLE_2026_06;

/** Operators whose wallets ClickPesa's USSD push reaches. */
export const WALLET_OPERATORS: ReadonlySet<Operator> = new Set<Operator>([
  'VODACOM',
  'AIRTEL',
  'TIGO',
  'HALOPESA',
]);

export type MsisdnRejection =
  /** Empty, or characters other than ASCII digits, one leading `+`, and the separators space `.` `-`. */
  | 'invalid_characters'
  /** Not `255` + 9 digits after normalisation (also: other country codes, too short or too long). */
  | 'invalid_format'
  /** The operator prefix is not in the allow-list. */
  | 'unknown_prefix'
  /** A valid number whose operator has no ClickPesa wallet (TTCL, Smile). */
  | 'unsupported_wallet';

export type MsisdnResult =
  | { ok: true; msisdn: string; operator: Operator }
  | { ok: false; reason: MsisdnRejection; message: string };

const SEPARATORS = /[ .-]/g;
const DIGITS_WITH_OPTIONAL_PLUS = /^\+?[0-9]+$/;
const CANONICAL = /^255[0-9]{9}$/;

/**
 * Normalises a Tanzanian mobile number to `255XXXXXXXXX` and finds its operator (SEC-1).
 *
 * Accepted shapes: `255…`, `+255…` and `0…`, with any number of the separators space, `.` and `-`.
 * Only ASCII digits count: Arabic-Indic or full-width digits are rejected, never converted.
 * Rule for other whitespace: tabs and newlines (e.g. `"255712345678\n"`) are REJECTED, not trimmed;
 * a host that wants to trim must do it before calling, so what we validate is what we send.
 *
 * TTCL (73) numbers pass the validator's table, but ClickPesa lists no TTCL wallet, so they are rejected as
 * `unsupported_wallet` here rather than failing later at ClickPesa with a vaguer error.
 */
export function normaliseMsisdn(
  input: unknown,
  prefixTable: PrefixTable = DEFAULT_PREFIX_TABLE,
): MsisdnResult {
  if (typeof input !== 'string' && typeof input !== 'number') {
    return reject('invalid_characters', 'Phone number must be a string');
  }
  const compact = String(input).replace(SEPARATORS, '');
  if (!DIGITS_WITH_OPTIONAL_PLUS.test(compact)) {
    return reject(
      'invalid_characters',
      'Phone number may contain only digits, a leading +, spaces, dots and dashes',
    );
  }
  let canonical: string;
  if (compact.startsWith('+')) canonical = compact.slice(1);
  else if (compact.startsWith('0')) canonical = `255${compact.slice(1)}`;
  else canonical = compact;
  if (compact.startsWith('+0') || !CANONICAL.test(canonical)) {
    return reject(
      'invalid_format',
      'Phone number must be a Tanzanian mobile number: 255XXXXXXXXX, +255XXXXXXXXX or 0XXXXXXXXX',
    );
  }
  const match = lookupPrefix(canonical, prefixTable);
  if (match === undefined) return reject('unknown_prefix', 'Phone number has an unknown operator prefix');
  if (match === null || !WALLET_OPERATORS.has(match)) {
    return reject('unsupported_wallet', 'ClickPesa has no mobile-money wallet for this operator');
  }
  return { ok: true, msisdn: canonical, operator: match };
}

/**
 * The operator of a canonical `255XXXXXXXXX` number by the prefix table, wallet or not (TTCL included);
 * null when the number is not canonical or its prefix is not in the table.
 */
export function operatorFromMsisdn(
  msisdn: string,
  prefixTable: PrefixTable = DEFAULT_PREFIX_TABLE,
): Operator | null {
  if (!CANONICAL.test(msisdn)) return null;
  return lookupPrefix(msisdn, prefixTable) ?? null;
}

/** Provider names clients and ClickPesa use (request `provider`, channel strings like `TIGO-PESA`). */
const PROVIDER_ALIASES: Readonly<Record<string, Operator>> = Object.freeze({
  AIRTEL: 'AIRTEL',
  AIRTELMONEY: 'AIRTEL',
  VODACOM: 'VODACOM',
  MPESA: 'VODACOM',
  VODACOMMPESA: 'VODACOM',
  TIGO: 'TIGO',
  TIGOPESA: 'TIGO',
  YAS: 'TIGO',
  MIXX: 'TIGO',
  MIXXBYYAS: 'TIGO',
  HALOPESA: 'HALOPESA',
  HALOTEL: 'HALOPESA',
});

/**
 * Maps a provider name or channel string to an operator, case-insensitively and ignoring spaces, dashes
 * and underscores: `"Mixx by Yas"`, `"tigo-pesa"`, `"M-PESA"`, `"halotel"`. Null for anything else (TTCL too:
 * no wallet).
 */
export function operatorFromProviderName(name: unknown): Operator | null {
  if (typeof name !== 'string') return null;
  const key = name.toUpperCase().replace(/[\s_-]/g, '');
  return PROVIDER_ALIASES[key] ?? null;
}

/** Longest-prefix lookup on the 9-digit national number; `undefined` when no prefix matches. */
function lookupPrefix(canonical: string, table: PrefixTable): Operator | null | undefined {
  const national = canonical.slice(3);
  for (let length = 3; length >= 1; length--) {
    const prefix = national.slice(0, length);
    if (Object.hasOwn(table, prefix)) return table[prefix];
  }
  return undefined;
}

function reject(reason: MsisdnRejection, message: string): MsisdnResult {
  return { ok: false, reason, message };
}
