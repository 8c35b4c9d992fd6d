import { describe, expect, it } from 'vitest';
import { ClickPesaKitError, StoreUnavailableError } from '../../src/errors.js';
import { PaymentEvents } from '../../src/events.js';
import { createPaymentsHandler } from '../../src/http/handler.js';
import type { HandlerRequest, HandlerResponse } from '../../src/http/types.js';
import { FakePaymentService, paymentRecord, providerRecord } from './fake-service.js';

const TOKENS: Record<string, string> = { 'alice-token': 'alice', 'bob-token': 'bob' };

function setup(overrides: { bodyLimit?: number; secrets?: string[] } = {}) {
  const service = new FakePaymentService();
  const events = new PaymentEvents();
  const emitted: { type: string; payload: unknown }[] = [];
  events.on('error', (error) => emitted.push({ type: 'error', payload: error }));
  events.on('webhook.rejected', (event) => emitted.push({ type: 'webhook.rejected', payload: event }));
  const handler = createPaymentsHandler({
    service,
    events,
    authenticate: (raw) => {
      const token = (raw as { token?: string }).token;
      if (token === 'explode') throw new Error('auth backend down');
      return token && TOKENS[token] ? { id: TOKENS[token] } : null;
    },
    ...overrides,
  });
  return { service, events, emitted, handler };
}

function request(
  method: string,
  path: string,
  options: {
    token?: string | null;
    json?: unknown;
    rawBody?: string | Buffer;
    headers?: Record<string, string>;
  } = {},
): HandlerRequest {
  const headers: Record<string, string> = { ...options.headers };
  let rawBody = options.rawBody;
  if (options.json !== undefined) {
    rawBody = JSON.stringify(options.json);
    headers['content-type'] ??= 'application/json';
  }
  const token = options.token === undefined ? 'alice-token' : options.token;
  const result: HandlerRequest = { method, path, headers, raw: { token } };
  if (rawBody !== undefined) result.rawBody = rawBody;
  return result;
}

type Envelope = {
  success: boolean;
  message: string;
  data?: Record<string, unknown>;
  provider_status?: Record<string, unknown> | null;
  error?: { code: string; details?: { field?: string; message: string }[] };
};

function envelope(response: HandlerResponse): Envelope {
  return response.body as Envelope;
}

const validBody = {
  amount: 1000,
  currency: 'TZS',
  msisdn: '255680185784',
  provider: 'AIRTEL',
  customer_name: 'Test User',
};

describe('route table', () => {
  it('matches every route with and without a trailing slash, and nothing else', () => {
    const { handler } = setup();
    for (const path of [
      '/payments',
      '/payments/',
      '/payments/abc',
      '/payments/abc/',
      '/payments/abc/status',
      '/payments/abc/status/',
      '/payments/abc/retry/',
      '/payments/abc/cancel',
      '/callback',
      '/callback/',
    ]) {
      expect(handler.matches(path), path).toBe(true);
    }
    for (const path of [
      '/',
      '',
      '/pay',
      '/payments/abc/refund',
      '//payments',
      '/payments//status',
      '/callback/x',
    ]) {
      expect(handler.matches(path), path).toBe(false);
    }
  });

  it.each([
    ['POST', '/payments', 201, 'initiate'],
    ['POST', '/payments/', 201, 'initiate'],
    ['GET', '/payments/:id', 200, 'getPayment'],
    ['GET', '/payments/:id/', 200, 'getPayment'],
    ['GET', '/payments/:id/status', 200, 'refreshStatus'],
    ['GET', '/payments/:id/status/', 200, 'refreshStatus'],
    ['POST', '/payments/:id/retry', 201, 'retry'],
    ['POST', '/payments/:id/retry/', 201, 'retry'],
    ['POST', '/payments/:id/cancel', 200, 'cancel'],
    ['POST', '/payments/:id/cancel/', 200, 'cancel'],
    ['POST', '/callback', 200, 'handleWebhook'],
    ['POST', '/callback/', 200, 'handleWebhook'],
  ])('%s %s → %i via service.%s', async (method, path, status, serviceMethod) => {
    const { handler, service } = setup();
    const payment = service.add(paymentRecord());
    const json = path.startsWith('/payments/:id') ? undefined : validBody;
    const response = await handler.handle(request(method, path.replace(':id', payment.id), { json }));
    expect(response.status).toBe(status);
    expect(envelope(response).success).toBe(true);
    expect(service.calls.map((call) => call.method)).toEqual([serviceMethod]);
  });

  it('answers 405 with Allow for a wrong method on a known path, before authentication', async () => {
    const { handler, service } = setup();
    const get = await handler.handle(request('GET', '/callback', { token: null }));
    expect(get.status).toBe(405);
    expect(get.headers.allow).toBe('POST');
    expect(envelope(get).error?.code).toBe('METHOD_NOT_ALLOWED');
    const del = await handler.handle(request('DELETE', '/payments/abc/'));
    expect(del.status).toBe(405);
    expect(del.headers.allow).toBe('GET');
    const put = await handler.handle(request('PUT', '/payments'));
    expect(put.headers.allow).toBe('POST, GET');
    expect(service.calls).toHaveLength(0);
  });

  it('answers 404 for a path outside the table', async () => {
    const { handler } = setup();
    const response = await handler.handle(request('GET', '/nope'));
    expect(response.status).toBe(404);
    expect(envelope(response).error?.code).toBe('NOT_FOUND');
  });
});

