import { describe, expect, it } from 'vitest';
import { isClickPesaKitError } from '../../src/errors.js';
import type { ResolveAmountInput, ResolvedAmount } from '../../src/service/types.js';
import { OWNER, paymentBody, useHarness } from './harness.js';

const h = useHarness();

/** The host's order book: what each order costs, and every question the service asked it. */
function orderBook(prices: Record<string, number | string>) {
  const asked: ResolveAmountInput[] = [];
  return {
    asked,
    prices,
    resolveAmount: (input: ResolveAmountInput): ResolvedAmount | null => {
      asked.push(input);
      const amount = input.externalOrderId === null ? undefined : prices[input.externalOrderId];
      return amount === undefined ? null : { amount, currency: 'TZS' };
    },
  };
}

/** A body for order `orderId` without the amount (the server sets it). */
function orderBody(orderId: string, digit = 7, extra: Record<string, unknown> = {}) {
  const { amount: _amount, ...body } = paymentBody(digit, { external_order_id: orderId, ...extra });
  return body;
}

async function refusal(promise: Promise<unknown>): Promise<{ code: string; details: unknown }> {
  const error = await promise.then(
    () => {
      throw new Error('expected a refusal');
    },
    (caught: unknown) => caught,
  );
  if (!isClickPesaKitError(error)) throw error;
  return { code: error.code, details: error.details };
}

