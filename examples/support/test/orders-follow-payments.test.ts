import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventHandlers } from '@clickpesa-kit/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OrderBook } from '../src/orders/order-book.js';
import { orderEventHandlers } from '../src/orders/orders-follow-payments.js';
import { openSqliteOrderBook } from '../src/orders/sqlite-order-book.js';
import { payment } from './order-book-contract.js';

/** Calls one durable handler as the kit's dispatcher would (first attempt). */
function deliver(handlers: EventHandlers, type: 'payment.succeeded' | 'payment.failed', event: object) {
  const handler = handlers[type] as (event: object, context: object) => Promise<unknown>;
  return handler(event, { signal: new AbortController().signal, attempt: 1 });
}

describe('the orders follow the payment events (durable handlers)', () => {
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

  it('as durable handlers: keyed by event type, a redelivery changes nothing, a failure is thrown', async () => {
    const handlers = orderEventHandlers(book);
    expect(Object.keys(handlers).sort()).toEqual(['payment.created', 'payment.failed', 'payment.succeeded']);
    const quick = payment({ ownerId: 'alice' });
    const delivery = { eventId: 'evt-durable-1', type: 'payment.succeeded', payment: quick };
    await deliver(handlers, 'payment.succeeded', delivery);
    await deliver(handlers, 'payment.succeeded', delivery);
    expect(await book.list('alice')).toEqual([
      expect.objectContaining({ status: 'paid', paymentIds: [quick.id] }),
    ]);

    const closed = openSqliteOrderBook(join(dir, 'payments.db'));
    await closed.close();
    await expect(
      deliver(orderEventHandlers(closed), 'payment.failed', { ...delivery, eventId: 'evt-2' }),
    ).rejects.toThrow();
  });
});
