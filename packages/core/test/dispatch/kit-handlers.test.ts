import { computeChecksum } from '@clickpesa-kit/sandbox';
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import type { DeliveredEvent, EventHandlers } from '../../src/dispatch/types.js';
import type { PaymentEvent } from '../../src/events.js';
import { eventsOf, eventually, type KitFixture, SENTINELS, startKit } from '../kit/fixture.js';

let fixtures: KitFixture[] = [];
afterEach(async () => {
  await Promise.all(fixtures.map((fixture) => fixture.close()));
  fixtures = [];
});

async function kitWith(overrides: Parameters<typeof startKit>[0]): Promise<KitFixture> {
  const fixture = await startKit(overrides);
  fixtures.push(fixture);
  return fixture;
}

let phoneSeq = 0;
/** Sandbox scenario by last digit: 0-4 approve (webhook sent), 7 stays PROCESSING. */
function phone(lastDigit: number): string {
  phoneSeq += 1;
  return `2556${String(20_000_000 + phoneSeq * 10 + lastDigit).slice(-8)}`;
}

async function createPayment(f: KitFixture, lastDigit: number): Promise<{ id: string; reference: string }> {
  const response = await f.call('POST', '/payments', { json: { amount: 1000, msisdn: phone(lastDigit) } });
  expect(response.status, response.text).toBe(201);
  return response.body.data as { id: string; reference: string };
}

/** A webhook signed with the kit's checksum key, as ClickPesa would send it. */
async function signedWebhook(
  f: KitFixture,
  data: Record<string, unknown>,
): Promise<{ status: number; ms: number }> {
  const payload = { event: 'PAYMENT RECEIVED', data: { collectedCurrency: 'TZS', ...data } };
  const body = JSON.stringify({
    ...payload,
    checksum: computeChecksum(SENTINELS.checksumKey, payload),
    checksumMethod: 'canonical',
  });
  const started = performance.now();
  const response = await f.call('POST', '/callback', {
    token: null,
    body,
    headers: { 'content-type': 'application/json' },
  });
  return { status: response.status, ms: performance.now() - started };
}

