import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createPaymentsClient,
  isPaymentsApiError,
  PaymentsApiError,
  type PaymentsClient,
} from '../src/index.js';
import { type ServedDouble, serveDouble } from './double-transports.js';
import { createRouteDouble, type RouteDouble } from './route-double.js';

/** The client over real HTTP against a double of our routes (route-double.ts). Real timers throughout. */

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const ORDER = { amount: 1000, msisdn: '0712345678', customer_name: 'Test User' };

let double: RouteDouble;
let served: ServedDouble;
let client: PaymentsClient;

beforeAll(async () => {
  double = createRouteDouble();
  served = await serveDouble(double);
});
afterAll(async () => {
  await served.close();
});
beforeEach(() => {
  double.requests.length = 0;
  client = createPaymentsClient({ baseUrl: served.baseUrl, token: 'alice-token' });
});

async function rejectionOf(promise: Promise<unknown>): Promise<PaymentsApiError> {
  const error = await promise.then(
    () => null,
    (reason: unknown) => reason,
  );
  if (!isPaymentsApiError(error)) throw new Error(`expected a PaymentsApiError, got ${String(error)}`);
  return error;
}

describe('initiatePayment', () => {
  it('POSTs the order as JSON with the bearer token and a fresh UUID Idempotency-Key', async () => {
    const result = await client.initiatePayment(ORDER);

    expect(result.httpStatus).toBe(201);
    expect(result.payment).toMatchObject({ status: 'processing', amount: '1000.00', msisdn: '255712345678' });
    expect(result.message).toBe('Payment initiated successfully. Customer will receive USSD push prompt.');
    expect(result.replayed).toBe(false);
    const [sent] = double.requests;
    expect(sent).toMatchObject({ method: 'POST', path: '/payments' });
    expect(sent?.headers.authorization).toBe('Bearer alice-token');
    expect(sent?.headers['content-type']).toBe('application/json');
    expect(sent?.headers['idempotency-key']).toMatch(UUID_V4);
    expect(result.idempotencyKey).toBe(sent?.headers['idempotency-key']);
    expect(sent?.body).toEqual({ currency: 'TZS', ...ORDER });
  });

  it('generates a different key per call, so two clicks are two payments', async () => {
    const first = await client.initiatePayment(ORDER);
    const second = await client.initiatePayment({ ...ORDER, msisdn: '0712345671' });
    expect(first.idempotencyKey).not.toBe(second.idempotencyKey);
    expect(first.payment.id).not.toBe(second.payment.id);
  });

  it('reuses a given key: the server replays the first payment instead of creating another', async () => {
    const before = double.paymentCount();
    const first = await client.initiatePayment(ORDER, { idempotencyKey: 'order-42' });
    const again = await client.initiatePayment(ORDER, { idempotencyKey: 'order-42' });
    expect(again.replayed).toBe(true);
    expect(again.payment.id).toBe(first.payment.id);
    expect(double.paymentCount()).toBe(before + 1);
    expect(double.requests.map((request) => request.headers['idempotency-key'])).toEqual([
      'order-42',
      'order-42',
    ]);
  });

  it('turns a validation error into a PaymentsApiError naming each field', async () => {
    const error = await rejectionOf(client.initiatePayment({ amount: '12.345', msisdn: '12' }));
    expect(error).toBeInstanceOf(PaymentsApiError);
    expect(error).toMatchObject({ status: 400, code: 'VALIDATION_ERROR', message: 'The request is invalid' });
    expect(error.details.map((detail) => detail.field)).toEqual(['amount', 'msisdn']);
    expect(error.transient).toBe(false);
    expect(error.idempotencyKey).toMatch(UUID_V4);
  });

  it('carries the failed payment of a rejected push (422 PAYMENT_REJECTED)', async () => {
    const error = await rejectionOf(client.initiatePayment({ ...ORDER, msisdn: '0712345679' }));
    expect(error).toMatchObject({ status: 422, code: 'PAYMENT_REJECTED' });
    expect(error.payment).toMatchObject({
      status: 'failed',
      error_message: 'Invalid / unsupported phone number',
    });
  });

  it('reports a reused key with another body as 422 IDEMPOTENCY_KEY_REUSED', async () => {
    await client.initiatePayment(ORDER, { idempotencyKey: 'order-43' });
    const error = await rejectionOf(
      client.initiatePayment({ ...ORDER, amount: 2000 }, { idempotencyKey: 'order-43' }),
    );
    expect(error).toMatchObject({ status: 422, code: 'IDEMPOTENCY_KEY_REUSED', idempotencyKey: 'order-43' });
  });
});

