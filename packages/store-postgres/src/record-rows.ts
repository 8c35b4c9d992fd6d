import type { AuditEntry, IdempotencyRecord, StoredEvent, WebhookReceipt } from '@clickpesa-kit/core/store';
import { postgresJson } from './postgres-text.js';

// Decoders of the tables beside `payments`. pg already parses timestamptz, jsonb and boolean columns.

export interface IdempotencyRow {
  owner_id: string;
  key: string;
  fingerprint: string;
  scope: string;
  payment_id: string;
  state: IdempotencyRecord['state'];
  created_at: Date;
  expires_at: Date;
}

export const rowToIdempotency = (row: IdempotencyRow): IdempotencyRecord => ({
  ownerId: row.owner_id,
  key: row.key,
  fingerprint: row.fingerprint,
  scope: row.scope,
  paymentId: row.payment_id,
  state: row.state,
  createdAt: row.created_at,
  expiresAt: row.expires_at,
});

export const idempotencyValues = (record: IdempotencyRecord): unknown[] => [
  record.ownerId,
  record.key,
  record.fingerprint,
  record.scope,
  record.paymentId,
  record.state,
  record.createdAt,
  record.expiresAt,
];

export interface WebhookReceiptRow {
  dedupe_key: string;
  order_reference: string | null;
  payment_id: string | null;
  event_type: string | null;
  provider_status: string | null;
  orphan: boolean;
  verified: boolean;
  received_at: Date;
  payload: unknown;
}

export const rowToReceipt = (row: WebhookReceiptRow): WebhookReceipt => ({
  dedupeKey: row.dedupe_key,
  orderReference: row.order_reference,
  paymentId: row.payment_id,
  eventType: row.event_type,
  providerStatus: row.provider_status,
  orphan: row.orphan,
  verified: row.verified,
  receivedAt: row.received_at,
  payload: row.payload,
});

export const receiptValues = (receipt: WebhookReceipt): unknown[] => [
  receipt.dedupeKey,
  receipt.orderReference,
  receipt.paymentId,
  receipt.eventType,
  receipt.providerStatus,
  receipt.orphan,
  receipt.verified,
  receipt.receivedAt,
  postgresJson(receipt.payload ?? null),
];

export interface AuditRow {
  payment_id: string | null;
  at: Date;
  kind: AuditEntry['kind'];
  data: AuditEntry['data'];
}

export const rowToAudit = (row: AuditRow): AuditEntry => ({
  paymentId: row.payment_id,
  at: row.at,
  kind: row.kind,
  data: row.data,
});

export interface EventRow {
  payment_id: string;
  seq: number;
  id: string;
  type: StoredEvent['type'];
  occurred_at: Date;
  data: StoredEvent['data'];
}

export const rowToEvent = (row: EventRow): StoredEvent => ({
  paymentId: row.payment_id,
  seq: row.seq,
  id: row.id,
  type: row.type,
  occurredAt: row.occurred_at,
  data: row.data,
});
