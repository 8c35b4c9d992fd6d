import type { PaymentRecord } from '../domain/payment.js';
import { ClickPesaKitError } from '../errors.js';
import type {
  AuditEntry,
  ClaimDeliveriesInput,
  ClaimDueInput,
  ClaimedPayment,
  ClaimIdempotencyResult,
  CreatePaymentInput,
  CreatePaymentResult,
  EventDelivery,
  FailDeliveryInput,
  IdempotencyRecord,
  ListAllPaymentsInput,
  ListDeadDeliveriesInput,
  ListPaymentsInput,
  OutboxStats,
  PaymentStore,
  PruneRecordsInput,
  PruneRecordsResult,
  SettleDeliveryInput,
  StoredEvent,
  TransitionInput,
  TransitionResult,
  WebhookReceipt,
} from './contract.js';
import { clone, copyPayment } from './memory-copy.js';
import { MemoryOutbox } from './memory-outbox.js';
import { MemoryRecords } from './memory-records.js';
import { applyPaymentChanges, orderReferencesOf } from './payment-fields.js';
import {
  byListOrder,
  claimsOrder,
  DEFAULT_PRUNE_LIMIT,
  holdsMsisdn,
  holdsOrder,
  inFlightIdempotency,
  isAfterListPosition,
  isClaimable,
  leaseEnd,
  transitionRefusal,
} from './store-rules.js';

/**
 * In-process PaymentStore for development, tests and single-instance hosts (`shared: false`; POLL-14).
 * Nothing survives a restart.
 *
 * Atomicity: every operation does its check-and-write synchronously, with no await in between, so on
 * Node's single thread each operation is atomic and concurrent callers are serialised for free.
 * Isolation: rows go in and out as deep copies (`clone`), so callers can never mutate stored state.
 */

/** Fault injection for tests lives in a wrapper that works over any store: `withFaults` (testing). */
export interface MemoryStore extends PaymentStore {
  readonly kind: 'memory';
  readonly shared: false;
}

interface PaymentRow {
  payment: PaymentRecord;
  leaseToken: number;
  leaseOwner: string | null;
  leaseUntil: Date | null;
}