describe('authentication and headers', () => {
  it('calls a token function before every request', async () => {
    const tokens = ['alice-token', 'bob-token'];
    const rotating = createPaymentsClient({ baseUrl: served.baseUrl, token: async () => tokens.shift() });
    const created = await rotating.initiatePayment(ORDER);
    // bob may not see alice's payment: 404, exactly as for an unknown id
    const error = await rejectionOf(rotating.getPayment(created.payment.id));
    expect(error).toMatchObject({ status: 404, code: 'NOT_FOUND' });
    expect(double.requests.map((request) => request.headers.authorization)).toEqual([
      'Bearer alice-token',
      'Bearer bob-token',
    ]);
  });

  it('never doubles a "Bearer " prefix the caller already added', async () => {
    const prefixed = createPaymentsClient({ baseUrl: served.baseUrl, token: 'Bearer alice-token' });
    await prefixed.initiatePayment(ORDER);
    expect(double.requests[0]?.headers.authorization).toBe('Bearer alice-token');
  });

  it('without a token the server answers 401 and the error says so', async () => {
    const anonymous = createPaymentsClient({ baseUrl: served.baseUrl });
    const error = await rejectionOf(anonymous.initiatePayment(ORDER));
    expect(error).toMatchObject({ status: 401, code: 'UNAUTHORIZED', message: 'Authentication required' });
    expect(double.requests[0]?.headers).not.toHaveProperty('authorization');
  });

  it('sends client-wide and per-call headers', async () => {
    const withHeaders = createPaymentsClient({
      baseUrl: `${served.baseUrl}/`,
      token: 'alice-token',
      headers: { 'x-shop': 'duka' },
    });
    await withHeaders.initiatePayment(ORDER, { headers: { 'x-request-id': 'r-1' } });
    expect(double.requests[0]).toMatchObject({ path: '/payments' });
    expect(double.requests[0]?.headers).toMatchObject({ 'x-shop': 'duka', 'x-request-id': 'r-1' });
  });

  it('uses an injected fetch', async () => {
    const seen: string[] = [];
    const spying = createPaymentsClient({
      baseUrl: served.baseUrl,
      token: 'alice-token',
      fetch: (input, init) => {
        seen.push(`${init.method} ${input}`);
        return fetch(input, init);
      },
    });
    await spying.initiatePayment(ORDER);
    expect(seen).toEqual([`POST ${served.baseUrl}/payments`]);
  });
});

describe('reading, cancelling and retrying', () => {
  it('getPayment reads the stored payment; getStatus also returns ClickPesa’s record', async () => {
    const { payment } = await client.initiatePayment(ORDER);
    const stored = await client.getPayment(payment.id);
    expect(stored).toMatchObject({ httpStatus: 200, providerStatus: null, payment: { id: payment.id } });
    expect(double.statusChecks(payment.id)).toBe(0);

    double.update(payment.id, { status: 'success' });
    const status = await client.getStatus(payment.id);
    expect(status.payment).toMatchObject({ id: payment.id, status: 'success' });
    expect(status.providerStatus).toMatchObject({ status: 'SUCCESS', orderReference: payment.reference });
    expect(status.message).toBe('Payment status retrieved successfully');
    expect(double.requests.map((request) => `${request.method} ${request.path}`).slice(1)).toEqual([
      `GET /payments/${payment.id}`,
      `GET /payments/${payment.id}/status`,
    ]);
  });

  it('retry is refused (409) while the payment is open, and makes a new attempt once it is cancelled', async () => {
    const { payment } = await client.initiatePayment(ORDER);
    const refused = await rejectionOf(client.retryPayment(payment.id));
    expect(refused).toMatchObject({ status: 409, code: 'RETRY_NOT_ALLOWED' });

    const cancelled = await client.cancelPayment(payment.id);
    expect(cancelled.payment.status).toBe('cancelled');
    const retried = await client.retryPayment(payment.id);
    expect(retried.httpStatus).toBe(201);
    expect(retried.payment).toMatchObject({ id: payment.id, status: 'processing', attempts: 2 });
    expect(retried.payment.reference).not.toBe(payment.reference);
    const retryRequest = double.requests.at(-1);
    expect(retryRequest?.headers['idempotency-key']).toMatch(UUID_V4);
    expect(retryRequest?.body).toBeUndefined();

    const again = await rejectionOf(
      client.cancelPayment(payment.id).then(() => client.cancelPayment(payment.id)),
    );
    expect(again).toMatchObject({ status: 409, code: 'CANCEL_NOT_ALLOWED' });
  });

  it('encodes the payment id into the path', async () => {
    const error = await rejectionOf(client.getPayment('../payments'));
    expect(error).toMatchObject({ status: 404, code: 'NOT_FOUND' });
    expect(double.requests[0]?.path).toBe('/payments/..%2Fpayments');
  });

  it('rejects an empty payment id before sending anything', async () => {
    await expect(client.getStatus('')).rejects.toThrow(TypeError);
    expect(double.requests).toHaveLength(0);
  });
});

