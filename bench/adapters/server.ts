/**
 * One benchmark target, run as a child of run.ts so autocannon and the server do not share a thread:
 * `server.ts <express|fastify|koa>`. Serves the bare framework's JSON route at GET /bare/:id and our routes
 * under /api/v1 (memory store, poller off), with one final (success) payment, then prints
 * `{ "origin", "paymentId" }` as one JSON line.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMemoryStore, toPublicPayment } from '@clickpesa-kit/core';
import { clickpesaPayments as expressPayments } from '@clickpesa-kit/express';
import { clickpesaPayments as fastifyPayments } from '@clickpesa-kit/fastify';
import { clickpesaPayments as koaPayments } from '@clickpesa-kit/koa';
import { startSandbox } from '@clickpesa-kit/sandbox';
import express from 'express';
import Fastify from 'fastify';
import Koa from 'koa';

export const BENCH_TOKEN = 'bench-token';
const OWNER = 'bench-owner';

const framework = process.argv[2];
const sandbox = await startSandbox({ approveDelayMs: 3_600_000 });
const options = {
  store: createMemoryStore(),
  clickpesa: { clientId: sandbox.clientId, apiKey: sandbox.apiKey, baseUrl: sandbox.url },
  poller: false as const,
  budget: false as const,
  // Lets the setup's own status read reach ClickPesa right after the push (the payment is final after it).
  statusRefreshMs: 0,
  authenticate: (raw: unknown) => {
    const headers = (raw as { headers: Record<string, string | undefined> }).headers;
    return headers.authorization === `Bearer ${BENCH_TOKEN}` ? { id: OWNER } : null;
  },
};

type Kit = ReturnType<typeof expressPayments>['payments'];

/** A final payment, so the status route answers from the store (no upstream call) like the bare route. */
async function finalPayment(kit: Kit) {
  const { payment } = await kit.service.initiate(OWNER, {
    amount: 1500,
    currency: 'TZS',
    msisdn: '255741000001',
  });
  sandbox.approve(payment.orderReference);
  const { payment: done } = await kit.service.refreshStatus(OWNER, payment.id);
  if (done.status !== 'success') throw new Error(`bench payment is ${done.status}, expected success`);
  return done;
}

/** The bare route answers the same JSON our GET /payments/:id does, built once. */
function bareBody(payment: Awaited<ReturnType<typeof finalPayment>>) {
  return { success: true, message: 'Payment retrieved successfully', data: toPublicPayment(payment) };
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/**
 * The adapter's own cost: a second mount whose core handler is replaced by one answering a prebuilt copy of
 * the real GET /payments/:id response, so only the framework translation is left to measure.
 */
async function stubCore(kit: Kit, paymentId: string): Promise<void> {
  const request = { method: 'GET', path: `/payments/${paymentId}`, headers: {}, raw: { headers: {} } };
  const answer = await kit.handler.handle({
    ...request,
    raw: { headers: { authorization: `Bearer ${BENCH_TOKEN}` } },
  });
  if (answer.status !== 200) throw new Error(`stub answer is ${answer.status}`);
  kit.handler.handle = async () => answer;
}

async function start(): Promise<{ origin: string; paymentId: string }> {
  if (framework === 'express') {
    const app = express();
    const router = expressPayments(options);
    const stub = expressPayments(options);
    const payment = await finalPayment(router.payments);
    await stubCore(stub.payments, payment.id);
    const body = bareBody(payment);
    app.get('/bare/:id', (_req, res) => {
      res.json(body);
    });
    app.use('/api/v1', router);
    app.use('/adapter-only', stub);
    return { origin: await listen(createServer(app)), paymentId: payment.id };
  }
  if (framework === 'fastify') {
    const app = Fastify({ logger: false });
    let body: ReturnType<typeof bareBody> | undefined;
    app.get('/bare/:id', async () => body);
    // Each mount in its own sibling context: each decorates its own `clickpesa` there.
    const kits: Record<string, Kit> = {};
    for (const prefix of ['/api/v1', '/adapter-only']) {
      await app.register(async (scope) => {
        await scope.register(fastifyPayments, { ...options, prefix });
        kits[prefix] = scope.clickpesa;
      });
    }
    await app.ready();
    const payment = await finalPayment(kits['/api/v1']!);
    await stubCore(kits['/adapter-only']!, payment.id);
    body = bareBody(payment);
    return { origin: await app.listen({ port: 0, host: '127.0.0.1' }), paymentId: payment.id };
  }
  if (framework === 'koa') {
    const app = new Koa();
    const middleware = koaPayments({ ...options, basePath: '/api/v1' });
    const stub = koaPayments({ ...options, basePath: '/adapter-only' });
    const payment = await finalPayment(middleware.payments);
    await stubCore(stub.payments, payment.id);
    const body = bareBody(payment);
    app.use(async (ctx, next) => {
      if (ctx.method === 'GET' && ctx.path.startsWith('/bare/')) ctx.body = body;
      else await next();
    });
    app.use(middleware);
    app.use(stub);
    return { origin: await listen(createServer(app.callback())), paymentId: payment.id };
  }
  throw new Error(`unknown framework "${framework}": use express, fastify or koa`);
}

process.stdout.write(`${JSON.stringify(await start())}\n`);
// A normal exit on SIGTERM, so `node --cpu-prof` (profiling a framework that falls short) writes its profile.
process.on('SIGTERM', () => process.exit(0));
