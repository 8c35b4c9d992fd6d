/**
 * The instance under test (a child process, so its memory is its own): Express (Fastify with
 * BENCH_PUSH_FRAMEWORK=fastify), the memory store, one open payment. Talks to the runner over IPC:
 * `memory` (after a full GC), `change` (cancels the payment and answers with the wall-clock time of the
 * commit), `stats` (open push connections).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { type ClickPesaPayments, createMemoryStore } from '@clickpesa-kit/core';
import { clickpesaPayments } from '@clickpesa-kit/express';
import { clickpesaPayments as fastifyPayments } from '@clickpesa-kit/fastify';
import { makePayment } from '@clickpesa-kit/store-tests';
import express from 'express';
import Fastify from 'fastify';
import { wallClockMs } from './page-listener.js';

const OWNER = 'bench';
const store = createMemoryStore();
const payment = makePayment({ ownerId: OWNER, status: 'processing' });
await store.createPayment({ payment });

/**
 * The baseline (`bare`): plain node:http holding the same event streams, one pre-serialised event written
 * to each on a change, no framework, no auth, no kit: what any SSE server pays at least.
 */
const bare = process.argv.includes('bare');
/**
 * `express`: the same bare streams written by a route of the framework the kit runs on (Express, or Fastify
 * with BENCH_PUSH_FRAMEWORK=fastify), to tell the framework's share from the kit's.
 */
const expressOnly = process.argv.includes('express');
const FRAMEWORK = process.env.BENCH_PUSH_FRAMEWORK ?? 'express';
/** What a change ends with the final event: responses (node:http, Express) or bodies (Fastify). */
const bareStreams = new Set<{ end(chunk: string): unknown }>();
const bareEvent = (status: string) =>
  `id: 1\nevent: payment\ndata: ${JSON.stringify({ id: payment.id, status })}\n\n`;

// The poller and budget on, as in production: a stream's first read answers from the store. With the poller
// off it would be a live refresh of ClickPesa, which is unreachable here and fails only after the client's
// retries: the streams would then open ten times slower than the baselines', and a slower open leaves less
// of its burst in the process's memory, which flatters the kit.
const kitOptions = {
  store,
  authenticate: () => ({ id: OWNER }),
  clickpesa: { clientId: 'bench', apiKey: 'bench', baseUrl: 'http://127.0.0.1:9/third-parties' },
  retention: false,
  dispatcher: false,
  push: { maxConnectionsPerOwner: 100_000 },
} as const;

/** The kit, or (`express` mode) only bare streams, on the framework BENCH_PUSH_FRAMEWORK names. */
async function serveOnFramework(): Promise<{ server: Server; kit?: ClickPesaPayments }> {
  if (FRAMEWORK === 'fastify') {
    let server: Server | undefined;
    const app = Fastify({
      logger: false,
      serverFactory: (handler) => {
        server = createServer(handler);
        return server;
      },
    });
    if (expressOnly) {
      // the framework's own streaming: a Readable per response, as the adapter sends the kit's stream
      app.get('/payments/:id/events', (request, reply) => {
        const body = new PassThrough();
        body.write(bareEvent('processing'));
        bareStreams.add(body);
        request.raw.socket.once('close', () => bareStreams.delete(body));
        return reply
          .header('content-type', 'text/event-stream; charset=utf-8')
          .header('cache-control', 'no-store')
          .send(body);
      });
    } else await app.register(fastifyPayments, kitOptions);
    await app.listen({ port: 0, host: '127.0.0.1' });
    return { server: server as Server, ...(expressOnly ? {} : { kit: app.payments }) };
  }
  const app = express();
  let kit: ClickPesaPayments | undefined;
  if (expressOnly) {
    app.get('/payments/:id/events', (_req, res) => {
      res.set({ 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store' });
      res.flushHeaders();
      res.write(bareEvent('processing'));
      bareStreams.add(res);
      res.once('close', () => bareStreams.delete(res));
    });
  } else {
    const router = clickpesaPayments(kitOptions);
    app.use(router);
    kit = router.payments;
  }
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return { server, ...(kit ? { kit } : {}) };
}

const served = bare ? null : await serveOnFramework();
const kit = served?.kit;
const server =
  served?.server ??
  createServer((_req, res) => {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
    });
    res.write(bareEvent('processing'));
    bareStreams.add(res);
    res.once('close', () => bareStreams.delete(res));
  }).listen(0, '127.0.0.1');
server.maxConnections = 100_000;
if (!server.listening) await new Promise((resolve) => server.once('listening', resolve));

const memory = () => {
  (globalThis as { gc?: () => void }).gc?.();
  const { rss, heapTotal, heapUsed, external, arrayBuffers } = process.memoryUsage();
  return { rss, heapTotal, heapUsed, external, arrayBuffers };
};

process.on('message', async (message: { type: string }) => {
  if (message.type === 'memory') process.send?.({ type: 'memory', memory: memory() });
  else if (message.type === 'stats') {
    const stats = bare || expressOnly ? { connections: bareStreams.size } : kit?.handler.pushStats?.();
    process.send?.({ type: 'stats', stats });
  } else if (message.type === 'change') {
    const at = wallClockMs();
    if (bare || expressOnly) {
      const event = bareEvent('cancelled');
      for (const res of bareStreams) res.end(event);
    } else await kit?.service.cancel(OWNER, payment.id);
    process.send?.({ type: 'changed', at, committedMs: wallClockMs() - at });
  } else if (message.type === 'stop') {
    await kit?.close();
    server.closeAllConnections();
    server.close(() => process.exit(0));
  }
});
process.send?.({
  type: 'ready',
  url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
  paymentId: payment.id,
});
