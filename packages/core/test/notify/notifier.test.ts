import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { createEventDispatcher, type EventDispatcher } from '../../src/dispatch/dispatcher.js';
import { resolveDispatcherOptions } from '../../src/dispatch/options.js';
import { ClickPesaKitError } from '../../src/errors.js';
import type { PaymentEventOf } from '../../src/events.js';
import { createCallbackNotifier } from '../../src/notify/notifier.js';
import type { CallbackNotifier, CallbackNotifierOptions } from '../../src/notify/types.js';
import { createMemoryStore, type MemoryStore } from '../../src/store/memory-store.js';
import { createManualClock, type ManualClock } from '../../src/testing/manual-clock.js';
import { eventually } from '../kit/fixture.js';
import { type Receiver, type ScriptedAnswer, startReceiver } from './receiver.js';
import {
  type CapturedLog,
  capturingLogger,
  newSecret,
  statusChanged,
  verifiesIndependently,
} from './support.js';

const SECRET = newSecret();
const DELAYS = [1_000, 2_000, 4_000];

interface Setup {
  receiver: Receiver;
  url: string;
  store: MemoryStore;
  clock: ManualClock;
  notifier: CallbackNotifier;
  dispatcher: EventDispatcher;
  logs: CapturedLog[];
  /** Stores a status change with its `callback` delivery (as the service does) and wakes the dispatcher. */
  emit(event: PaymentEventOf<'payment.status_changed'>): Promise<void>;
  /** Notifications still pending in the outbox (waiting, backing off or in flight). */
  pending(): Promise<number>;
  retriesSeen: number;
}

let open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.map((item) => item.close()));
  open = [];
});

async function setup(
  script?: Parameters<typeof startReceiver>[0],
  overrides: Partial<CallbackNotifierOptions> = {},
): Promise<Setup> {
  const receiver = await startReceiver(script);
  const url = `${receiver.origin}/hooks/payments`;
  const store = createMemoryStore();
  const clock = createManualClock(Date.now());
  const logs: CapturedLog[] = [];
  const notifier = createCallbackNotifier({
    store,
    secret: SECRET,
    allowedUrls: [url],
    clock,
    logger: capturingLogger(logs),
    retryDelaysMs: DELAYS,
    random: () => 0.5, // no jitter: the waits are exactly the schedule
    timeoutMs: 5_000,
    ...overrides,
  });
  const dispatcher = createEventDispatcher({
    store,
    clock,
    logger: capturingLogger(logs),
    owner: 'test',
    consumer: notifier.consumer,
    options: resolveDispatcherOptions({ pollIntervalMs: 100, handlerTimeoutMs: 10_000, shutdownGraceMs: 0 }),
  });
  dispatcher.start();
  open.push({ close: () => dispatcher.stop() }, notifier, receiver);
  const seqs = new Map<string, number>();
  const s: Setup = {
    receiver,
    url,
    store,
    clock,
    notifier,
    dispatcher,
    logs,
    retriesSeen: 0,
    async emit(event) {
      const newEvent = {
        id: event.id,
        type: event.type,
        occurredAt: event.occurredAt,
        data: { from: event.from, to: event.to, source: event.source },
        deliverTo: ['callback'],
      };
      const existing = await store.getPayment(event.paymentId);
      if (existing === null) {
        seqs.set(event.paymentId, 1);
        const reference = `REF${seqs.size}X${event.paymentId.slice(-6)}`.toUpperCase();
        await store.createPayment({
          payment: { ...event.payment, orderReference: reference, orderReferences: [reference], version: 1 },
          events: [newEvent],
        });
      } else {
        const result = await store.transition({
          paymentId: existing.id,
          expectedVersion: existing.version,
          changes: { status: event.payment.status },
          events: [newEvent],
        });
        if (!result.applied) throw new Error('test setup: transition not applied');
      }
      dispatcher.wake();
    },
    pending: async () => (await store.outboxStats()).pending,
  };
  return s;
}

