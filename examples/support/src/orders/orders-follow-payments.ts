import type { Logger, PaymentEvents } from '@clickpesa-kit/core';
import {
  ORDER_EVENT_TYPES,
  type OrderBook,
  type OrderEventType,
  type PaymentEventForOrders,
} from './order-book.js';

/**
 * The ONE place the example apps connect payment events to the shop's orders.
 *
 * Today: the kit's in-process event bus. An event is emitted once, after the payment's change is stored; if
 * applying it fails (the database is down) or the process stops first, that order misses it until the same
 * change is seen again. Durable handlers (delivered from the store, at least once, retried) remove that gap:
 * `orderEventHandlers` below already has their shape, and `applyPaymentEvent` ignores a second delivery of an
 * event it has applied.
 */
export function ordersFollowPayments(events: PaymentEvents, orders: OrderBook, logger: Logger): void {
  const inOrder = oneAtATimePerPayment();
  for (const type of ORDER_EVENT_TYPES) {
    events.on(type, (event) => {
      inOrder(event.paymentId, async () => {
        try {
          await orders.applyPaymentEvent({ eventId: event.id, type: event.type, payment: event.payment });
        } catch (error) {
          logger.error(
            {
              eventId: event.id,
              type: event.type,
              paymentId: event.paymentId,
              error: error instanceof Error ? error.message : String(error),
            },
            'the order could not follow its payment',
          );
        }
      });
    });
  }
}

/**
 * The same, shaped as durable event handlers keyed by event type. A handler that throws is retried by its
 * caller, so errors are not caught here.
 */
export function orderEventHandlers(
  orders: OrderBook,
): Record<OrderEventType, (event: PaymentEventForOrders) => Promise<void>> {
  const handle = async (event: PaymentEventForOrders): Promise<void> => {
    await orders.applyPaymentEvent({ eventId: event.eventId, type: event.type, payment: event.payment });
  };
  return { 'payment.created': handle, 'payment.succeeded': handle, 'payment.failed': handle };
}

/** Runs the work of one payment in the order its events were emitted (created before succeeded). */
function oneAtATimePerPayment(): (paymentId: string, work: () => Promise<void>) => void {
  const tails = new Map<string, Promise<void>>();
  return (paymentId, work) => {
    const tail = (tails.get(paymentId) ?? Promise.resolve()).then(work);
    tails.set(paymentId, tail);
    void tail.then(() => {
      if (tails.get(paymentId) === tail) tails.delete(paymentId);
    });
  };
}
