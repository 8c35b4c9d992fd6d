import { randomUUID } from 'node:crypto';
import type { PaymentRecord } from '@clickpesa-kit/core';

/**
 * The shop's own orders: what a host keeps in its own database. Here it lives in memory, and the payment
 * events decide when an order counts as paid (the routes never mark anything paid themselves).
 */
export type OrderStatus = 'awaiting_payment' | 'paid' | 'payment_failed' | 'needs_review';

export interface Order {
  id: string;
  ownerId: string;
  item: string;
  /** Decimal string with two places, like the payment's ("1500.00"). */
  amount: string;
  currency: 'TZS';
  status: OrderStatus;
  /** Every payment made for this order (a failed one, then another with a different number...). */
  paymentIds: string[];
  /** The payment that paid it. */
  paidBy: string | null;
  transactionId: string | null;
  paidAt: string | null;
  createdAt: string;
}

export type NewOrderResult = { order: Order } | { problem: string };

const AMOUNT = /^\d{1,9}(\.\d{1,2})?$/;

export class OrderBook {
  readonly #orders = new Map<string, Order>();

  /** `POST /shop/orders` with `{ item?, amount }` (the host's body parser already parsed it). */
  create(ownerId: string, body: unknown): NewOrderResult {
    const { item, amount } = (typeof body === 'object' && body !== null ? body : {}) as Record<
      string,
      unknown
    >;
    const amountText = typeof amount === 'number' ? String(amount) : amount;
    if (typeof amountText !== 'string' || !AMOUNT.test(amountText) || /^0*(\.0*)?$/.test(amountText)) {
      return { problem: 'amount must be a positive number of shillings with at most two decimals' };
    }
    if (item !== undefined && (typeof item !== 'string' || item.length > 100)) {
      return { problem: 'item must be a text of at most 100 characters' };
    }
    return { order: this.#open(ownerId, item ?? 'Order', twoPlaces(amountText)) };
  }

  /** The order, only for its owner (anyone else gets nothing, as with payments). */
  get(ownerId: string, orderId: string): Order | undefined {
    const order = this.#orders.get(orderId);
    return order?.ownerId === ownerId ? copy(order) : undefined;
  }

  list(ownerId: string): Order[] {
    return [...this.#orders.values()].filter((order) => order.ownerId === ownerId).map(copy);
  }

  // ---- driven by payment events ----------------------------------------------------------------------

  /**
   * `payment.created`: the payment names its order in `external_order_id`. A payment without one (the
   * checkout page's quick pay) gets an order of its own, so every payment has something to mark paid.
   */
  paymentCreated(payment: PaymentRecord): Order {
    return this.#orderFor(payment);
  }

  /** `payment.succeeded` (late successes included): the order is paid, if the amount is the order's. */
  paymentSucceeded(payment: PaymentRecord): Order {
    const order = this.#orderFor(payment);
    if (order.paidBy === payment.id) return order;
    // paid twice, or for less (or more) than the order: a person has to look (and maybe refund)
    const paidTwice = order.paidBy !== null;
    order.status = !paidTwice && payment.amount === order.amount ? 'paid' : 'needs_review';
    order.paidBy ??= payment.id;
    order.transactionId ??= payment.transactionId;
    order.paidAt = (payment.completedAt ?? payment.updatedAt).toISOString();
    return order;
  }

  /** `payment.failed`: the order waits for a retry (or another payment). */
  paymentFailed(payment: PaymentRecord): Order {
    const order = this.#orderFor(payment);
    if (order.status === 'awaiting_payment') order.status = 'payment_failed';
    return order;
  }

  #orderFor(payment: PaymentRecord): Order {
    const linked = [...this.#orders.values()].find((order) => order.paymentIds.includes(payment.id));
    if (linked) return linked;
    const named = payment.externalOrderId ? this.#orders.get(payment.externalOrderId) : undefined;
    // only the payer's own order: nobody pays (or claims) someone else's
    const order =
      named?.ownerId === payment.ownerId
        ? named
        : this.#open(payment.ownerId, 'Checkout payment', payment.amount);
    order.paymentIds.push(payment.id);
    return order;
  }

  #open(ownerId: string, item: string, amount: string): Order {
    const order: Order = {
      id: `ord_${randomUUID()}`,
      ownerId,
      item,
      amount,
      currency: 'TZS',
      status: 'awaiting_payment',
      paymentIds: [],
      paidBy: null,
      transactionId: null,
      paidAt: null,
      createdAt: new Date().toISOString(),
    };
    this.#orders.set(order.id, order);
    return order;
  }
}

function copy(order: Order): Order {
  return { ...order, paymentIds: [...order.paymentIds] };
}

/** "1500" → "1500.00", "1500.5" → "1500.50" (string work: money never becomes a float). */
function twoPlaces(amount: string): string {
  const [whole = '0', fraction = ''] = amount.split('.');
  return `${whole.replace(/^0+(?=\d)/, '')}.${fraction.padEnd(2, '0')}`;
}
