import { afterEach, describe, expect, it } from 'vitest';
import type { PaymentRecord } from '../../src/domain/payment.js';
import { type PollerHarness, startPollerHarness } from './support/poller-harness.js';

let h: PollerHarness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

const API = new Set(['token', 'preview', 'initiate', 'query', 'list']);
const apiCalls = (harness: PollerHarness) => harness.sb.requests.filter((r) => API.has(r.endpoint));

/** Most calls inside any window of `windowMs`. */
function peak(times: number[], windowMs: number): number {
  let best = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i]! - times[j]! >= windowMs) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

/** Payments made through a separate, unthrottled instance (instance 0), so creating them needs no clock. */
async function createMix(harness: PollerHarness, perDigit: number): Promise<Map<number, PaymentRecord[]>> {
  const creator = harness.instances[0]!.service;
  const byDigit = new Map<number, PaymentRecord[]>();
  for (let digit = 0; digit <= 8; digit++) {
    const list: PaymentRecord[] = [];
    for (let i = 0; i < perDigit; i++) list.push(await harness.initiate(creator, digit));
    byDigit.set(digit, list);
  }
  return byDigit;
}

async function expectConverged(harness: PollerHarness, byDigit: Map<number, PaymentRecord[]>) {
  for (const [digit, payments] of byDigit) {
    for (const payment of payments) {
      const row = (await harness.store.getPayment(payment.id))!;
      if (digit <= 4 || digit === 8) expect(row.status, `digit ${digit}`).toBe('success');
      else if (digit === 7) expect(row).toMatchObject({ status: 'failed', failureReason: 'timeout' });
      else expect(row).toMatchObject({ status: 'failed', failureReason: 'provider_failed' });
    }
  }
}

describe('poller + provider budget', () => {
  it('429 with Retry-After: 30 → no provider call for 30 s of clock, then polling resumes', async () => {
    h = await startPollerHarness();
    h.addInstance({}, {}); // creator
    const { poller } = h.addInstance({}, { budget: { requestsPerMinute: 120, burst: 2 } });
    const byDigit = await createMix(h, 1);
    h.sb.fault({ endpoint: 'list', kind: 'status', status: 429, headers: { 'retry-after': '30' } });
    poller.start();
    await h.driveFor(25_000, 500);
    const limited = h.sb.requests.find((r) => r.status === 429);
    expect(limited).toBeDefined();

    await h.driveFor(120_000, 500);
    const calls = apiCalls(h);
    const during = calls.filter((r) => r.at > limited!.at && r.at < limited!.at + 30_000);
    expect(during).toEqual([]);
    expect(calls.some((r) => r.at >= limited!.at + 30_000)).toBe(true);
    await expectConverged(h, byDigit);
  });

  it('a 10-minute 503 outage: one probe per interval while open, then a drain at the budget rate and convergence', async () => {
    h = await startPollerHarness();
    h.addInstance(); // creator
    const { poller, budget, errors } = h.addInstance(
      { stuckAfterMs: 5 * 60_000 },
      {
        budget: {
          requestsPerMinute: 120,
          burst: 2,
          breaker: { failureThreshold: 5, probeIntervalMs: 30_000 },
        },
      },
    );
    const byDigit = await createMix(h, 4);
    const logged = h.sb.requests.length;
    h.sb.fault({ endpoint: '*', kind: 'status', status: 503, times: 1_000_000 });
    poller.start();

    await h.driveFor(10 * 60_000, 1_000);
    expect(budget.state().circuit).not.toBe('closed');
    const outageCalls = h.sb.requests.slice(logged).filter((r) => API.has(r.endpoint));
    // the breaker opened after 5 consecutive failures; from then on calls are probes, 30 s apart
    const afterOpen = outageCalls.slice(5).map((r) => r.at);
    expect(afterOpen.length).toBeGreaterThan(10);
    expect(afterOpen.length).toBeLessThanOrEqual(20);
    for (let i = 1; i < afterOpen.length; i++)
      expect(afterOpen[i]! - afterOpen[i - 1]!).toBeGreaterThanOrEqual(30_000);
    expect(errors.length).toBeGreaterThan(0);

    h.sb.clearFaults();
    const beforeRecovery = h.sb.requests.length;
    await h.driveFor(5 * 60_000, 1_000);
    const recovery = h.sb.requests
      .slice(beforeRecovery)
      .filter((r) => API.has(r.endpoint))
      .map((r) => r.at);
    expect(recovery.length).toBeGreaterThan(0);
    expect(peak(recovery, 60_000)).toBeLessThanOrEqual(120);
    expect(peak(recovery, 1_000)).toBeLessThanOrEqual(3);
    expect(budget.state().circuit).toBe('closed');
    await expectConverged(h, byDigit);

    // the payments stuck through the outage were flagged exactly once each
    for (const payments of byDigit.values()) {
      for (const payment of payments)
        expect(h.eventsOf(payment.id, 'payment.stuck').length).toBeLessThanOrEqual(1);
    }
    expect(h.emitted.filter((e) => e.type === 'payment.stuck').length).toBeGreaterThan(0);
  });
});

