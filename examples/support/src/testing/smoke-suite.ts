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
