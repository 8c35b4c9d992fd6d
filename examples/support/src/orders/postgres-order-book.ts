import type { PaymentRecord } from '@clickpesa-kit/core';
import pg from 'pg';
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

/** The shop's tables, in the payments' database (the payment store keeps its own in its own schema). */
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
  paid_at TIMESTAMPTZ,
  created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX IF NOT EXISTS shop_orders_by_owner ON shop_orders (owner_id, created_at);
CREATE TABLE IF NOT EXISTS shop_order_payments (
  payment_id TEXT PRIMARY KEY,
  order_id TEXT NOT NULL REFERENCES shop_orders (id),
  link_no BIGSERIAL NOT NULL
);
CREATE INDEX IF NOT EXISTS shop_order_payments_by_order ON shop_order_payments (order_id);
CREATE TABLE IF NOT EXISTS shop_processed_events (
  event_id TEXT PRIMARY KEY,
  type TEXT NOT NULL,
  payment_id TEXT NOT NULL,
  order_id TEXT,
  processed_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
`;

/** Any constant: instances starting together create the tables one after the other, never at once. */
const SCHEMA_LOCK = 0x5e0b_0dd5;

interface OrderRow {
  id: string;
  owner_id: string;
  item: string;
  amount: string;
  currency: 'TZS';
  status: OrderStatus;
  paid_by: string | null;
  transaction_id: string | null;
  paid_at: Date | null;
  created_at: Date;
  payment_ids: string[];
}

/** One order with its payments, oldest link first. */
const ORDER_SELECT = `
SELECT o.*, COALESCE(
  (SELECT array_agg(p.payment_id ORDER BY p.link_no) FROM shop_order_payments p WHERE p.order_id = o.id),
  '{}') AS payment_ids
FROM shop_orders o`;

type Queryable = pg.Pool | pg.PoolClient;

/**
 * Orders in the payments' PostgreSQL database, through a small pool of their own. Each event is applied in
 * one transaction: its id goes into `shop_processed_events` first (a second delivery, even a concurrent one,
 * waits for the first and then finds it there), a per-payment lock keeps two events of one payment from both
 * giving it an order, and the order row is locked while its status changes.
 */
export async function openPostgresOrderBook(
  connectionString: string,
  options: { max?: number; connectionTimeoutMs?: number; onError?: (error: Error) => void } = {},
): Promise<OrderBook> {
  const pool = new pg.Pool({
    connectionString,
    max: options.max ?? 4,
    connectionTimeoutMillis: options.connectionTimeoutMs ?? 5000,
  });
  // an idle connection dropped by the server must not crash the process; the next query reconnects
  pool.on('error', (error) => options.onError?.(error));
  try {
    await transaction(pool, async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK]);
      await client.query(SCHEMA);
    });
  } catch (error) {
    await pool.end().catch(() => {});
    throw error;
  }

  const inFlight = new Set<Promise<unknown>>();
  let closed: Promise<void> | undefined;
  const track = <T>(work: () => Promise<T>): Promise<T> => {
    if (closed) return Promise.reject(new Error('The order book is closed'));
    const running = work();
    inFlight.add(running);
    void running.then(
      () => inFlight.delete(running),
      () => inFlight.delete(running),
    );
    return running;
  };

  const ownOrder = async (db: Queryable, ownerId: string, orderId: string): Promise<Order | undefined> => {
    const { rows } = await db.query<OrderRow>(`${ORDER_SELECT} WHERE o.id = $1 AND o.owner_id = $2`, [
      orderId,
      ownerId,
    ]);
    return rows[0] ? toOrder(rows[0]) : undefined;
  };

  /** The payment's order, locked: linked, else named (if the payer's), else a new one. */
  const orderFor = async (client: pg.PoolClient, payment: PaymentRecord): Promise<Order> => {
    await client.query("SELECT pg_advisory_xact_lock(hashtextextended('shop-payment:' || $1, 0))", [
      payment.id,
    ]);
    const linked = await client.query<OrderRow>(
      `${ORDER_SELECT} WHERE o.id = (SELECT order_id FROM shop_order_payments WHERE payment_id = $1) FOR UPDATE OF o`,
      [payment.id],
    );
    if (linked.rows[0]) return toOrder(linked.rows[0]);
    const named = payment.externalOrderId
      ? (
          await client.query<OrderRow>(`${ORDER_SELECT} WHERE o.id = $1 FOR UPDATE OF o`, [
            payment.externalOrderId,
          ])
        ).rows[0]
      : undefined;
    let order: Order;
    if (named && paysNamedOrder({ ownerId: named.owner_id }, payment)) {
      order = toOrder(named);
    } else {
      order = orderOfItsOwn(payment);
      await insertOrder(client, order);
    }
    await client.query('INSERT INTO shop_order_payments (payment_id, order_id) VALUES ($1, $2)', [
      payment.id,
      order.id,
    ]);
    order.paymentIds.push(payment.id);
    return order;
  };

  const apply = async (event: PaymentEventForOrders): Promise<AppliedPaymentEvent> => {
    const { type } = event;
    if (!isOrderEventType(type)) return { outcome: 'ignored' };
    return transaction(pool, async (client): Promise<AppliedPaymentEvent> => {
      const recorded = await client.query(
        `INSERT INTO shop_processed_events (event_id, type, payment_id) VALUES ($1, $2, $3)
         ON CONFLICT (event_id) DO NOTHING`,
        [event.eventId, event.type, event.payment.id],
      );
      if (recorded.rowCount === 0) return { outcome: 'duplicate' };
      const order = await orderFor(client, event.payment);
      const change = changeFor(type, order, event.payment);
      if (change) {
        await client.query(
          'UPDATE shop_orders SET status = $2, paid_by = $3, transaction_id = $4, paid_at = $5 WHERE id = $1',
          [order.id, change.status, change.paidBy, change.transactionId, change.paidAt],
        );
        Object.assign(order, change);
      }
      await client.query('UPDATE shop_processed_events SET order_id = $2 WHERE event_id = $1', [
        event.eventId,
        order.id,
      ]);
      return { outcome: 'applied', order };
    });
  };

  return {
    create: (ownerId, body) =>
      track(async (): Promise<NewOrderResult> => {
        const fields = readNewOrder(body);
        if ('problem' in fields) return fields;
        const order = newOrder(ownerId, fields);
        await insertOrder(pool, order);
        return { order };
      }),
    get: (ownerId, orderId) => track(() => ownOrder(pool, ownerId, orderId)),
    list: (ownerId) =>
      track(async () => {
        const { rows } = await pool.query<OrderRow>(
          `${ORDER_SELECT} WHERE o.owner_id = $1 ORDER BY o.created_at, o.id`,
          [ownerId],
        );
        return rows.map(toOrder);
      }),
    priceOf: (ownerId, orderId) =>
      track(async () => {
        const { rows } = await pool.query<{ amount: string; currency: 'TZS' }>(
          'SELECT amount, currency FROM shop_orders WHERE id = $1 AND owner_id = $2 AND paid_by IS NULL',
          [orderId, ownerId],
        );
        return rows[0] ? { amount: rows[0].amount, currency: rows[0].currency } : null;
      }),
    applyPaymentEvent: (event) => track(() => apply(event)),
    close() {
      closed ??= Promise.allSettled([...inFlight]).then(() => pool.end());
      return closed;
    },
  };
}

async function insertOrder(db: Queryable, order: Order): Promise<void> {
  await db.query(
    `INSERT INTO shop_orders (id, owner_id, item, amount, currency, status, paid_by, transaction_id, paid_at, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [
      order.id,
      order.ownerId,
      order.item,
      order.amount,
      order.currency,
      order.status,
      order.paidBy,
      order.transactionId,
      order.paidAt,
      order.createdAt,
    ],
  );
}

async function transaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let result: T;
  try {
    await client.query('BEGIN');
    result = await work(client);
    await client.query('COMMIT');
  } catch (error) {
    // a connection that cannot even roll back is dropped, not handed to the next caller
    const broken = await client.query('ROLLBACK').then(
      () => undefined,
      (rollbackError: unknown) => rollbackError as Error,
    );
    client.release(broken);
    throw error;
  }
  client.release();
  return result;
}

function toOrder(row: OrderRow): Order {
  return {
    id: row.id,
    ownerId: row.owner_id,
    item: row.item,
    amount: row.amount,
    currency: row.currency,
    status: row.status,
    paymentIds: [...row.payment_ids],
    paidBy: row.paid_by,
    transactionId: row.transaction_id,
    paidAt: row.paid_at?.toISOString() ?? null,
    createdAt: row.created_at.toISOString(),
  };
}
