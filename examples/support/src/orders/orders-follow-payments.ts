import type { EventHandlers } from '@clickpesa-kit/core';
import type { OrderBook, PaymentEventForOrders } from './order-book.js';

/**
 * The ONE place the example apps connect payment events to the shop's orders: durable event handlers (the
 * kit's `handlers` option). The kit stores each event with the payment's change and delivers it from the
 * store at least once, in order per payment, retrying a handler that throws; so a crash or restart between a
 * payment's success and the order's update loses nothing. A delivery may come twice (the process died after
 * the order changed, before the event was marked delivered): `applyPaymentEvent` records the event id in the
 * same transaction as the order change and ignores a second delivery of it.
 */
export function orderEventHandlers(orders: OrderBook): EventHandlers {
  const handle = async (event: PaymentEventForOrders): Promise<void> => {
    await orders.applyPaymentEvent({ eventId: event.eventId, type: event.type, payment: event.payment });
  };
  return { 'payment.created': handle, 'payment.succeeded': handle, 'payment.failed': handle };
}
