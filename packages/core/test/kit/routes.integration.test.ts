import { computeChecksum } from '@clickpesa-kit/sandbox';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ClickPesaKitError } from '../../src/errors.js';
import { eventsOf, eventually, everythingSeen, type KitFixture, SENTINELS, startKit } from './fixture.js';

/**
 * The routes through `createClickPesaPayments` with the real service, the memory store and the sandbox over
 * real HTTP (a minimal node:http adapter). Phone numbers pick the sandbox scenario by their last digit.
 */

type PaymentData = { id: string; reference: string; status: string; attempts: number } & Record<
  string,
  unknown
>;

let f: KitFixture;
let phoneSeq = 0;
/** A fresh valid MSISDN ending in `lastDigit` (one push per MSISDN at a time is enforced). */
function phone(lastDigit: number): string {
  phoneSeq += 1;
  return `2557${String(10_000_000 + phoneSeq * 10 + lastDigit).slice(-8)}`;
}

async function create(lastDigit: number, extra: Record<string, unknown> = {}): Promise<PaymentData> {
  const response = await f.call('POST', '/payments', {
    json: { amount: 1000, currency: 'TZS', msisdn: phone(lastDigit), customer_name: 'Test User', ...extra },
  });
  expect(response.status, response.text).toBe(201);
  return response.body.data as PaymentData;
}

async function statusOf(id: string): Promise<string> {
  const response = await f.call('GET', `/payments/${id}/status`);
  return (response.body.data as PaymentData).status;
}

beforeAll(async () => {
  f = await startKit();
});
afterAll(async () => {
  await f.close();
});
beforeEach(() => {
  f.captured.events.length = 0;
});

describe('every route, with and without a trailing slash', () => {
  it.each(['/payments', '/payments/'])('POST %s creates a payment (201, guide envelope)', async (path) => {
    const msisdn = phone(7);
    const response = await f.call('POST', path, {
      json: { amount: 1000, currency: 'TZS', msisdn, provider: 'TIGO', customer_name: 'Test User' },
    });
    expect(response.status).toBe(201);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.body.success).toBe(true);
    expect(response.body.message).toBe(
      'Payment initiated successfully. Customer will receive USSD push prompt.',
    );
    const data = response.body.data as PaymentData;
    expect(data).toMatchObject({
      status: 'processing',
      amount: '1000.00',
      currency: 'TZS',
      msisdn,
      provider: 'TIGO',
    });
    expect(data.reference).toMatch(/^PAY[0-9A-F]{12}$/);
    expect(data.transaction_id).toBe(f.sandbox.getPayment(data.reference)?.id);
    expect(f.sandbox.count('initiate', data.reference)).toBe(1);
  });

  it.each(['', '/'])(
    'GET /payments/:id%s returns stored details without calling ClickPesa',
    async (slash) => {
      const payment = await create(7);
      const before = f.sandbox.requests.length;
      const response = await f.call('GET', `/payments/${payment.id}${slash}`);
      expect(response.status).toBe(200);
      expect(response.body.message).toBe('Payment retrieved successfully');
      expect((response.body.data as PaymentData).id).toBe(payment.id);
      expect(response.body).not.toHaveProperty('provider_status');
      expect(f.sandbox.requests.length).toBe(before);
    },
  );

  it.each(['', '/'])(
    'GET /payments/:id/status%s refreshes from ClickPesa and shows provider_status',
    async (slash) => {
      const payment = await create(1);
      await eventually(() => f.sandbox.getPayment(payment.reference)?.status === 'SUCCESS');
      const response = await f.call('GET', `/payments/${payment.id}/status${slash}`);
      expect(response.status).toBe(200);
      expect(response.body.message).toBe('Payment status retrieved successfully');
      expect(response.body.data).toMatchObject({ id: payment.id, status: 'success' });
      expect((response.body.data as PaymentData).completed_at).toEqual(expect.any(String));
      expect(response.body.provider_status).toMatchObject({
        id: payment.transaction_id,
        status: 'SUCCESS',
        orderReference: payment.reference,
        collectedCurrency: 'TZS',
      });
      expect(Object.keys(response.body.provider_status as object)).not.toContain('paymentPhoneNumber');
    },
  );

  it.each(['', '/'])('POST /payments/:id/retry%s starts a new attempt after a failure', async (slash) => {
    const payment = await create(5);
    await eventually(async () => (await statusOf(payment.id)) === 'failed');
    const response = await f.call('POST', `/payments/${payment.id}/retry${slash}`);
    expect(response.status, response.text).toBe(201);
    const retried = response.body.data as PaymentData;
    expect(retried.attempts).toBe(2);
    expect(retried.reference).not.toBe(payment.reference);
    expect(f.sandbox.count('initiate', retried.reference)).toBe(1);
  });

  it.each(['', '/'])('POST /payments/:id/cancel%s cancels locally', async (slash) => {
    const payment = await create(7);
    const response = await f.call('POST', `/payments/${payment.id}/cancel${slash}`);
    expect(response.status).toBe(200);
    expect((response.body.data as PaymentData).status).toBe('cancelled');
    expect(
      eventsOf(f, 'payment.cancelled').filter(
        (event) => (event as { paymentId: string }).paymentId === payment.id,
      ),
    ).toHaveLength(1);
  });

  it.each(['', '/'])('POST /callback%s accepts a signed ClickPesa webhook', async (slash) => {
    const payment = await create(7);
    f.sandbox.setStatus(payment.reference, 'SUCCESS');
    const status = await f.sandbox.sendWebhook(payment.reference, { url: `${f.http.url}/callback${slash}` });
    expect(status).toBe(200);
    // (webhooks of earlier tests' payments may arrive too)
    expect(eventsOf(f, 'webhook.received')).toContainEqual(
      expect.objectContaining({ orderReference: payment.reference, verified: true, orphan: false }),
    );
    await eventually(async () => (await statusOf(payment.id)) === 'success');
  });
});

