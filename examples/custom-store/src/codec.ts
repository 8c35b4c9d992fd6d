import type { PaymentRecord } from '@clickpesa-kit/core';
import type * as core from '@clickpesa-kit/core/store';
import {
  type ColumnCodec,
  createRecordMappers,
  type IdempotencyRecord,
  type RecordMapper,
} from '@clickpesa-kit/core/store';

/**
 * How records become Redis strings and back, from the core's field tables: documents keyed by column name,
 * dates as epoch milliseconds (exact, and numbers a Lua script can compare), the rest as JSON has it.
 * Every read parses a fresh object, so callers can never mutate stored state through what a call returned.
 */
const REDIS_CODEC: ColumnCodec = {
  encode: { timestamp: (date: Date) => date.getTime() },
  // Hash fields come back as strings, JSON documents as numbers.
  decode: {
    timestamp: (ms: number | string) => new Date(Number(ms)),
    integer: (value: number | string) => Number(value),
  },
};

const mappers = createRecordMappers(REDIS_CODEC);

const json = <T>(mapper: RecordMapper<T>) => ({
  encode: (record: T): string => JSON.stringify(mapper.toRow(record)),
  decode: (text: string): T => mapper.fromRow(JSON.parse(text)),
});

export const payments = json(mappers.payments);
export const audit = json(mappers.audit);
export const receipts = json(mappers.receipts);
/**
 * An event as stored, less `seq` and `position`: the writing script puts them in front (`{"seq":1,...`),
 * as only it knows them. Read back whole.
 */
export function encodeEvent(event: core.NewEvent, payment: PaymentRecord): string {
  const row = mappers.events.toRow({ ...event, paymentId: payment.id, seq: 0, position: 0, payment });
  delete row.seq;
  delete row.position;
  return JSON.stringify(row);
}
export const decodeEvent = (doc: string): core.StoredEvent => mappers.events.fromRow(JSON.parse(doc));

/** A delivery hash (HGETALL's object, or a script's field/value list) back to its row. */
export function decodeDelivery(reply: Record<string, string> | string[]): core.EventDeliveryRow {
  return mappers.deliveries.fromRow(Array.isArray(reply) ? pairs(reply) : reply);
}

function pairs(reply: string[]): Record<string, string> {
  return Object.fromEntries(reply.flatMap((v, i) => (i % 2 ? [] : [[v, reply[i + 1] ?? '']])));
}

/** An idempotency record as the field/value list HSET takes, and back (ioredis' object or Lua's list). */
export const idempotencyFields = (record: IdempotencyRecord): string[] =>
  Object.entries(mappers.idempotency.toRow(record)).flatMap(([field, value]) => [field, String(value)]);
export function decodeIdempotency(reply: Record<string, string> | string[]): IdempotencyRecord {
  return mappers.idempotency.fromRow(Array.isArray(reply) ? pairs(reply) : reply);
}

/** Epoch ms as the decimal string Redis arguments take. */
export const ms = (date: Date): string => String(date.getTime());
