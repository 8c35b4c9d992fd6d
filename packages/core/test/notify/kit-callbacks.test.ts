import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClickPesaPaymentsOptions } from '../../src/config.js';
import { ClickPesaKitError } from '../../src/errors.js';
import type { PaymentEvent } from '../../src/events.js';
import { createClickPesaPayments } from '../../src/kit.js';
import { createMemoryStore } from '../../src/store/memory-store.js';
import {
  bearerAuthenticate,
  eventsOf,
  eventually,
  type KitFixture,
  SENTINELS,
  startKit,
} from '../kit/fixture.js';
import { type Receiver, startReceiver } from './receiver.js';
import { newSecret, verifiesIndependently } from './support.js';

const SECRET = newSecret();

function startupError(options: Partial<ClickPesaPaymentsOptions>): ClickPesaKitError {
  try {
    const kit = createClickPesaPayments({
      store: createMemoryStore(),
      authenticate: bearerAuthenticate,
      clickpesa: { clientId: SENTINELS.clientId, apiKey: SENTINELS.apiKey, env: {} },
      poller: false,
      ...options,
    });
    void kit.close();
  } catch (error) {
    expect(error).toBeInstanceOf(ClickPesaKitError);
    return error as ClickPesaKitError;
  }
  throw new Error('expected a startup error');
}

describe('callback options at startup', () => {
  it('requires callbackSecret when allowedCallbackUrls is set', () => {
    const error = startupError({ allowedCallbackUrls: ['https://shop.example/hooks'] });
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toMatch(/The callbackSecret option is required when allowedCallbackUrls is set/);
  });

  it('names a malformed callbackSecret without echoing it', () => {
    const secret = newSecret(8);
    const error = startupError({
      allowedCallbackUrls: ['https://shop.example/hooks'],
      callbackSecret: secret,
    });
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toMatch(/`callbackSecret` must be "whsec_"/);
    expect(error.message).not.toContain(secret.slice('whsec_'.length));
  });

  it('refuses a non-positive callbackTimeoutMs and negative retry delays', () => {
    const base = { allowedCallbackUrls: ['https://shop.example/hooks'], callbackSecret: SECRET };
    expect(startupError({ ...base, callbackTimeoutMs: 0 }).message).toMatch(/callbackTimeoutMs/);
    expect(startupError({ ...base, callbackRetryDelaysMs: [1_000, -1] }).message).toMatch(
      /callbackRetryDelaysMs/,
    );
  });

  it('builds no notifier without allowed callback URLs', async () => {
    const kit = createClickPesaPayments({
      store: createMemoryStore(),
      authenticate: bearerAuthenticate,
      clickpesa: { clientId: SENTINELS.clientId, apiKey: SENTINELS.apiKey, env: {} },
      poller: false,
    });
    expect(kit.callbacks).toBeNull();
    await kit.close();
  });
});

