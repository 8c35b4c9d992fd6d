import { randomInt, randomUUID } from 'node:crypto';
import type { PaymentEventType, PaymentRecord, ProviderPayment } from '@clickpesa-kit/core';
import type { AuditEntry, IdempotencyRecord, NewEvent, WebhookReceipt } from '@clickpesa-kit/core/store';
import { generateOrderReference } from '@clickpesa-kit/core/store';

/**
 * Fixture builders for store tests (ours and custom stores'). Every builder returns a fresh, valid object
 * with unique ids and order references; `overrides` replace fields as given.
 */

/** A random valid Tigo number (`25571` + 7 digits), so fixtures rarely share an MSISDN by accident. */
export function randomMsisdn(): string {
  return `25571${String(randomInt(0, 10_000_000)).padStart(7, '0')}`;
}

/** A write-ahead payment row as `createPayment` expects it: pending, version 1, nothing due. */
export function makePayment(overrides: Partial<PaymentRecord> = {}): PaymentRecord {
  const orderReference = overrides.orderReference ?? generateOrderReference();
  const now = overrides.createdAt ?? new Date();
  return {
    id: randomUUID(),
    ownerId: 'owner-a',
    orderReference,
    orderReferences: [orderReference],
    transactionId: null,
    status: 'pending',
    amount: '1000.00',
    currency: 'TZS',
    msisdn: randomMsisdn(),
    provider: 'TIGO',
    customerName: null,
    metadata: null,
    externalOrderId: null,
    errorMessage: null,
    failureReason: null,
    needsAttention: false,
    amountMismatch: false,
    collectedAmount: null,
    collectedCurrency: null,
    attempts: 1,
    attemptStartedAt: new Date(now),
    initiateOutcome: 'not_sent',
    providerStatus: null,
    callbackUrl: null,
    version: 1,
    createdAt: new Date(now),
    updatedAt: new Date(now),
    completedAt: null,
    settledAt: null,
    lastCheckedAt: null,
    nextPollAt: null,
    pollCount: 0,
    stuckNotifiedAt: null,
    ...overrides,
  };
}

/** A ClickPesa record for `orderReference` (status PROCESSING unless overridden). */
export function makeProviderPayment(
  orderReference: string,
  overrides: Partial<ProviderPayment> = {},
): ProviderPayment {
  return {
    id: `${orderReference}LCP${randomUUID().slice(0, 5).toUpperCase()}`,
    status: 'PROCESSING',
    orderReference,
    channel: 'TIGO-PESA',
    collectedAmount: '1000',
    collectedCurrency: 'TZS',
    createdAt: '2026-01-05T10:00:00.000Z',
    updatedAt: '2026-01-05T10:00:01.000Z',
    ...overrides,
  };
}

/** An `in_flight` idempotency record living 24 h from `createdAt`. */
export function makeIdempotencyRecord(overrides: Partial<IdempotencyRecord> = {}): IdempotencyRecord {
  const createdAt = overrides.createdAt ?? new Date();
  return {
    ownerId: 'owner-a',
    key: `key-${randomUUID()}`,
    fingerprint: `fp-${randomUUID()}`,
    scope: 'initiate',
    paymentId: randomUUID(),
    state: 'in_flight',
    createdAt: new Date(createdAt),
    expiresAt: new Date(createdAt.getTime() + 24 * 60 * 60_000),
    ...overrides,
  };
}

export function makeEvent(
  type: PaymentEventType = 'payment.status_changed',
  overrides: Partial<NewEvent> = {},
): NewEvent {
  return { id: randomUUID(), type, occurredAt: new Date(), data: { note: type }, ...overrides };
}

export function makeAudit(paymentId: string | null, overrides: Partial<AuditEntry> = {}): AuditEntry {
  return { paymentId, at: new Date(), kind: 'note', data: { note: 'fixture' }, ...overrides };
}

export function makeWebhookReceipt(overrides: Partial<WebhookReceipt> = {}): WebhookReceipt {
  return {
    dedupeKey: `dedupe-${randomUUID()}`,
    orderReference: generateOrderReference(),
    paymentId: null,
    eventType: 'PAYMENT RECEIVED',
    providerStatus: 'SUCCESS',
    orphan: true,
    verified: false,
    receivedAt: new Date(),
    payload: { event: 'PAYMENT RECEIVED', data: { status: 'SUCCESS', collectedAmount: '1000' } },
    ...overrides,
  };
}
