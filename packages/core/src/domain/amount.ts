import { ClickPesaKitError } from '../errors.js';

/**
 * Money rules (SEC-2). Amounts are never floats: they are parsed from their decimal text into
 * bigint minor units (1/100 TZS) and stored as canonical strings with two places ("1000.00").
 * Up to 2 decimals are accepted.
 */

export const DEFAULT_MIN_AMOUNT = '100.00';
export const DEFAULT_MAX_AMOUNT = '10000000.00';

export interface AmountLimits {
  /** Inclusive; number or decimal string. Default 100. */
  min?: number | string;
  /** Inclusive; number or decimal string. Default 10,000,000. */
  max?: number | string;
}

export type AmountRejection =
  /** Not a number or a plain decimal string ("1e3", "0x10", " 100", "１００", NaN, Infinity, "-5", ...). */
  | 'invalid'
  /** More than two decimal places. */
  | 'too_many_decimals'
  /** Zero or negative. */
  | 'not_positive'
  | 'below_min'
  | 'above_max';

export type AmountResult =
  | { ok: true; amount: string }
  | { ok: false; reason: AmountRejection; message: string };

const STRICT_DECIMAL = /^[0-9]+(\.[0-9]+)?$/;
const LOOSE_DECIMAL = /^([0-9]+)(?:\.([0-9]*))?$/;

/**
 * Parses a request amount: a JSON number (a safe integer, or a finite number whose shortest decimal form has
 * at most two decimals, e.g. 1000.5) or a string matching `^\d+(\.\d{1,2})?$`. Returns the canonical
 * two-place decimal string. Rejects zero, negatives, exponents, hex, whitespace, non-ASCII digits, NaN,
 * Infinity, more than two decimals, and anything outside [min, max].
 */
export function parseAmount(input: unknown, limits: AmountLimits = {}): AmountResult {
  let text: string;
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) return rejectAmount('invalid', 'Amount must be a finite number');
    if (input <= 0) return rejectAmount('not_positive', 'Amount must be greater than zero');
    if (Number.isInteger(input) && !Number.isSafeInteger(input)) {
      return rejectAmount('invalid', 'Amount is too large to be exact');
    }
    // String() gives the shortest round-trip form: 1000.5 → "1000.5", 1e21 → "1e+21" (rejected below).
    text = String(input);
  } else if (typeof input === 'string') {
    text = input;
  } else {
    return rejectAmount('invalid', 'Amount must be a number or a numeric string');
  }
  if (!STRICT_DECIMAL.test(text)) {
    return rejectAmount('invalid', 'Amount must be a plain decimal number, e.g. 1000 or "1000.50"');
  }
  const fraction = text.split('.')[1] ?? '';
  if (fraction.length > 2)
    return rejectAmount('too_many_decimals', 'Amount may have at most 2 decimal places');
  const minor = toMinorUnits(text);
  if (minor === null) return rejectAmount('invalid', 'Amount must be a plain decimal number');
  if (minor <= 0n) return rejectAmount('not_positive', 'Amount must be greater than zero');
  const min = limitToMinor(limits.min ?? DEFAULT_MIN_AMOUNT, 'min');
  const max = limitToMinor(limits.max ?? DEFAULT_MAX_AMOUNT, 'max');
  if (minor < min)
    return rejectAmount('below_min', `Amount must be at least ${toProviderAmount(formatMinor(min))}`);
  if (minor > max)
    return rejectAmount('above_max', `Amount must be at most ${toProviderAmount(formatMinor(max))}`);
  return { ok: true, amount: formatMinor(minor) };
}

/**
 * The amount as ClickPesa's initiate body takes it (a string): whole amounts without decimals ("1000"),
 * fractional ones with two places ("1000.50"). Accepts any exact decimal with at most two places.
 */
export function toProviderAmount(amount: string): string {
  const minor = toMinorUnits(amount);
  if (minor === null) throw new ClickPesaKitError('INTERNAL_ERROR', { message: 'Not a canonical amount' });
  const canonical = formatMinor(minor);
  return canonical.endsWith('.00') ? canonical.slice(0, -3) : canonical;
}

/**
 * Exact decimal equality of every value given (`"20000.00"`, `"20000"` and `20000` are equal). Provider amounts
 * are parsed leniently (number or string, any number of decimals, surrounding whitespace), but a value that is
 * not a plain non-negative decimal makes the result false. No floats are involved.
 */
export function amountsEqual(...values: Array<string | number | bigint | null | undefined>): boolean {
  if (values.length === 0) return false;
  let first: string | null = null;
  for (const value of values) {
    const normal = normaliseDecimal(value);
    if (normal === null) return false;
    if (first === null) first = normal;
    else if (normal !== first) return false;
  }
  return true;
}

/** Bigint minor units (1/100) of a decimal with at most two places; null when not such a decimal. */
export function toMinorUnits(value: string | number): bigint | null {
  const normal = normaliseDecimal(value);
  if (normal === null) return null;
  const [whole = '0', fraction = ''] = normal.split('.');
  if (fraction.length > 2) return null;
  return BigInt(whole) * 100n + BigInt(fraction.padEnd(2, '0'));
}

/** Canonical two-place string of minor units: 100050n → "1000.50". */
export function formatMinor(minor: bigint): string {
  const negative = minor < 0n;
  const abs = negative ? -minor : minor;
  const whole = abs / 100n;
  const cents = (abs % 100n).toString().padStart(2, '0');
  return `${negative ? '-' : ''}${whole}.${cents}`;
}

/**
 * Normal form of a non-negative decimal for exact comparison: no leading zeros in the whole part, no trailing
 * zeros in the fraction, no dot when the fraction is empty ("020000.500" → "20000.5"). Null when not a decimal.
 */
function normaliseDecimal(value: string | number | bigint | null | undefined): string | null {
  let text: string;
  if (typeof value === 'bigint') {
    if (value < 0n) return null;
    text = value.toString();
  } else if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) return null;
    if (Number.isInteger(value)) {
      if (!Number.isSafeInteger(value)) return null;
      text = value.toString();
    } else {
      text = String(value);
    }
  } else if (typeof value === 'string') {
    text = value.trim();
  } else {
    return null;
  }
  const match = LOOSE_DECIMAL.exec(text);
  if (!match) return null;
  const whole = (match[1] ?? '0').replace(/^0+(?=\d)/, '');
  const fraction = (match[2] ?? '').replace(/0+$/, '');
  return fraction === '' ? whole : `${whole}.${fraction}`;
}

function limitToMinor(limit: number | string, name: string): bigint {
  const minor = toMinorUnits(limit);
  if (minor === null) {
    throw new ClickPesaKitError('CONFIG_INVALID', {
      message: `Amount limit ${name} must be a decimal with at most 2 places`,
    });
  }
  return minor;
}

function rejectAmount(reason: AmountRejection, message: string): AmountResult {
  return { ok: false, reason, message };
}
