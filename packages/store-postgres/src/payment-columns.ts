import type { PaymentRecord } from '@clickpesa-kit/core';
import { postgresJson } from './postgres-text.js';

type Field = keyof PaymentRecord;

/**
 * How each PaymentRecord field is stored: its column, and the cast its parameter needs.
 * jsonb parameters are sent as JSON text (pg would turn a JS array into a PostgreSQL array otherwise).
 */
export const PAYMENT_FIELDS: readonly { field: Field; column: string; cast: string }[] = [
  { field: 'id', column: 'id', cast: 'text' },
  { field: 'ownerId', column: 'owner_id', cast: 'text' },
  { field: 'orderReference', column: 'order_reference', cast: 'text' },
  { field: 'orderReferences', column: 'order_references', cast: 'text[]' },
  { field: 'transactionId', column: 'transaction_id', cast: 'text' },
  { field: 'status', column: 'status', cast: 'text' },
  { field: 'amount', column: 'amount', cast: 'text' },
  { field: 'currency', column: 'currency', cast: 'text' },
  { field: 'msisdn', column: 'msisdn', cast: 'text' },
  { field: 'provider', column: 'provider', cast: 'text' },
  { field: 'customerName', column: 'customer_name', cast: 'text' },
  { field: 'metadata', column: 'metadata', cast: 'jsonb' },
  { field: 'externalOrderId', column: 'external_order_id', cast: 'text' },
  { field: 'errorMessage', column: 'error_message', cast: 'text' },
  { field: 'failureReason', column: 'failure_reason', cast: 'text' },
  { field: 'needsAttention', column: 'needs_attention', cast: 'boolean' },
  { field: 'attempts', column: 'attempts', cast: 'integer' },
  { field: 'attemptStartedAt', column: 'attempt_started_at', cast: 'timestamptz' },
  { field: 'initiateOutcome', column: 'initiate_outcome', cast: 'text' },
  { field: 'providerStatus', column: 'provider_status', cast: 'jsonb' },
  { field: 'callbackUrl', column: 'callback_url', cast: 'text' },
  { field: 'version', column: 'version', cast: 'integer' },
  { field: 'createdAt', column: 'created_at', cast: 'timestamptz' },
  { field: 'updatedAt', column: 'updated_at', cast: 'timestamptz' },
  { field: 'completedAt', column: 'completed_at', cast: 'timestamptz' },
  { field: 'settledAt', column: 'settled_at', cast: 'timestamptz' },
  { field: 'lastCheckedAt', column: 'last_checked_at', cast: 'timestamptz' },
  { field: 'nextPollAt', column: 'next_poll_at', cast: 'timestamptz' },
  { field: 'pollCount', column: 'poll_count', cast: 'integer' },
  { field: 'stuckNotifiedAt', column: 'stuck_notified_at', cast: 'timestamptz' },
];

export const FIELD_BY_NAME: ReadonlyMap<string, (typeof PAYMENT_FIELDS)[number]> = new Map(
  PAYMENT_FIELDS.map((entry) => [entry.field, entry]),
);

/** The value to bind for a field. */
export function encodeField(cast: string, value: unknown): unknown {
  if (cast !== 'jsonb') return value;
  return value === null || value === undefined ? null : postgresJson(value);
}

/** A `payments` row as pg returns it (timestamptz → Date, jsonb → parsed, text[] → string[]). */
export type PaymentRow = Record<string, unknown> & { lease_token: number; lease_until: Date | null };

export function rowToPayment(row: PaymentRow): PaymentRecord {
  const record: Record<string, unknown> = {};
  for (const { field, column } of PAYMENT_FIELDS) record[field] = row[column] ?? null;
  return record as unknown as PaymentRecord;
}
