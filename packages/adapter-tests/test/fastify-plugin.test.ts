import { createMemoryStore } from '@clickpesa-kit/core';
import { clickpesaPayments } from '@clickpesa-kit/fastify';
import swagger from '@fastify/swagger';
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
    const kit = app.payments;
    expect(kit.handler).toBeDefined();
    expect(app.clickpesa).toBe(kit); // the deprecated name still works
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

  it("lives next to a host's own wildcard under the same prefix", async () => {
    const app = Fastify();
    app.get('/api/v1/*', async () => ({ host: 'wildcard' }));
    await app.register(clickpesaPayments, { ...options, prefix: '/api/v1' });
    await app.ready();
    const ours = await app.inject({ method: 'GET', url: '/api/v1/payments/unknown-id' });
    expect(ours.json()).toMatchObject({ success: false, error: { code: 'NOT_FOUND' } });
    // GET /payments is ours now (the list): it answers, and the wrong method still gets our 405
    const listed = await app.inject({ method: 'GET', url: '/api/v1/payments' });
    expect(listed.json()).toMatchObject({ success: true, data: [], next_cursor: null });
    const notAllowed = await app.inject({ method: 'DELETE', url: '/api/v1/payments' });
    expect(notAllowed.statusCode).toBe(405);
    expect(notAllowed.headers.allow).toBe('POST, GET');
    const theirs = await app.inject({ method: 'GET', url: '/api/v1/anything/else' });
    expect(theirs.json()).toEqual({ host: 'wildcard' });
    await app.close();
  });

  it('refuses a second registration on the same instance with a clear error', async () => {
    const app = Fastify();
    await app.register(clickpesaPayments, { ...options, prefix: '/api/v1' });
    const second = app.register(clickpesaPayments, { ...options, prefix: '/api/v2' });
    await expect(second).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringContaining('already registered'),
    });
    await app.close();
  });

  it('shows every payment route, with its schemas, to @fastify/swagger', async () => {
    const app = Fastify();
    await app.register(swagger, { openapi: { info: { title: 'shop', version: '1' } } });
    await app.register(clickpesaPayments, { ...options, prefix: '/api/v1' });
    await app.ready();
    const spec = app.swagger() as { paths: Record<string, Record<string, OperationShape>> };
    const operations = Object.entries(spec.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({ path, method, operation })),
    );
    expect(operations.map(({ method, path }) => `${method.toUpperCase()} ${path}`).sort()).toEqual([
      'GET /api/v1/payments',
      'GET /api/v1/payments/{id}',
      'GET /api/v1/payments/{id}/audit',
      'GET /api/v1/payments/{id}/events',
      'GET /api/v1/payments/{id}/status',
      'POST /api/v1/callback',
      'POST /api/v1/payments',
      'POST /api/v1/payments/{id}/cancel',
      'POST /api/v1/payments/{id}/retry',
    ]);
    const create = spec.paths['/api/v1/payments']?.post;
    expect(create?.operationId).toBe('createPayment');
    expect(Object.keys(create?.responses ?? {})).toEqual(
      expect.arrayContaining(['201', '400', '401', '409']),
    );
    expect(create?.requestBody?.content['application/json']?.schema?.required).toEqual(['msisdn']);
    await app.close();
  });
});

interface OperationShape {
  operationId?: string;
  responses?: Record<string, unknown>;
  requestBody?: { content: Record<string, { schema?: { required?: string[] } }> };
}
