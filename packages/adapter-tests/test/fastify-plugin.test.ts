import { createMemoryStore } from '@clickpesa-kit/core';
import { clickpesaPayments } from '@clickpesa-kit/fastify';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';

// No ClickPesa call happens here: the client is built but never used.
const options = {
  store: createMemoryStore(),
  authenticate: () => ({ id: 'alice' }),
  clickpesa: { clientId: 'id', apiKey: 'key', baseUrl: 'http://127.0.0.1:9/third-parties' },
};

describe('the Fastify plugin', () => {
  it('decorates the registering instance with the kit, and app.close() stops the poller', async () => {
    const app = Fastify();
    await app.register(clickpesaPayments, { ...options, prefix: '/api/v1' });
    await app.ready();
    const kit = app.clickpesa;
    expect(kit.handler).toBeDefined();
    expect(kit.store).toBe(options.store);
    expect(kit.poller?.heartbeat().running).toBe(true);
    await app.close();
    expect(kit.poller?.heartbeat().running).toBe(false);
  });

  it("keeps its body parser in its own scope: the host's routes still get Fastify's parsed JSON", async () => {
    const app = Fastify();
    app.post('/host/echo', async (request) => ({ parsed: request.body }));
    await app.register(clickpesaPayments, { ...options, prefix: '/api/v1' });
    const host = await app.inject({ method: 'POST', url: '/host/echo', payload: { a: 1 } });
    expect(host.json()).toEqual({ parsed: { a: 1 } });
    // Ours reads the bytes whatever the type, and the core answers 415 for text.
    const ours = await app.inject({
      method: 'POST',
      url: '/api/v1/callback',
      headers: { 'content-type': 'text/plain' },
      payload: 'hello',
    });
    expect(ours.statusCode).toBe(415);
    expect(ours.json()).toMatchObject({ success: false, error: { code: 'UNSUPPORTED_MEDIA_TYPE' } });
    await app.close();
  });

  it("adds its prefix to the prefix of the host's own plugin it is registered in", async () => {
    const app = Fastify();
    await app.register(
      async (api) => {
        await api.register(clickpesaPayments, { ...options, prefix: '/billing' });
      },
      { prefix: '/v2' },
    );
    const nested = await app.inject({ method: 'GET', url: '/v2/billing/payments/unknown-id' });
    expect(nested.statusCode).toBe(404);
    expect(nested.json()).toMatchObject({ success: false, error: { code: 'NOT_FOUND' } });
    const unprefixed = await app.inject({ method: 'GET', url: '/billing/payments/unknown-id' });
    expect(unprefixed.json()).not.toHaveProperty('success');
    await app.close();
  });
});
