/**
 * Type tests (checked by `tsc`, never run): what a strict-mode TypeScript user writes compiles without a
 * cast, and the mistakes below do not compile.
 */
import type { PaymentEvents, PaymentService } from '@clickpesa-kit/core';
import { createMemoryStore } from '@clickpesa-kit/core';
import { clickpesaPayments as expressPayments } from '@clickpesa-kit/express';
import { clickpesaPayments as fastifyPayments } from '@clickpesa-kit/fastify';
import { clickpesaPayments as fetchPayments } from '@clickpesa-kit/fetch';
import { clickpesaPayments as koaPayments } from '@clickpesa-kit/koa';
import Fastify from 'fastify';

declare const service: PaymentService;
declare const events: PaymentEvents;
const store = createMemoryStore();

// authenticate gets each framework's own request type, and number ids are fine
expressPayments({ store, authenticate: (req) => ({ id: req.get('x-user') ?? '' }) });
expressPayments({ store, authenticate: () => ({ id: 42 }) });
koaPayments({ store, prefix: '/api/v1', authenticate: (ctx) => (ctx.state.userId ? { id: 7 } : null) });
fetchPayments({ store, authenticate: (request) => ({ id: request.headers.get('x-user') ?? '' }) });
await Fastify().register(fastifyPayments, {
  store,
  prefix: '/api/v1',
  authenticate: (request) => ({ id: request.headers['x-user'] as string }),
});
// @ts-expect-error an Express request has no `state` (that is Koa's)
expressPayments({ store, authenticate: (req) => req.state });

// the running kit has one name everywhere
const router = expressPayments({ store, authenticate: () => null });
await router.payments.close();
const middleware = koaPayments({ store, authenticate: () => null });
await middleware.payments.close();
const app = Fastify();
await app.register(fastifyPayments, { store, authenticate: () => null });
await app.payments.close();

// service.initiate takes typed input
await service.initiate('alice', { amount: 1000, msisdn: '0712345678' });
await service.initiate(42, { amount: '1000.50', msisdn: '0712345678', metadata: { order: 7 } });
// @ts-expect-error a typo in a field name does not compile
await service.initiate('alice', { amout: 1000, msisdn: '0712345678' });
// amount may be left out for the server to set (resolveAmount); without the hook the service refuses it
await service.initiate('alice', { msisdn: '0712345678', external_order_id: 'A-17' });
// @ts-expect-error amount is a number or a string
await service.initiate('alice', { amount: true, msisdn: '0712345678' });

// lifecycle events are narrowed by their type
events.on('payment.succeeded', (event) => {
  const status: 'success' = event.payment.status;
  void status;
});
events.on('payment.failed', (event) => {
  // @ts-expect-error a failed payment's status is 'failed', never 'success'
  const status: 'success' = event.payment.status;
  void status;
});
