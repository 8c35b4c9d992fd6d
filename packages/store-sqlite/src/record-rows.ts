import type { AuditEntry, IdempotencyRecord, StoredEvent, WebhookReceipt } from '@clickpesa-kit/core/store';

// Row shapes and codecs of the tables beside `payments` (dates as epoch ms, JSON as TEXT).

export interface IdempotencyRow {
  owner_id: string;
  key: string;
  fingerprint: string;
  scope: string;
  payment_id: string;
  state: string;
  created_at: number;
  expires_at: number;
}

export const idempotencyToParams = (record: IdempotencyRecord): IdempotencyRow => ({
  owner_id: record.ownerId,
  key: record.key,
  fingerprint: record.fingerprint,
  scope: record.scope,
  payment_id: record.paymentId,
  state: record.state,
  created_at: record.createdAt.getTime(),
  expires_at: record.expiresAt.getTime(),
});

export const rowToIdempotency = (row: IdempotencyRow): IdempotencyRecord => ({
  ownerId: row.owner_id,
  key: row.key,
  fingerprint: row.fingerprint,
  scope: row.scope,
  paymentId: row.payment_id,
  state: row.state as IdempotencyRecord['state'],
  createdAt: new Date(row.created_at),
  expiresAt: new Date(row.expires_at),
});

export interface WebhookReceiptRow {
  dedupe_key: string;
  order_reference: string | null;
  payment_id: string | null;
  event_type: string | null;
  provider_status: string | null;
  orphan: number;
  verified: number;
  received_at: number;
  payload: string;
}

export const receiptToParams = (receipt: WebhookReceipt): WebhookReceiptRow => ({
  dedupe_key: receipt.dedupeKey,
  order_reference: receipt.orderReference,
  payment_id: receipt.paymentId,
  event_type: receipt.eventType,
  provider_status: receipt.providerStatus,
  orphan: receipt.orphan ? 1 : 0,
  verified: receipt.verified ? 1 : 0,
  received_at: receipt.receivedAt.getTime(),
  payload: JSON.stringify(receipt.payload ?? null),
});

export const rowToReceipt = (row: WebhookReceiptRow): WebhookReceipt => ({
  dedupeKey: row.dedupe_key,
  orderReference: row.order_reference,
  paymentId: row.payment_id,
  eventType: row.event_type,
  providerStatus: row.provider_status,
  orphan: row.orphan === 1,
  verified: row.verified === 1,
  receivedAt: new Date(row.received_at),
  payload: JSON.parse(row.payload) as unknown,
});

export interface AuditRow {
  payment_id: string | null;
  at: number;
  kind: string;
  data: string;
}

export const auditToParams = (entry: AuditEntry): AuditRow => ({
  payment_id: entry.paymentId,
  at: entry.at.getTime(),
  kind: entry.kind,
  data: JSON.stringify(entry.data),
});

export const rowToAudit = (row: AuditRow): AuditEntry => ({
  paymentId: row.payment_id,
  at: new Date(row.at),
  kind: row.kind as AuditEntry['kind'],
  data: JSON.parse(row.data) as AuditEntry['data'],
});

export interface EventRow {
  payment_id: string;
  seq: number;
  id: string;
  type: string;
  occurred_at: number;
  data: string;
}

export const eventToParams = (event: StoredEvent): EventRow => ({
  payment_id: event.paymentId,
  seq: event.seq,
  id: event.id,
  type: event.type,
  occurred_at: event.occurredAt.getTime(),
  data: JSON.stringify(event.data),
});

export const rowToEvent = (row: EventRow): StoredEvent => ({
  paymentId: row.payment_id,
  seq: row.seq,
  id: row.id,
  type: row.type as StoredEvent['type'],
  occurredAt: new Date(row.occurred_at),
  data: JSON.parse(row.data) as StoredEvent['data'],
});