describe('authentication', () => {
  it('refuses to start without authenticate (fail closed)', () => {
    const service = new FakePaymentService();
    const options = { service } as unknown as Parameters<typeof createPaymentsHandler>[0];
    expect(() => createPaymentsHandler(options)).toThrowError(/authenticate option is required/);
  });

  it('answers 401 when authenticate returns null, undefined or an object without an id', async () => {
    for (const result of [null, undefined, {}, { id: '' }, { id: {} }]) {
      const service = new FakePaymentService();
      const handler = createPaymentsHandler({ service, authenticate: () => result as { id: string } | null });
      const response = await handler.handle(request('POST', '/payments', { json: validBody }));
      expect(response.status).toBe(401);
      expect(envelope(response)).toEqual({
        success: false,
        message: 'Authentication required',
        error: { code: 'UNAUTHORIZED' },
      });
      expect(service.calls).toHaveLength(0);
    }
  });

  it('answers 401 without a token on every authenticated route', async () => {
    const { handler, service } = setup();
    const payment = service.add(paymentRecord());
    for (const [method, path] of [
      ['POST', '/payments'],
      ['GET', `/payments/${payment.id}`],
      ['GET', `/payments/${payment.id}/status`],
      ['POST', `/payments/${payment.id}/retry`],
      ['POST', `/payments/${payment.id}/cancel`],
    ] as const) {
      for (const token of [null, 'wrong-token']) {
        const response = await handler.handle(request(method, path, { token }));
        expect(response.status, `${method} ${path}`).toBe(401);
      }
    }
    expect(service.calls).toHaveLength(0);
  });

  it('emits error and rejects handle() with the error authenticate threw', async () => {
    const { handler, service, emitted } = setup();
    const pending = handler.handle(request('GET', '/payments/abc', { token: 'explode' }));
    await expect(pending).rejects.toThrowError('auth backend down');
    expect(emitted).toHaveLength(1);
    expect(emitted[0]?.type).toBe('error');
    expect(emitted[0]?.payload).toMatchObject({ message: 'auth backend down' });
    expect(service.calls).toHaveLength(0);
  });

  it('does not authenticate the webhook route', async () => {
    const { handler, service } = setup();
    const response = await handler.handle(
      request('POST', '/callback', { token: 'explode', json: { event: 'x' } }),
    );
    expect(response.status).toBe(200);
    expect(service.calls.map((call) => call.method)).toEqual(['handleWebhook']);
  });

  it('passes the principal id to the service and accepts numeric ids', async () => {
    const service = new FakePaymentService();
    const handler = createPaymentsHandler({
      service,
      authenticate: async () => ({ id: 42 as unknown as string }),
    });
    const response = await handler.handle(request('POST', '/payments', { json: validBody }));
    expect(response.status).toBe(201);
    expect(service.calls[0]?.args[0]).toBe('42');
  });
});

