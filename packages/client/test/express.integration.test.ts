import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMemoryStore } from '@clickpesa-kit/core';
import { type ClickPesaRouter, clickpesaPayments } from '@clickpesa-kit/express';
import { type Sandbox, startSandbox } from '@clickpesa-kit/sandbox';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createPaymentsClient,
  isPaymentsApiError,
  type Payment,
  type PaymentsClient,
  type WaitOptions,
} from '../src/index.js';

/**
 * The client against the real thing: the Express adapter with the memory store, talking to the sandbox over
 * real HTTP. No poller and no webhooks: only the client's polling of the status route moves payments here.
 */

const TOKENS: Record<string, string> = { 'alice-token': 'alice', 'bob-token': 'bob' };
/**
 * Quick polling: the sandbox approves in 50 ms, so the guide's 15 s would only slow the suite down. Polling
 * only (`push: false`): with no poller and no webhooks here, the status checks are what move payments.
 */
const QUICK: WaitOptions = { initialDelayMs: 0, intervalMs: 25, maxAttempts: 200, push: false };

/** Every field of the client's `Payment`, once: the compiler refuses a missing or an extra one. */
const PAYMENT_FIELDS = Object.keys({
  id: true,
  transaction_id: true,
  reference: true,
  status: true,
  amount: true,
  currency: true,
  msisdn: true,
  provider: true,
  customer_name: true,
  external_order_id: true,
  error_message: true,
  failure_reason: true,
  needs_attention: true,
  amount_mismatch: true,
  collected_amount: true,
  collected_currency: true,
  attempts: true,
  metadata: true,
  created_at: true,
  updated_at: true,
  completed_at: true,
  settled_at: true,
} satisfies Record<keyof Payment, true>);

let sandbox: Sandbox;
let router: ClickPesaRouter;
let server: Server;
let baseUrl: string;
let alice: PaymentsClient;
let phoneSeq = 0;

/** A fresh valid number ending in `lastDigit` (the sandbox scenario); one open push per number is allowed. */
function phone(lastDigit: number): string {
  phoneSeq += 1;
  return `07${String(10_000_000 + phoneSeq * 10 + lastDigit).slice(-8)}`;
}

