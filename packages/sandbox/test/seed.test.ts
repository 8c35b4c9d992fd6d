import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../src/index.js';
import { clickpesa, ref, startReceiver } from './helpers.js';

/** Records that exist only at ClickPesa, for reconciliation tests: listed and queried, never pushed or sent. */

let sb: Sandbox;
beforeEach(async () => {
  sb = await startSandbox({ approveDelayMs: 50 });
});
afterEach(() => sb.close());

describe('seedPayment', () => {
  it('adds a record GET /payments/all and the query show with its amount and status; no webhook', async () => {
    const receiver = await startReceiver();
    sb.configure({ webhookUrl: receiver.url });
    const [paid, pending] = [ref(), ref()];
    sb.seedPayment({ orderReference: paid, amount: '1500', status: 'SUCCESS' });
    sb.seedPayment({ orderReference: pending, amount: '2000.50', status: 'PROCESSING' });
    const api = clickpesa(sb);
    const list = await api.get('/payments/all?limit=10');
    expect(list.status).toBe(200);
    const records = (list.body as { data: Record<string, unknown>[]; totalCount: number }).data;
    expect(records.map((record) => [record.orderReference, record.status, record.collectedAmount])).toEqual([
      [pending, 'PROCESSING', 2000.5],
      [paid, 'SUCCESS', 1500],
    ]);
    const queried = await api.query(paid);
    expect((queried.body as Record<string, unknown>[])[0]).toMatchObject({ status: 'SUCCESS' });
    // no scenario runs for a seeded record: it stays as seeded, and nothing is sent
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(sb.getPayment(pending)?.status).toBe('PROCESSING');
    await sb.webhooksIdle();
    expect(sb.webhooks).toEqual([]);
    expect(receiver.received).toEqual([]);
    await receiver.close();
  });

  it('is on the control API too, and refuses a record without a reference or a decimal amount', async () => {
    const orderReference = ref();
    const seed = (body: unknown) =>
      fetch(`${sb.origin}/__sandbox/seed`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const created = await seed({
      orderReference,
      amount: '700',
      status: 'FAILED',
      message: 'Insufficient balance',
    });
    expect(created.status).toBe(201);
    expect(sb.getPayment(orderReference)).toMatchObject({ amount: '700', status: 'FAILED' });
    expect((await seed({ orderReference: ref(), amount: 'lots' })).status).toBe(400);
    expect((await seed({ amount: '100' })).status).toBe(400);
    expect(sb.payments.size).toBe(1);
  });
});
