/**
 * The instance under test (a child process, so its memory is its own): Express, the memory store, one open
 * payment. Talks to the runner over IPC: `memory` (after a full GC), `change` (cancels the payment and
 * answers with the wall-clock time of the commit), `stats` (open push connections).
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMemoryStore } from '@clickpesa-kit/core';
import { clickpesaPayments } from '@clickpesa-kit/express';
import { makePayment } from '@clickpesa-kit/store-tests';
import express from 'express';
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
/** `express`: the same bare streams written by an Express route, to tell Express's share from the kit's. */
const expressOnly = process.argv.includes('express');
const bareStreams = new Set<ServerResponse>();
const bareEvent = (status: string) =>
  `id: 1\nevent: payment\ndata: ${JSON.stringify({ id: payment.id, status })}\n\n`;

const app = express();
const router = clickpesaPayments({
  store,
  authenticate: () => ({ id: OWNER }),
  clickpesa: { clientId: 'bench', apiKey: 'bench', baseUrl: 'http://127.0.0.1:9/third-parties' },
  poller: false,
  budget: false,
  retention: false,
  dispatcher: false,
  push: { maxConnectionsPerOwner: 100_000 },
});
app.use(router);
const bareApp = express();
bareApp.get('/payments/:id/events', (_req, res) => {
  res.set({ 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store' });
  res.flushHeaders();
  res.write(bareEvent('processing'));
  bareStreams.add(res);
  res.once('close', () => bareStreams.delete(res));
});
const server = expressOnly
  ? bareApp.listen(0, '127.0.0.1')
  : bare
    ? createServer((_req, res) => {
        res.writeHead(200, {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-store',
        });
        res.write(bareEvent('processing'));
        bareStreams.add(res);
        res.once('close', () => bareStreams.delete(res));
      }).listen(0, '127.0.0.1')
    : app.listen(0, '127.0.0.1');
server.maxConnections = 100_000;
await new Promise((resolve) => server.once('listening', resolve));

const memory = () => {
  (globalThis as { gc?: () => void }).gc?.();
  const { rss, heapTotal, heapUsed, external, arrayBuffers } = process.memoryUsage();
  return { rss, heapTotal, heapUsed, external, arrayBuffers };
};

process.on('message', async (message: { type: string }) => {
  if (message.type === 'memory') process.send?.({ type: 'memory', memory: memory() });
  else if (message.type === 'stats') {
    const stats =
      bare || expressOnly ? { connections: bareStreams.size } : router.payments.handler.pushStats?.();
    process.send?.({ type: 'stats', stats });
  } else if (message.type === 'change') {
    const at = wallClockMs();
    if (bare || expressOnly) {
      const event = bareEvent('cancelled');
      for (const res of bareStreams) res.end(event);
    } else await router.payments.service.cancel(OWNER, payment.id);
    process.send?.({ type: 'changed', at, committedMs: wallClockMs() - at });
  } else if (message.type === 'stop') {
    await router.payments.close();
    server.closeAllConnections();
    server.close(() => process.exit(0));
  }
});
process.send?.({
  type: 'ready',
  url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
  paymentId: payment.id,
});
