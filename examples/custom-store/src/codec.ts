import type { PaymentRecord } from '@clickpesa-kit/core';
import {
  type AuditEntry,
  type ColumnCodec,
  createRecordMapper,
  createRecordMappers,
  EVENT_FIELDS,
  type IdempotencyRecord,
  type NewEvent,
  type StoredEvent,
  type WebhookReceipt,
} from '@clickpesa-kit/core/store';

/**
 * How records become Redis strings and back, from the core's field tables: documents keyed by column name,
 * dates as epoch milliseconds (exact, and numbers a Lua script can compare), the rest as JSON has it.
 * Every read parses a fresh object, so callers can never mutate stored state through what a call returned.
 */
const REDIS_CODEC: ColumnCodec = {
  encode: { timestamp: (date: Date) => date.getTime() },
  // Hash fields come back as strings, JSON documents as numbers.
  decode: { timestamp: (ms: number | string) => new Date(Number(ms)) },
};

const { payments, receipts, audit, idempotency } = createRecordMappers(REDIS_CODEC);
// An event's payment is its list's, and its seq its position in the list: neither is stored.
const events = createRecordMapper(
  EVENT_FIELDS.filter((field) => field.name !== 'paymentId' && field.name !== 'seq'),
  REDIS_CODEC,
);

export const encodePayment = (payment: PaymentRecord): string => JSON.stringify(payments.toRow(payment));
export const decodePayment = (json: string): PaymentRecord => payments.fromRow(JSON.parse(json));

export const encodeEvent = (event: NewEvent): string => JSON.stringify(events.toRow(event as StoredEvent));
export const decodeEvent = (json: string, paymentId: string, seq: number): StoredEvent => ({
  ...events.fromRow(JSON.parse(json)),
  paymentId,
  seq,
});

export const encodeAudit = (entry: AuditEntry): string => JSON.stringify(audit.toRow(entry));
export const decodeAudit = (json: string): AuditEntry => audit.fromRow(JSON.parse(json));

export const encodeReceipt = (receipt: WebhookReceipt): string => JSON.stringify(receipts.toRow(receipt));
export const decodeReceipt = (json: string): WebhookReceipt => receipts.fromRow(JSON.parse(json));

/** An idempotency record as the flat field/value list HSET takes (all strings). */
export function idempotencyFields(record: IdempotencyRecord): string[] {
  return Object.entries(idempotency.toRow(record)).flatMap(([field, value]) => [field, String(value)]);
}

/** From HGETALL's reply: an object (ioredis' own HGETALL) or a flat [field, value, ...] list (from Lua). */
export function decodeIdempotency(reply: Record<string, string> | string[]): IdempotencyRecord {
  if (!Array.isArray(reply)) return idempotency.fromRow(reply);
  const fields: Record<string, string> = {};
  for (let index = 0; index + 1 < reply.length; index += 2) fields[reply[index]!] = reply[index + 1]!;
  return idempotency.fromRow(fields);
}

/** Epoch ms as the decimal string Redis arguments take. */
export const ms = (date: Date): string => String(date.getTime());