describe('envelope and status codes', () => {
  it('renders a created payment in the documented shape, with JSON and no-store headers', async () => {
    const { handler, service } = setup();
    const response = await handler.handle(request('POST', '/payments/', { json: validBody }));
    expect(response.status).toBe(201);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(response.headers['cache-control']).toBe('no-store');
    const body = envelope(response);
    expect(body.message).toBe('Payment initiated successfully. Customer will receive USSD push prompt.');
    expect(Object.keys(body)).toEqual(['success', 'message', 'data']);
    expect(body.data).toMatchObject({
      transaction_id: 'LCPCANS7MP',
      reference: 'PAY3A44E1A7FC81',
      status: 'processing',
      amount: '1000.00',
      currency: 'TZS',
      msisdn: '255680185784',
      provider: 'AIRTEL',
    });
    expect(service.calls[0]?.args).toEqual(['alice', validBody, {}]);
  });

  it('answers 201 with a distinct message when the push outcome is pending', async () => {
    const { handler, service } = setup();
    service.pushOutcome = 'pending';
    const response = await handler.handle(request('POST', '/payments', { json: validBody }));
    expect(response.status).toBe(201);
    expect(envelope(response).message).toMatch(/not confirmed/);
  });

  it('answers 422 PAYMENT_REJECTED with the failed payment as data', async () => {
    const { handler, service } = setup();
    service.pushOutcome = 'rejected';
    const response = await handler.handle(request('POST', '/payments', { json: validBody }));
    expect(response.status).toBe(422);
    const body = envelope(response);
    expect(body.success).toBe(false);
    expect(body.error).toEqual({ code: 'PAYMENT_REJECTED' });
    expect(body.data?.status).toBe('failed');
  });

  it('returns provider_status on the status route, with only the guide fields', async () => {
    const { handler, service } = setup();
    const payment = service.add(paymentRecord({ status: 'success', providerStatus: providerRecord }));
    const response = await handler.handle(request('GET', `/payments/${payment.id}/status/`));
    const body = envelope(response);
    expect(body.message).toBe('Payment status retrieved successfully');
    expect(body.provider_status).toEqual({
      id: 'LCPCANS7MP',
      status: 'SUCCESS',
      channel: 'AIRTEL-MONEY',
      orderReference: 'PAY3A44E1A7FC81',
      collectedAmount: '1000.00',
      collectedCurrency: 'TZS',
      createdAt: '2025-10-01T11:51:42.303Z',
    });
  });

  it('returns provider_status null when ClickPesa has not been heard from', async () => {
    const { handler, service } = setup();
    const payment = service.add(paymentRecord({ status: 'pending', transactionId: null }));
    const body = envelope(await handler.handle(request('GET', `/payments/${payment.id}/status`)));
    expect(body.provider_status).toBeNull();
  });

  it.each([
    ['NOT_FOUND', 404],
    ['RETRY_NOT_ALLOWED', 409],
    ['ALREADY_PAID', 409],
    ['CANCEL_NOT_ALLOWED', 409],
    ['PUSH_IN_PROGRESS', 409],
    ['IDEMPOTENCY_KEY_REUSED', 422],
    ['IDEMPOTENCY_KEY_REQUIRED', 400],
    ['RATE_LIMITED', 429],
    ['STORE_UNAVAILABLE', 503],
    ['PROVIDER_UNAVAILABLE', 503],
    ['PROVIDER_TIMEOUT', 504],
  ] as const)('maps %s to %i', async (code, status) => {
    const { handler, service, emitted } = setup();
    service.failWith = new ClickPesaKitError(code);
    const response = await handler.handle(request('POST', '/payments', { json: validBody }));
    expect(response.status).toBe(status);
    expect(envelope(response).error?.code).toBe(code);
    expect(emitted).toHaveLength(0);
  });

  it('adds Retry-After: 1 to IDEMPOTENCY_KEY_IN_USE and a computed one to rate limits', async () => {
    const { handler, service } = setup();
    service.failWith = new ClickPesaKitError('IDEMPOTENCY_KEY_IN_USE');
    const inUse = await handler.handle(
      request('POST', '/payments', { json: validBody, headers: { 'idempotency-key': 'k1' } }),
    );
    expect(inUse.status).toBe(409);
    expect(inUse.headers['retry-after']).toBe('1');
    service.failWith = new ClickPesaKitError('RATE_LIMITED', { retryAfterMs: 2_500 });
    const limited = await handler.handle(request('POST', '/payments', { json: validBody }));
    expect(limited.headers['retry-after']).toBe('3');
  });

  it('keeps 4xx messages and details but hides 5xx messages behind the catalog text', async () => {
    const { handler, service } = setup();
    service.failWith = new ClickPesaKitError('VALIDATION_ERROR', {
      details: [{ field: 'amount', message: 'must be at least 100' }],
    });
    const invalid = envelope(await handler.handle(request('POST', '/payments', { json: validBody })));
    expect(invalid.error).toEqual({
      code: 'VALIDATION_ERROR',
      details: [{ field: 'amount', message: 'must be at least 100' }],
    });
    service.failWith = new ClickPesaKitError('PROVIDER_UNAVAILABLE', {
      message: 'upstream said <html>secret-ish</html>',
      details: [{ message: 'raw' }],
    });
    const down = envelope(await handler.handle(request('POST', '/payments', { json: validBody })));
    expect(down).toEqual({
      success: false,
      message: 'ClickPesa is unavailable',
      error: { code: 'PROVIDER_UNAVAILABLE' },
    });
  });

  it('turns unknown errors into a generic 500 after emitting error, without a stack trace', async () => {
    const { handler, service, emitted } = setup();
    service.failWith = new TypeError('cannot read properties of undefined (reading "x") at /srv/app.js:1');
    const response = await handler.handle(request('GET', '/payments/abc'));
    expect(response.status).toBe(500);
    expect(envelope(response)).toEqual({
      success: false,
      message: 'Internal error',
      error: { code: 'INTERNAL_ERROR' },
    });
    expect(JSON.stringify(response.body)).not.toMatch(/app\.js|TypeError|at /);
    expect(emitted.map((event) => event.type)).toEqual(['error']);
  });

  it('maps a StoreUnavailableError to 503', async () => {
    const { handler, service } = setup();
    service.failWith = new StoreUnavailableError({ cause: new Error('connect ECONNREFUSED') });
    const response = await handler.handle(request('GET', '/payments/abc'));
    expect(response.status).toBe(503);
    expect(envelope(response).error?.code).toBe('STORE_UNAVAILABLE');
  });

  it('redacts configured secrets from any response', async () => {
    const { handler, service } = setup({ secrets: ['SENTINEL_API_KEY_123'] });
    service.failWith = new ClickPesaKitError('VALIDATION_ERROR', {
      message: 'bad key SENTINEL_API_KEY_123 here',
    });
    const response = await handler.handle(request('POST', '/payments', { json: validBody }));
    expect(JSON.stringify(response.body)).not.toContain('SENTINEL_API_KEY_123');
    expect(envelope(response).message).toBe('bad key [REDACTED] here');
  });

  it('marks Idempotency-Key replays and passes the key to the service', async () => {
    const { handler, service } = setup();
    service.initiate = async (ownerId, body, options) => {
      service.calls.push({ method: 'initiate', args: [ownerId, body, options] });
      return { payment: paymentRecord(), outcome: 'accepted', replayed: true };
    };
    const response = await handler.handle(
      request('POST', '/payments', { json: validBody, headers: { 'idempotency-key': 'order-42' } }),
    );
    expect(response.status).toBe(201);
    expect(response.headers['idempotent-replayed']).toBe('true');
    expect(service.calls[0]?.args[2]).toEqual({ idempotencyKey: 'order-42' });
  });
});

