import type { PaymentStore } from '@clickpesa-kit/core';
import { describe, expect, it } from 'vitest';
import { makeEvent, makePayment } from '../fixtures.js';
import { msAgo, type StoreHarness, sleep } from '../harness.js';

/**
 * Lease tests run on the real clock (nextPollAt a few seconds in the past, `now` = new Date()), so stores
 * that use their database's clock instead of `now` (PostgreSQL, POLL-15) pass them too.
 * Lease expiry uses a 1 ms lease and a short sleep.
 */
const LONG_LEASE = 60_000;

async function createDue(store: PaymentStore, dueAgoMs: number[]): Promise<string[]> {
  const base = Date.now();
  const ids: string[] = [];
  for (const ago of dueAgoMs) {
    const payment = makePayment({ nextPollAt: msAgo(ago, base), status: 'processing' });
    await store.createPayment({ payment });
    ids.push(payment.id);
  }
  return ids;
}

function claim(store: PaymentStore, owner: string, limit = 10, leaseMs = LONG_LEASE) {
  return store.claimDue({ now: new Date(), limit, leaseMs, owner });
}

export function describeLeases(h: StoreHarness): void {
  describe('claimDue and leases', () => {
    it('claims due payments oldest first, up to the limit, skipping not-due and never-due ones', async () => {
      const store = h.store();
      // created out of order on purpose
      const [d3, d1, d5, d2, d4] = await createDue(store, [3_000, 5_000, 1_000, 4_000, 2_000]);
      await store.createPayment({ payment: makePayment({ nextPollAt: new Date(Date.now() + 60 * 60_000) }) });
      await store.createPayment({ payment: makePayment({ nextPollAt: null }) });

      const first = await claim(store, 'poller-a', 3);
      expect(first.map((c) => c.payment.id)).toEqual([d1, d2, d3]);
      const second = await claim(store, 'poller-a', 10);
      expect(second.map((c) => c.payment.id)).toEqual([d4, d5]);
      expect(await claim(store, 'poller-a', 10)).toEqual([]);
    });

    it('hands out a lease token and a lease end, without touching the payment or its version', async () => {
      const store = h.store();
      const payment = makePayment({ nextPollAt: msAgo(1_000), status: 'processing' });
      await store.createPayment({ payment });
      const before = Date.now();

      const [claimed] = await claim(store, 'poller-a', 1);
      expect(claimed?.payment).toEqual(payment);
      expect(typeof claimed?.leaseToken).toBe('number');
      expect(claimed?.leaseUntil).toBeInstanceOf(Date);
      expect(claimed!.leaseUntil.getTime()).toBeGreaterThan(before);
      expect(await store.getPayment(payment.id)).toEqual(payment);
    });

    it('does not hand a leased payment to anyone else until the lease expires; a re-claim gets a higher token', async () => {
      const store = h.store();
      const [longId, shortId] = await createDue(store, [2_000, 1_000]);
      const [long] = await claim(store, 'poller-a', 1, LONG_LEASE);
      expect(long?.payment.id).toBe(longId);
      const [held] = await claim(store, 'poller-a', 1, 1);
      expect(held?.payment.id).toBe(shortId);
      await sleep(25);

      const reclaimed = await claim(store, 'poller-b', 10);
      expect(reclaimed.map((c) => c.payment.id)).toEqual([shortId]);
      expect(reclaimed[0]!.leaseToken).toBeGreaterThan(held!.leaseToken);
    });

    it('fences writes: a stale lease token gets stale_lease and writes nothing; the current one applies (POLL-3)', async () => {
      const store = h.store();
      const [id] = await createDue(store, [1_000]);
      const [a] = await claim(store, 'poller-a', 1, 1);
      await sleep(25);
      const [b] = await claim(store, 'poller-b', 1);
      expect(b?.payment.id).toBe(id);

      const staleWrite = await store.transition({
        paymentId: id!,
        expectedVersion: 1,
        changes: { status: 'failed' },
        events: [makeEvent('payment.failed')],
        leaseToken: a!.leaseToken,
      });
      expect(staleWrite).toEqual({
        applied: false,
        reason: 'stale_lease',
        payment: expect.objectContaining({ id, version: 1, status: 'processing' }),
      });
      expect(await store.listEvents(id!)).toEqual([]);

      const currentWrite = await store.transition({
        paymentId: id!,
        expectedVersion: 1,
        changes: { status: 'success' },
        events: [makeEvent('payment.succeeded')],
        leaseToken: b!.leaseToken,
      });
      expect(currentWrite.applied).toBe(true);
      expect((await store.listEvents(id!)).map((e) => e.type)).toEqual(['payment.succeeded']);

      // stale token and stale version at once: the lease is what gets reported
      const both = await store.transition({
        paymentId: id!,
        expectedVersion: 1,
        changes: {},
        leaseToken: a!.leaseToken,
      });
      expect(both.applied === false && both.reason).toBe('stale_lease');
    });

    it('frees the lease in the same step when a fenced transition asks for it', async () => {
      const store = h.store();
      const [id] = await createDue(store, [1_000]);
      const [held] = await claim(store, 'poller-a', 1);
      const result = await store.transition({
        paymentId: id!,
        expectedVersion: 1,
        changes: { pollCount: 1 },
        leaseToken: held!.leaseToken,
        releaseLease: true,
      });
      expect(result.applied).toBe(true);

      const next = await claim(store, 'poller-b', 1);
      expect(next.map((c) => c.payment.id)).toEqual([id]);
      expect(next[0]!.leaseToken).toBeGreaterThan(held!.leaseToken);
      expect(next[0]!.payment.version).toBe(2);
    });

    it('keeps the lease after an unfenced transition (a webhook writing while the poller holds it)', async () => {
      const store = h.store();
      const [id] = await createDue(store, [1_000]);
      await claim(store, 'poller-a', 1);
      const result = await store.transition({
        paymentId: id!,
        expectedVersion: 1,
        changes: { pollCount: 2 },
      });
      expect(result.applied).toBe(true);
      expect(await claim(store, 'poller-b', 1)).toEqual([]);
    });

    it('releaseLease frees a current lease and ignores a stale token', async () => {
      const store = h.store();
      const [id] = await createDue(store, [1_000]);
      const [a] = await claim(store, 'poller-a', 1);
      await store.releaseLease(id!, a!.leaseToken);

      const [b] = await claim(store, 'poller-b', 1);
      expect(b?.payment.id).toBe(id);
      await store.releaseLease(id!, a!.leaseToken); // stale: must not free b's lease
      expect(await claim(store, 'poller-c', 1)).toEqual([]);
      await store.releaseLease('00000000-0000-4000-8000-000000000000', 1); // unknown: no-op
    });
  });
}