/** The retry is recorded once the failed answer came back over the socket: the wait the notifier chose. */
async function retryScheduled(s: Setup): Promise<number> {
  const retries = () =>
    s.logs.filter((log) => /callback notification failed; will retry/.test(log.msg ?? ''));
  await eventually(() => retries().length > s.retriesSeen);
  const log = retries()[s.retriesSeen++]!;
  return log.fields.retryInMs as number;
}

function answers(...statuses: (number | ScriptedAnswer)[]) {
  return (index: number): ScriptedAnswer => {
    const answer = statuses[Math.min(index, statuses.length - 1)] ?? 200;
    return typeof answer === 'number' ? { status: answer } : answer;
  };
}

describe('signature and payload (WH-15)', () => {
  it('signs the Standard Webhooks way: an independent verifier and the standardwebhooks package accept it', async () => {
    const s = await setup(undefined, { clock: systemClock }); // the package checks the timestamp against now
    const event = statusChanged(null, 'processing', { transactionId: 'TX-9' });
    event.payment.callbackUrl = s.url;
    await s.emit(event);
    const [call] = await s.receiver.waitForCalls(1);
    if (!call) throw new Error('no call');

    expect(call.path).toBe('/hooks/payments');
    expect(call.headers['content-type']).toBe('application/json');
    expect(call.headers['webhook-id']).toBe(event.id);
    expect(Number(call.headers['webhook-timestamp'])).toBeCloseTo(Date.now() / 1000, -2);
    expect(call.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(call.headers.authorization).toBeUndefined();
    expect(call.headers.cookie).toBeUndefined();
    expect(JSON.parse(call.body)).toEqual({
      type: 'payment.status_changed',
      timestamp: '2026-01-05T10:00:05.000Z',
      data: expect.objectContaining({
        id: event.paymentId,
        status: 'processing',
        transaction_id: 'TX-9',
        amount: '1000.00',
        reference: expect.stringMatching(/^REF/),
      }),
    });
    expect(JSON.parse(call.body).data).not.toHaveProperty('ownerId');
    expect(JSON.parse(call.body).data).not.toHaveProperty('owner_id');

    expect(await verifiesIndependently(SECRET, call.headers, call.body)).toBe(true);
    expect(await verifiesIndependently(SECRET, call.headers, call.body.replace('1000.00', '9000.00'))).toBe(
      false,
    );
    expect(await verifiesIndependently(newSecret(), call.headers, call.body)).toBe(false);
    const verified = new Webhook(SECRET).verify(call.body, call.headers as Record<string, string>);
    expect(verified).toEqual(JSON.parse(call.body));
    expect(() =>
      new Webhook(newSecret()).verify(call.body, call.headers as Record<string, string>),
    ).toThrow();
  });

  it('ignores payments without a callback_url and events other than status changes', async () => {
    const s = await setup();
    await s.emit(statusChanged(null, 'processing', { id: 'no-callback-url' }));
    // a succeeded event with a callback delivery (the service never writes one) is not sent either
    const other = statusChanged(s.url, 'success', {
      id: 'other',
      orderReference: 'OTHER1',
      orderReferences: ['OTHER1'],
    });
    await s.store.createPayment({
      payment: { ...other.payment, version: 1 },
      events: [
        {
          id: other.id,
          type: 'payment.succeeded',
          occurredAt: s.clock.now(),
          data: {},
          deliverTo: ['callback'],
        },
      ],
    });
    const counted = statusChanged(s.url, 'success');
    await s.emit(counted);
    const calls = await s.receiver.waitForCalls(1);
    await eventually(async () => (await s.pending()) === 0);
    expect(s.receiver.calls).toHaveLength(1);
    expect(calls[0]?.headers['webhook-id']).toBe(counted.id);
  });
});

describe('retries', () => {
  it('500, 500, 200: delivered on the third send, same webhook-id each time, waits from the schedule', async () => {
    const s = await setup(answers(500, 500, 200));
    const event = statusChanged(null, 'success');
    event.payment.callbackUrl = s.url;
    await s.emit(event);

    await s.receiver.waitForCalls(1);
    expect(await retryScheduled(s)).toBe(1_000);
    await s.clock.advance(1_000);
    await s.receiver.waitForCalls(2);
    expect(await retryScheduled(s)).toBe(2_000);
    await s.clock.advance(2_000);
    const calls = await s.receiver.waitForCalls(3);
    await eventually(async () => (await s.pending()) === 0);

    expect(calls.map((call) => call.headers['webhook-id'])).toEqual([event.id, event.id, event.id]);
    const stamps = calls.map((call) => Number(call.headers['webhook-timestamp']));
    expect(stamps[1]! - stamps[0]!).toBe(1);
    expect(stamps[2]! - stamps[1]!).toBe(2);
    expect(new Set(calls.map((call) => call.body)).size).toBe(1);
    for (const call of calls) expect(await verifiesIndependently(SECRET, call.headers, call.body)).toBe(true);
    await s.clock.advance(60_000);
    expect(s.receiver.calls).toHaveLength(3);
  });

  it('gives up after the last scheduled retry, with an error log', async () => {
    const s = await setup(answers(500), { retryDelaysMs: [1_000] });
    await s.emit(statusChanged(s.url, 'failed'));
    await s.receiver.waitForCalls(1);
    await retryScheduled(s);
    await s.clock.advance(1_000);
    await s.receiver.waitForCalls(2);
    await eventually(async () => (await s.pending()) === 0);
    const dead = await s.store.listDeadDeliveries({ consumer: 'callback', limit: 10 });
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({ attempts: 2, lastError: expect.stringMatching(/500/) });
    expect(s.logs.some((log) => log.level === 'error' && /given up/.test(log.msg ?? ''))).toBe(true);
    await s.clock.advance(60_000);
    expect(s.receiver.calls).toHaveLength(2);
  });

  it('honours a Retry-After longer than the schedule', async () => {
    const s = await setup(answers({ status: 503, headers: { 'retry-after': '120' } }, 200));
    await s.emit(statusChanged(s.url, 'processing'));
    await s.receiver.waitForCalls(1);
    expect(await retryScheduled(s)).toBe(120_000);
    await s.clock.advance(119_000);
    expect(s.receiver.calls).toHaveLength(1);
    await s.clock.advance(1_000);
    await s.receiver.waitForCalls(2);
  });

  it('a 3xx is a failure: the redirect is not followed', async () => {
    const s = await setup((index, call) =>
      call.path === '/elsewhere' || index > 0
        ? { status: 200 }
        : { status: 302, headers: { location: '/elsewhere' } },
    );
    await s.emit(statusChanged(s.url, 'success'));
    await s.receiver.waitForCalls(1);
    expect(await retryScheduled(s)).toBe(1_000);
    expect(s.receiver.calls.map((call) => call.path)).toEqual(['/hooks/payments']);
    await s.clock.advance(1_000);
    await s.receiver.waitForCalls(2);
    await eventually(async () => (await s.pending()) === 0);
    expect(s.receiver.calls.map((call) => call.path)).toEqual(['/hooks/payments', '/hooks/payments']);
  });

  it('410 Gone stops every notification to that URL, pending retries included', async () => {
    const goneFor = 'b3c1f1de-0000-4000-8000-00000000000b';
    const s = await setup((_index, call) => ({
      status: (JSON.parse(call.body) as { data: { id: string } }).data.id === goneFor ? 410 : 500,
    }));
    await s.emit(statusChanged(s.url, 'processing'));
    await s.receiver.waitForCalls(1);
    await retryScheduled(s); // payment A backs off after its 500

    await s.emit(statusChanged(s.url, 'success', { id: goneFor }));
    await s.receiver.waitForCalls(2);
    await eventually(() => s.notifier.disabledUrls().length === 1);
    expect(s.notifier.disabledUrls()).toEqual([s.url]);

    await s.emit(statusChanged(s.url, 'failed', { id: 'another' }));
    await s.clock.advance(60_000); // A's retry falls due: not sent either
    await eventually(async () => (await s.pending()) === 0);
    expect(s.receiver.calls).toHaveLength(2);
    expect(await s.store.listDeadDeliveries({ limit: 10 })).toEqual([]);
  });
});

describe('allow-list (SEC-10)', () => {
  it('never calls a callback_url the host does not allow', async () => {
    const s = await setup();
    await s.emit(statusChanged(`${s.receiver.origin}/not-allowed`, 'success'));
    await s.emit(statusChanged(s.url, 'success', { id: 'control' }));
    await s.receiver.waitForCalls(1);
    await eventually(async () => (await s.pending()) === 0);
    expect(s.receiver.calls.map((call) => call.path)).toEqual(['/hooks/payments']);
    expect(s.logs.some((log) => /not in allowedCallbackUrls/.test(log.msg ?? ''))).toBe(true);
  });

  it('checks again at send time: a URL removed from the live list is not retried', async () => {
    const allowed: string[] = [];
    const s = await setup(answers(500), { allowedUrls: allowed });
    allowed.push(s.url);
    await s.emit(statusChanged(s.url, 'success'));
    await s.receiver.waitForCalls(1);
    await retryScheduled(s);
    allowed.length = 0;
    await s.clock.advance(1_000);
    await eventually(async () => (await s.pending()) === 0);
    expect(s.receiver.calls).toHaveLength(1);
    expect(s.logs.filter((log) => /not in allowedCallbackUrls/.test(log.msg ?? ''))).toHaveLength(1);
  });
});

describe('queue', () => {
  it("keeps one payment's notifications in order, even when the first needs retries", async () => {
    const s = await setup(answers(500, 200));
    const processing = statusChanged(s.url, 'processing');
    const success = statusChanged(s.url, 'success');
    await s.emit(processing);
    await s.emit(success);
    await s.receiver.waitForCalls(1);
    await retryScheduled(s);
    expect(s.receiver.calls).toHaveLength(1); // success waits behind processing
    await s.clock.advance(1_000);
    const calls = await s.receiver.waitForCalls(3);
    expect(calls.map((call) => JSON.parse(call.body).data.status)).toEqual([
      'processing',
      'processing',
      'success',
    ]);
    expect(calls.map((call) => call.headers['webhook-id'])).toEqual([
      processing.id,
      processing.id,
      success.id,
    ]);
  });

  it('a notification still pending when the process stops is sent by the next one (it lives in the store)', async () => {
    const s = await setup(answers(500, 200));
    const event = statusChanged(s.url, 'success');
    await s.emit(event);
    await s.receiver.waitForCalls(1);
    await retryScheduled(s);
    await s.dispatcher.stop();
    await s.clock.advance(60_000);
    expect(s.receiver.calls).toHaveLength(1);
    expect(await s.pending()).toBe(1);

    const next = createEventDispatcher({
      store: s.store,
      clock: s.clock,
      logger: capturingLogger(s.logs),
      owner: 'next',
      consumer: s.notifier.consumer,
      options: resolveDispatcherOptions({ pollIntervalMs: 100 }),
    });
    open.push({ close: () => next.stop() });
    next.start();
    const calls = await s.receiver.waitForCalls(2);
    await eventually(async () => (await s.pending()) === 0);
    expect(calls.map((call) => call.headers['webhook-id'])).toEqual([event.id, event.id]);
  });
});

describe('secret', () => {
  it.each([
    ['no prefix', Buffer.alloc(32, 7).toString('base64')],
    ['too short (16 bytes)', newSecret(16)],
    ['too long (65 bytes)', newSecret(65)],
    ['not base64', 'whsec_not*base64*at*all*but*long*enough*to*pass'],
    ['empty', 'whsec_'],
  ])('refuses a secret that is %s, without echoing it', (_case, secret) => {
    let error: unknown;
    try {
      createCallbackNotifier({ store: createMemoryStore(), secret, allowedUrls: [] });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ClickPesaKitError);
    expect((error as ClickPesaKitError).code).toBe('CONFIG_INVALID');
    expect((error as Error).message).toMatch(/^secret must be "whsec_"/);
    const body = secret.replace(/^whsec_/, '');
    if (body.length > 0) expect((error as Error).message).not.toContain(body);
  });

  it('accepts 24 and 64 byte secrets', async () => {
    for (const bytes of [24, 64]) {
      const notifier = createCallbackNotifier({
        store: createMemoryStore(),
        secret: newSecret(bytes),
        allowedUrls: [],
      });
      await notifier.close();
    }
  });
});
