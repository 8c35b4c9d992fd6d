import { createServer, type Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { createMemoryStore } from '@clickpesa-kit/core';
import { clickpesaPayments as expressPayments } from '@clickpesa-kit/express';
import { clickpesaPayments as fastifyPayments } from '@clickpesa-kit/fastify';
import { clickpesaPayments as koaPayments } from '@clickpesa-kit/koa';
import express from 'express';
import Fastify from 'fastify';
import Koa from 'koa';
import { afterEach, describe, expect, it } from 'vitest';

/**
 * The server settings docs/security.md tells hosts to make, checked on each framework: a client that trickles
 * its request headers (where the framework, not the toolkit, reads the socket) is cut off. Node enforces
 * these timeouts on its `connectionsCheckingInterval` (30 s by default); the tests check more often.
 */
const SERVER_SETTINGS = { headersTimeout: 1_000, requestTimeout: 2_000, connectionsCheckingInterval: 200 };

const kitOptions = {
  store: createMemoryStore(),
  authenticate: () => null,
  clickpesa: { clientId: 'id', apiKey: 'key', baseUrl: 'http://127.0.0.1:9/third-parties' },
  poller: false as const,
};

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return (server.address() as AddressInfo).port;
}

/** Writes a request line and then one header byte every 100 ms; resolves with the ms until the server closed. */
function trickleHeaders(port: number): Promise<number> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () =>
      socket.write('POST /callback HTTP/1.1\r\nHost: x\r\nX-Slow: '),
    );
    const trickle = setInterval(() => socket.write('a'), 100);
    const giveUp = setTimeout(() => {
      clearInterval(trickle);
      socket.destroy();
      reject(new Error('the server never cut the slow client off'));
    }, 20_000);
    socket.on('error', () => undefined);
    socket.resume();
    socket.on('close', () => {
      clearInterval(trickle);
      clearTimeout(giveUp);
      resolve(Date.now() - started);
    });
  });
}

describe('server timeouts against a client trickling its headers', () => {
  it('Express: server.headersTimeout and requestTimeout', async () => {
    const app = express();
    const router = expressPayments(kitOptions);
    app.use(router);
    const server = createServer(SERVER_SETTINGS, app);
    const port = await listen(server);
    close = async () => {
      await router.payments.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    };
    const ms = await trickleHeaders(port);
    expect(ms).toBeGreaterThanOrEqual(900);
    expect(ms).toBeLessThan(10_000);
  });

  it('Koa: the same settings on the http.Server running app.callback()', async () => {
    const app = new Koa();
    const middleware = koaPayments(kitOptions);
    app.use(middleware);
    const server = createServer(SERVER_SETTINGS, app.callback());
    const port = await listen(server);
    close = async () => {
      await middleware.payments.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    };
    const ms = await trickleHeaders(port);
    expect(ms).toBeGreaterThanOrEqual(900);
    expect(ms).toBeLessThan(10_000);
  });

  it('Fastify: requestTimeout, with the server made by serverFactory', async () => {
    const app = Fastify({
      requestTimeout: SERVER_SETTINGS.requestTimeout,
      serverFactory: (handler) => createServer(SERVER_SETTINGS, handler),
    });
    await app.register(fastifyPayments, kitOptions);
    await app.listen({ port: 0, host: '127.0.0.1' });
    close = () => app.close();
    const ms = await trickleHeaders((app.server.address() as AddressInfo).port);
    expect(ms).toBeGreaterThanOrEqual(900);
    expect(ms).toBeLessThan(10_000);
  });
});
