import { type ClickPesaPayments, createClickPesaPayments } from '@clickpesa-kit/core';
import type { HandlerRequest } from '@clickpesa-kit/core/adapter';
import { type Sandbox, startSandbox } from '@clickpesa-kit/sandbox';
import { createPostgresStore, type PostgresStore } from '@clickpesa-kit/store-postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropSchema, findTestDatabase, uniqueSchema } from './test-database.js';

const database = await findTestDatabase();
const suite = database.url === undefined ? describe.skip : describe;
const url = database.url ?? '';

/**
 * Two kits on one PostgreSQL database, as two app instances: each has its own live bus, so a change made
 * through instance A reaches a listener on instance B only through the store (its event cursor).
 */
suite(`push routes across instances${database.skipReason ? ` — ${database.skipReason}` : ''}`, () => {
  const schema = uniqueSchema('cpk_push');
  const stores: PostgresStore[] = [];
  let sandbox: Sandbox;
  let instanceA: ClickPesaPayments;
  let instanceB: ClickPesaPayments;
  let msisdn = 0;

  const kit = async () => {
    const store = createPostgresStore({ connectionString: url, schema });
    stores.push(store);
    await store.migrate();
    return createClickPesaPayments({
      store,
      authenticate: () => ({ id: 'alice' }),
      clickpesa: { clientId: sandbox.clientId, apiKey: sandbox.apiKey, baseUrl: sandbox.url, env: {} },
      poller: false,
      budget: false,
      rateLimits: false,
      push: { watchIntervalMs: 100 },
    });
  };
  const request = (path: string, extra: Partial<HandlerRequest> = {}): HandlerRequest => ({
    method: 'GET',
    path,
    headers: {},
    raw: {},
    ...extra,
  });
  const openPayment = async () => {
    msisdn += 1;
    const { payment } = await instanceA.service.initiate('alice', {
      amount: 1000,
      msisdn: `25574${String(msisdn).padStart(6, '0')}7`,
    });
    return payment;
  };

  beforeAll(async () => {
    sandbox = await startSandbox({ approveDelayMs: 60_000 });
    instanceA = await kit();
    instanceB = await kit();
  });
  afterAll(async () => {
    await instanceA?.close();
    await instanceB?.close();
    await sandbox?.close();
    for (const store of stores) await store.close();
    await dropSchema(url, schema);
  });

  it('an event stream on B hears a cancel made on A, then ends; B holds no listener or timer after', async () => {
    const payment = await openPayment();
    // the kit's own subscribers (its event logs) are there before any stream: count only the stream's
    const baseListeners = instanceB.events.listenerCount('payment.status_changed');
    const answer = await instanceB.handler.handle(request(`/payments/${payment.id}/events`));
    expect(answer.status).toBe(200);
    const chunks = answer.stream?.[Symbol.asyncIterator]() as AsyncIterator<string>;
    const events: { status: string }[] = [];
    const nextEvent = async () => {
      for (;;) {
        const { done, value } = await chunks.next();
        if (done) return null;
        const data = /^data: (.*)$/m.exec(value)?.[1];
        if (data) return JSON.parse(data) as { status: string };
      }
    };
    events.push((await nextEvent()) as { status: string });
    expect(events[0]?.status).toBe(payment.status);

    // past B's start-up read of the cursor: from here only the cursor can bring A's change
    await new Promise((resolve) => setTimeout(resolve, 300));
    const startedAt = Date.now();
    await instanceA.service.cancel('alice', payment.id);
    events.push((await nextEvent()) as { status: string });
    expect(Date.now() - startedAt).toBeLessThan(2_000);
    expect(events.map((event) => event.status)).toEqual([payment.status, 'cancelled']);
    expect(await nextEvent()).toBeNull();
    expect(instanceB.handler.pushStats?.()).toEqual({ connections: 0, timers: 0 });
    expect(instanceB.events.listenerCount('payment.status_changed')).toBe(baseListeners);
  });

  it('a long poll on B answers when A changes the payment, well before its wait runs out', async () => {
    const payment = await openPayment();
    const startedAt = Date.now();
    const waiting = instanceB.handler.handle(
      request(`/payments/${payment.id}/status`, { query: { wait: '20', known: payment.status } }),
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    await instanceA.service.cancel('alice', payment.id);
    const answer = await waiting;
    expect(Date.now() - startedAt).toBeLessThan(3_000);
    expect(answer.status).toBe(200);
    expect(answer.headers.etag).toBe('"cancelled"');
    expect((answer.body as { data: { status: string } }).data.status).toBe('cancelled');
    expect(instanceB.handler.pushStats?.()).toEqual({ connections: 0, timers: 0 });
  });
});
