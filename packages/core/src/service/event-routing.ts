import type { PaymentRecord } from '../domain/payment.js';
import type { EventConsumer, NewEvent } from '../store/contract.js';

/**
 * THE one place that decides which outbox consumers get a new event: the host's durable handlers always;
 * the payment's `callback_url` too for status changes, when the payment has one and callback notifications
 * are on (allowedCallbackUrls and callbackSecret configured).
 */
export function routeEvents(
  events: readonly NewEvent[],
  payment: Pick<PaymentRecord, 'callbackUrl'>,
  callbacksEnabled: boolean,
): NewEvent[] {
  return events.map((event) => ({ ...event, deliverTo: consumersOf(event, payment, callbacksEnabled) }));
}

function consumersOf(
  event: NewEvent,
  payment: Pick<PaymentRecord, 'callbackUrl'>,
  callbacksEnabled: boolean,
): EventConsumer[] {
  const notify = callbacksEnabled && event.type === 'payment.status_changed' && Boolean(payment.callbackUrl);
  return notify ? ['handlers', 'callback'] : ['handlers'];
}
