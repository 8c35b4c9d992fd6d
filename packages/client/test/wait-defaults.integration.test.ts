import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMemoryStore } from '@clickpesa-kit/core';
import { type ClickPesaRouter, clickpesaPayments } from '@clickpesa-kit/express';
import { type Sandbox, startSandbox } from '@clickpesa-kit/sandbox';
import express from 'express';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createPaymentsClient } from '../src/index.js';

/**
 * waitForPayment with its defaults against the Express adapter with its defaults (poller on, status answered
 * from the store with `poll_after_ms`) and the sandbox with its defaults (the customer approves after 3 s, no
 * webhooks): the first look comes after 2 s rather than the guide's 15 s, and the success is seen soon after.
 */

let sandbox: Sandbox;
let router: ClickPesaRouter;
let server: Server;
let baseUrl: string;

beforeAll(async () => {
  sandbox = await startSandbox();
  const app = express();
  router = clickpesaPayments({
    store: createMemoryStore(),
    authenticate: () => ({ id: 'alice' }),
    clickpesa: { baseUrl: sandbox.url, clientId: sandbox.clientId, apiKey: sandbox.apiKey, env: {} },
  });
  app.use('/api/v1', router);
  server = await new Promise<Server>((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1`;
});

afterAll(async () => {
  await router?.payments.close();
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  await sandbox?.close();
});

it('sees a 3 s approval within 8 s, following the server’s hints', async () => {
  const client = createPaymentsClient({ baseUrl });
  const created = await client.initiatePayment({ amount: 1000, msisdn: '0712345671' });
  const started = Date.now();
  const looks: number[] = [];
  const result = await client.waitForPayment(created.payment.id, {
    onUpdate: () => looks.push(Date.now() - started),
  });
  expect(result.outcome).toBe('success');
  expect(looks[0]).toBeLessThan(3_000);
  expect(Date.now() - started).toBeLessThan(8_000);
  // the status reads cost ClickPesa no more calls than the poller's own checks
  const checks = sandbox.requests.filter((entry) => entry.endpoint === 'query' || entry.endpoint === 'list');
  expect(checks.length).toBeLessThanOrEqual(looks.length);
});