describe('durable handlers through the kit', () => {
  it('hands each stored event to its handler, with the snapshot the event was stored with, in order', async () => {
    const seen: DeliveredEvent[] = [];
    const handlers: EventHandlers = {
      'payment.succeeded': (event) => {
        // compile-time narrowing: a succeeded handler sees a successful payment
        expectTypeOf(event.payment.status).toEqualTypeOf<'success'>();
        seen.push(event);
      },
      '*': (event) => void seen.push(event),
    };
    const f = await kitWith({ handlers });
    const payment = await createPayment(f, 1);
    await eventually(() => seen.some((event) => event.type === 'payment.succeeded'));
    const mine = seen.filter((event) => event.paymentId === payment.id);
    expect(mine.map((event) => event.seq)).toEqual(mine.map((_, index) => index + 1));
    expect(mine.map((event) => event.type)).toEqual([
      'payment.created',
      'payment.status_changed',
      'payment.processing',
      'payment.status_changed',
      'payment.succeeded',
    ]);
    expect(mine.map((event) => event.payment.status)).toEqual([
      'pending',
      'processing',
      'processing',
      'success',
      'success',
    ]);
    // the live bus carried the same events, with the same ids
    const live = (eventsOf(f, 'payment.succeeded') as PaymentEvent[]).map((event) => event.id);
    expect(live).toContain(mine[4]?.eventId);
    await eventually(async () => (await f.kit.outbox.stats()).pending === 0);
    // the global cursor gives the same events, in position order
    const since = await f.kit.outbox.eventsSince(null, 100);
    expect(since.map((event) => event.eventId)).toEqual(mine.map((event) => event.eventId));
    expect(await f.kit.outbox.eventsSince(since[2]!.position, 100)).toHaveLength(2);
  });

  it('a throwing live-bus listener never breaks a flow: the request succeeds and the handlers still run', async () => {
    const handled: string[] = [];
    const f = await kitWith({
      handlers: { 'payment.created': (event) => void handled.push(event.paymentId) },
    });
    const errors: Error[] = [];
    f.kit.events.on('error', (error) => errors.push(error));
    f.kit.events.on('payment.created', () => {
      throw new Error('a metrics listener with a bug');
    });
    const payment = await createPayment(f, 7);
    await eventually(() => handled.includes(payment.id));
    expect(errors.map((error) => error.message)).toContain('a metrics listener with a bug');
    expect((await f.call('GET', `/payments/${payment.id}`)).status).toBe(200);
  });

  it('a hanging handler delays no webhook acknowledgement (p99 < 2 s) and no other payment', async () => {
    const delivered: string[] = [];
    const f = await kitWith({
      trustSignedWebhooks: true,
      dispatcher: { concurrency: 4, handlerTimeoutMs: 60_000, shutdownGraceMs: 0 },
      handlers: {
        // every success hangs; processing events go through
        'payment.succeeded': () => new Promise(() => undefined),
        'payment.processing': (event) => void delivered.push(event.paymentId),
      },
    });
    const payments: { id: string; reference: string }[] = [];
    for (let i = 0; i < 12; i++) payments.push(await createPayment(f, 7));
    const timings: number[] = [];
    for (const payment of payments) {
      const ack = await signedWebhook(f, {
        id: `TX-${payment.reference}`,
        orderReference: payment.reference,
        status: 'SUCCESS',
        collectedAmount: '1000.00',
      });
      expect(ack.status).toBe(200);
      timings.push(ack.ms);
    }
    // duplicates (the hanging handlers hold every slot by now) are acknowledged just as fast
    for (const payment of payments.slice(0, 8)) {
      const ack = await signedWebhook(f, {
        id: `TX-${payment.reference}`,
        orderReference: payment.reference,
        status: 'SUCCESS',
        collectedAmount: '1000.00',
      });
      expect(ack.status).toBe(200);
      timings.push(ack.ms);
    }
    timings.sort((a, b) => a - b);
    const p99 = timings[Math.ceil(timings.length * 0.99) - 1]!;
    console.info(
      `webhook ack with hanging handlers: p50 ${timings[10]!.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms`,
    );
    expect(p99).toBeLessThan(2_000);
    for (const payment of payments) {
      expect((await f.call('GET', `/payments/${payment.id}`)).body.data).toMatchObject({ status: 'success' });
    }
    // every payment's earlier events reached their handler although the success handlers hang
    await eventually(() => payments.every((payment) => delivered.includes(payment.id)));
  });
});

describe('two kits on one store', () => {
  it('never run the same event, or two events of one payment, at the same time; each event is handled once', async () => {
    const { createClickPesaPayments } = await import('../../src/kit.js');
    const inFlight = new Set<string>();
    const overlaps: string[] = [];
    const handledBy = new Map<string, string[]>();
    const handler = (kit: string) => async (event: DeliveredEvent) => {
      if (inFlight.has(event.paymentId)) overlaps.push(event.eventId);
      inFlight.add(event.paymentId);
      await new Promise((resolve) => setTimeout(resolve, 10));
      inFlight.delete(event.paymentId);
      handledBy.set(event.eventId, [...(handledBy.get(event.eventId) ?? []), kit]);
    };
    // one at a time on this side, so the other kit's polls find work too
    const f = await kitWith({
      handlers: { '*': handler('a') },
      dispatcher: { pollIntervalMs: 50, concurrency: 1 },
    });
    const other = createClickPesaPayments({
      store: f.store,
      authenticate: () => null,
      client: f.kit.client,
      poller: false,
      handlers: { '*': handler('b') },
      dispatcher: { pollIntervalMs: 50 },
    });
    try {
      const ids: string[] = [];
      for (let i = 0; i < 8; i++) ids.push((await createPayment(f, 1)).id);
      await eventually(async () => {
        const stored = await f.store.listEventsSince({ after: null, limit: 1000 });
        const settled = stored.filter((event) => event.type === 'payment.succeeded').length === ids.length;
        return settled && (await f.kit.outbox.stats()).pending === 0;
      }, 15_000);
      const stored = await f.store.listEventsSince({ after: null, limit: 1000 });
      expect(overlaps).toEqual([]);
      expect([...handledBy.keys()].sort()).toEqual(stored.map((event) => event.id).sort());
      expect([...handledBy.values()].every((kits) => kits.length === 1)).toBe(true);
      // both took part
      expect(new Set([...handledBy.values()].flat())).toEqual(new Set(['a', 'b']));
    } finally {
      await other.close();
    }
  });
});

