import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  createPaymentsClient,
  type Payment,
  type PaymentsClient,
  TIMEOUT_MESSAGE,
  type WaitOptions,
  type WaitResult,
} from '../src/index.js';
import { inProcessFetch } from './double-transports.js';
import { createRouteDouble, type RouteDouble, type Step } from './route-double.js';

/**
 * The polling strategy of waitForPayment (first check after a wait, then every interval), on fake time: the
 * double runs in-process as the client's fetch, so every status check happens at an exact fake instant, logged as `at`.
 */

let double: RouteDouble;
let client: PaymentsClient;
let startedAt: number;

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'], now: 1_700_000_000_000 });
  double = createRouteDouble();
  client = createPaymentsClient({
    baseUrl: 'http://shop.test/api/v1',
    token: 'alice-token',
    fetch: inProcessFetch(double),
  });
});
afterEach(() => {
  vi.useRealTimers();
});

/** Creates a payment whose status checks follow `steps`, and starts the clock for `checkTimes`. */
async function paymentWith(steps: Step[]): Promise<Payment> {
  double.planNext(steps);
  const { payment } = await client.initiatePayment({ amount: 1000, msisdn: '0712345678' });
  startedAt = Date.now();
  return payment;
}

/** Milliseconds after `paymentWith` at which each status check arrived. */
function checkTimes(): number[] {
  return double.requests.filter((request) => request.path.endsWith('/status')).map((r) => r.at - startedAt);
}

/** Runs the wait to completion on fake time; returns how it settled. */
async function settle(promise: Promise<WaitResult>, maxMs = 600_000) {
  const outcome = promise.then(
    (value) => ({ value, error: undefined }),
    (error: unknown) => ({ value: undefined, error }),
  );
  let done = false;
  void outcome.then(() => {
    done = true;
  });
  for (let elapsed = 0; !done && elapsed < maxMs; elapsed += 1000) await vi.advanceTimersByTimeAsync(1000);
  if (!done) throw new Error('waitForPayment did not settle');
  return outcome;
}

describe('a server that gives no hint: a first look at 2 s, then the guide’s 10 s, for at most 2 minutes', () => {
  it('does not check before 2 s, then checks at 2 s, 12 s, 22 s and stops at success', async () => {
    const payment = await paymentWith([
      'processing',
      'processing',
      { status: 'success', transaction_id: 'LCPX' },
    ]);
    const updates: string[] = [];
    const waiting = client.waitForPayment(payment.id, {
      onUpdate: (update, progress) =>
        updates.push(`${progress.attempt}/${progress.maxAttempts} ${update.status}`),
    });

    await vi.advanceTimersByTimeAsync(1_999);
    expect(checkTimes()).toEqual([]);

    const { value } = await settle(waiting);
    expect(checkTimes()).toEqual([2_000, 12_000, 22_000]);
    expect(updates).toEqual(['1/60 processing', '2/60 processing', '3/60 success']);
    expect(value).toMatchObject({
      outcome: 'success',
      attempts: 3,
      message: 'Payment completed',
      payment: { id: payment.id, status: 'success', transaction_id: 'LCPX' },
      providerStatus: { status: 'SUCCESS' },
    });

    await vi.advanceTimersByTimeAsync(60_000);
    expect(double.statusChecks(payment.id)).toBe(3);
  });

  it('gives up after 2 minutes with a "may still succeed" timeout result instead of throwing', async () => {
    const payment = await paymentWith([]);
    const { value, error } = await settle(client.waitForPayment(payment.id));

    expect(error).toBeUndefined();
    // every 10 s from 2 s, and a last look when the 2 minutes end
    const times = [2_000, 12_000, 22_000, 32_000, 42_000, 52_000, 62_000, 72_000, 82_000, 92_000, 102_000];
    expect(checkTimes()).toEqual([...times, 112_000, 120_000]);
    expect(value).toMatchObject({
      outcome: 'timeout',
      attempts: 13,
      message: TIMEOUT_MESSAGE,
      payment: { id: payment.id, status: 'processing' },
    });
    expect(TIMEOUT_MESSAGE).toBe('Timed out — the payment may still succeed');

    await vi.advanceTimersByTimeAsync(120_000);
    expect(double.statusChecks(payment.id)).toBe(13);
  });

  it('follows custom timings', async () => {
    const payment = await paymentWith([]);
    const options: WaitOptions = { initialDelayMs: 0, intervalMs: 2_000, maxAttempts: 3 };
    const { value } = await settle(client.waitForPayment(payment.id, options));
    expect(checkTimes()).toEqual([0, 2_000, 4_000]);
    expect(value?.outcome).toBe('timeout');
  });
});

describe('a server that says when to ask again', () => {
  it('follows poll_after_ms, then Retry-After, within bounds', async () => {
    const hinted = (
      status: Payment['status'],
      hints: Record<string, unknown>,
      headers: Record<string, string> = {},
    ): Step => ({ status, hints, headers });
    const payment = await paymentWith([
      hinted('processing', { poll_after_ms: 1_500, checked_at: '2023-11-14T22:13:21.000Z' }),
      // a tiny hint is stretched to 500 ms, a huge one cut to a minute
      hinted('processing', { poll_after_ms: 1 }),
      hinted('processing', { poll_after_ms: 600_000 }),
      // a server that sends only the header
      hinted('processing', {}, { 'retry-after': '3' }),
      hinted('success', { poll_after_ms: null }),
    ]);
    const updates: number[] = [];
    const { value } = await settle(client.waitForPayment(payment.id, { onUpdate: () => updates.push(1) }));
    expect(checkTimes()).toEqual([2_000, 3_500, 4_000, 64_000, 67_000]);
    expect(value).toMatchObject({ outcome: 'success', attempts: 5 });
  });

  it('getStatus hands the hints over', async () => {
    const payment = await paymentWith([
      { status: 'processing', hints: { poll_after_ms: 1_200, checked_at: '2023-11-14T22:13:21.000Z' } },
    ]);
    const answer = await client.getStatus(payment.id);
    expect(answer).toMatchObject({ pollAfterMs: 1_200, checkedAt: '2023-11-14T22:13:21.000Z' });
  });
});

