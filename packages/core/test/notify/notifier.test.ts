import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { ClickPesaKitError } from '../../src/errors.js';
import { PaymentEvents } from '../../src/events.js';
import { createCallbackNotifier } from '../../src/notify/notifier.js';
import type { CallbackNotifier, CallbackNotifierOptions } from '../../src/notify/types.js';
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
  events: PaymentEvents;
  clock: ManualClock;
  notifier: CallbackNotifier;
  logs: CapturedLog[];
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
  const events = new PaymentEvents();
  const clock = createManualClock(Date.now());
  const logs: CapturedLog[] = [];
  const notifier = createCallbackNotifier({
    events,
    secret: SECRET,
    allowedUrls: [url],
    clock,
    logger: capturingLogger(logs),
    retryDelaysMs: DELAYS,
    random: () => 0.5, // no jitter: the waits are exactly the schedule
    timeoutMs: 5_000,
    ...overrides,
  });
  open.push(notifier, receiver);
  return { receiver, url, events, clock, notifier, logs };
}

/** The retry timer is set once the failed answer came back over the socket. */
async function retryScheduled(s: Setup): Promise<number> {
  await eventually(() => s.clock.pendingTimers() === 1);
  return (s.clock.nextTimerAt() as Date).getTime() - s.clock.now().getTime();
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
    s.events.emit('payment.status_changed', event);
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
        reference: event.payment.orderReference,
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
    s.events.emit('payment.status_changed', statusChanged(null, 'processing'));
    const changed = statusChanged(s.url, 'success');
    const succeeded = { ...changed, payment: { ...changed.payment, status: 'success' as const } };
    s.events.emit('payment.late_success', { ...succeeded, type: 'payment.late_success' });
    s.events.emit('payment.succeeded', { ...succeeded, type: 'payment.succeeded' });
    const counted = statusChanged(s.url, 'success');
    s.events.emit('payment.status_changed', counted);
    const calls = await s.receiver.waitForCalls(1);
    await eventually(() => s.notifier.pending() === 0);
    expect(s.receiver.calls).toHaveLength(1);
    expect(calls[0]?.headers['webhook-id']).toBe(counted.id);
  });
});

describe('retries', () => {
  it('500, 500, 200: delivered on the third send, same webhook-id each time, waits from the schedule', async () => {
    const s = await setup(answers(500, 500, 200));
    const event = statusChanged(null, 'success');
    event.payment.callbackUrl = s.url;
    s.events.emit('payment.status_changed', event);

    await s.receiver.waitForCalls(1);
    expect(await retryScheduled(s)).toBe(1_000);
    await s.clock.advance(1_000);
    await s.receiver.waitForCalls(2);
    expect(await retryScheduled(s)).toBe(2_000);
    await s.clock.advance(2_000);
    const calls = await s.receiver.waitForCalls(3);
    await eventually(() => s.notifier.pending() === 0);

    expect(calls.map((call) => call.headers['webhook-id'])).toEqual([event.id, event.id, event.id]);
    const stamps = calls.map((call) => Number(call.headers['webhook-timestamp']));
    expect(stamps[1]! - stamps[0]!).toBe(1);
    expect(stamps[2]! - stamps[1]!).toBe(2);
    expect(new Set(calls.map((call) => call.body)).size).toBe(1);
    for (const call of calls) expect(await verifiesIndependently(SECRET, call.headers, call.body)).toBe(true);
    expect(s.clock.pendingTimers()).toBe(0);
    await s.clock.advance(60_000);
    expect(s.receiver.calls).toHaveLength(3);
  });

  it('gives up after the last scheduled retry, with an error log', async () => {
    const s = await setup(answers(500), { retryDelaysMs: [1_000] });
    s.events.emit('payment.status_changed', statusChanged(s.url, 'failed'));
    await s.receiver.waitForCalls(1);
    await retryScheduled(s);
    await s.clock.advance(1_000);
    await s.receiver.waitForCalls(2);
    await eventually(() => s.notifier.pending() === 0);
    expect(s.clock.pendingTimers()).toBe(0);
    expect(s.logs.some((log) => log.level === 'error' && /given up/.test(log.msg ?? ''))).toBe(true);
  });

  it('honours a Retry-After longer than the schedule', async () => {
    const s = await setup(answers({ status: 503, headers: { 'retry-after': '120' } }, 200));
    s.events.emit('payment.status_changed', statusChanged(s.url, 'processing'));
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
    s.events.emit('payment.status_changed', statusChanged(s.url, 'success'));
    await s.receiver.waitForCalls(1);
    expect(await retryScheduled(s)).toBe(1_000);
    expect(s.receiver.calls.map((call) => call.path)).toEqual(['/hooks/payments']);
    await s.clock.advance(1_000);
    await s.receiver.waitForCalls(2);
    await eventually(() => s.notifier.pending() === 0);
    expect(s.receiver.calls.map((call) => call.path)).toEqual(['/hooks/payments', '/hooks/payments']);
  });

  it('410 Gone stops every notification to that URL, queued ones included', async () => {
    const goneFor = 'b3c1f1de-0000-4000-8000-00000000000b';
    const s = await setup((_index, call) => ({
      status: (JSON.parse(call.body) as { data: { id: string } }).data.id === goneFor ? 410 : 500,
    }));
    s.events.emit('payment.status_changed', statusChanged(s.url, 'processing'));
    await s.receiver.waitForCalls(1);
    await retryScheduled(s); // payment A backs off after its 500

    s.events.emit('payment.status_changed', statusChanged(s.url, 'success', { id: goneFor }));
    await s.receiver.waitForCalls(2);
    await eventually(() => s.notifier.pending() === 0);
    expect(s.notifier.disabledUrls()).toEqual([s.url]);
    expect(s.clock.pendingTimers()).toBe(0);

    s.events.emit('payment.status_changed', statusChanged(s.url, 'failed', { id: 'another' }));
    await s.clock.advance(60_000);
    expect(s.notifier.pending()).toBe(0);
    expect(s.receiver.calls).toHaveLength(2);
  });
});

