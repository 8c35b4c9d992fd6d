import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Logger, type PaymentEvent, PaymentEvents, type PaymentRecord } from '@clickpesa-kit/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OrderBook } from '../src/orders/order-book.js';
import { orderEventHandlers, ordersFollowPayments } from '../src/orders/orders-follow-payments.js';
import { openSqliteOrderBook } from '../src/orders/sqlite-order-book.js';
import { eventually } from '../src/testing/test-shop.js';
import { newOrder, payment } from './order-book-contract.js';

function eventOf(
  type: 'payment.created' | 'payment.succeeded' | 'payment.failed',
  paid: PaymentRecord,
  seq: number,
) {
  return {
    id: `evt-${paid.id}-${seq}`,
    type,
    occurredAt: new Date(),
    paymentId: paid.id,
    seq,
    payment: paid,
  } as PaymentEvent;
}

function recordingLogger(): Logger & { errors: Array<Record<string, unknown>> } {
  const errors: Array<Record<string, unknown>> = [];
  return { errors, debug() {}, info() {}, warn() {}, error: (obj) => errors.push(obj) } as Logger & {
    errors: Array<Record<string, unknown>>;
  };
}

describe('the orders follow the payment events', () => {
  let dir: string;
  let book: OrderBook;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'example-follow-'));
    book = openSqliteOrderBook(join(dir, 'payments.db'));
  });
  afterEach(async () => {
    await book.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('from the in-process bus: in emit order per payment, a repeated event applied once', async () => {
    const events = new PaymentEvents();
    const logger = recordingLogger();
    ordersFollowPayments(events, book, logger);
    const order = await newOrder(book, 'alice', { amount: '1500' });
    const paid = payment({ ownerId: 'alice', externalOrderId: order.id });
    const quick = payment({ ownerId: 'alice' });

    events.emitPaymentEvent(eventOf('payment.created', { ...paid, status: 'pending' }, 1));
    events.emitPaymentEvent(eventOf('payment.created', { ...quick, status: 'pending' }, 1));
    events.emitPaymentEvent(eventOf('payment.succeeded', paid, 2));
    events.emitPaymentEvent(eventOf('payment.succeeded', paid, 2)); // the same event again
    events.emitPaymentEvent(eventOf('payment.failed', { ...quick, status: 'failed' }, 2));

    await eventually(
      async () => (await book.list('alice')).at(-1)?.status === 'payment_failed',
      'both orders',
    );
    expect(await book.list('alice')).toEqual([
      expect.objectContaining({ id: order.id, status: 'paid', paidBy: paid.id, paymentIds: [paid.id] }),
      expect.objectContaining({ item: 'Checkout payment', status: 'payment_failed', paymentIds: [quick.id] }),
    ]);
    // the repeat was recognised by its id
    expect(
      await book.applyPaymentEvent({ eventId: `evt-${paid.id}-2`, type: 'payment.succeeded', payment: paid }),
    ).toEqual({ outcome: 'duplicate' });
    expect(logger.errors).toEqual([]);
  });

  it('logs an event it could not apply (without the payment) and keeps following the bus', async () => {
    const events = new PaymentEvents();
    const logger = recordingLogger();
    const broken = openSqliteOrderBook(join(dir, 'payments.db'));
    await broken.close(); // every call now fails: the connection is gone
    ordersFollowPayments(events, broken, logger);
    const paid = payment({ ownerId: 'alice', msisdn: '255712345678' });
    events.emitPaymentEvent(eventOf('payment.succeeded', paid, 1));

    await eventually(() => logger.errors.length > 0, 'the failure to be logged');
    expect(logger.errors).toEqual([
      expect.objectContaining({ eventId: `evt-${paid.id}-1`, type: 'payment.succeeded', paymentId: paid.id }),
    ]);
    expect(JSON.stringify(logger.errors)).not.toContain('255712345678');
    expect(await book.list('alice')).toEqual([]);
  });

  it('as durable handlers: keyed by event type, a redelivery changes nothing, a failure is thrown', async () => {
    const handlers = orderEventHandlers(book);
    expect(Object.keys(handlers).sort()).toEqual(['payment.created', 'payment.failed', 'payment.succeeded']);
    const quick = payment({ ownerId: 'alice' });
    const delivery = { eventId: 'evt-durable-1', type: 'payment.succeeded', payment: quick };
    await handlers['payment.succeeded'](delivery);
    await handlers['payment.succeeded'](delivery);
    expect(await book.list('alice')).toEqual([
      expect.objectContaining({ status: 'paid', paymentIds: [quick.id] }),
    ]);

    const closed = openSqliteOrderBook(join(dir, 'payments.db'));
    await closed.close();
    await expect(
      orderEventHandlers(closed)['payment.failed']({ ...delivery, eventId: 'evt-2' }),
    ).rejects.toThrow();
  });
});