describe('final statuses end the wait', () => {
  it.each([
    [
      { status: 'failed', error_message: 'Payment rejected by customer', failure_reason: 'provider_failed' },
      'failed',
      'Payment rejected by customer',
    ],
    [
      { status: 'failed', error_message: null, failure_reason: 'provider_failed' },
      'failed',
      'Payment failed',
    ],
    [{ status: 'cancelled' }, 'cancelled', 'Payment cancelled'],
    [{ status: 'reversed' }, 'reversed', 'Payment reversed'],
  ] as const)('%o → outcome %s', async (step, outcome, message) => {
    const payment = await paymentWith(['processing', step]);
    const { value } = await settle(client.waitForPayment(payment.id));
    expect(value).toMatchObject({ outcome, message, attempts: 2, payment: { status: step.status } });
    expect(double.statusChecks(payment.id)).toBe(2);
  });

  it('the server’s own timeout (failed, failure_reason "timeout") is reported as timeout, not failure', async () => {
    const payment = await paymentWith([{ status: 'failed', failure_reason: 'timeout' }]);
    const { value } = await settle(client.waitForPayment(payment.id));
    expect(value).toMatchObject({
      outcome: 'timeout',
      message: TIMEOUT_MESSAGE,
      payment: { status: 'failed' },
    });
    expect(double.statusChecks(payment.id)).toBe(1);
  });
});

describe('errors during the wait', () => {
  it('retries network errors and 5xx within the attempts', async () => {
    const unavailable = {
      reply: 503,
      body: {
        success: false,
        message: 'Payment storage is unavailable',
        error: { code: 'STORE_UNAVAILABLE' },
      },
    };
    const payment = await paymentWith(['drop', unavailable, 'processing', 'success']);
    const errors: string[] = [];
    const { value } = await settle(
      client.waitForPayment(payment.id, {
        onRetryableError: (error, progress) => errors.push(`${progress.attempt} ${error.code}`),
      }),
    );
    expect(errors).toEqual(['1 NETWORK_ERROR', '2 STORE_UNAVAILABLE']);
    expect(value).toMatchObject({ outcome: 'success', attempts: 4 });
    expect(checkTimes()).toEqual([2_000, 12_000, 22_000, 32_000]);
  });

  it('when every check fails it still resolves as timeout, with the last error and no payment', async () => {
    const payment = await paymentWith(['drop', 'drop', 'drop']);
    const { value, error } = await settle(client.waitForPayment(payment.id, { maxAttempts: 3 }));
    expect(error).toBeUndefined();
    expect(value).toMatchObject({ outcome: 'timeout', payment: null, lastError: { code: 'NETWORK_ERROR' } });
    expect(double.statusChecks(payment.id)).toBe(3);
  });

  it('a 429 stretches the next interval to its Retry-After', async () => {
    const limited = {
      reply: 429,
      body: { success: false, message: 'Too many requests', error: { code: 'RATE_LIMITED' } },
      headers: { 'retry-after': '30' },
    };
    const payment = await paymentWith([limited, 'success']);
    const { value } = await settle(client.waitForPayment(payment.id));
    expect(checkTimes()).toEqual([2_000, 32_000]);
    expect(value?.outcome).toBe('success');
  });

  it('rejects at once on errors that will not fix themselves (404)', async () => {
    const { error } = await settle(client.waitForPayment('no-such-payment'));
    expect(error).toMatchObject({ status: 404, code: 'NOT_FOUND' });
    expect(double.requests.filter((request) => request.path.endsWith('/status'))).toHaveLength(1);
  });

  it('rejects at once on 401', async () => {
    const payment = await paymentWith([]);
    const anonymous = createPaymentsClient({
      baseUrl: 'http://shop.test/api/v1',
      fetch: inProcessFetch(double),
    });
    const { error } = await settle(anonymous.waitForPayment(payment.id));
    expect(error).toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
    expect(checkTimes()).toEqual([2_000]);
  });

  it('an abort stops the wait with the signal’s reason and no more checks', async () => {
    const payment = await paymentWith([]);
    const controller = new AbortController();
    const waiting = client.waitForPayment(payment.id, { signal: controller.signal });
    await vi.advanceTimersByTimeAsync(30_000);
    controller.abort(new Error('customer closed the page'));
    const { error } = await settle(waiting);
    expect(error).toMatchObject({ message: 'customer closed the page' });
    await vi.advanceTimersByTimeAsync(120_000);
    expect(checkTimes()).toEqual([2_000, 12_000, 22_000]);
  });

  it.each([
    [{ maxAttempts: 0 }, 'maxAttempts'],
    [{ maxAttempts: 1.5 }, 'maxAttempts'],
    [{ intervalMs: -1 }, 'intervalMs'],
    [{ initialDelayMs: Number.NaN }, 'initialDelayMs'],
  ])('refuses %o', async (options, name) => {
    await expect(client.waitForPayment('any', options)).rejects.toThrow(
      new RangeError(
        `${name} must be a ${name === 'maxAttempts' ? 'positive integer' : 'non-negative number'}`,
      ),
    );
    expect(double.requests).toHaveLength(0);
  });
});