describe('allow-list (SEC-10)', () => {
  it('never calls a callback_url the host does not allow', async () => {
    const s = await setup();
    s.events.emit('payment.status_changed', statusChanged(`${s.receiver.origin}/not-allowed`, 'success'));
    s.events.emit('payment.status_changed', statusChanged(s.url, 'success', { id: 'control' }));
    await s.receiver.waitForCalls(1);
    await eventually(() => s.notifier.pending() === 0);
    expect(s.receiver.calls.map((call) => call.path)).toEqual(['/hooks/payments']);
    expect(s.logs.some((log) => /not in allowedCallbackUrls/.test(log.msg ?? ''))).toBe(true);
  });

  it('checks again at send time: a URL removed from the live list is not retried', async () => {
    const allowed: string[] = [];
    const s = await setup(answers(500), { allowedUrls: allowed });
    allowed.push(s.url);
    s.events.emit('payment.status_changed', statusChanged(s.url, 'success'));
    await s.receiver.waitForCalls(1);
    await retryScheduled(s);
    allowed.length = 0;
    await s.clock.advance(1_000);
    await eventually(() => s.notifier.pending() === 0);
    expect(s.receiver.calls).toHaveLength(1);
    expect(s.logs.some((log) => /no longer in allowedCallbackUrls/.test(log.msg ?? ''))).toBe(true);
  });
});

describe('queue', () => {
  it("keeps one payment's notifications in order, even when the first needs retries", async () => {
    const s = await setup(answers(500, 200));
    const processing = statusChanged(s.url, 'processing');
    const success = statusChanged(s.url, 'success');
    s.events.emit('payment.status_changed', processing);
    s.events.emit('payment.status_changed', success);
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

  it('past its bound drops the oldest waiting notification with a warning', async () => {
    const s = await setup(undefined, { maxQueued: 2, concurrency: 1 });
    const first = statusChanged(s.url, 'success', { id: 'first' });
    const second = statusChanged(s.url, 'success', { id: 'second' });
    const third = statusChanged(s.url, 'success', { id: 'third' });
    // synchronous: the first is in flight, the second waits, the third pushes the second out
    s.events.emit('payment.status_changed', first);
    s.events.emit('payment.status_changed', second);
    s.events.emit('payment.status_changed', third);
    expect(s.notifier.pending()).toBe(2);
    const calls = await s.receiver.waitForCalls(2);
    await eventually(() => s.notifier.pending() === 0);
    expect(calls.map((call) => call.headers['webhook-id'])).toEqual([first.id, third.id]);
    const warning = s.logs.find((log) => /dropped/.test(log.msg ?? ''));
    expect(warning?.fields).toMatchObject({
      webhookId: second.id,
      reason: expect.stringMatching(/queue full/),
    });
  });

  it('close() cancels pending retries and stops listening', async () => {
    const s = await setup(answers(500));
    s.events.emit('payment.status_changed', statusChanged(s.url, 'success'));
    await s.receiver.waitForCalls(1);
    await retryScheduled(s);
    await s.notifier.close();
    expect(s.clock.pendingTimers()).toBe(0);
    expect(s.notifier.pending()).toBe(0);
    s.events.emit('payment.status_changed', statusChanged(s.url, 'failed', { id: 'after-close' }));
    await s.clock.advance(60_000);
    expect(s.receiver.calls).toHaveLength(1);
    expect(s.events.listenerCount('payment.status_changed')).toBe(0);
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
      createCallbackNotifier({ events: new PaymentEvents(), secret, allowedUrls: [] });
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
        events: new PaymentEvents(),
        secret: newSecret(bytes),
        allowedUrls: [],
      });
      await notifier.close();
    }
  });
});
