import type { PaymentRecord } from '../domain/payment.js';
import type {
  ClaimDeliveriesInput,
  EventDelivery,
  FailDeliveryInput,
  ListDeadDeliveriesInput,
  NewEvent,
  OutboxStats,
  SettleDeliveryInput,
  StoredEvent,
} from './contract.js';
import { clone, copyPayment } from './memory-copy.js';
import {
  type EventDeliveryRow,
  isDeliveryClaimable,
  leaseEnd,
  newDeliveries,
  numberEvents,
  toEventDelivery,
} from './store-rules.js';

/**
 * The memory store's events and their outbox: events per payment, a global position, and one delivery row per
 * consumer and event. Every method does its check-and-write without an await, so each is atomic on Node's one
 * thread (the store calls them inside its own synchronous steps).
 */
export class MemoryOutbox {
  private readonly byPayment = new Map<string, StoredEvent[]>();
  private readonly byId = new Map<string, StoredEvent>();
  private readonly deliveries = new Map<string, EventDeliveryRow>();
  /** The highest seq ever given per payment: retention may have pruned the latest events. */
  private readonly lastSeqs = new Map<string, number>();
  private lastPosition = 0;

  /** Stores a step's events (with the payment as the step left it) and their delivery rows. */
  append(payment: PaymentRecord, newEvents: NewEvent[] | undefined): StoredEvent[] {
    if (!newEvents || newEvents.length === 0) return [];
    const list = this.byPayment.get(payment.id) ?? [];
    const lastSeq = this.lastSeqs.get(payment.id) ?? 0;
    const stored = numberEvents(copyPayment(payment), lastSeq, clone(newEvents), this.lastPosition + 1);
    this.lastPosition += stored.length;
    list.push(...stored);
    this.byPayment.set(payment.id, list);
    this.lastSeqs.set(payment.id, lastSeq + stored.length);
    for (const event of stored) this.byId.set(event.id, event);
    for (const row of newDeliveries(newEvents, stored)) this.deliveries.set(deliveryKey(row), row);
    return clone(stored);
  }

  listEvents(paymentId: string): StoredEvent[] {
    return clone(this.byPayment.get(paymentId) ?? []);
  }

  claim(input: ClaimDeliveriesInput): EventDelivery[] {
    const leaseUntil = leaseEnd(input.now, input.leaseMs);
    return [...this.pendingHeads(input.consumer).values()]
      .filter((row) => isDeliveryClaimable(row, true, input.now))
      .sort((a, b) => a.position - b.position)
      .slice(0, Math.max(0, input.limit))
      .map((row) => {
        row.leaseToken += 1;
        row.leaseOwner = input.owner;
        row.leaseUntil = new Date(leaseUntil);
        return this.deliveryOut(row);
      });
  }

  complete(input: SettleDeliveryInput): boolean {
    const row = this.held(input);
    if (!row) return false;
    row.state = 'delivered';
    row.deliveredAt = new Date(input.now);
    row.leaseOwner = null;
    row.leaseUntil = null;
    return true;
  }

  fail(input: FailDeliveryInput): boolean {
    const row = this.held(input);
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
  }

  listDead(input: ListDeadDeliveriesInput): EventDelivery[] {
    return [...this.deliveries.values()]
      .filter(
        (row) =>
          row.state === 'dead' &&
          (input.consumer === undefined || row.consumer === input.consumer) &&
          row.position > (input.after ?? 0),
      )
      .sort((a, b) => a.position - b.position || (a.consumer < b.consumer ? -1 : 1))
      .slice(0, Math.max(0, input.limit))
      .map((row) => this.deliveryOut(row));
  }

  replayDead(input: { consumer: string; eventId: string; now: Date }): boolean {
    const row = this.deliveries.get(deliveryKey(input));
    if (row?.state !== 'dead') return false;
    row.state = 'pending';
    row.attempts = 0;
    row.nextAttemptAt = new Date(input.now);
    return true;
  }

  listSince(input: { after: number | null; limit: number }): StoredEvent[] {
    const after = input.after ?? 0;
    const found: StoredEvent[] = [];
    // positions are dense here (1, 2, 3...), except where retention pruned: walk the id index in order
    for (const event of this.byId.values()) {
      if (event.position > after) found.push(event);
    }
    found.sort((a, b) => a.position - b.position);
    return clone(found.slice(0, Math.max(0, input.limit)));
  }

  stats(): OutboxStats {
    let pending = 0;
    let dead = 0;
    let oldestPendingAt: Date | null = null;
    for (const row of this.deliveries.values()) {
      if (row.state === 'dead') dead += 1;
      if (row.state !== 'pending') continue;
      pending += 1;
      const occurredAt = this.byId.get(row.eventId)!.occurredAt;
      if (oldestPendingAt === null || occurredAt < oldestPendingAt) oldestPendingAt = occurredAt;
    }
    return { pending, dead, oldestPendingAt: oldestPendingAt && new Date(oldestPendingAt) };
  }

  /** Deletes up to `limit` events older than `before` whose deliveries are all done; returns how many. */
  prune(before: Date, limit: number): number {
    const cutoff = before.getTime();
    const settled = new Map<string, boolean>();
    for (const row of this.deliveries.values()) {
      settled.set(row.eventId, (settled.get(row.eventId) ?? true) && row.state === 'delivered');
    }
    const consumers = new Set([...this.deliveries.values()].map((row) => row.consumer));
    let pruned = 0;
    for (const event of [...this.byId.values()]) {
      if (pruned >= limit) break;
      if (event.occurredAt.getTime() >= cutoff || settled.get(event.id) === false) continue;
      this.byId.delete(event.id);
      const list = this.byPayment.get(event.paymentId) ?? [];
      this.byPayment.set(
        event.paymentId,
        list.filter((candidate) => candidate.id !== event.id),
      );
      for (const consumer of consumers) this.deliveries.delete(deliveryKey({ consumer, eventId: event.id }));
      pruned += 1;
    }
    return pruned;
  }

  /** The claimable delivery row of each payment for one consumer: its lowest-seq pending row. */
  private pendingHeads(consumer: string): Map<string, EventDeliveryRow> {
    const heads = new Map<string, EventDeliveryRow>();
    for (const row of this.deliveries.values()) {
      if (row.consumer !== consumer || row.state !== 'pending') continue;
      const head = heads.get(row.paymentId);
      if (!head || row.seq < head.seq) heads.set(row.paymentId, row);
    }
    return heads;
  }

  private held(input: SettleDeliveryInput): EventDeliveryRow | undefined {
    const row = this.deliveries.get(deliveryKey(input));
    return row && row.state === 'pending' && row.leaseToken === input.leaseToken ? row : undefined;
  }

  private deliveryOut(row: EventDeliveryRow): EventDelivery {
    return clone(toEventDelivery(row, this.byId.get(row.eventId)!));
  }
}

function deliveryKey(row: { consumer: string; eventId: string }): string {
  return `${row.consumer}\u0000${row.eventId}`;
}
