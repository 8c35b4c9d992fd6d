import type {
  FailureReason,
  Operator,
  PaymentRecord,
  PaymentStatus,
  ProviderPayment,
} from '../domain/payment.js';
import { PUBLIC_PAYMENT_FIELDS } from '../store/payment-fields.js';

/**
 * The payment as clients see it (the field names of ClickPesa's integration guide). Deliberately an explicit
 * list: the owner id, idempotency data, poll bookkeeping and ClickPesa's raw record never leave the server.
 */
export interface PublicPayment {
  id: string;
  transaction_id: string | null;
  reference: string;
  status: PaymentStatus;
  /** Decimal string with two places: "1000.00". */
  amount: string;
  currency: 'TZS';
  msisdn: string;
  provider: Operator;
  customer_name: string | null;
  /** The host's own order id, if it gave one. */
  external_order_id: string | null;
  error_message: string | null;
  failure_reason: FailureReason | null;
  needs_attention: boolean;
  /** ClickPesa reported collecting another amount or currency than asked for. */
  amount_mismatch: boolean;
  /** The amount ClickPesa reported, when it differs. */
  collected_amount: string | null;
  /** The currency ClickPesa reported, when it differs. */
  collected_currency: string | null;
  attempts: number;
  metadata: Record<string, string | number | boolean | null> | null;
  created_at: string;
  updated_at: string;
  completed_at: string | null;
  settled_at: string | null;
}

/** ClickPesa's record for the current reference, as ClickPesa's guide shows it under `provider_status`. */
export interface PublicProviderStatus {
  id: string | null;
  status: string;
  channel?: string;
  orderReference: string;
  collectedAmount?: string;
  collectedCurrency?: string;
  createdAt?: string;
  message?: string;
  updatedAt?: string;
}

/**
 * The public fields of the payment table (`PUBLIC_PAYMENT_FIELDS`), in the order clients see them, dates as
 * ISO strings (a missing completion or settlement date as null).
 */
export const toPublicPayment: (payment: PaymentRecord) => PublicPayment = compileRenderer();

/**
 * Compiles the table, once, into one object literal: on every read route, and a loop filling the object key
 * by key measured 20 times slower (930 vs 47 ns per payment; +0.65 µs per request in `adapters:profile`).
 * The source is built only from the table's own names, each quoted with JSON.stringify.
 */
function compileRenderer(): (payment: PaymentRecord) => PublicPayment {
  const properties = PUBLIC_PAYMENT_FIELDS.map(({ name, publicName, kind }) => {
    const value = `payment[${JSON.stringify(name)}]`;
    const rendered = kind === 'timestamp' ? `${value} ? isoString(${value}) : null` : value;
    return `${JSON.stringify(publicName)}: ${rendered}`;
  });
  const factory = new Function(
    'isoString',
    `return function toPublicPayment(payment) {\n  return {\n    ${properties.join(',\n    ')}\n  };\n};`,
  ) as (iso: typeof isoString) => (payment: PaymentRecord) => PublicPayment;
  return factory(isoString);
}

/** Copies only the fields of ClickPesa's guide: the payer's phone number and our client id are left out. */
export function toPublicProviderStatus(record: ProviderPayment): PublicProviderStatus {
  const result: PublicProviderStatus = {
    id: record.id,
    status: record.status,
    orderReference: record.orderReference,
  };
  if (record.channel !== undefined) result.channel = record.channel;
  if (record.collectedAmount !== undefined) result.collectedAmount = record.collectedAmount;
  if (record.collectedCurrency !== undefined) result.collectedCurrency = record.collectedCurrency;
  if (record.createdAt !== undefined) result.createdAt = record.createdAt;
  if (record.message !== undefined) result.message = record.message;
  if (record.updatedAt !== undefined) result.updatedAt = record.updatedAt;
  return result;
}

// Stores hand back Dates, but a custom store might return ISO strings; both render the same.
function isoString(value: Date | string): string {
  if (typeof value === 'string') return new Date(value).toISOString();
  // Every response renders four dates, and a payment's dates are the same on each read (clients poll the
  // status route): the text of recent instants is kept, bounded, so a repeat costs one lookup.
  const time = value.getTime();
  let text = recentIsoStrings.get(time);
  if (text === undefined) {
    text = formatIso(value);
    if (recentIsoStrings.size >= RECENT_ISO_STRINGS) recentIsoStrings.clear();
    recentIsoStrings.set(time, text);
  }
  return text;
}

// Measured: adapters:profile 2.75 µs/call with this cache vs 3.7 without; fastify GET CPU ratio 0.92 vs 0.86.
const RECENT_ISO_STRINGS = 1024;
const recentIsoStrings = new Map<number, string>();

/**
 * `date.toISOString()`, built from the UTC fields: the same text, about three times cheaper than V8's
 * builtin, and every payment renders four dates per response. Years outside 0–9999 (which toISOString
 * writes as ±YYYYYY) and invalid dates (which it rejects) go to the builtin.
 */
export function formatIso(date: Date): string {
  const year = date.getUTCFullYear();
  if (!(year >= 0 && year <= 9999)) return date.toISOString();
  return `${pad(year, 4)}-${pad(date.getUTCMonth() + 1, 2)}-${pad(date.getUTCDate(), 2)}T${pad(
    date.getUTCHours(),
    2,
  )}:${pad(date.getUTCMinutes(), 2)}:${pad(date.getUTCSeconds(), 2)}.${pad(date.getUTCMilliseconds(), 3)}Z`;
}

function pad(value: number, width: number): string {
  const text = String(value);
  return text.length >= width ? text : '000'.slice(0, width - text.length) + text;
}