describe('input validation', () => {
  it('rejects a bad Idempotency-Key with details and no service call', async () => {
    const { handler, service } = setup();
    for (const key of ['x'.repeat(256), 'bad\u0001key', '']) {
      const response = await handler.handle(
        request('POST', '/payments', { json: validBody, headers: { 'idempotency-key': key } }),
      );
      expect(response.status).toBe(400);
      expect(envelope(response).error?.details?.[0]?.field).toBe('Idempotency-Key');
    }
    expect(service.calls).toHaveLength(0);
  });

  it('refuses a repeated Idempotency-Key (arriving joined as "a, b") naming the header', async () => {
    const { handler, service } = setup();
    const response = await handler.handle(
      request('POST', '/payments', { json: validBody, headers: { 'idempotency-key': 'key-a, key-b' } }),
    );
    expect(response.status).toBe(400);
    expect(envelope(response).error).toEqual({
      code: 'VALIDATION_ERROR',
      details: [{ field: 'Idempotency-Key', message: 'must be sent once and must not contain a comma' }],
    });
    expect(service.calls).toHaveLength(0);
  });

  it('reads a JSON amount from its text: more than two decimals is refused even when the double rounds', async () => {
    const { handler, service } = setup();
    const body = (amount: string) =>
      request('POST', '/payments', {
        rawBody: `{"msisdn":"255680185784","amount":${amount},"metadata":{"amount":1.001}}`,
        headers: { 'content-type': 'application/json' },
      });
    for (const amount of ['100.999999999999999999', '1000.001', '1.000001e3', '0.005']) {
      const response = await handler.handle(body(amount));
      expect(response.status).toBe(400);
      expect(envelope(response).error?.details).toEqual([
        {
          field: 'amount',
          message: 'Amount may have at most 2 decimal places (send it as a decimal string, e.g. "1000.50")',
        },
      ]);
    }
    expect(service.calls).toHaveLength(0);
    // exact numbers pass through untouched (a nested "amount" is not the amount)
    for (const amount of ['1000', '1000.50', '1.5e3', '100050e-2']) {
      expect((await handler.handle(body(amount))).status).toBe(201);
    }
    expect(service.calls).toHaveLength(4);
  });

  it('answers 404 without a service call for ids that cannot exist', async () => {
    const { handler, service } = setup();
    const response = await handler.handle(request('GET', `/payments/${encodeURIComponent('a b;drop')}`));
    expect(response.status).toBe(404);
    expect(service.calls).toHaveLength(0);
  });

  it('requires a JSON object body on create', async () => {
    const { handler, service } = setup();
    for (const json of [[1, 2], 'text', 12, null]) {
      const response = await handler.handle(request('POST', '/payments', { json }));
      expect(response.status).toBe(400);
      expect(envelope(response).error).toEqual({
        code: 'VALIDATION_ERROR',
        details: [{ field: 'body', message: 'the body must be a JSON object' }],
      });
      expect(envelope(response).message).toBe('the body must be a JSON object');
    }
    const empty = await handler.handle(request('POST', '/payments'));
    expect(empty.status).toBe(400);
    expect(envelope(empty).error?.details?.[0]?.message).toMatch(/required/);
    expect(service.calls).toHaveLength(0);
  });

  it('answers 400 MALFORMED_JSON for broken JSON', async () => {
    const { handler, service } = setup();
    const response = await handler.handle(
      request('POST', '/payments', {
        rawBody: '{"amount": 10',
        headers: { 'content-type': 'application/json' },
      }),
    );
    expect(response.status).toBe(400);
    expect(envelope(response).error?.code).toBe('MALFORMED_JSON');
    expect(service.calls).toHaveLength(0);
  });

  it('rejects __proto__ and constructor.prototype payloads with 400, raw or host-parsed', async () => {
    const { handler, service } = setup();
    const raw = await handler.handle(
      request('POST', '/payments', {
        rawBody: '{"amount":1000,"__proto__":{"admin":true}}',
        headers: { 'content-type': 'application/json' },
      }),
    );
    expect(raw.status).toBe(400);
    expect(envelope(raw).error?.code).toBe('VALIDATION_ERROR');
    const nested = await handler.handle(
      request('POST', '/payments', {
        rawBody: '{"metadata":{"constructor":{"prototype":{"x":1}}}}',
        headers: { 'content-type': 'application/json' },
      }),
    );
    expect(nested.status).toBe(400);
    // what a host's JSON.parse-based parser leaves behind: an own __proto__ key
    const hostParsed = await handler.handle({
      method: 'POST',
      path: '/payments',
      headers: { 'content-type': 'application/json', 'content-length': '40' },
      body: JSON.parse('{"amount":1000,"__proto__":{"admin":true}}'),
      raw: { token: 'alice-token' },
    });
    expect(hostParsed.status).toBe(400);
    expect(service.calls).toHaveLength(0);
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });

  it('rejects JSON nested deeper than the limit', async () => {
    const { handler, service } = setup();
    const deep = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
    const response = await handler.handle(
      request('POST', '/payments', { rawBody: deep, headers: { 'content-type': 'application/json' } }),
    );
    expect(response.status).toBe(400);
    expect(service.calls).toHaveLength(0);
  });

  it('answers 415 for a body that is not JSON, and accepts +json and a UTF-8 charset', async () => {
    const { handler, service } = setup();
    for (const contentType of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'application/json; charset=latin1',
    ]) {
      const response = await handler.handle(
        request('POST', '/payments', { json: validBody, headers: { 'content-type': contentType } }),
      );
      expect(response.status, contentType).toBe(415);
      expect(envelope(response).error?.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    }
    const missing = await handler.handle(
      request('POST', '/payments', { rawBody: JSON.stringify(validBody) }),
    );
    expect(missing.status).toBe(415);
    expect(service.calls).toHaveLength(0);
    for (const contentType of [
      'application/json; charset=UTF-8',
      'application/merge-patch+json',
      'Application/JSON',
    ]) {
      const response = await handler.handle(
        request('POST', '/payments', { json: validBody, headers: { 'content-type': contentType } }),
      );
      expect(response.status, contentType).toBe(201);
    }
  });

  it('answers 413 for bodies over the limit, however the adapter reports them', async () => {
    const { handler, service } = setup({ bodyLimit: 1024 });
    expect(handler.bodyLimit).toBe(1024);
    const big = JSON.stringify({ ...validBody, customer_name: 'x'.repeat(2000) });
    const cases: HandlerRequest[] = [
      request('POST', '/payments', { rawBody: big, headers: { 'content-type': 'application/json' } }),
      request('POST', '/payments', { rawBody: Buffer.from(big), headers: { 'content-type': 'text/plain' } }),
      {
        ...request('POST', '/payments', { headers: { 'content-type': 'application/json' } }),
        bodyTooLarge: true,
      },
      request('POST', '/payments', {
        headers: { 'content-type': 'application/json', 'content-length': '5000' },
      }),
    ];
    for (const incoming of cases) {
      const response = await handler.handle(incoming);
      expect(response.status).toBe(413);
      expect(envelope(response).error?.code).toBe('PAYLOAD_TOO_LARGE');
    }
    expect(service.calls).toHaveLength(0);
  });

  it('uses the host-parsed body when there is no raw body', async () => {
    const { handler, service } = setup();
    const response = await handler.handle({
      method: 'POST',
      path: '/payments',
      headers: { 'content-type': 'application/json', 'content-length': '90' },
      body: validBody,
      raw: { token: 'alice-token' },
    });
    expect(response.status).toBe(201);
    expect(service.calls[0]?.args[1]).toEqual(validBody);
  });

  it('accepts retry and cancel with no body, an empty object or a host placeholder, but no fields', async () => {
    const { handler, service } = setup();
    const payment = service.add(paymentRecord({ status: 'failed' }));
    const noBody = await handler.handle(request('POST', `/payments/${payment.id}/retry`));
    expect(noBody.status).toBe(201);
    const emptyObject = await handler.handle(request('POST', `/payments/${payment.id}/cancel`, { json: {} }));
    expect(emptyObject.status).toBe(200);
    expect(envelope(emptyObject).data?.status).toBe('cancelled');
    const placeholder = await handler.handle({
      method: 'POST',
      path: `/payments/${payment.id}/retry/`,
      headers: {},
      body: {},
      raw: { token: 'alice-token' },
    });
    expect(placeholder.status).toBe(201);
    const withField = await handler.handle(
      request('POST', `/payments/${payment.id}/retry`, { json: { amount: 5 } }),
    );
    expect(withField.status).toBe(400);
    expect(envelope(withField).error?.details).toEqual([{ field: 'amount', message: 'unknown field' }]);
    for (const rawBody of ['"hi"', 'null', '[1]']) {
      const notAnObject = await handler.handle(
        request('POST', `/payments/${payment.id}/cancel`, {
          rawBody,
          headers: { 'content-type': 'application/json' },
        }),
      );
      expect(notAnObject.status).toBe(400);
      expect(envelope(notAnObject).error).toEqual({
        code: 'VALIDATION_ERROR',
        details: [{ field: 'body', message: 'the body must be a JSON object' }],
      });
    }
    expect(service.calls.map((call) => call.method)).toEqual(['retry', 'cancel', 'retry']);
  });

  it('scopes every route by the owner: another principal gets 404', async () => {
    const { handler, service } = setup();
    const payment = service.add(paymentRecord({ ownerId: 'alice' }));
    for (const [method, path] of [
      ['GET', `/payments/${payment.id}`],
      ['GET', `/payments/${payment.id}/status`],
      ['POST', `/payments/${payment.id}/retry`],
      ['POST', `/payments/${payment.id}/cancel`],
    ] as const) {
      const response = await handler.handle(request(method, path, { token: 'bob-token' }));
      expect(response.status, path).toBe(404);
    }
    expect(service.calls.every((call) => call.args[0] === 'bob')).toBe(true);
  });
});