beforeAll(async () => {
  sandbox = await startSandbox({ approveDelayMs: 50 });
  const app = express();
  router = clickpesaPayments({
    store: createMemoryStore(),
    authenticate: (req) => {
      const header = (req as express.Request).headers.authorization ?? '';
      const id = TOKENS[header.replace(/^Bearer /, '')];
      return id ? { id } : null;
    },
    clickpesa: { baseUrl: sandbox.url, clientId: sandbox.clientId, apiKey: sandbox.apiKey, env: {} },
    poller: false,
    // the default 120 requests/minute budget would space the suite's ClickPesa calls 0.5 s apart
    budget: false,
    statusRefreshMs: 0,
  });
  app.use('/api/v1', router);
  server = await new Promise<Server>((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1`;
  alice = createPaymentsClient({ baseUrl, token: 'alice-token' });
});

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(check()).toBe(true);
}

afterAll(async () => {
  await router?.payments.close();
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  await sandbox?.close();
});

describe('the client against the Express adapter and the sandbox', () => {
  it('drives a payment to success by polling the status route', async () => {
    const created = await alice.initiatePayment({
      amount: 1500,
      msisdn: phone(1),
      customer_name: 'Test User',
    });
    expect(created.httpStatus).toBe(201);
    expect(created.payment).toMatchObject({ status: 'processing', amount: '1500.00', attempts: 1 });

    const seen: string[] = [];
    const result = await alice.waitForPayment(created.payment.id, {
      ...QUICK,
      onUpdate: (payment) => seen.push(payment.status),
    });

    expect(result.outcome).toBe('success');
    expect(result.payment?.transaction_id).toBe(sandbox.getPayment(created.payment.reference)?.id);
    expect(result.payment?.completed_at).toEqual(expect.any(String));
    expect(result.providerStatus).toMatchObject({
      status: 'SUCCESS',
      orderReference: created.payment.reference,
    });
    expect(seen.at(-1)).toBe('success');
    expect(sandbox.count('initiate', created.payment.reference)).toBe(1);
    expect(sandbox.count('query', created.payment.reference)).toBeGreaterThanOrEqual(1);
  });

  it('waits on the push route: the change reaches the client at once, with no status check', async () => {
    const created = await alice.initiatePayment({ amount: 1500, msisdn: phone(7) });
    const seen: string[] = [];
    const waiting = alice.waitForPayment(created.payment.id, {
      onUpdate: (payment) => seen.push(payment.status),
    });
    await until(() => seen.length === 1);
    const startedAt = Date.now();
    // the server learns of the approval (here by its own check; a webhook or the poller in an app)
    sandbox.approve(created.payment.reference);
    await router.payments.service.refreshStatus('alice', created.payment.id);
    const result = await waiting;
    expect(Date.now() - startedAt).toBeLessThan(1_000);
    expect(result).toMatchObject({ outcome: 'success', attempts: 2, payment: { status: 'success' } });
    expect(seen).toEqual(['processing', 'success']);
  });

  it('falls back to polling when the server refuses the push route (connection cap)', async () => {
    const created = await alice.initiatePayment({ amount: 1500, msisdn: phone(1) });
    let streamAnswers = 0;
    const client = createPaymentsClient({
      baseUrl,
      token: 'alice-token',
      fetch: async (input, init) => {
        const response = await fetch(input, init);
        if (input.endsWith('/events')) {
          streamAnswers += 1;
          await response.body?.cancel();
          return new Response('{}', { status: 429, headers: { 'content-type': 'application/json' } });
        }
        return response;
      },
    });
    const result = await client.waitForPayment(created.payment.id, { ...QUICK, push: true });
    expect(streamAnswers).toBe(1);
    expect(result.outcome).toBe('success');
    expect(sandbox.count('query', created.payment.reference)).toBeGreaterThanOrEqual(1);
  });

  it('a failure, then "Try again" through the retry route, then success — one payment, two attempts', async () => {
    const created = await alice.initiatePayment({ amount: 1000, msisdn: phone(7) });
    const firstReference = created.payment.reference;
    sandbox.reject(firstReference, 'Payment rejected by customer');

    const failed = await alice.waitForPayment(created.payment.id, QUICK);
    expect(failed).toMatchObject({
      outcome: 'failed',
      message: 'Payment rejected by customer',
      payment: { status: 'failed', error_message: 'Payment rejected by customer' },
    });

    const retried = await alice.retryPayment(created.payment.id);
    expect(retried.httpStatus).toBe(201);
    expect(retried.payment).toMatchObject({ id: created.payment.id, status: 'processing', attempts: 2 });
    const secondReference = retried.payment.reference;
    expect(secondReference).not.toBe(firstReference);

    // the customer approves on the phone while the page is polling
    const succeeded = await alice.waitForPayment(created.payment.id, {
      ...QUICK,
      onUpdate: (payment, progress) => {
        if (progress.attempt === 2) sandbox.approve(payment.reference);
      },
    });
    expect(succeeded).toMatchObject({
      outcome: 'success',
      payment: { id: created.payment.id, reference: secondReference, status: 'success', attempts: 2 },
    });
    expect(succeeded.attempts).toBeGreaterThanOrEqual(3);
    expect(sandbox.count('initiate', firstReference)).toBe(1);
    expect(sandbox.count('initiate', secondReference)).toBe(1);
  });

  it('retrying a payment that is still open is a 409 the client reports as RETRY_NOT_ALLOWED', async () => {
    const created = await alice.initiatePayment({ amount: 1000, msisdn: phone(7) });
    const error = await alice.retryPayment(created.payment.id).catch((reason: unknown) => reason);
    expect(isPaymentsApiError(error, 'RETRY_NOT_ALLOWED')).toBe(true);
    expect(error).toMatchObject({ status: 409 });
    const cancelled = await alice.cancelPayment(created.payment.id);
    expect(cancelled.payment.status).toBe('cancelled');
  });

  it('an Idempotency-Key reused by the client is replayed by the server: one push', async () => {
    const order = { amount: 2000, msisdn: phone(7) };
    const first = await alice.initiatePayment(order, { idempotencyKey: 'checkout-77' });
    const again = await alice.initiatePayment(order, { idempotencyKey: 'checkout-77' });
    expect(again.replayed).toBe(true);
    expect(again.payment.id).toBe(first.payment.id);
    expect(sandbox.count('initiate', first.payment.reference)).toBe(1);
  });

  it('server errors arrive as PaymentsApiError with the envelope’s code and details', async () => {
    const invalid = await alice
      .initiatePayment({ amount: 50, msisdn: '0712' })
      .catch((reason: unknown) => reason);
    expect(invalid).toMatchObject({ status: 400, code: 'VALIDATION_ERROR' });
    const fields = isPaymentsApiError(invalid) ? invalid.details.map((detail) => detail.field) : [];
    expect(fields).toEqual(expect.arrayContaining(['amount', 'msisdn']));

    const rejected = await alice
      .initiatePayment({ amount: 1000, msisdn: phone(9) })
      .catch((reason: unknown) => reason);
    expect(rejected).toMatchObject({ status: 422, code: 'PAYMENT_REJECTED', payment: { status: 'failed' } });
  });

  it('another user gets 404 for alice’s payment and ClickPesa is not asked', async () => {
    const created = await alice.initiatePayment({ amount: 1000, msisdn: phone(7) });
    const before = sandbox.count('query', created.payment.reference);
    const bob = createPaymentsClient({ baseUrl, token: 'bob-token' });
    const error = await bob.getStatus(created.payment.id).catch((reason: unknown) => reason);
    expect(error).toMatchObject({ status: 404, code: 'NOT_FOUND' });
    expect(sandbox.count('query', created.payment.reference)).toBe(before);
  });
});

describe('listPayments against the Express adapter and the sandbox', () => {
  it("finds an order's payments, newest first, by status and page by page; the wire carries exactly Payment's fields", async () => {
    // a cancelled attempt, then the live one: two payments for one order
    const first = await alice.initiatePayment({ amount: 1000, msisdn: phone(7), external_order_id: 'A-17' });
    await alice.cancelPayment(first.payment.id);
    const second = await alice.initiatePayment({ amount: 1000, msisdn: phone(7), external_order_id: 'A-17' });
    await alice.initiatePayment({ amount: 1000, msisdn: phone(7), external_order_id: 'B-2' });

    const order = await alice.listPayments({ externalOrderId: 'A-17' });
    expect(order.httpStatus).toBe(200);
    expect(order.payments.map((payment) => payment.id)).toEqual([second.payment.id, first.payment.id]);
    expect(order.payments.every((payment) => payment.external_order_id === 'A-17')).toBe(true);
    expect(order.nextCursor).toBeNull();
    expect(Object.keys(order.payments[0]!).sort()).toEqual([...PAYMENT_FIELDS].sort());

    const cancelled = await alice.listPayments({ externalOrderId: 'A-17', status: 'cancelled' });
    expect(cancelled.payments.map((payment) => payment.id)).toEqual([first.payment.id]);

    const page1 = await alice.listPayments({ externalOrderId: 'A-17', limit: 1 });
    expect(page1.payments.map((payment) => payment.id)).toEqual([second.payment.id]);
    expect(typeof page1.nextCursor).toBe('string');
    const page2 = await alice.listPayments({ externalOrderId: 'A-17', limit: 1, cursor: page1.nextCursor! });
    expect(page2.payments.map((payment) => payment.id)).toEqual([first.payment.id]);
    expect(page2.nextCursor).toBeNull();
  });

  it("never shows another user's payments, and reports bad parameters as VALIDATION_ERROR naming them", async () => {
    await alice.initiatePayment({ amount: 1000, msisdn: phone(7), external_order_id: 'C-5' });
    const bob = createPaymentsClient({ baseUrl, token: 'bob-token' });
    expect((await bob.listPayments({ externalOrderId: 'C-5' })).payments).toEqual([]);
    expect((await bob.listPayments()).payments).toEqual([]);

    const invalid = await alice.listPayments({ limit: 0, cursor: '!' }).catch((reason: unknown) => reason);
    expect(invalid).toMatchObject({ status: 400, code: 'VALIDATION_ERROR' });
    const fields = isPaymentsApiError(invalid) ? invalid.details.map((detail) => detail.field).sort() : [];
    expect(fields).toEqual(['cursor', 'limit']);
  });
});
