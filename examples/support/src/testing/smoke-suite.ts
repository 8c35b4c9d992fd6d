import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StartShop } from '../shop.js';
import { eventually, startTestShop, type TestShop } from './test-shop.js';

const ALICE = 'alice-token';
const BOB = 'bob-token';
const APPROVING_NUMBER = '0712345671'; // last digit 0-4: the simulated customer approves

/**
 * The example app end to end over real HTTP: the sandbox in-process, SQLite in a temp directory. Every
 * example runs the same suite, so the three stay the same shop.
 */
export function describeExampleSmoke(framework: string, startShop: StartShop): void {
  describe(`${framework} example`, () => {
    let app: TestShop;
    beforeAll(async () => {
      app = await startTestShop(startShop);
    });
    afterAll(() => app?.stop());

    it('serves the checkout page, its browser client and a config without ClickPesa secrets', async () => {
      const page = await app.request('/');
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      expect(page.text).toContain('/checkout.js');

      const script = await app.request('/checkout.js');
      expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
      expect(script.text).toContain('/client.js');

      const client = await app.request('/client.js');
      expect(client.status).toBe(200);
      expect(client.headers.get('content-type')).toMatch(/^text\/javascript/);
      expect(client.text).toMatch(/export\s*\{[^}]*createPaymentsClient/);

      const config = await app.request('/config.json');
      expect(config.json).toEqual({
        apiBase: '/api/v1',
        token: ALICE,
        sandbox: { phoneUrl: app.sandbox.phoneUrl },
        poll: {
          initialDelayMs: expect.any(Number),
          intervalMs: expect.any(Number),
          maxAttempts: expect.any(Number),
        },
      });

      const { apiKey, checksumKey } = app.shop.clickpesa;
      for (const served of [page, script, client, config]) {
        expect(served.text).not.toContain(apiKey);
        expect(served.text).not.toContain(checksumKey);
      }
    });

    it('marks the order paid through payment.succeeded once the customer approves on the phone', async () => {
      const created = await app.request('/shop/orders', {
        token: ALICE,
        body: { item: 'Kikoi', amount: 1500 },
      });
      expect(created.status).toBe(201);
      const order = created.json.data;
      expect(order).toMatchObject({ status: 'awaiting_payment', amount: '1500.00', ownerId: 'alice' });

      const initiated = await app.request('/api/v1/payments', {
        token: ALICE,
        body: { amount: '1500', currency: 'TZS', msisdn: APPROVING_NUMBER, external_order_id: order.id },
      });
      expect(initiated.status).toBe(201);
      const payment = initiated.json.data;
      expect(['pending', 'processing']).toContain(payment.status);
      expect(app.sandbox.getPayment(payment.reference)?.status).toBe('PROCESSING');

      app.sandbox.approve(payment.reference);

      const paid = await eventually(async () => {
        const answer = await app.request(`/api/v1/payments/${payment.id}/status`, { token: ALICE });
        return answer.json?.data?.status === 'success' ? answer.json.data : undefined;
      }, 'the payment to succeed');
      expect(paid.transaction_id).toBe(app.sandbox.getPayment(payment.reference)?.id);

      const paidOrder = await eventually(async () => {
        const answer = await app.request(`/shop/orders/${order.id}`, { token: ALICE });
        return answer.json?.data?.status === 'paid' ? answer.json.data : undefined;
      }, 'the order to be marked paid');
      expect(paidOrder).toMatchObject({
        paidBy: payment.id,
        paymentIds: [payment.id],
        transactionId: paid.transaction_id,
      });
      // one push, and the signed webhook was accepted by the app
      expect(app.sandbox.count('initiate', payment.reference)).toBe(1);
      await app.sandbox.webhooksIdle();
      expect(app.sandbox.webhooks.filter((hook) => hook.orderReference === payment.reference)).toEqual([
        expect.objectContaining({ event: 'PAYMENT RECEIVED', status: 200 }),
      ]);
    });

    it("charges the order's amount: a payment names its order and sends no amount", async () => {
      const order = await orderOf(app, ALICE, '50000');
      const initiated = await app.request('/api/v1/payments', {
        token: ALICE,
        body: { msisdn: '0712111114', external_order_id: order.id },
      });
      expect(initiated.status).toBe(201);
      const payment = initiated.json.data;
      expect(payment.amount).toBe('50000.00');
      expect(app.sandbox.getPayment(payment.reference)).toMatchObject({ amount: '50000' });
      expect(app.sandbox.count('initiate', payment.reference)).toBe(1);
      // payment.created tied it to the order it named
      await eventually(async () => {
        const answer = await app.request(`/shop/orders/${order.id}`, { token: ALICE });
        return answer.json?.data?.paymentIds?.includes(payment.id);
      }, 'the order to list its payment');
    });

    it('refuses an underpayment (100 for an order of 50,000) naming amount; nothing is pushed', async () => {
      const order = await orderOf(app, ALICE, '50000');
      const pushesBefore = app.sandbox.count('initiate');
      const paymentsBefore = app.sandbox.payments.size;
      const answer = await app.request('/api/v1/payments', {
        token: ALICE,
        body: { amount: '100', currency: 'TZS', msisdn: '0712111124', external_order_id: order.id },
      });
      expect(answer.status).toBe(400);
      expect(answer.json).toMatchObject({
        success: false,
        error: { code: 'VALIDATION_ERROR', details: [expect.objectContaining({ field: 'amount' })] },
      });
      expect(app.sandbox.count('initiate')).toBe(pushesBefore);
      expect(app.sandbox.payments.size).toBe(paymentsBefore);
      const after = (await app.request(`/shop/orders/${order.id}`, { token: ALICE })).json.data;
      expect(after).toMatchObject({ status: 'awaiting_payment', paymentIds: [] });
    });

    it("refuses a payment without an order, and for an order that is not the payer's", async () => {
      const pushesBefore = app.sandbox.count('initiate');
      const withoutOrder = await app.request('/api/v1/payments', {
        token: ALICE,
        body: { amount: '1000', currency: 'TZS', msisdn: '0712111134' },
      });
      expect(withoutOrder.status).toBe(400);
      expect(withoutOrder.json.error.details).toEqual([
        expect.objectContaining({ field: 'external_order_id' }),
      ]);
      const bobs = await orderOf(app, BOB, '1000');
      const foreign = await app.request('/api/v1/payments', {
        token: ALICE,
        body: { msisdn: '0712111134', external_order_id: bobs.id },
      });
      expect(foreign.status).toBe(404);
      expect(foreign.json.error.code).toBe('ORDER_NOT_FOUND');
      expect(app.sandbox.count('initiate')).toBe(pushesBefore);
    });

    it('refuses a second payment of a paid order; a failed payment leaves it payable', async () => {
      const order = await orderOf(app, ALICE, '3000');
      const pay = (msisdn: string) =>
        app.request('/api/v1/payments', { token: ALICE, body: { msisdn, external_order_id: order.id } });

      const first = (await pay('0712111140')).json.data;
      app.sandbox.reject(first.reference);
      await eventually(async () => {
        const answer = await app.request(`/shop/orders/${order.id}`, { token: ALICE });
        return answer.json?.data?.status === 'payment_failed';
      }, 'the order to see its payment fail');

      const second = await pay('0712111141');
      expect(second.status).toBe(201);
      app.sandbox.approve(second.json.data.reference);
      const paid = await eventually(async () => {
        const answer = await app.request(`/shop/orders/${order.id}`, { token: ALICE });
        return answer.json?.data?.status === 'paid' ? answer.json.data : undefined;
      }, 'the order to be marked paid');
      expect(paid).toMatchObject({
        paidBy: second.json.data.id,
        paymentIds: [first.id, second.json.data.id],
      });

      const pushesBefore = app.sandbox.count('initiate');
      const again = await pay('0712111142');
      expect(again.status).toBe(404);
      expect(again.json.error.code).toBe('ORDER_NOT_FOUND');
      expect(app.sandbox.count('initiate')).toBe(pushesBefore);
    });

    it("uses the host's auth: no token is 401, someone else's payment and order are 404", async () => {
      expect((await app.request('/api/v1/payments', { body: { amount: '1000' } })).status).toBe(401);
      expect((await app.request('/shop/orders', { body: { amount: '1000' } })).status).toBe(401);
      expect(
        (await app.request('/api/v1/payments', { token: 'nobody', body: { amount: '1000' } })).status,
      ).toBe(401);

      const order = (await app.request('/shop/orders', { token: ALICE, body: { amount: '2000' } })).json.data;
      const payment = (
        await app.request('/api/v1/payments', {
          token: ALICE,
          body: { amount: '2000', currency: 'TZS', msisdn: '0712345672', external_order_id: order.id },
        })
      ).json.data;
      const queriesBefore = app.sandbox.count('query');
      expect((await app.request(`/api/v1/payments/${payment.id}/status`, { token: BOB })).status).toBe(404);
      expect((await app.request(`/shop/orders/${order.id}`, { token: BOB })).status).toBe(404);
      expect(app.sandbox.count('query')).toBe(queriesBefore);
    });

    it("answers a malformed body in the payment routes' envelope, without a stack trace", async () => {
      for (const path of ['/api/v1/payments', '/shop/orders']) {
        const answer = await app.request(path, { token: ALICE, rawBody: '{"amount": 1000' });
        expect(answer.status).toBe(400);
        expect(answer.json).toMatchObject({ success: false, error: { code: 'MALFORMED_JSON' } });
        expect(answer.text).not.toMatch(/\bat .+:\d+:\d+/);
      }
    });
  });

  describe(`${framework} example with real ClickPesa (live mode)`, () => {
    let app: TestShop;
    beforeAll(async () => {
      app = await startTestShop(startShop, { live: true });
    });
    afterAll(() => app?.stop());

    it("hands out no token: the page asks for one, since signing in is the host's job", async () => {
      expect(app.shop.sandbox).toBeNull();
      const config = await app.request('/config.json');
      expect(config.status).toBe(200);
      expect(config.json).toEqual({ apiBase: '/api/v1', sandbox: null, poll: {} });
      for (const path of ['/', '/checkout.js', '/config.json']) {
        const served = await app.request(path);
        expect(served.text).not.toContain(ALICE);
        expect(served.text).not.toContain(BOB);
      }
      // the page's own way in: a token field, shown when the config has none
      expect((await app.request('/')).text).toContain('id="token"');
    });

    it("charges the order's amount at ClickPesa, for a caller who brings their own token", async () => {
      expect((await app.request('/shop/orders', { body: { amount: '50000' } })).status).toBe(401);
      const order = await orderOf(app, BOB, '50000');
      const underpaid = await app.request('/api/v1/payments', {
        token: BOB,
        body: { amount: '100', msisdn: '0712111151', external_order_id: order.id },
      });
      expect(underpaid.status).toBe(400);
      expect(app.sandbox.count('initiate')).toBe(0);

      const initiated = await app.request('/api/v1/payments', {
        token: BOB,
        body: { msisdn: '0712111151', external_order_id: order.id },
      });
      expect(initiated.status).toBe(201);
      expect(app.sandbox.getPayment(initiated.json.data.reference)).toMatchObject({ amount: '50000' });
      app.sandbox.approve(initiated.json.data.reference);
      await eventually(async () => {
        const answer = await app.request(`/shop/orders/${order.id}`, { token: BOB });
        return answer.json?.data?.status === 'paid';
      }, 'the order to be marked paid');
    });
  });

  describe(`${framework} example restart`, () => {
    it('still has the paid order after the process stops and starts again on the same data', async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'clickpesa-example-restart-'));
      let app: TestShop | undefined;
      try {
        app = await startTestShop(startShop, { dataDir });
        const order = (
          await app.request('/shop/orders', { token: ALICE, body: { item: 'Kanga', amount: 900 } })
        ).json.data;
        const payment = (
          await app.request('/api/v1/payments', {
            token: ALICE,
            body: { amount: '900', currency: 'TZS', msisdn: '0712345673', external_order_id: order.id },
          })
        ).json.data;
        const sandbox = app.sandbox;
        sandbox.approve(payment.reference);
        await eventually(async () => {
          const answer = await app?.request(`/shop/orders/${order.id}`, { token: ALICE });
          return answer?.json?.data?.status === 'paid';
        }, 'the order to be marked paid');
        await app.stop();

        app = await startTestShop(startShop, { dataDir });
        const after = await app.request(`/shop/orders/${order.id}`, { token: ALICE });
        expect(after.status).toBe(200);
        expect(after.json.data).toMatchObject({
          id: order.id,
          item: 'Kanga',
          status: 'paid',
          paidBy: payment.id,
          paymentIds: [payment.id],
        });
        expect((await app.request(`/shop/orders/${order.id}`, { token: BOB })).status).toBe(404);
      } finally {
        await app?.stop();
        rmSync(dataDir, { recursive: true, force: true });
      }
    });
  });

  describe(`${framework} example shutdown`, () => {
    it('stops taking requests and stops the poller; the store is closed after', async () => {
      const app = await startTestShop(startShop);
      try {
        const { payments } = app.running;
        expect(payments.poller?.heartbeat().running).toBe(true);
        await app.running.close();
        expect(payments.poller?.heartbeat().running).toBe(false);
        await expect(fetch(`${app.url}/config.json`)).rejects.toThrow();
        await expect(app.shop.store.ping()).resolves.toBeUndefined();
        await app.shop.close();
        await expect(app.shop.store.ping()).rejects.toThrow();
      } finally {
        await app.stop();
      }
    });
  });
}

/** A new order of the token's user, as the checkout page creates it before paying. */
async function orderOf(app: TestShop, token: string, amount: string) {
  const created = await app.request('/shop/orders', { token, body: { amount } });
  if (created.status !== 201) throw new Error(`creating the order answered ${created.status}`);
  return created.json.data;
}
