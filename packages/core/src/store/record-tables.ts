import type { AuditEntry, IdempotencyRecord, StoredEvent, WebhookReceipt } from './contract.js';
import { PAYMENT_FIELDS } from './payment-fields.js';
import { type ColumnCodec, createRecordMapper, type FieldKind, type RecordField } from './record-fields.js';

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
];

/** Mappers for every stored record type under one codec: what a store's row mapping amounts to. */
export function createRecordMappers(codec: ColumnCodec) {
  return {
    payments: createRecordMapper(PAYMENT_FIELDS, codec),
    idempotency: createRecordMapper(IDEMPOTENCY_FIELDS, codec),
    receipts: createRecordMapper(WEBHOOK_RECEIPT_FIELDS, codec),
    audit: createRecordMapper(AUDIT_FIELDS, codec),
    events: createRecordMapper(EVENT_FIELDS, codec),
  };
}
