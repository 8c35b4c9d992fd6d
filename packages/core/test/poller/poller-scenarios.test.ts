import { afterEach, describe, expect, it } from 'vitest';
import type { PaymentRecord } from '../../src/domain/payment.js';
import { type PollerHarness, startPollerHarness } from './support/poller-harness.js';

let h: PollerHarness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

const HOUR = 3_600_000;

describe('poller: every sandbox scenario reaches its final state by polling alone (no webhooks)', () => {
  it('digits 0–8 end as the scenario says; digit 7 times out at the 90 s window', async () => {
    h = await startPollerHarness();
    const { poller, service } = h.addInstance();
    const payments = new Map<number, PaymentRecord>();
    for (let digit = 0; digit <= 8; digit++) payments.set(digit, await h.initiate(service, digit));
    expect([...payments.values()].every((p) => p.status === 'processing')).toBe(true);

    await h.runFor(100_000, 1_000, () => poller.pollOnce());

    const final = async (digit: number) => (await h!.store.getPayment(payments.get(digit)!.id))!;
    for (const digit of [0, 1, 2, 3, 4, 8]) {
      expect(await final(digit)).toMatchObject({ status: 'success', failureReason: null });
    }
    expect(await final(5)).toMatchObject({ status: 'failed', failureReason: 'provider_failed' });
    expect(await final(6)).toMatchObject({
      status: 'failed',
      failureReason: 'provider_failed',
      errorMessage: 'Insufficient balance',
    });
    expect(await final(7)).toMatchObject({ status: 'failed', failureReason: 'timeout' });
    // the timed-out payment is still on the reconciliation schedule, the others are done
    expect((await final(7)).nextPollAt).not.toBeNull();
    expect((await final(0)).nextPollAt).toBeNull();

    // nine payments due together were learned from list pages (one call per due time, not nine); the
    // lone digit-7 payment left afterwards is asked about by reference (one call either way)
    const lists = h.sb.count('list');
    const queries = h.sb.count('query');
    expect(lists).toBeGreaterThanOrEqual(1);
    expect(lists).toBeLessThanOrEqual(3);
    expect(queries).toBeLessThanOrEqual(8);
    expect(lists + queries).toBeLessThanOrEqual(10);
    expect(h.instances[0]!.errors).toEqual([]);
  });

  it('digit 7: timed out, still reconciled, and a manual approval 2 h later becomes success + late_success', async () => {
    h = await startPollerHarness();
    const { poller, service } = h.addInstance();
    const payment = await h.initiate(service, 7);
    await h.runFor(100_000, 1_000, () => poller.pollOnce());
    expect(await h.store.getPayment(payment.id)).toMatchObject({
      status: 'failed',
      failureReason: 'timeout',
    });
    const checksAfterTimeout = h.sb.count('query') + h.sb.count('list');

    await h.runFor(2 * HOUR, 60_000, () => poller.pollOnce());
    // backoff: a handful of checks in two hours, not one every 10 s
    const checksInTwoHours = h.sb.count('query') + h.sb.count('list') - checksAfterTimeout;
    expect(checksInTwoHours).toBeGreaterThan(2);
    expect(checksInTwoHours).toBeLessThan(20);
    expect(h.eventsOf(payment.id, 'payment.late_success')).toEqual([]);

    h.sb.approve(payment.orderReference);
    await h.runFor(8 * HOUR, 60_000, () => poller.pollOnce());
    const after = (await h.store.getPayment(payment.id))!;
    expect(after).toMatchObject({ status: 'success' });
    expect(h.eventsOf(payment.id, 'payment.late_success')).toHaveLength(1);
    expect(h.eventsOf(payment.id, 'payment.succeeded')).toHaveLength(1);
    expect(after.nextPollAt).toBeNull();
  });

  it('recovers a pending row whose initiate outcome was ambiguous: [] through the grace period, then not_found', async () => {
    // a grace period inside the 90 s active window, so "not found" is concluded before the local timeout
    h = await startPollerHarness({
      sandbox: { notFoundMode: 'empty-array' },
      service: { notFoundGraceMs: 60_000 },
    });
    const { poller, service } = h.addInstance({ listBatchThreshold: Number.POSITIVE_INFINITY });
    // the push request is lost before ClickPesa processes it
    h.sb.fault({ endpoint: 'initiate', kind: 'reset', when: 'before' });
    const lost = await h.initiate(service, 0);
    expect(lost).toMatchObject({ status: 'pending', initiateOutcome: 'unknown' });
    // a second one whose response was lost after ClickPesa accepted it
    h.sb.fault({ endpoint: 'initiate', kind: 'reset', when: 'after' });
    const accepted = await h.initiate(service, 7);
    expect(accepted).toMatchObject({ status: 'pending' });

    await h.runFor(50_000, 1_000, () => poller.pollOnce());
    // still pending inside the grace period although ClickPesa answered [] several times
    expect(await h.store.getPayment(lost.id)).toMatchObject({ status: 'pending' });
    expect(h.sb.count('query', lost.orderReference)).toBeGreaterThanOrEqual(3);
    // the accepted one was found by query and is processing
    expect(await h.store.getPayment(accepted.id)).toMatchObject({
      status: 'processing',
      initiateOutcome: 'accepted',
    });

    await h.runFor(20_000, 1_000, () => poller.pollOnce());
    expect(await h.store.getPayment(lost.id)).toMatchObject({ status: 'failed', failureReason: 'not_found' });
    expect(h.sb.count('initiate')).toBe(2);
  });
});