describe('callback_url notifications end to end (kit + memory store + sandbox)', () => {
  let receiver: Receiver;
  let f: KitFixture;
  let callbackUrl: string;

  beforeAll(async () => {
    receiver = await startReceiver();
    callbackUrl = `${receiver.origin}/shop/payment-updates`;
    f = await startKit({ allowedCallbackUrls: [callbackUrl], callbackSecret: SECRET });
  });
  afterAll(async () => {
    await f.close();
    await receiver.close();
  });

  it('notifies an allowed callback_url of processing, then success, signed with the stored event ids', async () => {
    const response = await f.call('POST', '/payments', {
      json: { amount: 1500, msisdn: '255712345671', callback_url: callbackUrl },
    });
    expect(response.status, response.text).toBe(201);
    const paymentId = (response.body.data as { id: string }).id;

    const calls = await receiver.waitForCalls(2);
    expect(calls.map((call) => call.path)).toEqual(['/shop/payment-updates', '/shop/payment-updates']);
    const bodies = calls.map((call) => JSON.parse(call.body));
    expect(bodies.map((body) => body.type)).toEqual(['payment.status_changed', 'payment.status_changed']);
    expect(bodies.map((body) => body.data.id)).toEqual([paymentId, paymentId]);
    expect(bodies.map((body) => body.data.status)).toEqual(['processing', 'success']);
    expect(bodies[1].data.amount).toBe('1500.00');

    const changes = (eventsOf(f, 'payment.status_changed') as PaymentEvent[]).filter(
      (event) => event.paymentId === paymentId,
    );
    expect(calls.map((call) => call.headers['webhook-id'])).toEqual(changes.map((event) => event.id));
    for (const call of calls) {
      expect(await verifiesIndependently(SECRET, call.headers, call.body)).toBe(true);
      expect(() =>
        new Webhook(SECRET).verify(call.body, call.headers as Record<string, string>),
      ).not.toThrow();
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(receiver.calls).toHaveLength(2);
    await eventually(async () => (await f.kit.outbox.stats()).pending === 0);
  });

  it('sends nothing for a payment without callback_url, and refuses a URL not on the list', async () => {
    const before = receiver.calls.length;
    const refused = await f.call('POST', '/payments', {
      json: { amount: 1000, msisdn: '255712345672', callback_url: `${receiver.origin}/elsewhere` },
    });
    expect(refused.status).toBe(400);
    const plain = await f.call('POST', '/payments', { json: { amount: 1000, msisdn: '255712345673' } });
    expect(plain.status, plain.text).toBe(201);
    const id = (plain.body.data as { id: string }).id;
    await eventually(() =>
      (eventsOf(f, 'payment.status_changed') as PaymentEvent[]).some(
        (event) => event.paymentId === id && event.to === 'success',
      ),
    );
    expect(receiver.calls.length).toBe(before);
  });
});

describe('callback_url notifications survive a restart', () => {
  it('a kit closed before the receiver came up leaves the notification in the store; a new kit on the same store delivers it', async () => {
    // a port with nothing listening (yet)
    const placeholder = await startReceiver();
    const port = Number(new URL(placeholder.origin).port);
    await placeholder.close();
    const url = `http://127.0.0.1:${port}/hooks`;
    const settings = { allowedCallbackUrls: [url], callbackSecret: SECRET, callbackRetryDelaysMs: [300] };
    const f = await startKit(settings);
    let next: ReturnType<typeof createClickPesaPayments> | null = null;
    let receiver: Receiver | null = null;
    try {
      const response = await f.call('POST', '/payments', {
        json: { amount: 1200, msisdn: '255712345674', callback_url: url },
      });
      expect(response.status, response.text).toBe(201);
      // the first notification (processing) failed: connection refused, a retry is recorded in the store
      await eventually(() => f.captured.logs.some((line) => line.includes('callback notification failed')));
      await f.kit.close();
      const pendingAfterClose = (await f.store.outboxStats()).pending;
      expect(pendingAfterClose).toBeGreaterThanOrEqual(1);

      receiver = await startReceiver(undefined, port);
      next = createClickPesaPayments({
        store: f.store,
        authenticate: bearerAuthenticate,
        clickpesa: {
          baseUrl: f.sandbox.url,
          clientId: SENTINELS.clientId,
          apiKey: SENTINELS.apiKey,
          checksumKey: SENTINELS.checksumKey,
          env: {},
        },
        poller: false,
        ...settings,
      });
      const calls = await receiver.waitForCalls(1, 10_000);
      expect(calls[0]?.path).toBe('/hooks');
      expect(await verifiesIndependently(SECRET, calls[0]!.headers, calls[0]!.body)).toBe(true);
      const stored = await f.store.listEvents((response.body.data as { id: string }).id);
      const changes = stored.filter((event) => event.type === 'payment.status_changed');
      expect(changes.map((event) => event.id)).toContain(calls[0]?.headers['webhook-id']);
      await eventually(async () => (await f.store.outboxStats()).pending === 0, 10_000);
    } finally {
      await next?.close();
      await f.close();
      await receiver?.close();
    }
  });
});