export function createMemoryStore(): MemoryStore {
  const payments = new Map<string, PaymentRow>();
  /** Every order reference ever used → payment id (CS-6: unique across payments). */
  const byOrderReference = new Map<string, string>();
  const outbox = new MemoryOutbox();
  const records = new MemoryRecords();
  /** Secondary indexes (payment ids by MSISDN and by transaction id), so lookups do not scan every row. */
  const byMsisdn = new SetIndex();
  const byTransactionId = new SetIndex();
  /** Payment ids by owner, and by owner and external order id (`listPayments`, one active attempt per order). */
  const byOwner = new SetIndex();
  const byOrder = new SetIndex();
  let closed = false;

  /** Runs first in every operation, before any state is read or written. */
  function enter(op: keyof PaymentStore): void {
    if (op !== 'close' && closed) throw unavailable('The memory store is closed');
  }

  function activePushFor(
    msisdn: string,
    exceptPaymentId?: string,
    heldSince?: Date,
  ): PaymentRecord | undefined {
    for (const id of byMsisdn.get(msisdn)) {
      const payment = payments.get(id)?.payment;
      if (payment && payment.id !== exceptPaymentId && holdsMsisdn(payment, heldSince)) return payment;
    }
    return undefined;
  }

  function paymentsOfOrder(payment: PaymentRecord): PaymentRecord[] {
    const key = orderKey(payment);
    if (key === null) return [];
    return [...byOrder.get(key)].map((id) => payments.get(id)!.payment);
  }

  /** Another payment of the same order that holds it (see ORDER_HOLDING_STATUSES). */
  function orderHolder(payment: PaymentRecord): PaymentRecord | undefined {
    return paymentsOfOrder(payment).find((other) => other.id !== payment.id && holdsOrder(other));
  }

  /** Keeps the secondary indexes in step with a row that was written (`before` null for a new row). */
  function reindex(before: PaymentRecord | null, after: PaymentRecord): void {
    byMsisdn.move(after.id, before?.msisdn ?? null, after.msisdn);
    byTransactionId.move(after.id, before?.transactionId ?? null, after.transactionId);
    byOwner.move(after.id, before?.ownerId ?? null, after.ownerId);
    byOrder.move(after.id, before ? orderKey(before) : null, orderKey(after));
  }

  const store: MemoryStore = {
    kind: 'memory',
    shared: false,

    async createPayment(input: CreatePaymentInput): Promise<CreatePaymentResult> {
      enter('createPayment');
      const payment = copyPayment(input.payment);
      if (input.idempotency) {
        const existing = records.liveIdempotency(
          input.idempotency.ownerId,
          input.idempotency.key,
          input.idempotency.createdAt,
        );
        if (existing) return { kind: 'idempotency_conflict', existing: clone(existing) };
      }
      if (input.exclusiveMsisdn) {
        const busy = activePushFor(payment.msisdn, payment.id, input.msisdnHeldSince);
        if (busy) return { kind: 'msisdn_busy', paymentId: busy.id };
      }
      const holder = orderHolder(payment);
      if (holder) return { kind: 'order_busy', paymentId: holder.id };
      const attempts = paymentsOfOrder(payment).length;
      if (input.maxOrderAttempts !== undefined && payment.externalOrderId !== null) {
        if (attempts >= input.maxOrderAttempts) return { kind: 'order_attempts_exhausted', attempts };
      }
      payment.orderReferences = orderReferencesOf(payment);
      if (payments.has(payment.id)) throw conflict('A payment with this id already exists');
      for (const reference of payment.orderReferences) {
        if (byOrderReference.has(reference)) throw conflict('This order reference is already used');
      }
      // All checks passed: from here on nothing can fail, so the step is all-or-nothing.
      payments.set(payment.id, { payment, leaseToken: 0, leaseOwner: null, leaseUntil: null });
      reindex(null, payment);
      for (const reference of payment.orderReferences) byOrderReference.set(reference, payment.id);
      if (input.idempotency) {
        records.putIdempotency(inFlightIdempotency(input.idempotency, payment.id));
      }
      const stored = outbox.append(payment, input.events);
      records.appendAudit(input.audit);
      return { kind: 'created', payment: copyPayment(payment), events: stored };
    },

    async getPayment(id: string, ownerId?: string): Promise<PaymentRecord | null> {
      enter('getPayment');
      const row = payments.get(id);
      if (!row || (ownerId !== undefined && row.payment.ownerId !== ownerId)) return null;
      return copyPayment(row.payment);
    },

    async getPaymentByOrderReference(orderReference: string): Promise<PaymentRecord | null> {
      enter('getPaymentByOrderReference');
      const id = byOrderReference.get(orderReference);
      const row = id === undefined ? undefined : payments.get(id);
      return row ? copyPayment(row.payment) : null;
    },

    async getPaymentByTransactionId(transactionId: string): Promise<PaymentRecord | null> {
      enter('getPaymentByTransactionId');
      const [id] = byTransactionId.get(transactionId);
      const row = id === undefined ? undefined : payments.get(id);
      return row ? copyPayment(row.payment) : null;
    },

    async hasActivePush(msisdn: string, exceptPaymentId?: string, heldSince?: Date): Promise<boolean> {
      enter('hasActivePush');
      return activePushFor(msisdn, exceptPaymentId, heldSince) !== undefined;
    },

    async listPayments(input: ListPaymentsInput): Promise<PaymentRecord[]> {
      enter('listPayments');
      const { before } = input;
      return [...byOwner.get(input.ownerId)]
        .map((id) => payments.get(id)!.payment)
        .filter(
          (payment) =>
            (input.externalOrderId === undefined || payment.externalOrderId === input.externalOrderId) &&
            (input.status === undefined || payment.status === input.status) &&
            (before === undefined || isAfterListPosition(payment, before)),
        )
        .sort(byListOrder)
        .slice(0, Math.max(0, input.limit))
        .map(copyPayment);
    },

    async listAllPayments(input: ListAllPaymentsInput): Promise<PaymentRecord[]> {
      enter('listAllPayments');
      const { before } = input;
      return [...payments.values()]
        .map((row) => row.payment)
        .filter(
          (payment) =>
            (input.status === undefined || payment.status === input.status) &&
            (before === undefined || isAfterListPosition(payment, before)),
        )
        .sort(byListOrder)
        .slice(0, Math.max(0, input.limit))
        .map(copyPayment);
    },

    async transition(input: TransitionInput): Promise<TransitionResult> {
      enter('transition');
      const row = payments.get(input.paymentId);
      if (!row) return { applied: false, payment: null, reason: 'not_found' };
      const refusal = transitionRefusal(input, { version: row.payment.version, leaseToken: row.leaseToken });
      if (refusal) return { applied: false, payment: copyPayment(row.payment), reason: refusal };
      const { next, newOrderReference: newReference } = applyPaymentChanges(
        row.payment,
        clone(input.changes),
      );
      if (newReference !== null && byOrderReference.has(newReference)) {
        throw conflict('This order reference is already used');
      }
      if (claimsOrder(row.payment, next) && orderHolder(next)) {
        return { applied: false, payment: copyPayment(row.payment), reason: 'order_busy' };
      }
      // Checks done: write everything.
      reindex(row.payment, next);
      row.payment = next;
      if (newReference !== null) byOrderReference.set(newReference, next.id);
      if (input.leaseToken !== undefined && input.releaseLease) {
        row.leaseOwner = null;
        row.leaseUntil = null;
      }
      const stored = outbox.append(next, input.events);
      records.appendAudit(input.audit);
      return { applied: true, payment: copyPayment(next), events: stored };
    },

    async claimIdempotency(record: IdempotencyRecord): Promise<ClaimIdempotencyResult> {
      enter('claimIdempotency');
      return records.claimIdempotency(record);
    },

    async getIdempotency(ownerId: string, key: string, now: Date): Promise<IdempotencyRecord | null> {
      enter('getIdempotency');
      const record = records.liveIdempotency(ownerId, key, now);
      return record ? clone(record) : null;
    },

    async completeIdempotency(ownerId: string, key: string): Promise<void> {
      enter('completeIdempotency');
      records.completeIdempotency(ownerId, key);
    },

    async pruneIdempotency(now: Date): Promise<number> {
      enter('pruneIdempotency');
      return records.pruneIdempotency(now);
    },

    async recordWebhookReceipt(receipt: WebhookReceipt): Promise<{ inserted: boolean }> {
      enter('recordWebhookReceipt');
      return records.recordReceipt(receipt);
    },

    async listWebhookReceipts(filter?: { orderReference?: string }): Promise<WebhookReceipt[]> {
      enter('listWebhookReceipts');
      return records.listReceipts(filter);
    },

    async appendAudit(entries: AuditEntry[]): Promise<void> {
      enter('appendAudit');
      records.appendAudit(entries);
    },

    async listAudit(paymentId: string): Promise<AuditEntry[]> {
      enter('listAudit');
      return records.listAudit(paymentId);
    },

    async listEvents(paymentId: string): Promise<StoredEvent[]> {
      enter('listEvents');
      return outbox.listEvents(paymentId);
    },

    async claimEventDeliveries(input: ClaimDeliveriesInput): Promise<EventDelivery[]> {
      enter('claimEventDeliveries');
      return outbox.claim(input);
    },

    async completeEventDelivery(input: SettleDeliveryInput): Promise<boolean> {
      enter('completeEventDelivery');
      return outbox.complete(input);
    },

    async failEventDelivery(input: FailDeliveryInput): Promise<boolean> {
      enter('failEventDelivery');
      return outbox.fail(input);
    },

    async listDeadDeliveries(input: ListDeadDeliveriesInput): Promise<EventDelivery[]> {
      enter('listDeadDeliveries');
      return outbox.listDead(input);
    },

    async replayDeadDelivery(input: { consumer: string; eventId: string; now: Date }): Promise<boolean> {
      enter('replayDeadDelivery');
      return outbox.replayDead(input);
    },

    async listEventsSince(input: { after: number | null; limit: number }): Promise<StoredEvent[]> {
      enter('listEventsSince');
      return outbox.listSince(input);
    },

    async outboxStats(): Promise<OutboxStats> {
      enter('outboxStats');
      return outbox.stats();
    },

    async pruneRecords(input: PruneRecordsInput): Promise<PruneRecordsResult> {
      enter('pruneRecords');
      const limit = input.limit ?? DEFAULT_PRUNE_LIMIT;
      return {
        events: input.eventsBefore ? outbox.prune(input.eventsBefore, limit) : 0,
        receipts: input.receiptsBefore ? records.pruneReceipts(input.receiptsBefore, limit) : 0,
        audit: input.auditBefore ? records.pruneAudit(input.auditBefore, limit) : 0,
      };
    },

    async claimDue(input: ClaimDueInput): Promise<ClaimedPayment[]> {
      enter('claimDue');
      const due = [...payments.values()]
        .filter((row) => isClaimable(row.payment, row.leaseUntil, input.now))
        // oldest due first; a stable sort keeps creation order among equals
        .sort((a, b) => a.payment.nextPollAt!.getTime() - b.payment.nextPollAt!.getTime())
        .slice(0, Math.max(0, input.limit));
      const leaseUntil = leaseEnd(input.now, input.leaseMs);
      return due.map((row) => {
        row.leaseToken += 1;
        row.leaseOwner = input.owner;
        row.leaseUntil = leaseUntil;
        return {
          payment: copyPayment(row.payment),
          leaseToken: row.leaseToken,
          leaseUntil: new Date(leaseUntil),
        };
      });
    },

    async releaseLease(paymentId: string, leaseToken: number): Promise<void> {
      enter('releaseLease');
      const row = payments.get(paymentId);
      if (!row || row.leaseToken !== leaseToken) return;
      row.leaseOwner = null;
      row.leaseUntil = null;
    },

    async ping(): Promise<void> {
      enter('ping');
    },

    async close(): Promise<void> {
      enter('close');
      closed = true;
    },
  };
  return store;
}

/** Key → set of payment ids, for lookups by a non-unique field. */
class SetIndex {
  private readonly sets = new Map<string, Set<string>>();

  get(key: string): Set<string> {
    return this.sets.get(key) ?? new Set();
  }

  move(id: string, from: string | null, to: string | null): void {
    if (from === to) return;
    if (from !== null) {
      const set = this.sets.get(from);
      set?.delete(id);
      if (set?.size === 0) this.sets.delete(from);
    }
    if (to !== null) this.sets.set(to, this.get(to).add(id));
  }
}

/** The (owner, external order id) key of a payment's order, or null when it has none. */
function orderKey(payment: PaymentRecord): string | null {
  return payment.externalOrderId === null ? null : `${payment.ownerId}\u0000${payment.externalOrderId}`;
}

function unavailable(message: string): ClickPesaKitError {
  return new ClickPesaKitError('STORE_UNAVAILABLE', { message });
}

function conflict(message: string): ClickPesaKitError {
  return new ClickPesaKitError('STORE_CONFLICT', { message });
}
