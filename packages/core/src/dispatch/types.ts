import type { EvidenceSource, PaymentEventType } from '../domain/event-types.js';
import type { PaymentStatus } from '../domain/payment.js';
import type { PaymentIn, PaymentStatusByEvent } from '../events.js';
import type { EventDelivery } from '../store/contract.js';

/**
 * One stored event as a durable handler receives it. `payment` is the payment as the step that stored the
 * event left it, so `payment.status` is what the event type implies (narrowed at compile time).
 */
export interface DeliveredEventOf<K extends PaymentEventType> {
  /** Stable event id: the same on every redelivery. Make your handler idempotent on it. */
  eventId: string;
  paymentId: string;
  /** 1, 2, 3... per payment: one payment's events reach a consumer in this order. */
  seq: number;
  /** Global order over all events (ascending, gaps allowed): the `eventsSince` cursor. */
  position: number;
  type: K;
  occurredAt: Date;
  payment: PaymentIn<PaymentStatusByEvent[K]>;
  from?: PaymentStatus;
  to?: PaymentStatus;
  source?: EvidenceSource;
}

/** Any delivered event: a union discriminated by `type`. */
export type DeliveredEvent<K extends PaymentEventType = PaymentEventType> = {
  [T in K]: DeliveredEventOf<T>;
}[K];

/** What a handler gets besides the event. */
export interface HandlerContext {
  /** Aborted when the handler runs past `handlerTimeoutMs` or the kit shuts down: stop work then. */
  signal: AbortSignal;
  /** 1 on the first try, 2 on the first retry, ... */
  attempt: number;
}

export type EventHandler<K extends PaymentEventType> = (
  event: DeliveredEventOf<K>,
  context: HandlerContext,
) => unknown;

/**
 * Durable event handlers, by event type. A handler that returns (or resolves) completes the event; one that
 * throws, rejects or runs past its timeout is retried with backoff. `'*'` receives every event type that has
 * no handler of its own.
 */
export type EventHandlers = { [K in PaymentEventType]?: EventHandler<K> } & {
  '*'?: (event: DeliveredEvent, context: HandlerContext) => unknown;
};

/** Options of the event dispatcher (kit option `dispatcher`); defaults in brackets. */
export interface DispatcherOptions {
  /** How often the outbox is polled for events other instances wrote, or whose retry fell due [1000 ms]. */
  pollIntervalMs?: number;
  /** Deliveries claimed at most per store call [50]. */
  batchSize?: number;
  /** Handler calls in flight at most (different payments; one payment's events go one at a time) [8]. */
  concurrency?: number;
  /** A handler still running after this long counts as a failed attempt; its signal is aborted [30 000 ms]. */
  handlerTimeoutMs?: number;
  /** Failed attempts after which the event becomes a dead letter (list and replay them) [25]. */
  maxAttempts?: number;
  /** Wait before the first retry; doubles with each failure (±20 % jitter) [1000 ms]. */
  retryBaseMs?: number;
  /** Longest wait between retries [600 000 ms = 10 min]. */
  retryMaxMs?: number;
  /** How long close() lets running handlers finish before it aborts their signals [10 000 ms]. */
  shutdownGraceMs?: number;
}

/** What one delivery attempt came to. */
export type DeliveryOutcome =
  | { ok: true }
  /**
   * Failed. `retryInMs`: when to try again (null: never, a dead letter now); left out, the dispatcher's own
   * backoff and `maxAttempts` decide.
   */
  | { ok: false; error: string; retryInMs?: number | null };

/** One consumer of the outbox: hands a claimed delivery to its destination. */
export interface OutboxConsumer {
  name: string;
  deliver(delivery: EventDelivery, context: HandlerContext): Promise<DeliveryOutcome>;
}
