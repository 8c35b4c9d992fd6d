import type { PaymentStore } from '@clickpesa-kit/core';
import { describe, expect, it } from 'vitest';
import { makeEvent, makeIdempotencyRecord, makePayment, makeWebhookReceipt } from '../fixtures.js';
import { msAgo, type StoreHarness } from '../harness.js';

/** `count` callers at once, alternating between the given instances (two "processes" when a peer exists). */
async function race<T>(
  instances: PaymentStore[],
  count: number,
  call: (store: PaymentStore, index: number) => Promise<T>,
) {
  return Promise.all(
    Array.from({ length: count }, (_, index) => call(instances[index % instances.length]!, index)),
  );
}

export function describeRaces(h: StoreHarness): void {
  describe('races (exactly one winner)', () => {
    it('N concurrent transitions with the same expectedVersion: one applies, one event is stored (SM-2, SM-9)', async () => {
      const store = h.store();
      const instances = [store, await h.peer()];
      const payment = makePayment({ status: 'processing' });
      await store.createPayment({ payment });

      const results = await race(instances, h.concurrency, (s, i) =>
        s.transition({
          paymentId: payment.id,
          expectedVersion: 1,
          changes: { status: i % 2 === 0 ? 'success' : 'failed', pollCount: i },
          events: [makeEvent('payment.status_changed', { data: { caller: i } })],
        }),
      );
      const winners = results.filter((r) => r.applied);
      expect(winners).toHaveLength(1);
      expect(results.filter((r) => !r.applied && r.reason === 'version_conflict')).toHaveLength(
        h.concurrency - 1,
      );

      const stored = await store.getPayment(payment.id);
      const winner = winners[0]!;
      expect(stored?.version).toBe(2);
      expect(stored?.pollCount).toBe(winner.applied ? winner.payment.pollCount : -1);
      const events = await store.listEvents(payment.id);
      expect(events).toHaveLength(1);
      expect(events[0]?.data.caller).toBe(stored?.pollCount);
    });

    it('N concurrent createPayment with one idempotency key: one payment (IDEM-2)', async () => {
      const store = h.store();
      const instances = [store, await h.peer()];
      const key = makeIdempotencyRecord({ key: 'race-key' });
      const payments = Array.from({ length: h.concurrency }, () => makePayment());

      const results = await race(instances, h.concurrency, (s, i) =>
        s.createPayment({
          payment: payments[i]!,
          idempotency: { ...key, paymentId: payments[i]!.id },
          events: [makeEvent('payment.created')],
        }),
      );
      const created = results.filter((r) => r.kind === 'created');
      expect(created).toHaveLength(1);
      const winnerId = created[0]!.kind === 'created' ? created[0]!.payment.id : '';
      for (const result of results) {
        if (result.kind === 'idempotency_conflict') expect(result.existing.paymentId).toBe(winnerId);
        else expect(result.kind).toBe('created');
      }
      expect((await store.getIdempotency(key.ownerId, key.key, key.createdAt))?.paymentId).toBe(winnerId);
      const found = await Promise.all(payments.map((p) => store.getPayment(p.id)));
      expect(found.filter((p) => p !== null).map((p) => p!.id)).toEqual([winnerId]);
      expect(await store.listEvents(winnerId)).toHaveLength(1);
    });

    it('N concurrent createPayment with exclusiveMsisdn for one number: one payment (IDEM-11)', async () => {
      const store = h.store();
      const instances = [store, await h.peer()];
      const msisdn = '255712000099';
      const results = await race(instances, h.concurrency, (s) =>
        s.createPayment({ payment: makePayment({ msisdn }), exclusiveMsisdn: true }),
      );
      const created = results.filter((r) => r.kind === 'created');
      expect(created).toHaveLength(1);
      const winnerId = created[0]!.kind === 'created' ? created[0]!.payment.id : '';
      expect(results.filter((r) => r.kind === 'msisdn_busy' && r.paymentId === winnerId)).toHaveLength(
        h.concurrency - 1,
      );
    });

    it('N concurrent claimIdempotency of one key: one claim', async () => {
      const store = h.store();
      const instances = [store, await h.peer()];
      const key = makeIdempotencyRecord();
      const results = await race(instances, h.concurrency, (s, i) =>
        s.claimIdempotency({ ...key, fingerprint: `fp-${i}` }),
      );

      const claimed = results.filter((r) => r.kind === 'claimed');
      expect(claimed).toHaveLength(1);
      const stored = await store.getIdempotency(key.ownerId, key.key, key.createdAt);
      for (const result of results) {
        if (result.kind === 'exists') expect(result.existing.fingerprint).toBe(stored?.fingerprint);
      }
    });

    it('concurrent identical webhook receipts: one inserted (WH-5)', async () => {
      const store = h.store();
      const instances = [store, await h.peer()];
      const deliveries = Math.max(2, Math.round(h.concurrency / 2));
      const receipt = makeWebhookReceipt();
      const results = await race(instances, deliveries, (s) => s.recordWebhookReceipt(receipt));

      expect(results.filter((r) => r.inserted)).toHaveLength(1);
      expect(await store.listWebhookReceipts({ orderReference: receipt.orderReference! })).toHaveLength(1);
    });

    it('concurrent claimDue from several instances: no payment is claimed twice (POLL-1)', async () => {
      const store = h.store();
      const instances = [store, await h.peer()];
      const total = 30;
      const base = Date.now();
      for (let i = 0; i < total; i++) {
        await store.createPayment({
          payment: makePayment({ status: 'processing', nextPollAt: msAgo(1_000 + i, base) }),
        });
      }

      const claimedIds: string[] = [];
      const drain = async (s: PaymentStore, owner: string) => {
        // bounded, so a store that ignores leases fails the assertions instead of looping forever
        for (let round = 0; round <= total; round++) {
          const batch = await s.claimDue({ now: new Date(), limit: 4, leaseMs: 60_000, owner });
          if (batch.length === 0) return;
          claimedIds.push(...batch.map((c) => c.payment.id));
        }
      };
      await Promise.all([0, 1, 2, 3].map((i) => drain(instances[i % instances.length]!, `poller-${i}`)));

      expect(claimedIds).toHaveLength(total);
      expect(new Set(claimedIds).size).toBe(total);
    });

    it('concurrent transitions on different payments all apply (no false conflicts)', async () => {
      const store = h.store();
      const instances = [store, await h.peer()];
      const count = Math.min(20, h.concurrency);
      const payments = Array.from({ length: count }, () => makePayment());
      for (const payment of payments) await store.createPayment({ payment });

      const results = await race(instances, count, (s, i) =>
        s.transition({
          paymentId: payments[i]!.id,
          expectedVersion: 1,
          changes: { status: 'processing' },
          events: [makeEvent('payment.processing')],
        }),
      );
      expect(results.every((r) => r.applied)).toBe(true);
      const seqs = await Promise.all(
        payments.map(async (p) => (await store.listEvents(p.id)).map((e) => e.seq)),
      );
      expect(seqs.every((list) => list.length === 1 && list[0] === 1)).toBe(true);
    });
  });
}
