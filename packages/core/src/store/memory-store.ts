import type { PaymentRecord } from '../domain/payment.js';
import { ClickPesaKitError } from '../errors.js';
import type {
  ActivePaymentCounts,
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
  ListDeadDeliveriesInput,
  ListPaymentsInput,
  NewEvent,
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
import { applyPaymentChanges, orderReferencesOf } from './payment-fields.js';
import {
  byListOrder,
  claimsOrder,
  DEFAULT_PRUNE_LIMIT,
  type EventDeliveryRow,
  holdsMsisdn,
  holdsOrder,
  inFlightIdempotency,
  isAfterListPosition,
  isClaimable,
  isDeliveryClaimable,
  isIdempotencyLive,
  isIdempotencyPrunable,
  leaseEnd,
  newDeliveries,
  numberEvents,
  toEventDelivery,
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
  const events = new Map<string, StoredEvent[]>();
  /** Every event by id, and the outbox: delivery rows keyed by consumer and event id. */
  const eventsById = new Map<string, StoredEvent>();
  const deliveries = new Map<string, EventDeliveryRow>();
  const lastSeqs = new Map<string, number>();
  let lastPosition = 0;
  const auditByPayment = new Map<string, AuditEntry[]>();
  const unattachedAudit: AuditEntry[] = [];
  const idempotency = new Map<string, IdempotencyRecord>();
  const webhookReceipts = new Map<string, WebhookReceipt>();
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

  function appendEvents(payment: PaymentRecord, newEvents: NewEvent[] | undefined): StoredEvent[] {
    if (!newEvents || newEvents.length === 0) return [];
    const list = events.get(payment.id) ?? [];
    // numbered after the highest seq ever given (retention may have pruned the latest events)
    const lastSeq = lastSeqs.get(payment.id) ?? 0;
    const stored = numberEvents(copyPayment(payment), lastSeq, clone(newEvents), lastPosition + 1);
    lastPosition += stored.length;
    list.push(...stored);
    events.set(payment.id, list);
    lastSeqs.set(payment.id, lastSeq + stored.length);
    for (const event of stored) eventsById.set(event.id, event);
    for (const row of newDeliveries(newEvents, stored)) deliveries.set(deliveryKey(row), row);
    return clone(stored);
  }

  /** The claimable delivery row of one payment for one consumer: its lowest-seq pending row. */
  function pendingHeads(consumer: string): Map<string, EventDeliveryRow> {
    const heads = new Map<string, EventDeliveryRow>();
    for (const row of deliveries.values()) {
      if (row.consumer !== consumer || row.state !== 'pending') continue;
      const head = heads.get(row.paymentId);
      if (!head || row.seq < head.seq) heads.set(row.paymentId, row);
    }
    return heads;
  }

  function heldDelivery(input: SettleDeliveryInput): EventDeliveryRow | undefined {
    const row = deliveries.get(deliveryKey(input));
    return row && row.state === 'pending' && row.leaseToken === input.leaseToken ? row : undefined;
  }

  function deliveryOut(row: EventDeliveryRow): EventDelivery {
    return clone(toEventDelivery(row, eventsById.get(row.eventId)!));
  }

  function appendAuditEntries(entries: AuditEntry[] | undefined): void {
    for (const entry of entries ?? []) {
      const copy = clone(entry);
      if (copy.paymentId === null) {
        unattachedAudit.push(copy);
        continue;
      }
      const list = auditByPayment.get(copy.paymentId) ?? [];
      list.push(copy);
      auditByPayment.set(copy.paymentId, list);
    }
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

  function liveIdempotency(ownerId: string, key: string, now: Date): IdempotencyRecord | undefined {
    const record = idempotency.get(idempotencyKey(ownerId, key));
    return record && isIdempotencyLive(record, now) ? record : undefined;
  }

  const store: MemoryStore = {
    kind: 'memory',
    shared: false,

    async createPayment(input: CreatePaymentInput): Promise<CreatePaymentResult> {
      enter('createPayment');
      const payment = copyPayment(input.payment);
      if (input.idempotency) {
        const existing = liveIdempotency(
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
        const record = inFlightIdempotency(clone(input.idempotency), payment.id);
        idempotency.set(idempotencyKey(record.ownerId, record.key), record);
      }
      const stored = appendEvents(payment, input.events);
      appendAuditEntries(input.audit);
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
      const stored = appendEvents(next, input.events);
      appendAuditEntries(input.audit);
      return { applied: true, payment: copyPayment(next), events: stored };
    },

    async claimIdempotency(record: IdempotencyRecord): Promise<ClaimIdempotencyResult> {
      enter('claimIdempotency');
      const existing = liveIdempotency(record.ownerId, record.key, record.createdAt);
      if (existing) return { kind: 'exists', existing: clone(existing) };
      idempotency.set(idempotencyKey(record.ownerId, record.key), clone(record));
      return { kind: 'claimed' };
    },

    async getIdempotency(ownerId: string, key: string, now: Date): Promise<IdempotencyRecord | null> {
      enter('getIdempotency');
      const record = liveIdempotency(ownerId, key, now);
      return record ? clone(record) : null;
    },

    async completeIdempotency(ownerId: string, key: string): Promise<void> {
      enter('completeIdempotency');
      const record = idempotency.get(idempotencyKey(ownerId, key));
      if (record) record.state = 'completed';
    },

    async pruneIdempotency(now: Date): Promise<number> {
      enter('pruneIdempotency');
      let pruned = 0;
      for (const [mapKey, record] of idempotency) {
        if (isIdempotencyPrunable(record, now)) {
          idempotency.delete(mapKey);
          pruned += 1;
        }
      }
      return pruned;
    },

    async recordWebhookReceipt(receipt: WebhookReceipt): Promise<{ inserted: boolean }> {
      enter('recordWebhookReceipt');
      if (webhookReceipts.has(receipt.dedupeKey)) return { inserted: false };
      webhookReceipts.set(receipt.dedupeKey, clone(receipt));
      return { inserted: true };
    },

    async listWebhookReceipts(filter?: { orderReference?: string }): Promise<WebhookReceipt[]> {
      enter('listWebhookReceipts');
      const all = [...webhookReceipts.values()];
      const wanted = filter?.orderReference;
      return clone(wanted === undefined ? all : all.filter((receipt) => receipt.orderReference === wanted));
    },

    async appendAudit(entries: AuditEntry[]): Promise<void> {
      enter('appendAudit');
      appendAuditEntries(entries);
    },

    async listAudit(paymentId: string): Promise<AuditEntry[]> {
      enter('listAudit');
      return clone(auditByPayment.get(paymentId) ?? []);
    },

    async listEvents(paymentId: string): Promise<StoredEvent[]> {
      enter('listEvents');
      return clone(events.get(paymentId) ?? []);
    },

    async claimEventDeliveries(input: ClaimDeliveriesInput): Promise<EventDelivery[]> {
      enter('claimEventDeliveries');
      const leaseUntil = leaseEnd(input.now, input.leaseMs);
      return [...pendingHeads(input.consumer).values()]
        .filter((row) => isDeliveryClaimable(row, true, input.now))
        .sort((a, b) => a.position - b.position)
        .slice(0, Math.max(0, input.limit))
        .map((row) => {
          row.leaseToken += 1;
          row.leaseOwner = input.owner;
          row.leaseUntil = new Date(leaseUntil);
          return deliveryOut(row);
        });
    },

    async completeEventDelivery(input: SettleDeliveryInput): Promise<boolean> {
      enter('completeEventDelivery');
      const row = heldDelivery(input);
      if (!row) return false;
      row.state = 'delivered';
      row.deliveredAt = new Date(input.now);
      row.leaseOwner = null;
      row.leaseUntil = null;
      return true;
    },

    async failEventDelivery(input: FailDeliveryInput): Promise<boolean> {
      enter('failEventDelivery');
      const row = heldDelivery(input);
      if (!row) return false;
      row.attempts += 1;
      row.lastError = input.error;
      row.leaseOwner = null;
      row.leaseUntil = null;
      if (input.retryAt === null) {
        row.state = 'dead';
        row.nextAttemptAt = null;
      } else row.nextAttemptAt = new Date(input.retryAt);
      return true;
    },

    async listDeadDeliveries(input: ListDeadDeliveriesInput): Promise<EventDelivery[]> {
      enter('listDeadDeliveries');
      return [...deliveries.values()]
        .filter(
          (row) =>
            row.state === 'dead' &&
            (input.consumer === undefined || row.consumer === input.consumer) &&
            row.position > (input.after ?? 0),
        )
        .sort((a, b) => a.position - b.position || (a.consumer < b.consumer ? -1 : 1))
        .slice(0, Math.max(0, input.limit))
        .map(deliveryOut);
    },

    async replayDeadDelivery(input: { consumer: string; eventId: string; now: Date }): Promise<boolean> {
      enter('replayDeadDelivery');
      const row = deliveries.get(deliveryKey(input));
      if (!row || row.state !== 'dead') return false;
      row.state = 'pending';
      row.attempts = 0;
      row.nextAttemptAt = new Date(input.now);
      return true;
    },

    async listEventsSince(input: { after: number | null; limit: number }): Promise<StoredEvent[]> {
      enter('listEventsSince');
      const after = input.after ?? 0;
      const found: StoredEvent[] = [];
      // positions are dense here (1, 2, 3...), except where retention pruned: walk the id index in order
      for (const event of eventsById.values()) {
        if (event.position > after) found.push(event);
      }
      found.sort((a, b) => a.position - b.position);
      return clone(found.slice(0, Math.max(0, input.limit)));
    },

    async countActivePayments(): Promise<ActivePaymentCounts> {
      enter('countActivePayments');
      const counts: ActivePaymentCounts = { pending: 0, processing: 0 };
      for (const { payment } of payments.values()) {
        if (payment.status === 'pending' || payment.status === 'processing') counts[payment.status] += 1;
      }
      return counts;
    },

    async outboxStats(): Promise<OutboxStats> {
      enter('outboxStats');
      let pending = 0;
      let dead = 0;
      let oldestPendingAt: Date | null = null;
      for (const row of deliveries.values()) {
        if (row.state === 'dead') dead += 1;
        if (row.state !== 'pending') continue;
        pending += 1;
        const occurredAt = eventsById.get(row.eventId)!.occurredAt;
        if (oldestPendingAt === null || occurredAt < oldestPendingAt) oldestPendingAt = occurredAt;
      }
      return { pending, dead, oldestPendingAt: oldestPendingAt && new Date(oldestPendingAt) };
    },

    async pruneRecords(input: PruneRecordsInput): Promise<PruneRecordsResult> {
      enter('pruneRecords');
      const limit = input.limit ?? DEFAULT_PRUNE_LIMIT;
      const result: PruneRecordsResult = { events: 0, receipts: 0, audit: 0 };
      const eventsBefore = input.eventsBefore?.getTime();
      if (eventsBefore !== undefined) {
        const settled = new Map<string, boolean>();
        for (const row of deliveries.values()) {
          settled.set(row.eventId, (settled.get(row.eventId) ?? true) && row.state === 'delivered');
        }
        for (const event of [...eventsById.values()]) {
          if (result.events >= limit) break;
          if (event.occurredAt.getTime() >= eventsBefore || settled.get(event.id) === false) continue;
          eventsById.delete(event.id);
          const list = events.get(event.paymentId) ?? [];
          events.set(
            event.paymentId,
            list.filter((candidate) => candidate.id !== event.id),
          );
          for (const consumer of new Set([...deliveries.values()].map((row) => row.consumer))) {
            deliveries.delete(deliveryKey({ consumer, eventId: event.id }));
          }
          result.events += 1;
        }
      }
      const receiptsBefore = input.receiptsBefore?.getTime();
      if (receiptsBefore !== undefined) {
        for (const [key, receipt] of webhookReceipts) {
          if (result.receipts >= limit) break;
          if (receipt.receivedAt.getTime() >= receiptsBefore) continue;
          webhookReceipts.delete(key);
          result.receipts += 1;
        }
      }
      const auditBefore = input.auditBefore?.getTime();
      if (auditBefore !== undefined) {
        for (const list of [unattachedAudit, ...auditByPayment.values()]) {
          for (let index = list.length - 1; index >= 0; index--) {
            if (result.audit >= limit) break;
            if (list[index]!.at.getTime() < auditBefore) {
              list.splice(index, 1);
              result.audit += 1;
            }
          }
        }
      }
      return result;
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

/**
 * A payment row in or out, field by field: every read of the hot path (GET /payments/:id) copies one, and a
 * literal of known fields is several times cheaper than walking them. Listing every field means a new
 * PaymentRecord field fails to compile here until it is given its copy (a fresh Date, a copy of an array or
 * object, or the value itself for strings, numbers and booleans). `orderReferences`, `metadata` and
 * `providerStatus` are flat by their types (strings, or primitives: the service rejects nested metadata), so
 * one level of copy is a full copy. Keys outside PaymentRecord are not kept, as in the SQL stores, which map
 * their columns.
 */
function copyPayment(payment: PaymentRecord): PaymentRecord {
  return {
    id: payment.id,
    ownerId: payment.ownerId,
    orderReference: payment.orderReference,
    orderReferences: [...payment.orderReferences],
    transactionId: payment.transactionId,
    status: payment.status,
    amount: payment.amount,
    currency: payment.currency,
    msisdn: payment.msisdn,
    provider: payment.provider,
    customerName: payment.customerName,
    metadata: payment.metadata && { ...payment.metadata },
    externalOrderId: payment.externalOrderId,
    errorMessage: payment.errorMessage,
    failureReason: payment.failureReason,
    needsAttention: payment.needsAttention,
    amountMismatch: payment.amountMismatch,
    collectedAmount: payment.collectedAmount,
    collectedCurrency: payment.collectedCurrency,
    attempts: payment.attempts,
    attemptStartedAt: copyDate(payment.attemptStartedAt),
    initiateOutcome: payment.initiateOutcome,
    providerStatus: payment.providerStatus && { ...payment.providerStatus },
    callbackUrl: payment.callbackUrl,
    version: payment.version,
    createdAt: copyDate(payment.createdAt),
    updatedAt: copyDate(payment.updatedAt),
    completedAt: copyDate(payment.completedAt),
    settledAt: copyDate(payment.settledAt),
    lastCheckedAt: copyDate(payment.lastCheckedAt),
    nextPollAt: copyDate(payment.nextPollAt),
    pollCount: payment.pollCount,
    stuckNotifiedAt: copyDate(payment.stuckNotifiedAt),
  };
}

function copyDate<T extends Date | null>(value: T): T {
  return value instanceof Date ? (new Date(value.getTime()) as T) : clone(value);
}

/**
 * Deep copy that keeps Dates as Dates (and strips nothing else). Stored rows are plain data (objects, arrays,
 * Dates, primitives), copied here by hand because this runs on every read: `structuredClone` of a payment
 * record cost ~10 times more and was most of a GET's time. Anything else (a Map, a class instance, a
 * function) still goes through `structuredClone`, which copies or rejects it exactly as before.
 */
function clone<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return isReference(value) ? structuredClone(value) : value;
  if (value instanceof Date) return new Date(value.getTime()) as T;
  if (Array.isArray(value)) return value.map(clone) as T;
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return structuredClone(value);
  // spread, then replace only the nested values: far cheaper than copying key by key (for-in uses V8's enum cache)
  const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  for (const key in copy) {
    const item = copy[key];
    if (isReference(item) && Object.hasOwn(copy, key)) copy[key] = clone(item);
  }
  return copy as T;
}

/** Anything `clone` must not hand back as is: objects, arrays, functions, symbols. */
function isReference(value: unknown): boolean {
  return (
    (typeof value === 'object' && value !== null) || typeof value === 'function' || typeof value === 'symbol'
  );
}

function deliveryKey(row: { consumer: string; eventId: string }): string {
  return `${row.consumer}\u0000${row.eventId}`;
}

/** The (owner, external order id) key of a payment's order, or null when it has none. */
function orderKey(payment: PaymentRecord): string | null {
  return payment.externalOrderId === null ? null : `${payment.ownerId}\u0000${payment.externalOrderId}`;
}

function idempotencyKey(ownerId: string, key: string): string {
  return `${ownerId}\u0000${key}`;
}

function unavailable(message: string): ClickPesaKitError {
  return new ClickPesaKitError('STORE_UNAVAILABLE', { message });
}

function conflict(message: string): ClickPesaKitError {
  return new ClickPesaKitError('STORE_CONFLICT', { message });
}