describe('status codes and the error envelope', () => {
  it('answers 409 to retry or cancel of a paid payment', async () => {
    const payment = await create(2);
    await eventually(async () => (await statusOf(payment.id)) === 'success');
    const retry = await f.call('POST', `/payments/${payment.id}/retry`);
    expect(retry.status).toBe(409);
    expect(retry.body).toMatchObject({ success: false, error: { code: expect.any(String) } });
    const cancel = await f.call('POST', `/payments/${payment.id}/cancel/`);
    expect(cancel.status).toBe(409);
    expect(cancel.body.error).toEqual({ code: 'CANCEL_NOT_ALLOWED' });
  });

  it('answers 422 PAYMENT_REJECTED with the failed payment when ClickPesa refuses the number', async () => {
    const response = await f.call('POST', '/payments', {
      json: { amount: 1000, currency: 'TZS', msisdn: phone(9) },
    });
    expect(response.status).toBe(422);
    expect(response.body).toMatchObject({ success: false, error: { code: 'PAYMENT_REJECTED' } });
    expect(response.body.data).toMatchObject({ status: 'failed', failure_reason: 'initiation_rejected' });
  });

  it('names each invalid field in the details (400)', async () => {
    const response = await f.call('POST', '/payments', {
      json: { amount: 50, currency: 'USD', msisdn: '12345' },
    });
    expect(response.status).toBe(400);
    expect(response.body.error).toMatchObject({ code: 'VALIDATION_ERROR' });
    const fields = ((response.body.error as { details: { field: string }[] }).details ?? []).map(
      (d) => d.field,
    );
    expect(fields).toEqual(expect.arrayContaining(['amount', 'currency', 'msisdn']));
    expect(eventsOf(f, 'payment.created')).toHaveLength(0);
  });

  it('answers 400 for malformed JSON and 415 for a non-JSON body, storing nothing', async () => {
    const initiates = f.sandbox.count('initiate');
    const malformed = await f.call('POST', '/payments', {
      body: '{"amount": 1000,',
      headers: { 'content-type': 'application/json' },
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error).toEqual({ code: 'MALFORMED_JSON' });
    const form = await f.call('POST', '/payments/', {
      body: 'amount=1000&currency=TZS',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(form.status).toBe(415);
    expect(form.body.error).toEqual({ code: 'UNSUPPORTED_MEDIA_TYPE' });
    expect(f.sandbox.count('initiate')).toBe(initiates);
    expect(eventsOf(f, 'payment.created')).toHaveLength(0);
  });

  it('answers 400 to a __proto__ payload and changes nothing', async () => {
    const initiates = f.sandbox.count('initiate');
    const response = await f.call('POST', '/payments', {
      body: `{"amount":1000,"currency":"TZS","msisdn":"${phone(1)}","__proto__":{"status":"success"}}`,
      headers: { 'content-type': 'application/json' },
    });
    expect(response.status).toBe(400);
    expect(f.sandbox.count('initiate')).toBe(initiates);
    expect(eventsOf(f, 'payment.created')).toHaveLength(0);

    const payment = await create(7);
    const webhook = await f.call('POST', '/callback', {
      token: null,
      body: `{"event":"PAYMENT RECEIVED","data":{"orderReference":"${payment.reference}","__proto__":{"status":"SUCCESS"}}}`,
      headers: { 'content-type': 'application/json' },
    });
    expect(webhook.status).toBe(400);
    expect((await f.call('GET', `/payments/${payment.id}`)).body.data).toMatchObject({
      status: 'processing',
    });
    expect(eventsOf(f, 'webhook.rejected')).toContainEqual(expect.objectContaining({ reason: 'malformed' }));
  });

  it('answers 413 to a 1 MiB body and stores nothing', async () => {
    const initiates = f.sandbox.count('initiate');
    const big = JSON.stringify({
      amount: 1000,
      currency: 'TZS',
      msisdn: phone(1),
      customer_name: 'x'.repeat(1 << 20),
    });
    const response = await f.call('POST', '/payments', {
      body: big,
      headers: { 'content-type': 'application/json' },
    });
    expect(response.status).toBe(413);
    expect(response.body.error).toEqual({ code: 'PAYLOAD_TOO_LARGE' });
    const webhook = await f.call('POST', '/callback', {
      token: null,
      body: big,
      headers: { 'content-type': 'application/json' },
    });
    expect(webhook.status).toBe(413);
    expect(f.sandbox.count('initiate')).toBe(initiates);
    expect(eventsOf(f, 'payment.created')).toHaveLength(0);
  });

  it('answers 405 with Allow for a wrong method', async () => {
    const webhook = await f.call('GET', '/callback/', { token: null });
    expect(webhook.status).toBe(405);
    expect(webhook.headers.get('allow')).toBe('POST');
    const payments = await f.call('DELETE', '/payments/abc');
    expect(payments.status).toBe(405);
    expect(payments.headers.get('allow')).toBe('GET');
  });

  it('replays an Idempotency-Key: one push, the same payment', async () => {
    const json = { amount: 1500, currency: 'TZS', msisdn: phone(7) };
    const headers = { 'idempotency-key': `order-${phoneSeq}` };
    const first = await f.call('POST', '/payments', { json, headers });
    const second = await f.call('POST', '/payments', { json, headers });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    const id = (first.body.data as PaymentData).id;
    expect((second.body.data as PaymentData).id).toBe(id);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(f.sandbox.count('initiate', (first.body.data as PaymentData).reference)).toBe(1);
  });

  it('answers 503 when the store is down, without details', async () => {
    const payment = await create(7);
    f.store.setAvailable(false);
    try {
      const response = await f.call('GET', `/payments/${payment.id}`);
      expect(response.status).toBe(503);
      expect(response.body).toEqual({
        success: false,
        message: 'Payment storage is unavailable',
        error: { code: 'STORE_UNAVAILABLE' },
      });
    } finally {
      f.store.setAvailable(true);
    }
  });
});

/** Waits until no ClickPesa call has been made for 300 ms (real time, bounded). */
async function upstreamQuiet(): Promise<void> {
  let seen = -1;
  await eventually(async () => {
    const now = f.sandbox.requests.length;
    if (now === seen) return true;
    seen = now;
    await new Promise((resolve) => setTimeout(resolve, 300));
    return false;
  });
}

describe('authentication and ownership', () => {
  it('answers 401 without or with an invalid token, on every authenticated route', async () => {
    const payment = await create(7);
    const before = f.sandbox.requests.length;
    for (const [method, path] of [
      ['POST', '/payments'],
      ['GET', `/payments/${payment.id}`],
      ['GET', `/payments/${payment.id}/status/`],
      ['POST', `/payments/${payment.id}/retry`],
      ['POST', `/payments/${payment.id}/cancel`],
    ] as const) {
      for (const token of [null, 'not-a-token']) {
        const response = await f.call(method, path, { token });
        expect(response.status, `${method} ${path}`).toBe(401);
        expect(response.body).toEqual({
          success: false,
          message: 'Authentication required',
          error: { code: 'UNAUTHORIZED' },
        });
      }
    }
    expect(f.sandbox.requests.length).toBe(before);
  });

  it('rejects handle() with the error authenticate threw, after an error event', async () => {
    const response = await f.call('GET', '/payments/abc', { token: 'explode' });
    expect(response.status).toBe(500);
    expect(response.text).toBe('host error page');
    expect(f.http.hostErrors.at(-1)).toMatchObject({ message: 'session backend unreachable' });
    expect(eventsOf(f, 'error')).toMatchObject([{ message: 'session backend unreachable' }]);
  });

  it('gives another owner 404 on every route, with zero upstream calls', async () => {
    const payment = await create(5);
    await eventually(async () => (await statusOf(payment.id)) === 'failed');
    // The sandbox's FAILED webhook may still be on its way and cost a confirming query: let it land first.
    await upstreamQuiet();
    const before = f.sandbox.requests.length;
    for (const [method, path] of [
      ['GET', `/payments/${payment.id}`],
      ['GET', `/payments/${payment.id}/`],
      ['GET', `/payments/${payment.id}/status`],
      ['POST', `/payments/${payment.id}/retry`],
      ['POST', `/payments/${payment.id}/cancel/`],
    ] as const) {
      const response = await f.call(method, path, { token: 'bob-token' });
      expect(response.status, `${method} ${path}`).toBe(404);
      expect(response.body).toMatchObject({ success: false, error: { code: 'NOT_FOUND' } });
      expect(response.body).not.toHaveProperty('data');
    }
    expect(f.sandbox.requests.length).toBe(before);
    expect((await f.call('GET', `/payments/${payment.id}`)).body.data).toMatchObject({
      status: 'failed',
      attempts: 1,
    });
  });
});

describe('webhook route', () => {
  it('answers 401 to a bad or missing checksum and leaves the payment alone', async () => {
    const payment = await create(7);
    f.sandbox.setStatus(payment.reference, 'SUCCESS');
    const tampered = await f.sandbox.sendWebhook(payment.reference, {
      mutate: (body) => ({ ...body, checksum: 'ab'.repeat(32) }),
    });
    expect(tampered).toBe(401);
    const unsigned = await f.sandbox.sendWebhook(payment.reference, { signed: false });
    expect(unsigned).toBe(401);
    const shortChecksum = await f.sandbox.sendWebhook(payment.reference, {
      mutate: (body) => ({ ...body, checksum: 'zz' }),
    });
    expect(shortChecksum).toBe(401);
    expect((await f.call('GET', `/payments/${payment.id}`)).body.data).toMatchObject({
      status: 'processing',
    });
    expect(eventsOf(f, 'webhook.rejected').length).toBeGreaterThanOrEqual(3);
  });

  it('answers 200 to a signed webhook for an order reference we never created, 401 to an unsigned one', async () => {
    const payload = {
      event: 'PAYMENT RECEIVED',
      data: {
        id: 'LCPX1',
        orderReference: 'NOTOURS1',
        status: 'SUCCESS',
        collectedAmount: '500',
        collectedCurrency: 'TZS',
      },
    };
    const signed = {
      ...payload,
      checksum: computeChecksum(SENTINELS.checksumKey, payload),
      checksumMethod: 'canonical',
    };
    // pretty-printed, so a re-serialisation bug would show
    const orphan = await f.call('POST', '/callback/', {
      token: null,
      body: JSON.stringify(signed, null, 2),
      headers: { 'content-type': 'application/json' },
    });
    expect(orphan.status).toBe(200);
    expect(orphan.body).toEqual({ success: true, message: 'orphan' });
    const unsigned = await f.call('POST', '/callback', { token: null, json: payload });
    expect(unsigned.status).toBe(401);
    expect(unsigned.body).toMatchObject({ success: false, error: { code: 'WEBHOOK_SIGNATURE_INVALID' } });
  });

  it('answers 415 to a webhook that is not JSON', async () => {
    const response = await f.call('POST', '/callback', {
      token: null,
      body: 'event=PAYMENT+RECEIVED',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(response.status).toBe(415);
    expect(eventsOf(f, 'webhook.rejected')).toContainEqual(
      expect.objectContaining({ reason: 'unsupported_media_type' }),
    );
  });
});

describe('secrets', () => {
  it('never shows a sentinel secret in any response, event or log line', async () => {
    // a few failure paths on top of everything the suite has done so far
    f.sandbox.fault({
      endpoint: 'initiate',
      kind: 'status',
      status: 500,
      body: { message: `leak ${SENTINELS.apiKey}` },
    });
    await f.call('POST', '/payments', { json: { amount: 1000, currency: 'TZS', msisdn: phone(1) } });
    f.sandbox.fault({ endpoint: 'initiate', kind: 'html' });
    await f.call('POST', '/payments', { json: { amount: 1000, currency: 'TZS', msisdn: phone(1) } });
    const seen = everythingSeen(f);
    expect(seen.length).toBeGreaterThan(1000);
    for (const secret of Object.values(SENTINELS)) expect(seen).not.toContain(secret);
    expect(seen).not.toMatch(/\n\s+at .+:\d+:\d+/); // no stack trace in a response
  });

  it('reports every ClickPesa call as provider.request/provider.response events', async () => {
    const before = f.sandbox.count('initiate');
    await create(7);
    expect(f.sandbox.count('initiate')).toBe(before + 1);
    expect(eventsOf(f, 'provider.request')).toContainEqual(expect.objectContaining({ endpoint: 'initiate' }));
    expect(eventsOf(f, 'provider.response')).toContainEqual(
      expect.objectContaining({ endpoint: 'initiate', status: 200 }),
    );
    expect(f.kit.budget?.state().granted).toBeGreaterThan(0);
  });
});

it('keeps ClickPesaKitError available to hosts that call the service directly', async () => {
  await expect(f.kit.service.getPayment('alice', 'missing')).rejects.toBeInstanceOf(ClickPesaKitError);
});