describe('poller: webhook confirmations are batched', () => {
  it('a burst of webhooks is confirmed by one list call, not one query per webhook', async () => {
    h = await startPollerHarness({ webhooks: true, sandbox: { approveDelayMs: 5_000 } });
    const { poller, service } = h.addInstance({ batchWindowMs: 2_000 });
    const payments = await Promise.all(Array.from({ length: 12 }, (_, i) => h!.initiate(service, i % 5)));
    poller.start();
    // customers approve at 5 s; webhooks arrive; the first scheduled check would only be at 15 s
    await h.driveFor(10_000, 100);
    await h.sb.webhooksIdle();
    await h.driveFor(2_000, 100);

    // digits 0–4: every customer approves
    for (const payment of payments) expect((await h.store.getPayment(payment.id))!.status).toBe('success');
    expect(h.sb.count('query')).toBe(0);
    expect(h.sb.count('list')).toBeGreaterThanOrEqual(1);
    expect(h.sb.count('list')).toBeLessThanOrEqual(2);
    expect(h.sb.webhooks.length).toBe(12);
  });
});

describe('poller: checks when the budget has room', () => {
  it('go out at once, but one sweep a tick answers for everything that fell due meanwhile', async () => {
    h = await startPollerHarness({ sandbox: { approveDelayMs: 600_000 } });
    const { poller, service } = h.addInstance({}, { asInTheKit: true });
    const payments = await Promise.all(Array.from({ length: 10 }, (_, i) => h!.initiate(service, i % 5)));
    poller.start();
    // a reader of each payment's status in turn, one every 100 ms: a read of a payment not checked for
    // `statusRefreshMs` (2 s) is demand for a check now
    const askedAt = new Map<string, number>();
    const readEach = async () => {
      for (const payment of payments) {
        askedAt.set(payment.id, h!.clock.now().getTime());
        const answer = await service.refreshStatus('owner-1', payment.id);
        expect(answer.payment.status).toBe('processing');
        await h!.driveFor(100, 50);
      }
    };
    // once the push's answer is 2 s old, a first round: the first read's page shows every payment's row,
    // news to all of them
    await h.driveFor(2_500, 50);
    await readEach();
    await h.driveFor(3_000, 50);
    const listsBefore = h.sb.count('list');
    const queriesBefore = h.sb.count('query');
    // a second round: nothing changed at ClickPesa since, so the rows are no news, and each read is demand
    await readEach();
    await h.driveFor(2_000, 50);

    // every payment was checked within a tick of being asked for (or had been, a moment before: a fresh one
    // is not demand)
    for (const payment of payments) {
      const checkedAt = (await h.store.getPayment(payment.id))!.lastCheckedAt;
      expect(checkedAt).not.toBeNull();
      const waited = new Date(checkedAt!).getTime() - askedAt.get(payment.id)!;
      expect(waited).toBeGreaterThan(-2_000);
      expect(waited).toBeLessThanOrEqual(1_000 + 100);
    }
    // one second of requests: a sweep a tick (one list call each), not one per request
    const calls = h.sb.count('list') - listsBefore + (h.sb.count('query') - queriesBefore);
    expect(calls).toBeGreaterThanOrEqual(1);
    expect(calls).toBeLessThanOrEqual(3);
    await poller.stop();
  });
});

describe('poller: lifecycle and health', () => {
  it('flags a payment stuck in processing once, not on every tick', async () => {
    h = await startPollerHarness();
    const { poller, service } = h.addInstance({
      stuckAfterMs: 30_000,
      listBatchThreshold: Number.POSITIVE_INFINITY,
    });
    const payment = await h.initiate(service, 7);
    await h.runFor(85_000, 1_000, () => poller.pollOnce());
    const stuck = h.eventsOf(payment.id, 'payment.stuck');
    expect(stuck).toHaveLength(1);
    expect(stuck[0]!.occurredAt.getTime() - payment.createdAt.getTime()).toBeGreaterThanOrEqual(30_000);
    expect((await h.store.listEvents(payment.id)).filter((e) => e.type === 'payment.stuck')).toHaveLength(1);
    expect((await h.store.getPayment(payment.id))!.stuckNotifiedAt).not.toBeNull();
  });

  it('exposes a heartbeat, keeps ticking through store outages as poller.error events, and stops cleanly', async () => {
    h = await startPollerHarness();
    const { poller, service, errors } = h.addInstance({ tickMs: 1_000 });
    await h.initiate(service, 7);
    expect(poller.heartbeat()).toMatchObject({ running: false, lastTickAt: null });
    poller.start();
    await h.driveFor(3_000, 500);
    const beat = poller.heartbeat();
    expect(beat.running).toBe(true);
    expect(beat.lastTickAt!.getTime()).toBeGreaterThanOrEqual(h.clock.now().getTime() - 1_000);

    h.store.setAvailable(false);
    await h.driveFor(5_000, 500);
    expect(errors.length).toBeGreaterThanOrEqual(4);
    expect(errors[0]!.message).toMatch(/unavailable/i);
    // still ticking while the store is down
    expect(poller.heartbeat().lastTickAt!.getTime()).toBeGreaterThanOrEqual(h.clock.now().getTime() - 1_000);

    h.store.setAvailable(true);
    await h.driveFor(20_000, 500);
    expect(h.sb.count('list') + h.sb.count('query')).toBeGreaterThan(0);
    await poller.stop();
    expect(poller.heartbeat().running).toBe(false);
    const ticksBefore = poller.heartbeat().lastTickAt;
    await h.driveFor(5_000, 500);
    expect(poller.heartbeat().lastTickAt).toEqual(ticksBefore);
  });
});
