import { EventEmitter } from 'eventemitter3';
import type { EvidenceSource, PaymentEventType } from './domain/event-types.js';
import type { PaymentRecord, PaymentStatus } from './domain/payment.js';

export { type EvidenceSource, PAYMENT_EVENT_TYPES, type PaymentEventType } from './domain/event-types.js';

/** The payment's status each event guarantees (the payment as it was stored with the event). */
export interface PaymentStatusByEvent {
  'payment.created': 'pending';
  'payment.status_changed': PaymentStatus;
  'payment.processing': 'processing';
  'payment.succeeded': 'success';
  'payment.failed': 'failed';
  'payment.cancelled': 'cancelled';
  'payment.reversed': 'reversed';
  'payment.late_success': 'success';
  'payment.needs_attention': PaymentStatus;
  'payment.stuck': PaymentStatus;
  'payment.amount_mismatch': 'success';
}

/** A payment whose `status` is known: `PaymentIn<'success'>` in a `payment.succeeded` handler. */
export type PaymentIn<S extends PaymentStatus> = PaymentRecord & { status: S };

/** One lifecycle event of type `K`; its `payment.status` is narrowed to what that event implies. */
export interface PaymentEventOf<K extends PaymentEventType> {
  /** Stable event id (the stored event's id): the same transition never has two ids. */
  id: string;
  type: K;
  occurredAt: Date;
  paymentId: string;
  seq: number;
  payment: PaymentIn<PaymentStatusByEvent[K]>;
  from?: PaymentStatus;
  to?: PaymentStatus;
  source?: EvidenceSource;
}

/** Any lifecycle event: a union discriminated by `type` (check `event.type` and `payment.status` follows). */
export type PaymentEvent = { [K in PaymentEventType]: PaymentEventOf<K> }[PaymentEventType];

/** The transition a stored event records (`from`, `to` and `source` travel in its data): the keys present only. */
export function transitionFields(data: Record<string, unknown>): {
  from?: PaymentStatus;
  to?: PaymentStatus;
  source?: EvidenceSource;
} {
  const { from, to, source } = data as { from?: PaymentStatus; to?: PaymentStatus; source?: EvidenceSource };
  return {
    ...(from === undefined ? {} : { from }),
    ...(to === undefined ? {} : { to }),
    ...(source === undefined ? {} : { source }),
  };
}

export interface WebhookEvent {
  orderReference: string | null;
  eventType: string | null;
  status: string | null;
  verified: boolean;
  duplicate: boolean;
  orphan: boolean;
}

export interface WebhookRejectedEvent {
  reason: 'bad_checksum' | 'missing_checksum' | 'malformed' | 'too_large' | 'unsupported_media_type';
  message: string;
}

/** What the client reports for every ClickPesa call; secrets never included. */
export interface ProviderRequestEvent {
  requestId: string;
  endpoint: ProviderEndpoint;
  method: string;
  path: string;
  orderReference?: string;
  body?: unknown;
}

export interface ProviderResponseEvent extends ProviderRequestEvent {
  status: number | null;
  durationMs: number;
  /** Parsed response body (redacted), or a short description of a network failure. */
  response?: unknown;
  error?: string;
}

export type ProviderEndpoint = 'token' | 'preview' | 'initiate' | 'query' | 'list';

export interface PollerErrorEvent {
  error: Error;
  paymentId?: string;
}

/** The webhook route answered: how long the request took from arrival to answer (ms). */
export interface WebhookAcknowledgedEvent {
  status: number;
  durationMs: number;
}

/** The event dispatcher settled one delivery of a stored event to a consumer (`handlers` or `callback`). */
export interface OutboxDeliveryEvent {
  consumer: string;
  type: string;
  /** 1 for the first attempt. */
  attempt: number;
}

export type ToolkitEvents = {
  [K in PaymentEventType]: (event: PaymentEventOf<K>) => void;
} & {
  'webhook.received': (event: WebhookEvent) => void;
  'webhook.rejected': (event: WebhookRejectedEvent) => void;
  'provider.request': (event: ProviderRequestEvent) => void;
  'provider.response': (event: ProviderResponseEvent) => void;
  'poller.error': (event: PollerErrorEvent) => void;
  'webhook.acknowledged': (event: WebhookAcknowledgedEvent) => void;
  'outbox.delivered': (event: OutboxDeliveryEvent) => void;
  'outbox.dead_lettered': (event: OutboxDeliveryEvent) => void;
  error: (error: Error) => void;
};

/** The toolkit's typed event bus. A listener that throws never breaks the flow that emitted. */
export class PaymentEvents extends EventEmitter<ToolkitEvents> {
  /** Emits a lifecycle event under its own type (safely, like {@link safeEmit}). */
  emitPaymentEvent(event: PaymentEvent): void {
    (this.safeEmit as (type: PaymentEventType, event: PaymentEvent) => void)(event.type, event);
  }

  /** Emits without letting a listener's exception escape into payment processing. */
  safeEmit<K extends keyof ToolkitEvents>(type: K, ...args: Parameters<ToolkitEvents[K]>): void {
    try {
      (this.emit as (t: K, ...a: Parameters<ToolkitEvents[K]>) => boolean)(type, ...args);
    } catch (error) {
      if (type !== 'error' && this.listenerCount('error') > 0) {
        try {
          this.emit('error', error instanceof Error ? error : new Error(String(error)));
        } catch {
          // a throwing error listener has nowhere left to go
        }
      }
    }
  }
}
