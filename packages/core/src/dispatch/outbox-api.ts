import { ClickPesaKitError } from '../errors.js';
import type { EventConsumer, EventDelivery, OutboxStats, PaymentStore } from '../store/contract.js';
import { toDeliveredEvent } from './delivered-event.js';
import type { DeliveredEvent } from './types.js';

const CONSUMERS: readonly EventConsumer[] = ['handlers', 'callback'];
const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1_000;

/** Dead letters, replay and catch-up over the event outbox (`payments.outbox`). */
export interface PaymentsOutbox {
  /** Events a consumer gave up on (after `maxAttempts`, or the callback retry schedule), oldest first. */
  listDead(options?: { consumer?: EventConsumer; limit?: number; after?: number }): Promise<EventDelivery[]>;
  /**
   * Makes a dead letter pending again, due now, attempts reset (the dispatcher delivers it with its next
   * claim). False when that consumer has no dead letter for this event.
   */
  replay(consumer: EventConsumer, eventId: string): Promise<boolean>;
  /**
   * Every stored event with `position > after` (all when null), oldest first, at most `limit` [100, max 1000].
   * Keep the last `position` you saw and pass it next time: nothing is skipped.
   */
  eventsSince(after: number | null, limit?: number): Promise<DeliveredEvent[]>;
  /** Pending and dead deliveries and the oldest pending event's time (outbox lag). */
  stats(): Promise<OutboxStats>;
}

export function createOutboxApi(store: PaymentStore, wake: () => void, now: () => Date): PaymentsOutbox {
  return {
    async listDead(options = {}) {
      if (options.consumer !== undefined) checkConsumer(options.consumer);
      const limit = checkLimit(options.limit);
      if (options.after !== undefined) checkPosition(options.after, 'after');
      return store.listDeadDeliveries({
        limit,
        ...(options.consumer === undefined ? {} : { consumer: options.consumer }),
        ...(options.after === undefined ? {} : { after: options.after }),
      });
    },
    async replay(consumer, eventId) {
      checkConsumer(consumer);
      if (typeof eventId !== 'string' || eventId.length === 0)
        throw invalid('eventId must be a non-empty string');
      const replayed = await store.replayDeadDelivery({ consumer, eventId, now: now() });
      if (replayed) wake();
      return replayed;
    },
    async eventsSince(after, limit) {
      if (after !== null) checkPosition(after, 'after');
      const events = await store.listEventsSince({ after, limit: checkLimit(limit) });
      const delivered: DeliveredEvent[] = [];
      for (const stored of events) {
        const event = await toDeliveredEvent(stored, store);
        if (event) delivered.push(event);
      }
      return delivered;
    },
    stats: () => store.outboxStats(),
  };
}

function checkConsumer(consumer: unknown): void {
  if (!CONSUMERS.includes(consumer as EventConsumer)) {
    throw invalid(`consumer must be one of ${CONSUMERS.join(', ')}`);
  }
}

function checkLimit(limit: unknown): number {
  if (limit === undefined) return DEFAULT_LIMIT;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw invalid(`limit must be a whole number from 1 to ${MAX_LIMIT}`);
  }
  return limit;
}

function checkPosition(value: unknown, name: string): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw invalid(`${name} must be a non-negative whole number (an event position)`);
  }
}

function invalid(message: string): ClickPesaKitError {
  return new ClickPesaKitError('VALIDATION_ERROR', { message });
}
