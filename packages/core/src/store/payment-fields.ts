import type { PaymentRecord } from '../domain/payment.js';
import type { PaymentChanges } from './contract.js';
import type { RecordField } from './record-fields.js';

/** One field of the payment record: how it is stored, whether transitions may change it, how clients see it. */
export interface PaymentField extends RecordField<PaymentRecord> {
  /** `read-only`: set at creation and never taken from a transition's changes (even through a cast). */
  readonly access: 'read-only' | 'mutable';
  /** Its name in the public JSON (`GET /payments/:id`, notifications); absent: it never leaves the server. */
  readonly publicName?: string;
  /** Its position in the public JSON, whose key order clients see (and tests compare byte for byte). */
  readonly publicOrder?: number;
}

const field = (
  name: keyof PaymentRecord,
  column: string,
  kind: PaymentField['kind'],
  options: { nullable?: true; readOnly?: true; public?: [order: number, name: string] } = {},
): PaymentField => ({
  name,
  column,
  kind,
  nullable: options.nullable === true,
  access: options.readOnly ? 'read-only' : 'mutable',
  ...(options.public ? { publicOrder: options.public[0], publicName: options.public[1] } : {}),
});

/**
 * THE description of the payment record's fields, in column order. It drives the SQL schemas and row
 * mapping of the SQLite and PostgreSQL stores, the merge of a transition's changes, and the public JSON.
 * A new PaymentRecord field is added here (and, for existing databases, in one migration adding its column).
 */
export const PAYMENT_FIELDS: readonly PaymentField[] = [
  field('id', 'id', 'text', { readOnly: true, public: [1, 'id'] }),
  field('ownerId', 'owner_id', 'text', { readOnly: true }),
  field('orderReference', 'order_reference', 'text', { public: [3, 'reference'] }),
  // Kept by the store: a transition to a new order reference appends it (see applyPaymentChanges).
  field('orderReferences', 'order_references', 'text-list', { readOnly: true }),
  field('transactionId', 'transaction_id', 'text', { nullable: true, public: [2, 'transaction_id'] }),
  field('status', 'status', 'text', { public: [4, 'status'] }),
  field('amount', 'amount', 'text', { public: [5, 'amount'] }),
  field('currency', 'currency', 'text', { public: [6, 'currency'] }),
  field('msisdn', 'msisdn', 'text', { public: [7, 'msisdn'] }),
  field('provider', 'provider', 'text', { public: [8, 'provider'] }),
  field('customerName', 'customer_name', 'text', { nullable: true, public: [9, 'customer_name'] }),
  field('metadata', 'metadata', 'json', { nullable: true, public: [18, 'metadata'] }),
  field('externalOrderId', 'external_order_id', 'text', {
    nullable: true,
    public: [10, 'external_order_id'],
  }),
  field('errorMessage', 'error_message', 'text', { nullable: true, public: [11, 'error_message'] }),
  field('failureReason', 'failure_reason', 'text', { nullable: true, public: [12, 'failure_reason'] }),
  field('needsAttention', 'needs_attention', 'boolean', { public: [13, 'needs_attention'] }),
  field('attempts', 'attempts', 'integer', { public: [17, 'attempts'] }),
  field('attemptStartedAt', 'attempt_started_at', 'timestamp'),
  field('initiateOutcome', 'initiate_outcome', 'text'),
  field('providerStatus', 'provider_status', 'json', { nullable: true }),
  field('callbackUrl', 'callback_url', 'text', { nullable: true }),
  // Bumped by the store on every applied transition, never set by callers.
  field('version', 'version', 'integer', { readOnly: true }),
  field('createdAt', 'created_at', 'timestamp', { readOnly: true, public: [19, 'created_at'] }),
  field('updatedAt', 'updated_at', 'timestamp', { public: [20, 'updated_at'] }),
  field('completedAt', 'completed_at', 'timestamp', { nullable: true, public: [21, 'completed_at'] }),
  field('settledAt', 'settled_at', 'timestamp', { nullable: true, public: [22, 'settled_at'] }),
  field('lastCheckedAt', 'last_checked_at', 'timestamp', { nullable: true }),
  field('nextPollAt', 'next_poll_at', 'timestamp', { nullable: true }),
  field('pollCount', 'poll_count', 'integer'),
  field('stuckNotifiedAt', 'stuck_notified_at', 'timestamp', { nullable: true }),
  // Added after the first release: existing databases get these columns from a migration (false / null).
  field('amountMismatch', 'amount_mismatch', 'boolean', { public: [14, 'amount_mismatch'] }),
  field('collectedAmount', 'collected_amount', 'text', { nullable: true, public: [15, 'collected_amount'] }),
  field('collectedCurrency', 'collected_currency', 'text', {
    nullable: true,
    public: [16, 'collected_currency'],
  }),
];

/** The fields clients see, in the order they see them. */
export const PUBLIC_PAYMENT_FIELDS: readonly PaymentField[] = PAYMENT_FIELDS.filter(
  (entry) => entry.publicName !== undefined,
).sort((a, b) => a.publicOrder! - b.publicOrder!);

/** The payments table's primary key column. */
export const PAYMENT_KEY_COLUMN = 'id';

const MUTABLE_FIELDS: ReadonlySet<string> = new Set(
  PAYMENT_FIELDS.filter((entry) => entry.access === 'mutable').map((entry) => entry.name),
);

/** Whether a transition may write this field. */
export function isMutablePaymentField(name: string): boolean {
  return MUTABLE_FIELDS.has(name);
}

/**
 * The changes a transition may write, as `[field, value]` pairs: an `undefined` value means "leave as is"
 * (as an absent key does), and read-only fields are dropped whatever the caller sent.
 */
export function writablePaymentChanges(changes: PaymentChanges): Array<[keyof PaymentChanges, unknown]> {
  const writable: Array<[keyof PaymentChanges, unknown]> = [];
  for (const name in changes) {
    const value = changes[name as keyof PaymentChanges];
    if (value !== undefined && MUTABLE_FIELDS.has(name)) writable.push([name as keyof PaymentChanges, value]);
  }
  return writable;
}

/**
 * The row a transition writes: `current` with the writable `changes` merged in and the version bumped.
 * A new order reference is appended to `orderReferences` and returned as `newOrderReference` (the store
 * must check it is unused by any payment, this one's earlier attempts included). `current` is not modified.
 */
export function applyPaymentChanges(
  current: PaymentRecord,
  changes: PaymentChanges,
): { next: PaymentRecord; newOrderReference: string | null } {
  const next: PaymentRecord = { ...current };
  const target = next as unknown as Record<string, unknown>;
  for (const [name, value] of writablePaymentChanges(changes)) target[name] = value;
  next.version = current.version + 1;
  const newOrderReference = next.orderReference !== current.orderReference ? next.orderReference : null;
  if (newOrderReference !== null) next.orderReferences = [...current.orderReferences, newOrderReference];
  return { next, newOrderReference };
}

/** A new payment's order references, always including its current one (every one is unique across payments). */
export function orderReferencesOf(payment: PaymentRecord): string[] {
  return payment.orderReferences.includes(payment.orderReference)
    ? [...payment.orderReferences]
    : [...payment.orderReferences, payment.orderReference];
}
