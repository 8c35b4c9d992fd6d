/**
 * The benchmark targets: for one framework, an app serving the bare framework's JSON routes at /bare, our
 * routes at /api/v1 and a core-stubbed mount at /adapter-only (memory store, poller off, sandbox in-process),
 * over one final (success) payment. `server.ts` serves one over HTTP for autocannon; `inject.ts` drives one
 * in-process, without sockets.
 */
import { createServer, type RequestListener } from 'node:http';
import type { PaymentRecord } from '@clickpesa-kit/core';
import { clickpesaPayments as expressPayments } from '@clickpesa-kit/express';
import { clickpesaPayments as fastifyPayments } from '@clickpesa-kit/fastify';
import { clickpesaPayments as koaPayments } from '@clickpesa-kit/koa';
import express from 'express';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import Koa from 'koa';
import { type BareKind, BareRoutes } from './bare-routes.js';
import { BENCH_TOKEN, finalPayment, kitOptions, startBenchSandbox } from './setup.js';

type Kit = ReturnType<typeof expressPayments>['payments'];

/**
 * The adapter's own cost: a second mount whose core handler is replaced by one answering a prebuilt copy of
 * the real GET /payments/:id response, so only the framework translation is left to measure.
 */
async function stubCore(kit: Kit, paymentId: string): Promise<void> {
  const headers = { authorization: `Bearer ${BENCH_TOKEN}` };
  const answer = await kit.handler.handle({
    method: 'GET',
    path: `/payments/${paymentId}`,
    headers,
    raw: { headers },
  });
  if (answer.status !== 200) throw new Error(`stub answer is ${answer.status}`);
  kit.handler.handle = async () => answer;
}

export interface Target {
  /** The framework's request listener, for `http.createServer` or an in-process injector. */
  listener: RequestListener;
  paymentId: string;
  close(): Promise<void>;
}

/**
 * The framework's app with the bare routes at /bare and /bare-prebuilt, our routes at /api/v1 and the
 * core-stubbed mount at /adapter-only, all over one memory store holding one final payment.
 */
export async function buildTarget(framework: string): Promise<Target> {
  const sandbox = await startBenchSandbox();
  const options = kitOptions(sandbox);
  const bare = new BareRoutes();
  if (framework === 'express') {
    const app = express();
    const router = expressPayments(options);
    const stub = expressPayments(options);
    const payment = await finalPayment(router.payments.service, sandbox);
    await prepare(router.payments, stub.payments, bare, payment);
    const route = (kind: BareKind) => (req: express.Request<{ id: string }>, res: express.Response) => {
      const { status, body } = bare.answer(kind, req.headers.authorization, req.params.id);
      res.status(status).json(body);
    };
    app.get('/bare/:id', route('get'));
    app.get('/bare/:id/status', route('status'));
    app.get('/bare-prebuilt/:id', route('prebuilt'));
    app.use('/api/v1', router);
    app.use('/adapter-only', stub);
    return { listener: app, paymentId: payment.id, close: () => sandbox.close() };
  }
  if (framework === 'fastify') {
    // the listener Fastify would give its own server, so the app can be served or injected like the others
    let listener: RequestListener | undefined;
    const app = Fastify({
      logger: false,
      serverFactory: (handler) => {
        listener = handler as RequestListener;
        return createServer(handler);
      },
    });
    const route = (kind: BareKind) => async (request: FastifyRequest, reply: FastifyReply) => {
      const { id } = request.params as { id: string };
      const { status, body } = bare.answer(kind, request.headers.authorization, id);
      return reply.code(status).send(body);
    };
    app.get('/bare/:id', route('get'));
    app.get('/bare/:id/status', route('status'));
    app.get('/bare-prebuilt/:id', route('prebuilt'));
    // Each mount in its own sibling context: each decorates its own `clickpesa` there.
    const kits: Record<string, Kit> = {};
    for (const prefix of ['/api/v1', '/adapter-only']) {
      await app.register(async (scope) => {
        await scope.register(fastifyPayments, { ...options, prefix });
        kits[prefix] = scope.clickpesa;
      });
    }
    await app.ready();
    const payment = await finalPayment(kits['/api/v1']!.service, sandbox);
    await prepare(kits['/api/v1']!, kits['/adapter-only']!, bare, payment);
    return {
      listener: listener!,
      paymentId: payment.id,
      close: async () => {
        await app.close();
        await sandbox.close();
      },
    };
  }
  if (framework === 'koa') {
    const app = new Koa();
    const middleware = koaPayments({ ...options, basePath: '/api/v1' });
    const stub = koaPayments({ ...options, basePath: '/adapter-only' });
    const payment = await finalPayment(middleware.payments.service, sandbox);
    await prepare(middleware.payments, stub.payments, bare, payment);
    app.use(async (ctx, next) => {
      // the three bare routes, matched the way a small Koa app without a router would
      const match = ctx.method === 'GET' ? /^\/bare(-prebuilt)?\/([^/]+)(\/status)?$/.exec(ctx.path) : null;
      if (!match || (match[1] && match[3])) return next();
      const kind: BareKind = match[1] ? 'prebuilt' : match[3] ? 'status' : 'get';
      const { status, body } = bare.answer(kind, ctx.headers.authorization, match[2]!);
      ctx.status = status;
      ctx.body = body;
    });
    app.use(middleware);
    app.use(stub);
    return { listener: app.callback(), paymentId: payment.id, close: () => sandbox.close() };
  }
  throw new Error(`unknown framework "${framework}": use express, fastify or koa`);
}

/**
 * Gives the bare routes the payment, checks they answer exactly the JSON our routes do (so the comparison is
 * like for like), and stubs the second mount's core.
 */
async function prepare(kit: Kit, stub: Kit, bare: BareRoutes, payment: PaymentRecord): Promise<void> {
  bare.add(payment);
  const headers = { authorization: `Bearer ${BENCH_TOKEN}` };
  for (const kind of ['get', 'status', 'prebuilt'] as const) {
    const path = kind === 'status' ? `/payments/${payment.id}/status` : `/payments/${payment.id}`;
    const ours = await kit.handler.handle({ method: 'GET', path, headers, raw: { headers } });
    const theirs = bare.answer(kind, headers.authorization, payment.id);
    if (JSON.stringify(ours.body) !== JSON.stringify(theirs.body)) {
      throw new Error(`the bare "${kind}" route does not answer the same JSON as ${path}`);
    }
  }
  await stubCore(stub, payment.id);
}
