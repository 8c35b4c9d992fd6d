import type { PaymentRecord } from '@clickpesa-kit/core';

/** A `payments` row as better-sqlite3 returns it: dates as epoch ms, JSON as TEXT, booleans as 0/1. */
export interface PaymentRow {
  id: string;
  owner_id: string;
  order_reference: string;
  order_references: string;
  transaction_id: string | null;
  status: string;
  amount: string;
  currency: string;
  msisdn: string;
  provider: string;
  customer_name: string | null;
  metadata: string | null;
  external_order_id: string | null;
  error_message: string | null;
  failure_reason: string | null;
  needs_attention: number;
  attempts: number;
  attempt_started_at: number;
  initiate_outcome: string;
  provider_status: string | null;
  callback_url: string | null;
  version: number;
  created_at: number;
  updated_at: number;
  completed_at: number | null;
  settled_at: number | null;
  last_checked_at: number | null;
  next_poll_at: number | null;
  poll_count: number;
  stuck_notified_at: number | null;
  last_event_seq: number;
  lease_owner: string | null;
  lease_token: number;
  lease_until: number | null;
}

/** The columns a payment record maps to (everything but the event counter and the lease). */
export const PAYMENT_COLUMNS = [
  'id',
  'owner_id',
  'order_reference',
  'order_references',
  'transaction_id',
  'status',
  'amount',
  'currency',
  'msisdn',
  'provider',
  'customer_name',
  'metadata',
  'external_order_id',
  'error_message',
  'failure_reason',
  'needs_attention',
  'attempts',
  'attempt_started_at',
  'initiate_outcome',
  'provider_status',
  'callback_url',
  'version',
  'created_at',
  'updated_at',
  'completed_at',
  'settled_at',
  'last_checked_at',
  'next_poll_at',
  'poll_count',
  'stuck_notified_at',
] as const satisfies readonly (keyof PaymentRow)[];

export type PaymentParams = Pick<PaymentRow, (typeof PAYMENT_COLUMNS)[number]>;

const msOrNull = (date: Date | null): number | null => (date === null ? null : date.getTime());
const dateOrNull = (ms: number | null): Date | null => (ms === null ? null : new Date(ms));
const jsonOrNull = (value: unknown): string | null =>
  value === null || value === undefined ? null : JSON.stringify(value);

export function paymentToParams(payment: PaymentRecord): PaymentParams {
  return {
    id: payment.id,
    owner_id: payment.ownerId,
    order_reference: payment.orderReference,
    order_references: JSON.stringify(payment.orderReferences),
    transaction_id: payment.transactionId,
    status: payment.status,
    amount: payment.amount,
    currency: payment.currency,
    msisdn: payment.msisdn,
    provider: payment.provider,
    customer_name: payment.customerName,
    metadata: jsonOrNull(payment.metadata),
    external_order_id: payment.externalOrderId,
    error_message: payment.errorMessage,
    failure_reason: payment.failureReason,
    needs_attention: payment.needsAttention ? 1 : 0,
    attempts: payment.attempts,
    attempt_started_at: payment.attemptStartedAt.getTime(),
    initiate_outcome: payment.initiateOutcome,
    provider_status: jsonOrNull(payment.providerStatus),
    callback_url: payment.callbackUrl,
    version: payment.version,
    created_at: payment.createdAt.getTime(),
    updated_at: payment.updatedAt.getTime(),
    completed_at: msOrNull(payment.completedAt),
    settled_at: msOrNull(payment.settledAt),
    last_checked_at: msOrNull(payment.lastCheckedAt),
    next_poll_at: msOrNull(payment.nextPollAt),
    poll_count: payment.pollCount,
    stuck_notified_at: msOrNull(payment.stuckNotifiedAt),
  };
}

export function rowToPayment(row: PaymentParams): PaymentRecord {
  return {
    id: row.id,
    ownerId: row.owner_id,
    orderReference: row.order_reference,
    orderReferences: JSON.parse(row.order_references) as string[],
    transactionId: row.transaction_id,
    status: row.status as PaymentRecord['status'],
    amount: row.amount,
    currency: row.currency as PaymentRecord['currency'],
    msisdn: row.msisdn,
    provider: row.provider as PaymentRecord['provider'],
    customerName: row.customer_name,
    metadata: row.metadata === null ? null : (JSON.parse(row.metadata) as PaymentRecord['metadata']),
    externalOrderId: row.external_order_id,
    errorMessage: row.error_message,
    failureReason: row.failure_reason as PaymentRecord['failureReason'],
    needsAttention: row.needs_attention === 1,
    attempts: row.attempts,
    attemptStartedAt: new Date(row.attempt_started_at),
    initiateOutcome: row.initiate_outcome as PaymentRecord['initiateOutcome'],
    providerStatus:
      row.provider_status === null
        ? null
        : (JSON.parse(row.provider_status) as PaymentRecord['providerStatus']),
    callbackUrl: row.callback_url,
    version: row.version,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
    completedAt: dateOrNull(row.completed_at),
    settledAt: dateOrNull(row.settled_at),
    lastCheckedAt: dateOrNull(row.last_checked_at),
    nextPollAt: dateOrNull(row.next_poll_at),
    pollCount: row.poll_count,
    stuckNotifiedAt: dateOrNull(row.stuck_notified_at),
  };
}
