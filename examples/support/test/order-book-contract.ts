import type { PaymentRecord } from '@clickpesa-kit/core';
import { makePayment } from '@clickpesa-kit/store-tests';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Order, OrderBook } from '../src/orders/order-book.js';

/** How a test reaches one backend: a fresh book on the same database each time, and a row counter. */
export interface OrderBookBackend {
  open(): Promise<OrderBook>;
  /** Rows of `table` whose `column` is `value` (straight from the database, not through the book). */
  count(
    table: 'shop_orders' | 'shop_order_payments' | 'shop_processed_events',
    column: string,
    value: string,
  ): Promise<number>;
}

let unique = 0;
/** Owners, payments and events unique to one test: the PostgreSQL database outlives a run. */
function fresh(prefix: string): string {
  unique += 1;
  return `${prefix}-${process.pid}-${Date.now()}-${unique}`;
}

/** A successful payment for 1500 TZS, as the events carry it. */
export function payment(overrides: Partial<PaymentRecord>): PaymentRecord {
  return makePayment({
    id: fresh('pay'),
    ownerId: 'alice',
    transactionId: 'tx-1',
    status: 'success',
    amount: '1500.00',
    completedAt: new Date('2025-01-01T10:00:00Z'),
    ...overrides,
  });
}

export async function newOrder(book: OrderBook, ownerId: string, body: unknown): Promise<Order> {
  const result = await book.create(ownerId, body);
  if (!('order' in result)) throw new Error(result.problem);
  return result.order;
}

