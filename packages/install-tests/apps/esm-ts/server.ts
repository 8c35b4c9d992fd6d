// An ESM TypeScript app (nodenext, strict, skipLibCheck off): it imports the types of every published
// package, so a declaration that names a package the consumer cannot resolve fails `tsc`.
import type { AddressInfo } from 'node:net';
import type { PaymentsClient } from '@clickpesa-kit/client';
import type * as browserClient from '@clickpesa-kit/client/browser';
import type { PaymentRecord } from '@clickpesa-kit/core';
import { clickpesaPayments } from '@clickpesa-kit/express';
import type * as fastifyAdapter from '@clickpesa-kit/fastify';
import type { Sandbox } from '@clickpesa-kit/sandbox';
import type { PostgresStoreOptions } from '@clickpesa-kit/store-postgres';
import { createSqliteStore } from '@clickpesa-kit/store-sqlite';
import type * as storeTests from '@clickpesa-kit/store-tests';
import express, { type Request } from 'express';

export type EveryPublicApi = [
  typeof browserClient,
  typeof fastifyAdapter,
  typeof storeTests,
  PaymentRecord,
  Sandbox,
  PostgresStoreOptions,
];

const store = createSqliteStore({ filename: './.data/payments.db' });
const paymentRoutes = clickpesaPayments({
  store,
  authenticate: (req) =>
    (req as Request).get('authorization') === 'Bearer alice-token' ? { id: 'alice' } : null,
});

const app = express();
app.use('/api/v1', paymentRoutes);

// The browser build must be reachable through the exports map (a page's server or bundler resolves it so).
const browserBuild: typeof browserClient = await import('@clickpesa-kit/client/browser');
const client: PaymentsClient = browserBuild.createPaymentsClient({
  baseUrl: '/api/v1',
  token: 'alice-token',
});
if (typeof client.initiatePayment !== 'function') throw new Error('the browser build has no client');

const server = app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
  console.log(`listening ${(server.address() as AddressInfo).port}`);
});

process.once('SIGTERM', async () => {
  server.close();
  await paymentRoutes.payments.close();
  await store.close();
});