describe('resolveAmount: the server sets the price', () => {
  it('charges the order amount when the client sends none: the push goes out for it', async () => {
    const book = orderBook({ 'ORD-1': 50_000 });
    const service = h.serviceWith({ resolveAmount: book.resolveAmount });
    const pushed = await service.initiate(OWNER, orderBody('ORD-1'));
    expect(pushed.payment.amount).toBe('50000.00');
    expect(pushed.payment.externalOrderId).toBe('ORD-1');
    expect(h.sb.getPayment(pushed.payment.orderReference)?.amount).toBe('50000');
    expect(book.asked).toEqual([
      {
        owner: OWNER,
        externalOrderId: 'ORD-1',
        body: expect.objectContaining({ external_order_id: 'ORD-1' }),
      },
    ]);
  });

  it('refuses an underpayment (100 for an order of 50,000), names amount and sends nothing', async () => {
    const service = h.serviceWith({ resolveAmount: orderBook({ 'ORD-2': 50_000 }).resolveAmount });
    const refused = await refusal(service.initiate(OWNER, { ...orderBody('ORD-2'), amount: 100 }));
    expect(refused.code).toBe('VALIDATION_ERROR');
    expect(refused.details).toEqual([
      {
        field: 'amount',
        message: "amount does not match the order's amount; leave it out and the server sets it",
      },
    ]);
    expect(h.calls('initiate')).toBe(0);
    expect(h.emitted).toEqual([]);
  });

  it('accepts a client amount equal to the order amount after normalisation ("20000.00" == 20000)', async () => {
    const service = h.serviceWith({ resolveAmount: orderBook({ 'ORD-3': 20_000 }).resolveAmount });
    const pushed = await service.initiate(OWNER, { ...orderBody('ORD-3'), amount: '20000.00' });
    expect(pushed.payment.amount).toBe('20000.00');
    expect(h.calls('initiate')).toBe(1);
  });

  it('answers ORDER_NOT_FOUND for an unknown order, stores and sends nothing', async () => {
    const service = h.serviceWith({ resolveAmount: orderBook({}).resolveAmount });
    const refused = await refusal(service.initiate(OWNER, orderBody('NO-SUCH-ORDER')));
    expect(refused.code).toBe('ORDER_NOT_FOUND');
    expect(refused.details).toEqual([
      { field: 'external_order_id', message: 'there is no order with this external_order_id' },
    ]);
    expect(h.calls('initiate')).toBe(0);
    expect(h.emitted).toEqual([]);
  });

  it('refuses a request without external_order_id before asking the host', async () => {
    const book = orderBook({});
    const service = h.serviceWith({ resolveAmount: book.resolveAmount });
    const { amount: _amount, ...body } = paymentBody(7);
    const refused = await refusal(service.initiate(OWNER, body));
    expect(refused.code).toBe('VALIDATION_ERROR');
    expect(refused.details).toEqual([
      {
        field: 'external_order_id',
        message: 'external_order_id is required: the server sets the amount from the order',
      },
    ]);
    expect(book.asked).toEqual([]);
  });

  it('holds the order amount to minAmount/maxAmount', async () => {
    const service = h.serviceWith({
      maxAmount: 1_000_000,
      resolveAmount: orderBook({ BIG: 2_000_000, SMALL: 50 }).resolveAmount,
    });
    for (const order of ['BIG', 'SMALL']) {
      const refused = await refusal(service.initiate(OWNER, orderBody(order)));
      expect(refused.code).toBe('VALIDATION_ERROR');
      expect(refused.details).toEqual([
        { field: 'amount', message: expect.stringMatching(/^the order's amount is outside/) },
      ]);
    }
    expect(h.calls('initiate')).toBe(0);
  });

  it('a throwing resolveAmount rejects with an error that is not a client error, and nothing is stored', async () => {
    const service = h.serviceWith({
      resolveAmount: () => {
        throw new Error('orders database password=hunter2 unreachable');
      },
    });
    const error = await service.initiate(OWNER, orderBody('ORD-4')).catch((caught: unknown) => caught);
    expect(isClickPesaKitError(error)).toBe(false);
    expect((error as Error).name).toBe('ResolveAmountError');
    expect((error as Error).message).not.toContain('hunter2');
    expect(h.calls('initiate')).toBe(0);
    expect(h.emitted).toEqual([]);
  });

  it('an invalid amount from resolveAmount is the host bug it is, not a client error', async () => {
    const service = h.serviceWith({ resolveAmount: () => ({ amount: 100.123 }) });
    const error = await service.initiate(OWNER, orderBody('ORD-5')).catch((caught: unknown) => caught);
    expect((error as Error).name).toBe('ResolveAmountError');
    expect(h.calls('initiate')).toBe(0);
  });

  it('accepts an async resolveAmount', async () => {
    const service = h.serviceWith({ resolveAmount: async () => ({ amount: '1234.50' }) });
    const pushed = await service.initiate(OWNER, orderBody('ORD-6'));
    expect(pushed.payment.amount).toBe('1234.50');
    expect(h.sb.getPayment(pushed.payment.orderReference)?.amount).toBe('1234.50');
  });

  it('a retry pushes the amount the server set, even after the order price changed', async () => {
    const book = orderBook({ 'ORD-7': 50_000 });
    const service = h.serviceWith({ resolveAmount: book.resolveAmount });
    const first = await service.initiate(OWNER, orderBody('ORD-7'));
    h.sb.reject(first.payment.orderReference);
    h.clock.advance(2_500);
    expect((await service.refreshStatus(OWNER, first.payment.id)).payment.status).toBe('failed');

    book.prices['ORD-7'] = 10;
    const retried = await service.retry(OWNER, first.payment.id);
    expect(retried.payment.attempts).toBe(2);
    expect(retried.payment.amount).toBe('50000.00');
    expect(h.sb.getPayment(retried.payment.orderReference)?.amount).toBe('50000');
    expect(book.asked).toHaveLength(1);
  });

  it('an idempotent replay returns the first payment without asking the host again', async () => {
    const book = orderBook({ 'ORD-8': 7_000 });
    const service = h.serviceWith({ resolveAmount: book.resolveAmount });
    const body = orderBody('ORD-8');
    const first = await service.initiate(OWNER, body, { idempotencyKey: 'order-8-once' });
    const again = await service.initiate(OWNER, body, { idempotencyKey: 'order-8-once' });
    expect(again.replayed).toBe(true);
    expect(again.payment.id).toBe(first.payment.id);
    expect(book.asked).toHaveLength(1);
    expect(h.calls('initiate')).toBe(1);
  });
});
