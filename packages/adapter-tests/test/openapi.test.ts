import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createMemoryStore } from '@clickpesa-kit/core';
import { paymentsOpenApi } from '@clickpesa-kit/core/adapter';
import { clickpesaPayments } from '@clickpesa-kit/express';
import { validate } from '@readme/openapi-parser';
import { describe, expect, it } from 'vitest';
import { expectMatchesOpenApi } from './support/openapi-check.js';

const COMMITTED = join(import.meta.dirname, '..', '..', '..', 'docs', 'openapi.json');

describe('the OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const document = structuredClone(paymentsOpenApi({ prefix: '/api/v1' }));
    const result = await validate(document as Parameters<typeof validate>[0]);
    expect(result.valid ? [] : result.errors).toEqual([]);
    expect(result.specification).toBe('OpenAPI');
  });

  it('lists every route with its parameters, bodies, statuses and error codes', () => {
    // biome-ignore lint/suspicious/noExplicitAny: the document is walked field by field below
    const document = paymentsOpenApi({ prefix: '/api/v1' }) as { paths: Record<string, Record<string, any>> };
    expect(Object.keys(document.paths).sort()).toEqual([
      '/api/v1/callback',
      '/api/v1/health/live',
      '/api/v1/health/ready',
      '/api/v1/payments',
      '/api/v1/payments/{id}',
      '/api/v1/payments/{id}/audit',
      '/api/v1/payments/{id}/cancel',
      '/api/v1/payments/{id}/events',
      '/api/v1/payments/{id}/retry',
      '/api/v1/payments/{id}/status',
    ]);
    // the event stream is documented as what it is, not as JSON
    expect(Object.keys(document.paths['/api/v1/payments/{id}/events']?.get.responses['200'].content)).toEqual(
      ['text/event-stream'],
    );
    const create = document.paths['/api/v1/payments']?.post;
    expect(create.parameters.map((parameter: { name: string }) => parameter.name)).toEqual([
      'Idempotency-Key',
    ]);
    expect(Object.keys(create.responses)).toEqual(
      expect.arrayContaining(['201', '400', '401', '409', '413', '415', '422', '500', '503']),
    );
    const conflicts =
      create.responses['409'].content['application/json'].schema.properties.error.properties.code;
    expect(conflicts.enum).toEqual(expect.arrayContaining(['PUSH_IN_PROGRESS', 'IDEMPOTENCY_KEY_IN_USE']));
    expect(document.paths['/api/v1/payments/{id}']?.get.parameters[0]).toMatchObject({
      name: 'id',
      in: 'path',
    });
    expect(document.paths['/api/v1/callback']?.post.security).toEqual([]);
    // the probes: no auth, and readiness documents its 503
    expect(document.paths['/api/v1/health/ready']?.get.security).toEqual([]);
    expect(Object.keys(document.paths['/api/v1/health/ready']?.get.responses)).toEqual(['200', '503']);
  });

  it('is what the kit serves as payments.openapi()', () => {
    const router = clickpesaPayments({
      store: createMemoryStore(),
      authenticate: () => null,
      clickpesa: { clientId: 'id', apiKey: 'key', env: {} },
      poller: false,
    });
    expect(router.payments.openapi({ prefix: '/shop' })).toEqual(paymentsOpenApi({ prefix: '/shop' }));
    void router.payments.close();
  });

  it('is committed up to date in docs/openapi.json (run `pnpm openapi` after changing a route)', () => {
    expect(JSON.parse(readFileSync(COMMITTED, 'utf8'))).toEqual(paymentsOpenApi());
  });

  it('the response check used by the HTTP suite rejects answers the document does not describe', () => {
    const payment = { success: true, message: 'ok' }; // a 201 without its payment
    expect(() => expectMatchesOpenApi('POST', '/payments', 201, payment)).toThrow(
      /does not match its schema/,
    );
    expect(() =>
      expectMatchesOpenApi('GET', '/payments/abc', 418, {
        success: false,
        message: 'x',
        error: { code: 'NOT_FOUND' },
      }),
    ).toThrow(/does not list/);
    expect(() =>
      expectMatchesOpenApi('GET', '/payments/abc', 404, {
        success: false,
        message: 'x',
        error: { code: 'ALREADY_PAID' },
      }),
    ).toThrow(/does not match its schema/);
  });
});