/** The rules every order book keeps, whatever its database. */
export function describeOrderBook(name: string, backend: () => OrderBookBackend): void {
  describe(`${name} order book`, () => {
    let book: OrderBook;
    let alice: string;
    let bob: string;
    const apply = (type: string, paid: PaymentRecord, eventId = fresh('evt')) =>
      book.applyPaymentEvent({ eventId, type, payment: paid });

    beforeEach(async () => {
      book = await backend().open();
      alice = fresh('alice');
      bob = fresh('bob');
    });
    afterEach(() => book.close());

    it('validates new orders, keeps amounts as two-place strings, and changes nothing for a bad one', async () => {
      expect((await newOrder(book, alice, { amount: 1500 })).amount).toBe('1500.00');
      expect(await newOrder(book, alice, { amount: '0099.5', item: 'Chai' })).toMatchObject({
        amount: '99.50',
        item: 'Chai',
        status: 'awaiting_payment',
      });
      for (const body of [
        undefined,
        {},
        { amount: 0 },
        { amount: '1.234' },
        { amount: '1e3' },
        { amount: -5 },
      ]) {
        expect(await book.create(alice, body)).toEqual({ problem: expect.stringContaining('amount') });
      }
      expect(await book.create(alice, { amount: 1, item: 'x'.repeat(101) })).toEqual({
        problem: expect.stringContaining('item'),
      });
      expect(await backend().count('shop_orders', 'owner_id', alice)).toBe(2);
    });

    it('is paid by the successful payment that names it; failures leave it open for a retry', async () => {
      const order = await newOrder(book, alice, { amount: '1500' });
      const paying = { ownerId: alice, externalOrderId: order.id };
      const pay = payment(paying);
      await apply('payment.created', { ...pay, status: 'pending' });
      await apply('payment.failed', { ...pay, status: 'failed' });
      expect((await book.get(alice, order.id))?.status).toBe('payment_failed');
      const retry = payment(paying);
      await apply('payment.created', { ...retry, status: 'pending' });
      expect(await apply('payment.succeeded', retry)).toMatchObject({
        outcome: 'applied',
        order: { id: order.id, status: 'paid' },
      });
      expect(await book.get(alice, order.id)).toMatchObject({
        status: 'paid',
        paidBy: retry.id,
        paymentIds: [pay.id, retry.id],
        transactionId: 'tx-1',
        paidAt: '2025-01-01T10:00:00.000Z',
      });
      expect(await book.list(alice)).toHaveLength(1);
    });

    it('never lets a payment for the wrong amount, a second payment or another user complete an order', async () => {
      const short = await newOrder(book, alice, { amount: '1500' });
      await apply(
        'payment.succeeded',
        payment({ ownerId: alice, amount: '15.00', externalOrderId: short.id }),
      );
      expect((await book.get(alice, short.id))?.status).toBe('needs_review');

      const twice = await newOrder(book, alice, { amount: '1500' });
      const first = payment({ ownerId: alice, externalOrderId: twice.id });
      await apply('payment.succeeded', first);
      await apply('payment.succeeded', payment({ ownerId: alice, externalOrderId: twice.id }));
      expect(await book.get(alice, twice.id)).toMatchObject({ status: 'needs_review', paidBy: first.id });

      const alices = await newOrder(book, alice, { amount: '1500' });
      const bobs = payment({ ownerId: bob, externalOrderId: alices.id });
      await apply('payment.succeeded', bobs);
      expect((await book.get(alice, alices.id))?.status).toBe('awaiting_payment');
      expect(await book.get(bob, alices.id)).toBeUndefined();
      expect(await book.list(bob)).toEqual([
        expect.objectContaining({ status: 'paid', paidBy: bobs.id, item: 'Checkout payment' }),
      ]);
    });

    it('gives a payment without an order (the checkout page) an order of its own', async () => {
      const quick = payment({ ownerId: alice });
      await apply('payment.created', { ...quick, status: 'pending' });
      await apply('payment.succeeded', quick);
      expect(await book.list(alice)).toEqual([
        expect.objectContaining({ amount: '1500.00', status: 'paid', paymentIds: [quick.id] }),
      ]);
    });

    it('applies an event id once: the second delivery is a duplicate and changes nothing', async () => {
      const order = await newOrder(book, alice, { amount: '1500' });
      const failed = payment({ ownerId: alice, externalOrderId: order.id, status: 'failed' });
      expect(await apply('payment.failed', failed, 'evt-failed-' + failed.id)).toMatchObject({
        outcome: 'applied',
        order: { status: 'payment_failed' },
      });
      expect(await apply('payment.failed', failed, 'evt-failed-' + failed.id)).toEqual({
        outcome: 'duplicate',
      });
      // a redelivery carrying the payment as it is now (succeeded since) is still the same event: no change
      expect(
        await apply('payment.succeeded', { ...failed, status: 'success' }, 'evt-failed-' + failed.id),
      ).toEqual({ outcome: 'duplicate' });
      expect(await book.get(alice, order.id)).toMatchObject({ status: 'payment_failed', paidBy: null });
      expect(await backend().count('shop_processed_events', 'payment_id', failed.id)).toBe(1);
      expect(await backend().count('shop_order_payments', 'payment_id', failed.id)).toBe(1);
    });

    it('ignores events orders do not react to, and records nothing for them', async () => {
      const order = await newOrder(book, alice, { amount: '1500' });
      const pending = payment({ ownerId: alice, externalOrderId: order.id, status: 'processing' });
      expect(await apply('payment.processing', pending)).toEqual({ outcome: 'ignored' });
      expect(await backend().count('shop_processed_events', 'payment_id', pending.id)).toBe(0);
      expect((await book.get(alice, order.id))?.paymentIds).toEqual([]);
    });

    it("tells the server an order's price, only to its owner", async () => {
      const order = await newOrder(book, alice, { amount: '2500.5' });
      expect(await book.priceOf(alice, order.id)).toEqual({ amount: '2500.50', currency: 'TZS' });
      expect(await book.priceOf(bob, order.id)).toBeNull();
      expect(await book.priceOf(alice, 'ord_missing')).toBeNull();
    });

    it('has no price for an order already paid, so a second payment of it is refused', async () => {
      const order = await newOrder(book, alice, { amount: '1500' });
      const failed = payment({ ownerId: alice, externalOrderId: order.id, status: 'failed' });
      await apply('payment.failed', failed);
      // a failed payment leaves the order payable (another number, another try)
      expect(await book.priceOf(alice, order.id)).toEqual({ amount: '1500.00', currency: 'TZS' });

      const paid = payment({ ownerId: alice, externalOrderId: order.id });
      await apply('payment.succeeded', paid);
      expect(await book.get(alice, order.id)).toMatchObject({ status: 'paid', paidBy: paid.id });
      expect(await book.priceOf(alice, order.id)).toBeNull();
    });

    it('has no price for an order that needs review (paid for a different amount)', async () => {
      const order = await newOrder(book, alice, { amount: '2000' });
      await apply('payment.succeeded', payment({ ownerId: alice, externalOrderId: order.id }));
      expect(await book.get(alice, order.id)).toMatchObject({ status: 'needs_review' });
      expect(await book.priceOf(alice, order.id)).toBeNull();
    });

    it('keeps orders, their payments and the applied event ids across a close and reopen', async () => {
      const order = await newOrder(book, alice, { amount: '1500' });
      const paid = payment({ ownerId: alice, externalOrderId: order.id });
      const eventId = fresh('evt');
      await apply('payment.created', { ...paid, status: 'pending' });
      await apply('payment.succeeded', paid, eventId);
      await book.close();

      book = await backend().open();
      expect(await book.get(alice, order.id)).toMatchObject({
        status: 'paid',
        paidBy: paid.id,
        paymentIds: [paid.id],
        createdAt: order.createdAt,
      });
      expect(await apply('payment.succeeded', paid, eventId)).toEqual({ outcome: 'duplicate' });
    });
  });
}
