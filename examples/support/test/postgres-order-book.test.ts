import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OrderBook } from '../src/orders/order-book.js';
import { openPostgresOrderBook } from '../src/orders/postgres-order-book.js';
import { describeOrderBook, payment } from './order-book-contract.js';

// CI sets it (.ci/run); elsewhere these run only when it is set
const databaseUrl = process.env.CLICKPESA_TEST_DATABASE_URL ?? '';
const skip = !databaseUrl && process.env.CI !== 'true';

describe.skipIf(skip)('PostgreSQL', () => {
  let admin: pg.Pool;
  beforeAll(async () => {
    admin = new pg.Pool({ connectionString: databaseUrl, max: 2 });
    // tables as an older run left them would hide a missing CREATE: start from none
    await admin.query('DROP TABLE IF EXISTS shop_processed_events, shop_order_payments, shop_orders');
  });
  afterAll(() => admin?.end());

  const count = async (table: string, column: string, value: string) => {
    const { rows } = await admin.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${table} WHERE ${column} = $1`,
      [value],
    );
    return rows[0]?.n ?? 0;
  };

  it('creates its tables when several instances start at once', async () => {
    const books = await Promise.all([1, 2, 3, 4].map(() => openPostgresOrderBook(databaseUrl)));
    try {
      const { rows } = await admin.query<{ table_name: string }>(
        "SELECT table_name FROM information_schema.tables WHERE table_name LIKE 'shop\\_%' ORDER BY 1",
      );
      expect(rows.map((row) => row.table_name)).toEqual([
        'shop_order_payments',
        'shop_orders',
        'shop_processed_events',
      ]);
    } finally {
      await Promise.all(books.map((book) => book.close()));
    }
  });

  describeOrderBook('PostgreSQL', () => ({ open: () => openPostgresOrderBook(databaseUrl), count }));

  describe('concurrent deliveries', () => {
    let books: OrderBook[];
    beforeAll(async () => {
      // two instances, each with its own pool: the races go through the database, not one process
      books = await Promise.all([openPostgresOrderBook(databaseUrl), openPostgresOrderBook(databaseUrl)]);
    });
    afterAll(() => Promise.all(books.map((book) => book.close())));

    it('applies one event delivered many times at once exactly once', async () => {
      const ownerId = `dana-${Date.now()}`;
      const quick = payment({ ownerId, status: 'pending' }); // no order named: the event opens one
      const eventId = `evt-${quick.id}`;
      const outcomes = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          books[i % 2]?.applyPaymentEvent({ eventId, type: 'payment.created', payment: quick }),
        ),
      );
      expect(outcomes.filter((outcome) => outcome?.outcome === 'applied')).toHaveLength(1);
      expect(outcomes.filter((outcome) => outcome?.outcome === 'duplicate')).toHaveLength(11);
      expect(await count('shop_processed_events', 'event_id', eventId)).toBe(1);
      expect(await count('shop_orders', 'owner_id', ownerId)).toBe(1);
      expect(await count('shop_order_payments', 'payment_id', quick.id)).toBe(1);
    });

    it('gives a payment one order when its events (different ids) race each other', async () => {
      const ownerId = `erin-${Date.now()}`;
      const quick = payment({ ownerId });
      const outcomes = await Promise.all([
        books[0]?.applyPaymentEvent({
          eventId: `created-${quick.id}`,
          type: 'payment.created',
          payment: { ...quick, status: 'pending' },
        }),
        books[1]?.applyPaymentEvent({
          eventId: `succeeded-${quick.id}`,
          type: 'payment.succeeded',
          payment: quick,
        }),
      ]);
      expect(outcomes.map((outcome) => outcome?.outcome)).toEqual(['applied', 'applied']);
      const orders = await books[0]?.list(ownerId);
      expect(orders).toEqual([
        expect.objectContaining({ status: 'paid', paidBy: quick.id, paymentIds: [quick.id] }),
      ]);
    });

    it('lets only one of two payments racing for one order pay it; the other needs review', async () => {
      const ownerId = `fred-${Date.now()}`;
      const created = await books[0]?.create(ownerId, { amount: '1500' });
      const orderId = created && 'order' in created ? created.order.id : '';
      const [first, second] = [
        payment({ ownerId, externalOrderId: orderId }),
        payment({ ownerId, externalOrderId: orderId }),
      ];
      await Promise.all([
        books[0]?.applyPaymentEvent({ eventId: `s-${first.id}`, type: 'payment.succeeded', payment: first }),
        books[1]?.applyPaymentEvent({
          eventId: `s-${second.id}`,
          type: 'payment.succeeded',
          payment: second,
        }),
      ]);
      const order = await books[0]?.get(ownerId, orderId);
      expect(order?.status).toBe('needs_review');
      expect([first.id, second.id]).toContain(order?.paidBy);
      expect(order?.paymentIds).toHaveLength(2);
    });
  });
});
