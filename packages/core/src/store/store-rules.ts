import type { PaymentRecord } from '../domain/payment.js';
import type { IdempotencyRecord, NewEvent, StoredEvent, TransitionInput } from './contract.js';

// The contract's rules every store applies the same way, written once. A store's own code is then its
// queries: where rows live, and how a check and its write are made atomic.

/** Events numbered for `paymentId` after `lastSeq` (the payment's highest seq so far; 0 for a new payment). */
export function numberEvents(
  paymentId: string,
  lastSeq: number,
  events: readonly NewEvent[] = [],
): StoredEvent[] {
  return events.map((event, index) => ({ ...event, paymentId, seq: lastSeq + index + 1 }));
}

/**
 * Whether an idempotency record still holds its key at `at`. A claim judges it at the new record's
 * `createdAt`, a read at its `now`; an expired record counts as absent (a claim replaces it).
 */
export function isIdempotencyLive(record: Pick<IdempotencyRecord, 'expiresAt'>, at: Date): boolean {
  return record.expiresAt.getTime() > at.getTime();
}

/** Whether `pruneIdempotency(now)` deletes the record: it expired strictly before `now`. */
export function isIdempotencyPrunable(record: Pick<IdempotencyRecord, 'expiresAt'>, now: Date): boolean {
  return record.expiresAt.getTime() < now.getTime();
}

/** The record `createPayment` claims for its idempotency key: pointing at the new payment, in flight. */
export function inFlightIdempotency(record: IdempotencyRecord, paymentId: string): IdempotencyRecord {
  return { ...record, paymentId, state: 'in_flight' };
}

/** When a lease taken at `now` for `leaseMs` ends. */
export function leaseEnd(now: Date, leaseMs: number): Date {
  return new Date(now.getTime() + leaseMs);
}

/** Whether `claimDue` at `now` may lease the payment: it is due, and no unexpired lease holds it. */
export function isClaimable(
  payment: Pick<PaymentRecord, 'nextPollAt'>,
  leaseUntil: Date | null,
  now: Date,
): boolean {
  const dueAt = payment.nextPollAt;
  return (
    dueAt !== null &&
    dueAt.getTime() <= now.getTime() &&
    (leaseUntil === null || leaseUntil.getTime() <= now.getTime())
  );
}

/** `claimDue`'s order: oldest due first, then by id. */
export function byDueOrder(
  a: Pick<PaymentRecord, 'nextPollAt' | 'id'>,
  b: Pick<PaymentRecord, 'nextPollAt' | 'id'>,
): number {
  return (
    (a.nextPollAt?.getTime() ?? 0) - (b.nextPollAt?.getTime() ?? 0) ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  );
}

/**
 * Why a transition does not apply to the stored row, or null when it does. The lease is checked first: a
 * fenced-out writer is told so even when its version is stale too.
 */
export function transitionRefusal(
  input: Pick<TransitionInput, 'expectedVersion' | 'leaseToken'>,
  stored: { version: number; leaseToken: number },
): 'stale_lease' | 'version_conflict' | null {
  if (input.leaseToken !== undefined && input.leaseToken !== stored.leaseToken) return 'stale_lease';
  return stored.version === input.expectedVersion ? null : 'version_conflict';
}
