import type { PaymentRecord } from '@clickpesa-kit/core';
import { makePayment } from '@clickpesa-kit/store-tests';
import { describe, expect, it } from 'vitest';
import { type Order, OrderBook } from '../src/order-book.js';

/** A successful payment of alice's for 1500 TZS, as the events carry it. */
function payment(overrides: Partial<PaymentRecord>): PaymentRecord {
  const completedAt = new Date('2025-01-01T10:00:00Z');
  return makePayment({
    id: 'pay-1',
    ownerId: 'alice',
    transactionId: 'tx-1',
    status: 'success',
    amount: '1500.00',
    completedAt,
    ...overrides,
  });
}

function newOrder(book: OrderBook, ownerId: string, body: unknown): Order {
  const result = book.create(ownerId, body);
  if (!('order' in result)) throw new Error(result.problem);
  return result.order;
}

describe('OrderBook', () => {
  it('validates new orders and keeps amounts as two-place strings', () => {
    const book = new OrderBook();
    expect(newOrder(book, 'alice', { amount: 1500 }).amount).toBe('1500.00');
    expect(newOrder(book, 'alice', { amount: '0099.5', item: 'Chai' })).toMatchObject({
      amount: '99.50',
      item: 'Chai',
    });
    for (const body of [
      undefined,
      {},
      { amount: 0 },
      { amount: '1.234' },
      { amount: '1e3' },
      { amount: -5 },
    ]) {
      expect(book.create('alice', body)).toEqual({ problem: expect.stringContaining('amount') });
    }
    expect(book.create('alice', { amount: 1, item: 'x'.repeat(101) })).toEqual({
      problem: expect.stringContaining('item'),
    });
  });

  it('is paid by the successful payment that names it; failures leave it open for a retry', () => {
    const book = new OrderBook();
    const order = newOrder(book, 'alice', { amount: '1500' });
    book.paymentCreated(payment({ status: 'pending', externalOrderId: order.id }));
    book.paymentFailed(payment({ status: 'failed', externalOrderId: order.id }));
    expect(book.get('alice', order.id)?.status).toBe('payment_failed');
    book.paymentSucceeded(payment({ externalOrderId: order.id }));
    expect(book.get('alice', order.id)).toMatchObject({
      status: 'paid',
      paidBy: 'pay-1',
      paymentIds: ['pay-1'],
      transactionId: 'tx-1',
      paidAt: '2025-01-01T10:00:00.000Z',
    });
    // the same event again (another instance, a replay) changes nothing
    book.paymentSucceeded(payment({ externalOrderId: order.id }));
    expect(book.get('alice', order.id)?.status).toBe('paid');
  });

  it('never lets a payment for the wrong amount, a second payment or another user complete an order', () => {
    const book = new OrderBook();
    const short = newOrder(book, 'alice', { amount: '1500' });
    book.paymentSucceeded(payment({ id: 'pay-short', amount: '15.00', externalOrderId: short.id }));
    expect(book.get('alice', short.id)?.status).toBe('needs_review');

    const twice = newOrder(book, 'alice', { amount: '1500' });
    book.paymentSucceeded(payment({ id: 'pay-a', externalOrderId: twice.id }));
    book.paymentSucceeded(payment({ id: 'pay-b', externalOrderId: twice.id }));
    expect(book.get('alice', twice.id)).toMatchObject({ status: 'needs_review', paidBy: 'pay-a' });

    const alices = newOrder(book, 'alice', { amount: '1500' });
    book.paymentSucceeded(payment({ id: 'pay-bob', ownerId: 'bob', externalOrderId: alices.id }));
    expect(book.get('alice', alices.id)?.status).toBe('awaiting_payment');
    expect(book.get('bob', alices.id)).toBeUndefined();
    expect(book.list('bob')).toEqual([
      expect.objectContaining({ status: 'paid', paidBy: 'pay-bob', item: 'Checkout payment' }),
    ]);
  });

  it('gives a payment without an order (the checkout page) an order of its own', () => {
    const book = new OrderBook();
    book.paymentCreated(payment({ id: 'pay-page', status: 'pending' }));
    book.paymentSucceeded(payment({ id: 'pay-page' }));
    expect(book.list('alice')).toEqual([
      expect.objectContaining({ amount: '1500.00', status: 'paid', paymentIds: ['pay-page'] }),
    ]);
  });
});
