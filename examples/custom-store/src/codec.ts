import {
  type ColumnCodec,
  createRecordMapper,
  createRecordMappers,
  EVENT_FIELDS,
  type IdempotencyRecord,
  type NewEvent,
  type RecordMapper,
  type StoredEvent,
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

const mappers = createRecordMappers(REDIS_CODEC);

const json = <T>(mapper: RecordMapper<T>) => ({
  encode: (record: T): string => JSON.stringify(mapper.toRow(record)),
  decode: (text: string): T => mapper.fromRow(JSON.parse(text)),
});

export const payments = json(mappers.payments);
export const audit = json(mappers.audit);
export const receipts = json(mappers.receipts);
// An event's payment is its list's, and its seq its position in the list: neither is stored.
const eventFields = EVENT_FIELDS.filter(({ name }) => name !== 'paymentId' && name !== 'seq');
const events = json(createRecordMapper(eventFields, REDIS_CODEC));
export const encodeEvent = (event: NewEvent): string => events.encode(event as StoredEvent);

/** Event documents read from a payment's list starting at `firstSeq`. */
export const storedEvents = (paymentId: string, docs: string[], firstSeq: number): StoredEvent[] =>
  docs.map((doc, index) => ({ ...events.decode(doc), paymentId, seq: firstSeq + index }));

/** An idempotency record as the field/value list HSET takes, and back (ioredis' object or Lua's list). */
export const idempotencyFields = (record: IdempotencyRecord): string[] =>
  Object.entries(mappers.idempotency.toRow(record)).flatMap(([field, value]) => [field, String(value)]);
export function decodeIdempotency(reply: Record<string, string> | string[]): IdempotencyRecord {
  const pairs = Array.isArray(reply) ? reply.flatMap((v, i) => (i % 2 ? [] : [[v, reply[i + 1]]])) : [];
  return mappers.idempotency.fromRow(Array.isArray(reply) ? Object.fromEntries(pairs) : reply);
}

/** Epoch ms as the decimal string Redis arguments take. */
export const ms = (date: Date): string => String(date.getTime());
