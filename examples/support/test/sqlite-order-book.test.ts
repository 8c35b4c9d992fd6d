import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makePayment } from '@clickpesa-kit/store-tests';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteOrderBook } from '../src/orders/sqlite-order-book.js';
import { openPaymentStore } from '../src/payment-store.js';
import { describeOrderBook, newOrder } from './order-book-contract.js';

const dir = mkdtempSync(join(tmpdir(), 'example-orders-'));
const filename = join(dir, 'payments.db');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function count(table: string, column: string, value: string): number {
  const db = new Database(filename, { readonly: true });
  try {
    return (db.prepare(`SELECT count(*) AS n FROM ${table} WHERE ${column} = ?`).get(value) as { n: number })
      .n;
  } finally {
    db.close();
  }
}

describeOrderBook('SQLite', () => ({
  open: async () => openSqliteOrderBook(filename),
  count: async (table, column, value) => count(table, column, value),
}));

describe('SQLite order book beside the payment store', () => {
  it('shares the payments file: both work at once, and the orders survive both closing', async () => {
    const shared = join(dir, 'shared.db');
    const store = await openPaymentStore({ kind: 'sqlite', filename: shared });
    const book = openSqliteOrderBook(shared);
    const order = await newOrder(book, 'carol', { amount: '700' });
    const created = makePayment({ ownerId: 'carol', amount: '700.00', externalOrderId: order.id });
    await store.createPayment({ payment: created });
    const paid = { ...created, status: 'success' as const, completedAt: new Date() };
    await book.applyPaymentEvent({ eventId: 'evt-1', type: 'payment.succeeded', payment: paid });
    await book.close();
    await store.close();

    const again = await openPaymentStore({ kind: 'sqlite', filename: shared });
    const reopened = openSqliteOrderBook(shared);
    try {
      expect((await again.getPayment(paid.id))?.id).toBe(paid.id);
      expect(await reopened.get('carol', order.id)).toMatchObject({ status: 'paid', paidBy: paid.id });
    } finally {
      await reopened.close();
      await again.close();
    }
  });
});
