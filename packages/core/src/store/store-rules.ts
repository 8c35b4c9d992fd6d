import { ACTIVE_STATUSES, type PaymentRecord, type PaymentStatus } from '../domain/payment.js';
import type {
  EventDelivery,
  IdempotencyRecord,
  NewEvent,
  PaymentListPosition,
  StoredEvent,
  TransitionInput,
} from './contract.js';

// The contract's rules every store applies the same way, written once. A store's own code is then its
// queries: where rows live, and how a check and its write are made atomic.

/**
 * Events numbered for `payment` after `lastSeq` (the payment's highest seq so far; 0 for a new payment),
 * each carrying `payment` (the row as this step left it) and a global position from `firstPosition` on
 * (a store that lets its database assign positions replaces them once it knows them).
 * `deliverTo` is not part of a stored event: see {@link newDeliveries}.
 */
export function numberEvents(
  payment: PaymentRecord,
  lastSeq: number,
  events: readonly NewEvent[] = [],
  firstPosition = 0,
): StoredEvent[] {
  return events.map(({ deliverTo: _deliverTo, ...event }, index) => ({
    ...event,
    paymentId: payment.id,
    seq: lastSeq + index + 1,
    position: firstPosition + index,
    payment,
  }));
}

/**
 * The outbox rows a step writes beside its events: one per consumer in each event's `deliverTo`, due at
 * once (at the event's `occurredAt`). `stored` is `numberEvents`' result for `events`, in the same order.
 */
export function newDeliveries(
  events: readonly NewEvent[] = [],
  stored: readonly StoredEvent[],
): EventDeliveryRow[] {
  const rows: EventDeliveryRow[] = [];
  events.forEach((event, index) => {
    const storedEvent = stored[index]!;
    for (const consumer of new Set(event.deliverTo ?? [])) {
      rows.push({
        eventId: storedEvent.id,
        consumer,
        paymentId: storedEvent.paymentId,
        seq: storedEvent.seq,
        position: storedEvent.position,
        state: 'pending',
        attempts: 0,
        nextAttemptAt: storedEvent.occurredAt,
        lastError: null,
        leaseOwner: null,
        leaseToken: 0,
        leaseUntil: null,
        deliveredAt: null,
      });
    }
  });
  return rows;
}

/** One outbox row: an event's delivery to one consumer (what a store keeps; see EVENT_DELIVERY_FIELDS). */
export interface EventDeliveryRow {
  eventId: string;
  consumer: string;
  paymentId: string;
  seq: number;
  position: number;
  state: EventDelivery['state'];
  attempts: number;
  nextAttemptAt: Date | null;
  lastError: string | null;
  leaseOwner: string | null;
  leaseToken: number;
  leaseUntil: Date | null;
  deliveredAt: Date | null;
}

/**
 * Whether `claimEventDeliveries` at `now` may lease this row, given whether it is the lowest-seq pending row
 * of its payment for its consumer (`isHead`): pending, due, and not held by an unexpired lease.
 */
export function isDeliveryClaimable(row: EventDeliveryRow, isHead: boolean, now: Date): boolean {
  return (
    isHead &&
    row.state === 'pending' &&
    (row.nextAttemptAt === null || row.nextAttemptAt.getTime() <= now.getTime()) &&
    (row.leaseUntil === null || row.leaseUntil.getTime() <= now.getTime())
  );
}

/** A delivery row and its event as the contract hands them out. */
export function toEventDelivery(row: EventDeliveryRow, event: StoredEvent): EventDelivery {
  return {
    event,
    consumer: row.consumer,
    state: row.state,
    attempts: row.attempts,
    nextAttemptAt: row.nextAttemptAt,
    lastError: row.lastError,
    leaseToken: row.leaseToken,
    leaseUntil: row.leaseUntil,
    deliveredAt: row.deliveredAt,
  };
}

/** Default rows per kind per `pruneRecords` call. */
export const DEFAULT_PRUNE_LIMIT = 1000;

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

/**
 * Statuses in which a payment holds its order: at most one payment per (owner, `externalOrderId`) is in one
 * of them (the SQL stores' partial unique index lists the same three), apart from payments that share it
(`sharesOrder`). A failed or cancelled attempt frees it.
 */
export const ORDER_HOLDING_STATUSES: ReadonlySet<PaymentStatus> = new Set([
  'pending',
  'processing',
  'success',
]);

/** Whether this payment holds its order (it has an `externalOrderId` and a holding status). */
export function holdsOrder(payment: Pick<PaymentRecord, 'externalOrderId' | 'status'>): boolean {
  return payment.externalOrderId !== null && ORDER_HOLDING_STATUSES.has(payment.status);
}

/**
 * Whether this payment shares its order instead of holding it alone: a success flagged for a person. Money
 * that moved is always recorded, so a late success of an earlier attempt while another payment holds the
 * order is written with `needsAttention` (the order is paid twice; someone refunds one). Such a payment
 * still counts as a holder for creates and retries, but it never refuses, nor is refused by, the other
 * holder; the SQL stores' partial unique index leaves it out the same way (ORD-4).
 */
export function sharesOrder(payment: Pick<PaymentRecord, 'status' | 'needsAttention'>): boolean {
  return payment.status === 'success' && payment.needsAttention;
}

/**
 * Whether writing `next` over `current` must first find no other holder of the order: the payment starts to
 * hold it (a create has no `current`) and does not merely share it.
 */
export function claimsOrder(
  current: Pick<PaymentRecord, 'externalOrderId' | 'status'> | null,
  next: Pick<PaymentRecord, 'externalOrderId' | 'status' | 'needsAttention'>,
): boolean {
  return holdsOrder(next) && !sharesOrder(next) && (current === null || !holdsOrder(current));
}

/**
 * Whether this payment holds its MSISDN against a new push. A `pending`/`processing` one does. A cancelled
 * one does too while ClickPesa's prompt may still be live: cancel is local, the customer's phone still shows
 * the prompt until ClickPesa reports the attempt final (the poller then stops: `nextPollAt` null) or the
 * attempt's active window has passed (`attemptStartedAt` before `heldSince`, which is now minus the window).
 * Without `heldSince` only pending/processing payments count.
 */
export function holdsMsisdn(
  payment: Pick<PaymentRecord, 'status' | 'nextPollAt' | 'attemptStartedAt'>,
  heldSince?: Date,
): boolean {
  if (ACTIVE_STATUSES.has(payment.status)) return true;
  return (
    heldSince !== undefined &&
    payment.status === 'cancelled' &&
    payment.nextPollAt !== null &&
    payment.attemptStartedAt.getTime() >= heldSince.getTime()
  );
}

/** `listPayments`' order: newest `createdAt` first, then the greater id first. */
export function byListOrder(a: PaymentListPosition, b: PaymentListPosition): number {
  return b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

/** Whether `payment` comes strictly after the keyset position `before` in `listPayments`' order. */
export function isAfterListPosition(payment: PaymentListPosition, before: PaymentListPosition): boolean {
  return byListOrder(before, payment) < 0;
}