describe('transport failures', () => {
  it('an unreachable server is a transient NETWORK_ERROR with status 0 that keeps the idempotency key', async () => {
    const gone = await serveDouble(createRouteDouble());
    await gone.close();
    const offline = createPaymentsClient({ baseUrl: gone.baseUrl, token: 'alice-token' });
    const error = await rejectionOf(offline.initiatePayment(ORDER, { idempotencyKey: 'order-44' }));
    expect(error).toMatchObject({ status: 0, code: 'NETWORK_ERROR', idempotencyKey: 'order-44' });
    expect(error.transient).toBe(true);
    expect(error.cause).toBeDefined();
  });

  it('a connection dropped mid-request is a NETWORK_ERROR', async () => {
    double.planNext(['drop']);
    const { payment } = await client.initiatePayment(ORDER);
    const error = await rejectionOf(client.getStatus(payment.id));
    expect(error).toMatchObject({ status: 0, code: 'NETWORK_ERROR' });
    expect(double.statusChecks(payment.id)).toBe(1);
  });

  it.each([
    [502, true],
    [404, false],
  ])('an HTML %i page (not our envelope) is INVALID_RESPONSE, transient: %s', async (status, transient) => {
    double.planNext([
      { reply: status, body: '<html><h1>Oops</h1></html>', headers: { 'content-type': 'text/html' } },
    ]);
    const { payment } = await client.initiatePayment(ORDER);
    const error = await rejectionOf(client.getStatus(payment.id));
    expect(error).toMatchObject({ status, code: 'INVALID_RESPONSE' });
    expect(error.transient).toBe(transient);
  });

  it('reads Retry-After into retryAfterMs', async () => {
    double.planNext([
      {
        reply: 429,
        body: { success: false, message: 'Too many requests', error: { code: 'RATE_LIMITED' } },
        headers: { 'retry-after': '3' },
      },
    ]);
    const { payment } = await client.initiatePayment(ORDER);
    const error = await rejectionOf(client.getStatus(payment.id));
    expect(error).toMatchObject({ status: 429, code: 'RATE_LIMITED', retryAfterMs: 3000 });
    expect(error.transient).toBe(true);
  });

  it('gives up after timeoutMs when no answer comes', async () => {
    double.planNext(['hold']);
    const impatient = createPaymentsClient({ baseUrl: served.baseUrl, token: 'alice-token', timeoutMs: 150 });
    const { payment } = await impatient.initiatePayment(ORDER);
    const error = await rejectionOf(impatient.getStatus(payment.id));
    expect(error).toMatchObject({ status: 0, code: 'NETWORK_ERROR' });
    expect(error.message).toBe('The payments server did not answer within 150 ms');
  });

  it('an aborted call rejects with the abort reason, not a PaymentsApiError', async () => {
    double.planNext(['hold']);
    const { payment } = await client.initiatePayment(ORDER);
    const controller = new AbortController();
    const pending = client.getStatus(payment.id, { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('customer left the page')), 50);
    await expect(pending).rejects.toThrow('customer left the page');
  });
});

describe('listPayments', () => {
  const answering = (status: number, body: unknown, seen: string[] = []) =>
    createPaymentsClient({
      baseUrl: 'https://shop.example/api/v1/',
      token: 'alice-token',
      fetch: async (input, init) => {
        seen.push(`${init.method} ${input}`);
        return new Response(JSON.stringify(body), {
          status,
          headers: { 'content-type': 'application/json' },
        });
      },
    });

  it('sends the filters as the route names them, encoded, and only those given', async () => {
    const seen: string[] = [];
    const page = { success: true, message: 'Payments retrieved successfully', data: [], next_cursor: 'abc' };
    const listing = answering(200, page, seen);
    const result = await listing.listPayments({ externalOrderId: 'A 17/&', status: 'failed', limit: 5 });
    await listing.listPayments();
    await listing.listPayments({ cursor: 'WzE3Nl0' });
    expect(seen).toEqual([
      'GET https://shop.example/api/v1/payments?external_order_id=A+17%2F%26&status=failed&limit=5',
      'GET https://shop.example/api/v1/payments',
      'GET https://shop.example/api/v1/payments?cursor=WzE3Nl0',
    ]);
    expect(result).toEqual({
      payments: [],
      nextCursor: 'abc',
      message: 'Payments retrieved successfully',
      httpStatus: 200,
    });
  });

  it('an answer that is not a list envelope is INVALID_RESPONSE; an error envelope keeps its code', async () => {
    const single = { success: true, message: 'ok', data: { id: 'x', status: 'failed' } };
    expect(await rejectionOf(answering(200, single).listPayments())).toMatchObject({
      status: 200,
      code: 'INVALID_RESPONSE',
    });
    const limited = { success: false, message: 'Authentication required', error: { code: 'UNAUTHORIZED' } };
    expect(await rejectionOf(answering(401, limited).listPayments())).toMatchObject({
      status: 401,
      code: 'UNAUTHORIZED',
    });
  });
});
