import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, type KitFixture, SENTINELS, startKit } from './fixture.js';

/**
 * Request-scoped, structured logs through real pino: the kit's lines written while a route answers go to a
 * child of the host's logger bound to the request's id; transitions, webhooks and ClickPesa calls carry
 * their fields; no secret and no unmasked phone number reaches any line, through a whole payment flow.
 */

/** A phone number to look for: the sandbox approves numbers ending 0–4 and waits on 7. */
const SENTINEL_PHONE = '255719876540';
const WAITING_PHONE = '255719876547';

type Line = Record<string, unknown> & { msg?: string };

function pinoInto(lines: string[]) {
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  // the host's own child logger: its bindings must survive into the kit's per-request children
  return pino({ level: 'debug' }, stream).child({ service: 'shop' });
}

let f: KitFixture | undefined;
afterEach(async () => {
  await f?.close();
  f = undefined;
});

describe('request-scoped logs (pino)', () => {
  it('carry the request id, the payment fields and ClickPesa status and latency; never a secret or a phone', async () => {
    const raw: string[] = [];
    let handlerFailed = false;
    f = await startKit({
      logger: pinoInto(raw),
      // a host handler whose error quotes the customer's number and a credential: the dispatcher logs it
      handlers: {
        'payment.created': (event) => {
          if (event.payment.attempts < 2 && !handlerFailed) {
            handlerFailed = true;
            throw new Error(
              `CRM rejected 0${event.payment.msisdn.slice(3)} (+${event.payment.msisdn}) using ${SENTINELS.apiKey}`,
            );
          }
        },
      },
      dispatcher: { retryBaseMs: 10 },
    });
    const fixture = f;
    const parsed = () => raw.map((line) => JSON.parse(line) as Line);

    // create, with the caller's request id
    const created = await f.call('POST', '/payments', {
      json: { amount: 1000, currency: 'TZS', msisdn: SENTINEL_PHONE, customer_name: 'Test' },
      headers: { 'x-request-id': 'checkout-42' },
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('x-request-id')).toBe('checkout-42');
    const payment = created.body.data as { id: string; reference: string };

    const ofRequest = parsed().filter((line) => line.requestId === 'checkout-42');
    expect(ofRequest.every((line) => line.service === 'shop')).toBe(true);
    expect(ofRequest).toContainEqual(
      expect.objectContaining({
        msg: 'payment transition',
        paymentId: payment.id,
        orderReference: payment.reference,
        attempt: 1,
        source: 'initiate',
        from: 'pending',
        to: 'processing',
      }),
    );
    expect(ofRequest).toContainEqual(
      expect.objectContaining({
        msg: 'clickpesa call',
        endpoint: 'initiate',
        status: 200,
        orderReference: payment.reference,
        durationMs: expect.any(Number),
      }),
    );

    // the webhook (the sandbox sends it, with no request id: one is made) moves it to success
    await eventually(() =>
      parsed().some((line) => line.msg === 'payment transition' && line.to === 'success'),
    );
    const webhookLine = parsed().find((line) => line.msg === 'webhook received');
    expect(webhookLine).toMatchObject({ orderReference: payment.reference, verified: true });
    expect(webhookLine?.requestId).toMatch(/^[0-9a-f-]{36}$/);
    const success = parsed().find((line) => line.msg === 'payment transition' && line.to === 'success');
    expect(success?.requestId).toBe(webhookLine?.requestId);
    expect(parsed()).toContainEqual(
      expect.objectContaining({
        msg: 'webhook answered',
        httpStatus: 200,
        requestId: webhookLine?.requestId,
      }),
    );

    // poll (the status route asks ClickPesa), cancel another, and a few errors
    expect((await f.call('GET', `/payments/${payment.id}/status`)).status).toBe(200);
    const waiting = await f.call('POST', '/payments', {
      json: { amount: 1000, currency: 'TZS', msisdn: WAITING_PHONE, customer_name: 'Test' },
    });
    const waitingId = (waiting.body.data as { id: string }).id;
    const cancelled = await f.call('POST', `/payments/${waitingId}/cancel`, {
      headers: { 'x-request-id': 'cancel 1; drop table' },
    });
    expect(cancelled.status).toBe(200);
    // a request id that is not a short token is replaced, not logged
    const replacedId = cancelled.headers.get('x-request-id');
    expect(replacedId).toMatch(/^[0-9a-f-]{36}$/);
    expect(parsed()).toContainEqual(
      expect.objectContaining({ requestId: replacedId, msg: 'payment transition', to: 'cancelled' }),
    );
    expect(raw.join('\n')).not.toContain('drop table');

    const invalid = await f.call('POST', '/payments', {
      json: { amount: 1000, currency: 'TZS', msisdn: `${SENTINEL_PHONE}99`, customer_name: 'Test' },
    });
    expect(invalid.status).toBe(400);
    fixture.sandbox.fault({ endpoint: 'initiate', kind: 'status', status: 500, times: 3 });
    const failing = await f.call('POST', '/payments', {
      json: { amount: 1000, currency: 'TZS', msisdn: '255719876541', customer_name: 'Test' },
    });
    expect(failing.status).toBeGreaterThanOrEqual(200);
    expect(parsed()).toContainEqual(expect.objectContaining({ msg: 'clickpesa call', status: 500 }));

    await eventually(() => parsed().some((line) => line.msg === 'event delivery failed; will retry'));
    const everything = raw.join('\n');
    for (const sentinel of Object.values(SENTINELS)) expect(everything).not.toContain(sentinel);
    for (const phone of [SENTINEL_PHONE, WAITING_PHONE, '255719876541']) {
      expect(everything).not.toContain(phone);
      // the national form, as a customer might type it
      expect(everything).not.toContain(`0${phone.slice(3)}`);
    }
    // masked numbers do appear where a line needs to tell numbers apart
    expect(raw.length).toBeGreaterThan(10);
  });

  it('merges the request id into each line for a logger without child()', async () => {
    f = await startKit();
    await f.call('POST', '/payments', {
      json: { amount: 1000, currency: 'TZS', msisdn: '255719876542', customer_name: 'Test' },
      headers: { 'x-request-id': 'plain-logger-1' },
    });
    const lines = f.captured.logs.map((line) => JSON.parse(line) as Line);
    expect(lines).toContainEqual(
      expect.objectContaining({ requestId: 'plain-logger-1', msg: 'payment transition', to: 'processing' }),
    );
    expect(f.captured.logs.join('\n')).not.toContain('255719876542');
  });
});
