import type { PaymentRecord } from '@clickpesa-kit/core';
import Database from 'better-sqlite3';
import {
  type AppliedPaymentEvent,
  isOrderEventType,
  type NewOrderResult,
  type Order,
  type OrderBook,
  type OrderStatus,
  type PaymentEventForOrders,
  readNewOrder,
} from './order-book.js';
import { changeFor, newOrder, orderOfItsOwn, paysNamedOrder } from './order-rules.js';

/** The shop's tables, next to the payment store's in the same file. `IF NOT EXISTS`: every start runs it. */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS shop_orders (
  id TEXT PRIMARY KEY,
  owner_id TEXT NOT NULL,
  item TEXT NOT NULL,
  amount TEXT NOT NULL,
  currency TEXT NOT NULL,
  status TEXT NOT NULL,
  paid_by TEXT,
  transaction_id TEXT,
  paid_at TEXT,
  created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS shop_orders_by_owner ON shop_orders (owner_id, created_at);
CREATE TABLE IF NOT EXISTS shop_order_payments (
  payment_id TEXT PRIMARY KEY,
  order_id TEXT NOT NULL REFERENCES shop_orders (id)
);
CREATE INDEX IF NOT EXISTS shop_order_payments_by_order ON shop_order_payments (order_id);
CREATE TABLE IF NOT EXISTS shop_processed_events (
  event_id TEXT PRIMARY KEY,
  type TEXT NOT NULL,
  payment_id TEXT NOT NULL,
  order_id TEXT NOT NULL,
  processed_at TEXT NOT NULL
);
`;

interface OrderRow {
  id: string;
  owner_id: string;
  item: string;
  amount: string;
  currency: 'TZS';
  status: OrderStatus;
  paid_by: string | null;
  transaction_id: string | null;
  paid_at: string | null;
  created_at: string;
}

/**
 * Orders in the payments' SQLite file, through a connection of their own (WAL, which the payment store turned
 * on, lets both read while one writes). better-sqlite3 is synchronous, so each method's transaction runs
 * whole before anything else does; `BEGIN IMMEDIATE` takes the write lock up front, so a writer waiting on the
 * payment store's connection waits for the busy timeout instead of failing half-way.
 */
export function openSqliteOrderBook(filename: string, options: { busyTimeoutMs?: number } = {}): OrderBook {
  const db = new Database(filename, { timeout: options.busyTimeoutMs ?? 5000 });
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    db.exec(SCHEMA);
  } catch (error) {
    db.close();
    throw error;
  }

  const statements = {
    order: db.prepare<[string], OrderRow>('SELECT * FROM shop_orders WHERE id = ?'),
    ordersOf: db.prepare<[string], OrderRow>(
      'SELECT * FROM shop_orders WHERE owner_id = ? ORDER BY created_at, rowid',
    ),
    paymentIds: db.prepare<[string], { payment_id: string }>(
      'SELECT payment_id FROM shop_order_payments WHERE order_id = ? ORDER BY rowid',
    ),
    linkedOrderId: db.prepare<[string], { order_id: string }>(
      'SELECT order_id FROM shop_order_payments WHERE payment_id = ?',
    ),
    insertOrder: db.prepare(
      `INSERT INTO shop_orders (id, owner_id, item, amount, currency, status, paid_by, transaction_id, paid_at, created_at)
       VALUES (@id, @ownerId, @item, @amount, @currency, @status, @paidBy, @transactionId, @paidAt, @createdAt)`,
    ),
    link: db.prepare('INSERT INTO shop_order_payments (payment_id, order_id) VALUES (?, ?)'),
    update: db.prepare(
      `UPDATE shop_orders SET status = @status, paid_by = @paidBy, transaction_id = @transactionId,
       paid_at = @paidAt WHERE id = @id`,
    ),
    recordEvent: db.prepare(
      `INSERT INTO shop_processed_events (event_id, type, payment_id, order_id, processed_at)
       VALUES (?, ?, ?, ?, ?) ON CONFLICT (event_id) DO NOTHING`,
    ),
    seen: db.prepare<[string], { event_id: string }>(
      'SELECT event_id FROM shop_processed_events WHERE event_id = ?',
    ),
  };

  const toOrder = (row: OrderRow): Order => ({
    id: row.id,
    ownerId: row.owner_id,
    item: row.item,
    amount: row.amount,
    currency: row.currency,
    status: row.status,
    paymentIds: statements.paymentIds.all(row.id).map((link) => link.payment_id),
    paidBy: row.paid_by,
    transactionId: row.transaction_id,
    paidAt: row.paid_at,
    createdAt: row.created_at,
  });
  const ownOrder = (ownerId: string, orderId: string): Order | undefined => {
    const row = statements.order.get(orderId);
    return row?.owner_id === ownerId ? toOrder(row) : undefined;
  };

  /** The payment's order: the one it is linked to, else the one it names (if the payer's), else a new one. */
  const orderFor = (payment: PaymentRecord): Order => {
    const linked = statements.linkedOrderId.get(payment.id);
    const linkedRow = linked ? statements.order.get(linked.order_id) : undefined;
    if (linkedRow) return toOrder(linkedRow);
    const namedRow = payment.externalOrderId ? statements.order.get(payment.externalOrderId) : undefined;
    let order: Order;
    if (namedRow && paysNamedOrder({ ownerId: namedRow.owner_id }, payment)) {
      order = toOrder(namedRow);
    } else {
      order = orderOfItsOwn(payment);
      statements.insertOrder.run(order);
    }
    statements.link.run(payment.id, order.id);
    order.paymentIds.push(payment.id);
    return order;
  };

  const apply = db.transaction((event: PaymentEventForOrders): AppliedPaymentEvent => {
    if (!isOrderEventType(event.type)) return { outcome: 'ignored' };
    if (statements.seen.get(event.eventId)) return { outcome: 'duplicate' };
    const order = orderFor(event.payment);
    const change = changeFor(event.type, order, event.payment);
    if (change) {
      statements.update.run({ id: order.id, ...change });
      Object.assign(order, change);
    }
    statements.recordEvent.run(
      event.eventId,
      event.type,
      event.payment.id,
      order.id,
      new Date().toISOString(),
    );
    return { outcome: 'applied', order };
  });

  let closed = false;
  return {
    async create(ownerId, body): Promise<NewOrderResult> {
      const fields = readNewOrder(body);
      if ('problem' in fields) return fields;
      const order = newOrder(ownerId, fields);
      statements.insertOrder.run(order);
      return { order };
    },
    async get(ownerId, orderId) {
      return ownOrder(ownerId, orderId);
    },
    async list(ownerId) {
      return statements.ordersOf.all(ownerId).map(toOrder);
    },
    async priceOf(ownerId, orderId) {
      const order = ownOrder(ownerId, orderId);
      return order && order.paidBy === null ? { amount: order.amount, currency: order.currency } : null;
    },
    async applyPaymentEvent(event) {
      return apply.immediate(event);
    },
    async close() {
      if (closed) return;
      closed = true;
      db.close();
    },
  };
}
