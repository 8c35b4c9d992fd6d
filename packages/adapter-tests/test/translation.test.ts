import { createServer } from 'node:http';
import { clickpesaPayments } from '@clickpesa-kit/express';
import express from 'express';
import Koa from 'koa';
import Koa2 from 'koa2';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Echo, FAKE_BODY_LIMIT } from './support/fake-kit.js';
import {
  closeServer,
  EXPLODE_HEADER,
  HOST_AUTH_ERROR_STATUS,
  HOST_NOT_FOUND_BODY,
  type HostVariant,
  hostReceiptBody,
  listen,
  type RunningHost,
} from './support/host-conventions.js';
import { expressVariants, fastifyVariants, koaVariants } from './support/variants.js';

// The adapters' translation in isolation: the core's factory is replaced by a handler that echoes what it got.
vi.mock(import('@clickpesa-kit/core'), async (importOriginal) => ({
  ...(await importOriginal()),
  createClickPesaPayments: (await import('./support/fake-kit.js')).createFakeKit as never,
}));

const variants: HostVariant[] = [
  ...expressVariants('express 5'),
  ...fastifyVariants('fastify 5'),
  ...koaVariants('koa 3', Koa),
  ...koaVariants('koa 2', Koa2),
];

const alice = { authorization: 'Bearer alice-token' };
const json = { ...alice, 'content-type': 'application/json' };

describe.each(variants)('$name translates requests for the core', (variant) => {
  let host: RunningHost;
  beforeAll(async () => {
    host = await variant.start({ mount: '/api/v1', options: {} as never });
  });
  afterAll(() => host.close());

  async function echo(path: string, init: RequestInit = {}): Promise<Echo> {
    const response = await fetch(host.base + path, init);
    expect(response.status).toBe(202);
    expect(response.headers.get('x-fake-handler')).toBe('yes');
    return (await response.json()) as Echo;
  }

  it('passes the method, the path relative to the mount point and the query', async () => {
    const seen = await echo('/payments/abc/status?expand=provider', { headers: alice });
    expect(seen).toMatchObject({ method: 'GET', path: '/payments/abc/status', rawBody: null, body: null });
    expect(seen.query).toEqual({ expand: 'provider' });
    expect((await echo('/payments/', { method: 'POST', headers: alice })).path).toBe('/payments/');
  });

  it("hands the framework's own request to authenticate, so the host's auth result is reused", async () => {
    expect((await echo('/payments/x', { headers: alice })).principal).toBe('alice');
    expect((await echo('/payments/x', { headers: { authorization: 'Bearer bob-token' } })).principal).toBe(
      'bob',
    );
    expect((await echo('/payments/x')).principal).toBeNull();
  });

  it("passes a JSON body as our own bytes, else as the host's raw bytes, else as the host's parsed body", async () => {
    const text = '{ "amount": 1000,\n  "note": "pretty" }';
    const seen = await echo('/payments', { method: 'POST', headers: json, body: text });
    const hostParsedOnly = variant.hostParser && variant.name.startsWith('express');
    if (hostParsedOnly) {
      expect(seen).toMatchObject({ rawBody: null, body: { amount: 1000, note: 'pretty' } });
    } else {
      expect(seen).toMatchObject({ rawBody: text, body: null });
    }
  });

  it('reads the bytes itself for a content type the host parser ignores', async () => {
    const seen = await echo('/callback', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'hi',
    });
    expect(seen).toMatchObject({ rawBody: 'hi', body: null, contentType: 'text/plain', bodyTooLarge: false });
  });

  it('stops reading past the body limit and says so', async () => {
    const big = 'x'.repeat(FAKE_BODY_LIMIT + 1);
    const seen = await echo('/callback', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: big,
    });
    expect(seen).toMatchObject({ rawBody: null, bodyTooLarge: true });
  });

  it("lets paths that are not ours through to the host's routes and 404", async () => {
    const receipt = await fetch(`${host.base}/payments/abc/receipt`, { headers: alice });
    expect(await receipt.json()).toEqual(hostReceiptBody('abc'));
    const unknown = await fetch(`${host.base}/nothing-here`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual(HOST_NOT_FOUND_BODY);
    const outside = await fetch(`${host.origin}/payments`, { method: 'POST', headers: json, body: '{}' });
    expect(outside.status).toBe(404);
  });

  it("hands an error thrown by authenticate to the host's error handling", async () => {
    const response = await fetch(`${host.base}/payments/x`, { headers: { ...alice, [EXPLODE_HEADER]: '1' } });
    expect(response.status).toBe(HOST_AUTH_ERROR_STATUS);
    expect(await response.json()).toEqual({ host_error: 'host authenticate failed' });
  });
});

describe('express with a host parser that keeps the bytes', () => {
  it("passes the host's raw bytes (req.rawBody from a verify callback) rather than its parsed body", async () => {
    const app = express();
    app.use(
      express.json({
        verify: (req, _res, bytes) => {
          (req as unknown as { rawBody: Buffer }).rawBody = bytes;
        },
      }),
    );
    app.use(clickpesaPayments({ authenticate: () => null } as never));
    const server = createServer(app);
    const origin = await listen(server);
    try {
      const text = '{\n  "event": "PAYMENT RECEIVED"\n}';
      const response = await fetch(`${origin}/callback`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: text,
      });
      expect(await response.json()).toMatchObject({ rawBody: text, body: null });
    } finally {
      await closeServer(server);
    }
  });
});
