import type { PaymentRecord } from '@clickpesa-kit/core';

/**
 * The shop's own orders: what a host keeps in its own database, next to the payments (SQLite: the same file;
 * PostgreSQL: the same database). The payment events decide when an order counts as paid (the routes never
 * mark anything paid themselves), and each event is applied at most once, however often it is delivered.
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

/** A validated `POST /shop/orders` body. */
export interface NewOrder {
  item: string;
  amount: string;
}

export type NewOrderResult = { order: Order } | { problem: string };

/** The event types that change orders; any other type is ignored (and not recorded). */
export const ORDER_EVENT_TYPES = ['payment.created', 'payment.succeeded', 'payment.failed'] as const;
export type OrderEventType = (typeof ORDER_EVENT_TYPES)[number];

/** What `applyPaymentEvent` needs of a payment event (a durable handler's event has it). */
export interface PaymentEventForOrders {
  /** The stored event's id: the same transition is delivered with the same id. */
  eventId: string;
  type: string;
  payment: PaymentRecord;
}

export type AppliedPaymentEvent =
  /** Applied now, in the same transaction that recorded its id. */
  | { outcome: 'applied'; order: Order }
  /** Its id was already recorded: nothing changed. */
  | { outcome: 'duplicate' }
  /** Not an event orders react to: nothing changed, nothing recorded. */
  | { outcome: 'ignored' };

export interface OrderBook {
  /** `POST /shop/orders` with `{ item?, amount }` (the host's body parser already parsed it). */
  create(ownerId: string, body: unknown): Promise<NewOrderResult>;
  /** The order, only for its owner (anyone else gets nothing, as with payments). */
  get(ownerId: string, orderId: string): Promise<Order | undefined>;
  /** The owner's orders, oldest first. */
  list(ownerId: string): Promise<Order[]>;
  /**
   * What the server charges for an order: its owner's order's amount, or null (no such order, not theirs, or
   * already paid: a second payment of a paid order is refused). Meant for the payment routes' `resolveAmount`,
   * so the browser never decides the price. An order whose payment failed can still be paid.
   */
  priceOf(ownerId: string, orderId: string): Promise<{ amount: string; currency: 'TZS' } | null>;
  /**
   * Applies one payment event: payment.created links the payment to its order, payment.succeeded marks it
   * paid, payment.failed marks it failed. The event id is recorded in the same transaction as the change, so
   * a second delivery of the same event changes nothing and says `duplicate`.
   */
  applyPaymentEvent(event: PaymentEventForOrders): Promise<AppliedPaymentEvent>;
  /** Waits for the operations in flight, then closes the connection (idempotent). */
  close(): Promise<void>;
}

const AMOUNT = /^\d{1,9}(\.\d{1,2})?$/;

/** Validates a `POST /shop/orders` body: a positive amount with at most two decimals, an optional short item. */
export function readNewOrder(body: unknown): NewOrder | { problem: string } {
  const { item, amount } = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const amountText = typeof amount === 'number' ? String(amount) : amount;
  if (typeof amountText !== 'string' || !AMOUNT.test(amountText) || /^0*(\.0*)?$/.test(amountText)) {
    return { problem: 'amount must be a positive number of shillings with at most two decimals' };
  }
  if (item !== undefined && (typeof item !== 'string' || item.length > 100)) {
    return { problem: 'item must be a text of at most 100 characters' };
  }
  return { item: item ?? 'Order', amount: twoPlaces(amountText) };
}

export function isOrderEventType(type: string): type is OrderEventType {
  return (ORDER_EVENT_TYPES as readonly string[]).includes(type);
}

/** "1500" → "1500.00", "1500.5" → "1500.50" (string work: money never becomes a float). */
function twoPlaces(amount: string): string {
  const [whole = '0', fraction = ''] = amount.split('.');
  return `${whole.replace(/^0+(?=\d)/, '')}.${fraction.padEnd(2, '0')}`;
}
