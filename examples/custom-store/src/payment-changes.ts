import type { PaymentRecord, PaymentStatus } from '@clickpesa-kit/core';
import type { PaymentChanges } from '@clickpesa-kit/core/store';

/** Statuses that hold an MSISDN: another push to the same number waits (IDEM-11). */
export const ACTIVE_STATUSES: ReadonlySet<PaymentStatus> = new Set(['pending', 'processing']);

/** Identity and bookkeeping fields a transition never takes from callers (even through a cast). */
const READ_ONLY_FIELDS: ReadonlySet<string> = new Set([
  'id',
  'ownerId',
  'createdAt',
  'version',
  'orderReferences',
]);

/**
 * The row a transition writes: `current` with `changes` merged in (an `undefined` change leaves the
 * field as is), the version bumped, and a new order reference appended to `orderReferences`.
 */
export function applyChanges(
  current: PaymentRecord,
  changes: PaymentChanges,
): { next: PaymentRecord; newOrderReference: string | null } {
  const next: Record<string, unknown> = { ...current };
  for (const [field, value] of Object.entries(changes)) {
    if (value !== undefined && !READ_ONLY_FIELDS.has(field)) next[field] = value;
  }
  const merged = next as unknown as PaymentRecord;
  const newOrderReference = merged.orderReference !== current.orderReference ? merged.orderReference : null;
  if (newOrderReference !== null) merged.orderReferences = [...current.orderReferences, newOrderReference];
  merged.version = current.version + 1;
  return { next: merged, newOrderReference };
}

/** A new payment's references always include its current one (CS-6 checks them all). */
export function withCurrentReference(payment: PaymentRecord): PaymentRecord {
  if (payment.orderReferences.includes(payment.orderReference)) return payment;
  return { ...payment, orderReferences: [...payment.orderReferences, payment.orderReference] };
}