describe('webhook route', () => {
  it('hands raw bytes, the safely parsed body and headers to the service', async () => {
    const { handler, service } = setup();
    const rawBody = Buffer.from('{\n  "event": "PAYMENT RECEIVED",\n  "data": {"orderReference": "PAY1"}\n}');
    const response = await handler.handle(
      request('POST', '/callback/', {
        token: null,
        rawBody,
        headers: { 'content-type': 'application/json' },
      }),
    );
    expect(response.status).toBe(200);
    expect(envelope(response)).toEqual({ success: true, message: 'accepted' });
    const input = service.calls[0]?.args[0] as { rawBody: Buffer; body: unknown; headers: unknown };
    expect(input.rawBody).toBe(rawBody);
    expect(input.body).toEqual({ event: 'PAYMENT RECEIVED', data: { orderReference: 'PAY1' } });
  });

  it.each([
    [400, 'VALIDATION_ERROR'],
    [401, 'WEBHOOK_SIGNATURE_INVALID'],
    [503, 'STORE_UNAVAILABLE'],
  ] as const)('renders the service answer %i as %s', async (status, code) => {
    const { handler, service } = setup();
    service.webhookResult = { status, message: 'because' };
    const response = await handler.handle(
      request('POST', '/callback', { token: null, json: { event: 'x' } }),
    );
    expect(response.status).toBe(status);
    expect(envelope(response)).toEqual({ success: false, message: 'because', error: { code } });
  });

  it('rejects oversize, non-JSON, malformed, empty and poisoned webhooks before the service, with events', async () => {
    const { handler, service, emitted } = setup({ bodyLimit: 512 });
    const json = { 'content-type': 'application/json' };
    const cases: [HandlerRequest, number, string][] = [
      [
        request('POST', '/callback', { token: null, rawBody: 'x'.repeat(600), headers: json }),
        413,
        'too_large',
      ],
      [
        request('POST', '/callback', {
          token: null,
          rawBody: 'event=x',
          headers: { 'content-type': 'text/plain' },
        }),
        415,
        'unsupported_media_type',
      ],
      [request('POST', '/callback', { token: null, rawBody: '{"event":', headers: json }), 400, 'malformed'],
      [request('POST', '/callback', { token: null, rawBody: '', headers: json }), 400, 'malformed'],
      [
        request('POST', '/callback', {
          token: null,
          rawBody: '{"__proto__":{"status":"SUCCESS"}}',
          headers: json,
        }),
        400,
        'malformed',
      ],
    ];
    for (const [incoming, status, reason] of cases) {
      const response = await handler.handle(incoming);
      expect(response.status, reason).toBe(status);
      expect(emitted.at(-1)).toMatchObject({ type: 'webhook.rejected', payload: { reason } });
    }
    expect(emitted).toHaveLength(cases.length);
    expect(service.calls).toHaveLength(0);
  });

  it('answers 500 and emits error when the service throws unexpectedly', async () => {
    const { handler, service, emitted } = setup();
    service.failWith = new Error('bug');
    const response = await handler.handle(
      request('POST', '/callback', { token: null, json: { event: 'x' } }),
    );
    expect(response.status).toBe(500);
    expect(emitted.map((event) => event.type)).toEqual(['error']);
  });
});
