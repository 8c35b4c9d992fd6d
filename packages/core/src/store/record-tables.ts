import type { PaymentRecord } from '../domain/payment.js';
import type { AuditEntry, IdempotencyRecord, StoredEvent, WebhookReceipt } from './contract.js';
import { PAYMENT_FIELDS } from './payment-fields.js';
import {
  type ColumnCodec,
  createRecordMapper,
  type FieldKind,
  type RecordField,
  type RecordMapper,
} from './record-fields.js';
import type { EventDeliveryRow } from './store-rules.js';

// The field tables of the records stored beside payments, in the column order of their tables.

const of =
  <T>() =>
  (name: keyof T & string, column: string, kind: FieldKind, nullable = false): RecordField<T> => ({
    name,
    column,
    kind,
    nullable,
  });

const idempotency = of<IdempotencyRecord>();
export const IDEMPOTENCY_FIELDS: readonly RecordField<IdempotencyRecord>[] = [
  idempotency('ownerId', 'owner_id', 'text'),
  idempotency('key', 'key', 'text'),
  idempotency('fingerprint', 'fingerprint', 'text'),
  idempotency('scope', 'scope', 'text'),
  idempotency('paymentId', 'payment_id', 'text'),
  idempotency('state', 'state', 'text'),
  idempotency('createdAt', 'created_at', 'timestamp'),
  idempotency('expiresAt', 'expires_at', 'timestamp'),
];

const receipt = of<WebhookReceipt>();
export const WEBHOOK_RECEIPT_FIELDS: readonly RecordField<WebhookReceipt>[] = [
  receipt('dedupeKey', 'dedupe_key', 'text'),
  receipt('orderReference', 'order_reference', 'text', true),
  receipt('paymentId', 'payment_id', 'text', true),
  receipt('eventType', 'event_type', 'text', true),
  receipt('providerStatus', 'provider_status', 'text', true),
  receipt('orphan', 'orphan', 'boolean'),
  receipt('verified', 'verified', 'boolean'),
  receipt('receivedAt', 'received_at', 'timestamp'),
  // Not nullable: a payload that is JSON `null` is stored as the JSON text "null".
  receipt('payload', 'payload', 'json'),
];

const audit = of<AuditEntry>();
export const AUDIT_FIELDS: readonly RecordField<AuditEntry>[] = [
  audit('paymentId', 'payment_id', 'text', true),
  audit('at', 'at', 'timestamp'),
  audit('kind', 'kind', 'text'),
  audit('data', 'data', 'json'),
];

const event = of<StoredEvent>();
export const EVENT_FIELDS: readonly RecordField<StoredEvent>[] = [
  event('paymentId', 'payment_id', 'text'),
  event('seq', 'seq', 'integer'),
  event('id', 'id', 'text'),
  event('type', 'type', 'text'),
  event('occurredAt', 'occurred_at', 'timestamp'),
  event('data', 'data', 'json'),
  // The database assigns it (SQLite: the next number in the write's own transaction; PostgreSQL: a sequence).
  event('position', 'position', 'integer'),
  // The payment as the step left it, as JSON (timestamps as ISO text): see PAYMENT_SNAPSHOT.
  event('payment', 'payment', 'json', true),
];

const delivery = of<EventDeliveryRow>();
/** The outbox: one row per event and consumer. Key: (event_id, consumer). */
export const EVENT_DELIVERY_FIELDS: readonly RecordField<EventDeliveryRow>[] = [
  delivery('eventId', 'event_id', 'text'),
  delivery('consumer', 'consumer', 'text'),
  delivery('paymentId', 'payment_id', 'text'),
  delivery('seq', 'seq', 'integer'),
  delivery('position', 'position', 'integer'),
  delivery('state', 'state', 'text'),
  delivery('attempts', 'attempts', 'integer'),
  delivery('nextAttemptAt', 'next_attempt_at', 'timestamp', true),
  delivery('lastError', 'last_error', 'text', true),
  delivery('leaseOwner', 'lease_owner', 'text', true),
  delivery('leaseToken', 'lease_token', 'integer'),
  delivery('leaseUntil', 'lease_until', 'timestamp', true),
  delivery('deliveredAt', 'delivered_at', 'timestamp', true),
];

/** A payment as plain JSON and back (timestamps as ISO 8601 text): how events keep their payment snapshot. */
export const PAYMENT_SNAPSHOT: RecordMapper<PaymentRecord> = createRecordMapper(PAYMENT_FIELDS, {
  encode: { timestamp: (value: Date) => value.toISOString() },
  decode: { timestamp: (value: string) => new Date(value) },
});

/** Mappers for every stored record type under one codec: what a store's row mapping amounts to. */
export function createRecordMappers(codec: ColumnCodec) {
  return {
    payments: createRecordMapper(PAYMENT_FIELDS, codec),
    idempotency: createRecordMapper(IDEMPOTENCY_FIELDS, codec),
    receipts: createRecordMapper(WEBHOOK_RECEIPT_FIELDS, codec),
    audit: createRecordMapper(AUDIT_FIELDS, codec),
    events: withPaymentSnapshot(createRecordMapper(EVENT_FIELDS, codec)),
    deliveries: createRecordMapper(EVENT_DELIVERY_FIELDS, codec),
  };
}

/** The events mapper, with each event's payment going through PAYMENT_SNAPSHOT on its way in and out. */
function withPaymentSnapshot(mapper: RecordMapper<StoredEvent>): RecordMapper<StoredEvent> {
  const field = mapper.fields.find((candidate) => candidate.name === 'payment')!;
  const toSnapshot = (event: StoredEvent): StoredEvent =>
    event.payment === null || event.payment === undefined
      ? event
      : ({ ...event, payment: PAYMENT_SNAPSHOT.toRow(event.payment) } as unknown as StoredEvent);
  return {
    fields: mapper.fields,
    toRow: (event) => mapper.toRow(toSnapshot(event)),
    toValues: (event) => mapper.toValues(toSnapshot(event)),
    fromRow(row) {
      const event = mapper.fromRow(row);
      const snapshot = event.payment as unknown as Record<string, unknown> | null;
      return { ...event, payment: snapshot === null ? null : PAYMENT_SNAPSHOT.fromRow(snapshot) };
    },
    encodeField: (target, value) =>
      target === field && value !== null && value !== undefined
        ? mapper.encodeField(target, PAYMENT_SNAPSHOT.toRow(value as PaymentRecord))
        : mapper.encodeField(target, value),
  };
}