describe('SM-7: a success with another collected amount', () => {
  async function mismatchedSuccess(fulfilOnAmountMismatch: boolean) {
    const types: string[] = [];
    const f = await kitWith({
      trustSignedWebhooks: true,
      ...(fulfilOnAmountMismatch ? { fulfilOnAmountMismatch } : {}),
      handlers: { '*': (event) => void types.push(event.type) },
    });
    const payment = await createPayment(f, 7);
    const ack = await signedWebhook(f, {
      id: `TX-${payment.reference}`,
      orderReference: payment.reference,
      status: 'SUCCESS',
      collectedAmount: '900.00',
    });
    expect(ack.status).toBe(200);
    await eventually(() => types.includes('payment.amount_mismatch'));
    await eventually(async () => (await f.kit.outbox.stats()).pending === 0);
    const data = (await f.call('GET', `/payments/${payment.id}`)).body.data;
    return { types, data };
  }

  it('by default: success, flagged, payment.amount_mismatch and NO payment.succeeded', async () => {
    const { types, data } = await mismatchedSuccess(false);
    expect(data).toMatchObject({
      status: 'success',
      needs_attention: true,
      amount_mismatch: true,
      collected_amount: '900.00',
      collected_currency: 'TZS',
    });
    expect(types).toContain('payment.needs_attention');
    expect(types).not.toContain('payment.succeeded');
  });

  it('with fulfilOnAmountMismatch: payment.succeeded as well', async () => {
    const { types, data } = await mismatchedSuccess(true);
    expect(data).toMatchObject({ status: 'success', amount_mismatch: true });
    expect(types).toContain('payment.succeeded');
    expect(types.indexOf('payment.succeeded')).toBeLessThan(types.indexOf('payment.amount_mismatch'));
  });
});

describe('dispatcher options', () => {
  it('refuses handlers with dispatcher: false, unknown dispatcher keys and non-function handlers', async () => {
    await expect(kitWith({ handlers: { '*': () => undefined }, dispatcher: false })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringMatching(/handlers need the event dispatcher/),
    });
    await expect(kitWith({ dispatcher: { pollIntervalMS: 5 } as never })).rejects.toMatchObject({
      message: expect.stringMatching(
        /unknown option `dispatcher.pollIntervalMS`: did you mean `dispatcher.pollIntervalMs`/,
      ),
    });
    await expect(kitWith({ handlers: { 'payment.succeeded': 'fulfil' } as never })).rejects.toMatchObject({
      message: expect.stringMatching(/handlers\.payment\.succeeded/),
    });
    await expect(kitWith({ dispatcher: { retryBaseMs: 10_000, retryMaxMs: 1_000 } })).rejects.toMatchObject({
      message: expect.stringMatching(/dispatcher\.retryMaxMs/),
    });
    await expect(kitWith({ retention: { eventsDays: 0 } })).rejects.toMatchObject({
      message: expect.stringMatching(/retention\.eventsDays/),
    });
  });

  it('refuses a store without the event outbox, naming what is missing, unless dispatcher and retention are off', async () => {
    const { createClickPesaPayments } = await import('../../src/kit.js');
    const { createMemoryStore } = await import('../../src/store/memory-store.js');
    const oldStore = { ...createMemoryStore(), kind: 'legacy' } as Record<string, unknown>;
    delete oldStore.claimEventDeliveries;
    delete oldStore.pruneRecords;
    const base = {
      store: oldStore as never,
      authenticate: () => null,
      clickpesa: { clientId: 'id', apiKey: 'key', env: {} },
      poller: false as const,
    };
    expect(() => createClickPesaPayments(base)).toThrow(
      /The legacy store does not implement claimEventDeliveries, pruneRecords \(the event outbox\)/,
    );
    const kit = createClickPesaPayments({ ...base, dispatcher: false, retention: false });
    await kit.close();
  });
});
