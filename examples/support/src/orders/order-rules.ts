import { randomUUID } from 'node:crypto';
import type { PaymentRecord } from '@clickpesa-kit/core';
import type { NewOrder, Order, OrderEventType } from './order-book.js';

/**
 * The shop's rules, the same for every database: which order a payment pays, and what each payment event
 * does to it. Pure: the order books run them inside their transactions.
 */

/** The fields a payment event may change. */
export type OrderChange = Pick<Order, 'status' | 'paidBy' | 'transactionId' | 'paidAt'>;

/**
 * An order the payment names (`external_order_id`) counts only if it is the payer's own: nobody pays (or
 * claims) someone else's. Otherwise the payment gets an order of its own, so every payment has something to
 * mark paid. With the shop's `resolveAmount` that cannot happen (a payment without its payer's order is
 * refused before it exists); a payment made without it still lands somewhere.
 */
export function paysNamedOrder(named: Pick<Order, 'ownerId'> | undefined, payment: PaymentRecord): boolean {
  return named !== undefined && named.ownerId === payment.ownerId;
}

export function newOrder(ownerId: string, fields: NewOrder, now = new Date()): Order {
  return {
    id: `ord_${randomUUID()}`,
    ownerId,
    item: fields.item,
    amount: fields.amount,
    currency: 'TZS',
    status: 'awaiting_payment',
    paymentIds: [],
    paidBy: null,
    transactionId: null,
    paidAt: null,
    createdAt: now.toISOString(),
  };
}

/** The order a payment without a (usable) order of its own gets. */
export function orderOfItsOwn(payment: PaymentRecord): Order {
  return newOrder(payment.ownerId, { item: 'Checkout payment', amount: payment.amount });
}

/** What the event changes on the payment's order, or null when it changes nothing. */
export function changeFor(type: OrderEventType, order: Order, payment: PaymentRecord): OrderChange | null {
  switch (type) {
    case 'payment.created':
      return null; // linking the payment to its order is all it does
    case 'payment.succeeded': {
      // late successes included: the order is paid, if the amount is the order's
      if (order.paidBy === payment.id) return null;
      // paid twice, or for less (or more) than the order: a person has to look (and maybe refund)
      const paidTwice = order.paidBy !== null;
      return {
        status: !paidTwice && payment.amount === order.amount ? 'paid' : 'needs_review',
        paidBy: order.paidBy ?? payment.id,
        transactionId: order.transactionId ?? payment.transactionId,
        paidAt: (payment.completedAt ?? payment.updatedAt).toISOString(),
      };
    }
    case 'payment.failed':
      // the order waits for a retry (or another payment)
      if (order.status !== 'awaiting_payment') return null;
      return {
        status: 'payment_failed',
        paidBy: order.paidBy,
        transactionId: order.transactionId,
        paidAt: order.paidAt,
      };
  }
}
