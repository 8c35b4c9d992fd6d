import type { PaymentRecord, PaymentStore } from '@clickpesa-kit/core';
import type { EventDelivery, NewEvent, StoredEvent } from '@clickpesa-kit/core/store';
import { describe, expect, it } from 'vitest';
import { makeAudit, makeEvent, makeIdempotencyRecord, makePayment, makeWebhookReceipt } from '../fixtures.js';
import { expectStoreError, type StoreHarness } from '../harness.js';

/**
 * The event outbox. Every time here is a fixed instant (`T0` and offsets), passed as `now`: deliveries are
 * judged on the caller's clock, so nothing depends on how fast the machine runs.
 */
const T0 = Date.UTC(2026, 0, 5, 10);
const at = (offsetMs: number) => new Date(T0 + offsetMs);
const LEASE = 60_000;

function event(deliverTo: readonly string[] = ['handlers'], offsetMs = 0, overrides: Partial<NewEvent> = {}) {
  return makeEvent('payment.status_changed', { occurredAt: at(offsetMs), deliverTo, ...overrides });
}

/** Creates a payment with `events`, returning the payment and its stored events. */
async function created(store: PaymentStore, events: NewEvent[], overrides: Partial<PaymentRecord> = {}) {
  const payment = makePayment({ createdAt: at(0), ...overrides });
  const result = await store.createPayment({ payment, events });
  expect(result.kind).toBe('created');
  if (result.kind !== 'created') throw new Error('not created');
  return { payment: result.payment, events: result.events };
}

function claim(store: PaymentStore, nowOffset: number, limit = 10, consumer = 'handlers', leaseMs = LEASE) {
  return store.claimEventDeliveries({ consumer, now: at(nowOffset), limit, leaseMs, owner: 'dispatcher-a' });
}

const ids = (deliveries: EventDelivery[]) => deliveries.map((delivery) => delivery.event.id);

function settle(delivery: EventDelivery, nowOffset: number) {
  return {
    consumer: delivery.consumer,
    eventId: delivery.event.id,
    leaseToken: delivery.leaseToken,
    now: at(nowOffset),
  };
}

export function describeOutbox(h: StoreHarness): void {
  describe('event outbox: writing', () => {
    it('writes one pending delivery per consumer of deliverTo in the same step as the event (duplicates once)', async () => {
      const store = h.store();
      const both = event(['handlers', 'callback', 'handlers']);
      const { payment, events } = await created(store, [both, event([])]);
      const third = event(['callback'], 10);
      const result = await store.transition({
        paymentId: payment.id,
        expectedVersion: 1,
        changes: { status: 'processing' },
        events: [third],
      });
      expect(result.applied).toBe(true);

      expect(await store.outboxStats()).toEqual({ pending: 3, dead: 0, oldestPendingAt: at(0) });
      const handlers = await claim(store, 100);
      expect(ids(handlers)).toEqual([events[0]!.id]);
      expect(handlers[0]).toMatchObject({
        consumer: 'handlers',
        state: 'pending',
        attempts: 0,
        nextAttemptAt: at(0),
        lastError: null,
        leaseUntil: at(100 + LEASE),
        deliveredAt: null,
      });
      expect(handlers[0]!.event).toEqual(events[0]);
      // callback: the first event, then (once it is settled) the transition's
      const callback = await claim(store, 100, 10, 'callback');
      expect(ids(callback)).toEqual([both.id]);
      expect(await store.completeEventDelivery(settle(callback[0]!, 200))).toBe(true);
      expect(ids(await claim(store, 200, 10, 'callback'))).toEqual([third.id]);
    });

    it('writes no delivery when the step is refused or fails', async () => {
      const store = h.store();
      const key = makeIdempotencyRecord();
      const first = makePayment({ msisdn: '255712000001' });
      await store.createPayment({ payment: first, idempotency: { ...key, paymentId: first.id } });
      const refusedCreates = [
        // the idempotency key is taken
        store.createPayment({
          payment: makePayment(),
          idempotency: key,
          events: [event()],
        }),
        // the MSISDN is busy
        store.createPayment({
          payment: makePayment({ msisdn: '255712000001' }),
          exclusiveMsisdn: true,
          events: [event()],
        }),
        // a stale version
        store.transition({
          paymentId: first.id,
          expectedVersion: 7,
          changes: { status: 'processing' },
          events: [event()],
        }),
      ];
      const outcomes = await Promise.all(refusedCreates);
      expect(outcomes.map((outcome) => ('kind' in outcome ? outcome.kind : outcome.applied))).toEqual([
        'idempotency_conflict',
        'msisdn_busy',
        false,
      ]);
      // the order reference is taken: STORE_CONFLICT, nothing written
      await expectStoreError(
        store.createPayment({
          payment: makePayment({ orderReference: first.orderReference }),
          events: [event()],
        }),
        'STORE_CONFLICT',
      );

      expect(await store.outboxStats()).toEqual({ pending: 0, dead: 0, oldestPendingAt: null });
      expect(await claim(store, 1_000)).toEqual([]);
      expect(await store.listEventsSince({ after: null, limit: 10 })).toEqual([]);
    });

    it('gives events positions ascending across payments in write order, and the payment as the step left it', async () => {
      const store = h.store();
      const a = await created(store, [event(['handlers'], 0), event([], 1)]);
      const b = await created(store, [event(['handlers'], 2)]);
      const moved = await store.transition({
        paymentId: a.payment.id,
        expectedVersion: 1,
        changes: { status: 'success', completedAt: at(3), updatedAt: at(3) },
        events: [event(['handlers'], 3)],
      });
      const movedB = await store.transition({
        paymentId: b.payment.id,
        expectedVersion: 1,
        changes: { status: 'failed', failureReason: 'provider_failed', updatedAt: at(4) },
        events: [event([], 4)],
      });
      if (!moved.applied || !movedB.applied) throw new Error('not applied');

      const written = [...a.events, ...b.events, ...moved.events, ...movedB.events];
      const positions = written.map((stored) => stored.position);
      expect(positions.every((position) => Number.isSafeInteger(position) && position > 0)).toBe(true);
      for (let index = 1; index < positions.length; index++) {
        expect(positions[index]!).toBeGreaterThan(positions[index - 1]!);
      }
      expect(a.events.map((stored) => stored.payment)).toEqual([a.payment, a.payment]);
      expect(moved.events[0]!.payment).toEqual(moved.payment);
      expect(moved.events[0]!.payment?.completedAt).toBeInstanceOf(Date);
      expect(movedB.events[0]!.payment).toEqual(movedB.payment);
      expect(movedB.events[0]!.payment?.status).toBe('failed');

      // what the store hands back later is what it handed out
      expect(await store.listEvents(a.payment.id)).toEqual([...a.events, ...moved.events]);
      expect(await store.listEventsSince({ after: null, limit: 100 })).toEqual(written);
    });
  });

  describe('event outbox: claiming', () => {
    it('claims oldest position first, one head per payment: seq 2 waits until seq 1 is delivered', async () => {
      const store = h.store();
      const p1 = await created(store, [event(['handlers'], 0), event(['handlers'], 0)]);
      const p2 = await created(store, [event(['handlers'], 0)]);

      const first = await claim(store, 10);
      expect(ids(first)).toEqual([p1.events[0]!.id, p2.events[0]!.id]);
      // seq 1 leased: seq 2 is not claimable, nor are the leased ones
      expect(await claim(store, 20)).toEqual([]);
      expect(await store.completeEventDelivery(settle(first[0]!, 30))).toBe(true);
      const second = await claim(store, 40);
      expect(ids(second)).toEqual([p1.events[1]!.id]);
      expect(second[0]!.event.seq).toBe(2);
    });

    it('a dead delivery no longer holds the ones after it; a pending retry does', async () => {
      const store = h.store();
      const p = await created(store, [event(['handlers']), event(['handlers']), event(['handlers'])]);
      const [head] = await claim(store, 10, 1);
      expect(await store.failEventDelivery({ ...settle(head!, 20), error: 'boom', retryAt: at(30) })).toBe(
        true,
      );
      // pending again (due later): still the head
      expect(await claim(store, 25)).toEqual([]);
      const [again] = await claim(store, 30);
      expect(again!.event.id).toBe(p.events[0]!.id);
      expect(await store.failEventDelivery({ ...settle(again!, 40), error: 'gone', retryAt: null })).toBe(
        true,
      );
      expect(ids(await claim(store, 50))).toEqual([p.events[1]!.id]);
    });

    it('keeps consumers apart and respects the limit', async () => {
      const store = h.store();
      const payments = [];
      for (let index = 0; index < 4; index++)
        payments.push(await created(store, [event(['handlers'], index)]));
      const other = await created(store, [event(['callback'], 10)]);

      expect(ids(await claim(store, 100, 3))).toEqual(payments.slice(0, 3).map((p) => p.events[0]!.id));
      expect(ids(await claim(store, 100, 3))).toEqual([payments[3]!.events[0]!.id]);
      expect(await claim(store, 100, 0, 'callback')).toEqual([]);
      expect(ids(await claim(store, 100, 3, 'callback'))).toEqual([other.events[0]!.id]);
      expect(await claim(store, 100, 3, 'nobody')).toEqual([]);
    });

    it('respects the due time: a new delivery is due at its occurredAt, a retry at its retryAt', async () => {
      const store = h.store();
      const later = await created(store, [event(['handlers'], 5_000)]);
      expect(await claim(store, 4_999)).toEqual([]);
      const [delivery] = await claim(store, 5_000);
      expect(delivery!.event.id).toBe(later.events[0]!.id);

      expect(
        await store.failEventDelivery({ ...settle(delivery!, 5_100), error: 'HTTP 503', retryAt: at(9_000) }),
      ).toBe(true);
      expect(await claim(store, 8_999)).toEqual([]);
      const [retried] = await claim(store, 9_000);
      expect(retried).toMatchObject({
        attempts: 1,
        lastError: 'HTTP 503',
        nextAttemptAt: at(9_000),
        state: 'pending',
      });
      expect(retried!.leaseToken).toBeGreaterThan(delivery!.leaseToken);
    });

    it('lets an expired lease be taken over with a new token; the old token can settle nothing', async () => {
      const store = h.store();
      await created(store, [event(['handlers'])]);
      const [held] = await claim(store, 0, 10, 'handlers', 1_000);
      expect(held!.leaseUntil).toEqual(at(1_000));
      expect(await claim(store, 999)).toEqual([]);
      const [taken] = await claim(store, 1_000);
      expect(taken!.event.id).toBe(held!.event.id);
      expect(taken!.leaseToken).toBeGreaterThan(held!.leaseToken);

      expect(await store.completeEventDelivery(settle(held!, 1_100))).toBe(false);
      expect(await store.failEventDelivery({ ...settle(held!, 1_100), error: 'late', retryAt: null })).toBe(
        false,
      );
      expect(await store.outboxStats()).toMatchObject({ pending: 1, dead: 0 });
      expect(await store.completeEventDelivery(settle(taken!, 1_200))).toBe(true);
      // at most once
      expect(await store.completeEventDelivery(settle(taken!, 1_300))).toBe(false);
      expect(await store.failEventDelivery({ ...settle(taken!, 1_300), error: 'x', retryAt: null })).toBe(
        false,
      );
      expect(await store.outboxStats()).toEqual({ pending: 0, dead: 0, oldestPendingAt: null });
      expect(await claim(store, 100_000)).toEqual([]);
    });

    it('settles only a delivery that exists: unknown event, consumer or token is false', async () => {
      const store = h.store();
      const p = await created(store, [event(['handlers'])]);
      const [held] = await claim(store, 0);
      const base = settle(held!, 10);
      expect(await store.completeEventDelivery({ ...base, consumer: 'callback' })).toBe(false);
      expect(await store.completeEventDelivery({ ...base, eventId: p.payment.id })).toBe(false);
      expect(await store.completeEventDelivery({ ...base, leaseToken: held!.leaseToken + 1 })).toBe(false);
      expect(await store.outboxStats()).toMatchObject({ pending: 1 });
    });
  });

  describe('event outbox: dead letters', () => {
    it('fail with retryAt null makes a dead letter; replay makes it pending again, due now, attempts 0', async () => {
      const store = h.store();
      const p = await created(store, [event(['handlers']), event(['handlers'])]);
      const [head] = await claim(store, 0, 1);
      expect(
        await store.failEventDelivery({ ...settle(head!, 10), error: 'bad payload', retryAt: null }),
      ).toBe(true);
      expect(await store.outboxStats()).toEqual({ pending: 1, dead: 1, oldestPendingAt: at(0) });
      const [dead] = await store.listDeadDeliveries({ limit: 10 });
      expect(dead).toMatchObject({
        consumer: 'handlers',
        state: 'dead',
        attempts: 1,
        lastError: 'bad payload',
        leaseUntil: null,
        deliveredAt: null,
      });
      expect(dead!.event).toEqual(p.events[0]);

      expect(
        await store.replayDeadDelivery({ consumer: 'callback', eventId: head!.event.id, now: at(20) }),
      ).toBe(false);
      expect(
        await store.replayDeadDelivery({ consumer: 'handlers', eventId: head!.event.id, now: at(20) }),
      ).toBe(true);
      // only a dead letter can be replayed
      expect(
        await store.replayDeadDelivery({ consumer: 'handlers', eventId: head!.event.id, now: at(20) }),
      ).toBe(false);
      expect(await store.listDeadDeliveries({ limit: 10 })).toEqual([]);
      expect(await store.outboxStats()).toMatchObject({ pending: 2, dead: 0 });
      // pending again and the lowest seq: the head once more, holding seq 2 back
      expect(await claim(store, 19)).toEqual([]);
      const [replayed] = await claim(store, 20);
      expect(replayed).toMatchObject({ attempts: 0, nextAttemptAt: at(20), state: 'pending' });
      expect(replayed!.event.id).toBe(p.events[0]!.id);
    });

    it('lists dead letters oldest position first, by consumer, paged by position', async () => {
      const store = h.store();
      const events: StoredEvent[] = [];
      for (let index = 0; index < 4; index++) {
        events.push(...(await created(store, [event(['handlers', 'callback'], index)])).events);
      }
      for (const consumer of ['handlers', 'callback']) {
        for (const delivery of await claim(store, 100, 10, consumer)) {
          const kill = consumer === 'handlers' || delivery.event.id === events[1]!.id;
          expect(
            await store.failEventDelivery({
              ...settle(delivery, 110),
              error: 'no',
              retryAt: kill ? null : at(100_000),
            }),
          ).toBe(true);
        }
      }

      const all = await store.listDeadDeliveries({ limit: 10 });
      // oldest position first; one event's dead letters by consumer name
      expect(all.map((d) => [d.event.id, d.consumer])).toEqual([
        [events[0]!.id, 'handlers'],
        [events[1]!.id, 'callback'],
        [events[1]!.id, 'handlers'],
        [events[2]!.id, 'handlers'],
        [events[3]!.id, 'handlers'],
      ]);
      expect(ids(await store.listDeadDeliveries({ consumer: 'callback', limit: 10 }))).toEqual([
        events[1]!.id,
      ]);
      const page1 = await store.listDeadDeliveries({ consumer: 'handlers', limit: 2 });
      expect(ids(page1)).toEqual([events[0]!.id, events[1]!.id]);
      const page2 = await store.listDeadDeliveries({
        consumer: 'handlers',
        limit: 2,
        after: page1[1]!.event.position,
      });
      expect(ids(page2)).toEqual([events[2]!.id, events[3]!.id]);
      expect(
        await store.listDeadDeliveries({ consumer: 'handlers', limit: 2, after: page2[1]!.event.position }),
      ).toEqual([]);
    });
  });

  describe('event outbox: reading and stats', () => {
    it('lists events since a position, ascending, at most limit', async () => {
      const store = h.store();
      const written: StoredEvent[] = [];
      for (let index = 0; index < 5; index++) {
        written.push(...(await created(store, [event([], index)])).events);
      }
      expect(await store.listEventsSince({ after: null, limit: 2 })).toEqual(written.slice(0, 2));
      expect(await store.listEventsSince({ after: written[1]!.position, limit: 2 })).toEqual(
        written.slice(2, 4),
      );
      expect(await store.listEventsSince({ after: written[3]!.position, limit: 10 })).toEqual(
        written.slice(4),
      );
      expect(await store.listEventsSince({ after: written[4]!.position, limit: 10 })).toEqual([]);
      expect(await store.listEventsSince({ after: null, limit: 0 })).toEqual([]);
      const [first] = await store.listEventsSince({ after: null, limit: 1 });
      expect(first!.occurredAt).toBeInstanceOf(Date);
      expect(first!.payment?.createdAt).toBeInstanceOf(Date);
    });

    it('counts pending and dead deliveries and dates the oldest pending event', async () => {
      const store = h.store();
      expect(await store.outboxStats()).toEqual({ pending: 0, dead: 0, oldestPendingAt: null });
      await created(store, [event(['handlers'], 3_000)]);
      await created(store, [event(['handlers', 'callback'], 1_000)]);
      await created(store, [event(['handlers'], 2_000)]);
      expect(await store.outboxStats()).toEqual({ pending: 4, dead: 0, oldestPendingAt: at(1_000) });

      for (const delivery of await claim(store, 5_000, 10, 'handlers')) {
        if (delivery.event.occurredAt.getTime() === T0 + 1_000) {
          await store.completeEventDelivery(settle(delivery, 5_001));
        } else if (delivery.event.occurredAt.getTime() === T0 + 2_000) {
          await store.failEventDelivery({ ...settle(delivery, 5_001), error: 'x', retryAt: null });
        }
      }
      // the callback delivery of the 1 s event is still pending
      expect(await store.outboxStats()).toEqual({ pending: 2, dead: 1, oldestPendingAt: at(1_000) });
      const [callback] = await claim(store, 5_000, 10, 'callback');
      await store.completeEventDelivery(settle(callback!, 5_002));
      expect(await store.outboxStats()).toEqual({ pending: 1, dead: 1, oldestPendingAt: at(3_000) });
    });
  });

  describe('event outbox: retention', () => {
    it('prunes only fully delivered events before the cutoff; dead and pending deliveries keep their event', async () => {
      const store = h.store();
      const delivered = await created(store, [event(['handlers'], 0), event([], 1)]);
      const dead = await created(store, [event(['handlers'], 2)]);
      const pending = await created(store, [event(['handlers', 'callback'], 3)]);
      const recent = await created(store, [event(['handlers'], 60_000)]);
      for (const delivery of await claim(store, 100_000)) {
        if (delivery.event.paymentId === dead.payment.id) {
          await store.failEventDelivery({ ...settle(delivery, 100_001), error: 'x', retryAt: null });
        } else {
          await store.completeEventDelivery(settle(delivery, 100_001));
        }
      }

      // nothing to prune of a kind whose cutoff is left out
      expect(await store.pruneRecords({})).toEqual({ events: 0, receipts: 0, audit: 0 });
      expect(await store.pruneRecords({ eventsBefore: at(30_000) })).toEqual({
        events: 2,
        receipts: 0,
        audit: 0,
      });
      expect(await store.listEvents(delivered.payment.id)).toEqual([]);
      expect(await store.listEvents(dead.payment.id)).toEqual(dead.events);
      expect(await store.listEvents(pending.payment.id)).toEqual(pending.events);
      expect(await store.listEvents(recent.payment.id)).toEqual(recent.events);
      expect(ids(await store.listDeadDeliveries({ limit: 10 }))).toEqual([dead.events[0]!.id]);
      expect(await store.outboxStats()).toEqual({ pending: 1, dead: 1, oldestPendingAt: at(3) });
      expect((await store.listEventsSince({ after: null, limit: 10 })).map((e) => e.id)).toEqual([
        dead.events[0]!.id,
        pending.events[0]!.id,
        recent.events[0]!.id,
      ]);

      // the pruned payment's next event still numbers after its last seq, and after every position
      const next = await store.transition({
        paymentId: delivered.payment.id,
        expectedVersion: 1,
        changes: { status: 'processing' },
        events: [event([], 200_000)],
      });
      if (!next.applied) throw new Error('not applied');
      expect(next.events[0]!.seq).toBe(3);
      expect(next.events[0]!.position).toBeGreaterThan(recent.events[0]!.position);
    });

    it('prunes receipts and audit entries before their cutoffs, at most limit rows per kind per call', async () => {
      const store = h.store();
      for (let index = 0; index < 3; index++) {
        await store.recordWebhookReceipt(makeWebhookReceipt({ receivedAt: at(index) }));
        await store.appendAudit([makeAudit(null, { at: at(index) }), makeAudit('pay-1', { at: at(index) })]);
        await created(store, [event([], index)]);
      }
      const fresh = makeWebhookReceipt({ receivedAt: at(10_000) });
      await store.recordWebhookReceipt(fresh);
      await store.appendAudit([makeAudit('pay-1', { at: at(10_000), data: { keep: true } })]);

      const cutoffs = { eventsBefore: at(5_000), receiptsBefore: at(5_000), auditBefore: at(5_000) };
      expect(await store.pruneRecords({ ...cutoffs, limit: 2 })).toEqual({
        events: 2,
        receipts: 2,
        audit: 2,
      });
      expect(await store.pruneRecords({ ...cutoffs, limit: 2 })).toEqual({
        events: 1,
        receipts: 1,
        audit: 2,
      });
      expect(await store.pruneRecords({ ...cutoffs, limit: 2 })).toEqual({
        events: 0,
        receipts: 0,
        audit: 2,
      });
      expect(await store.pruneRecords({ ...cutoffs, limit: 2 })).toEqual({
        events: 0,
        receipts: 0,
        audit: 0,
      });

      expect(await store.listWebhookReceipts()).toEqual([fresh]);
      expect((await store.listAudit('pay-1')).map((entry) => entry.data)).toEqual([{ keep: true }]);
      expect(await store.listEventsSince({ after: null, limit: 10 })).toEqual([]);
    });
  });

  describe('event outbox: races', () => {
    it('10 concurrent claimers of one consumer never get the same delivery', async () => {
      const store = h.store();
      const instances = [store, await h.peer()];
      const total = 30;
      for (let index = 0; index < total; index++) await created(store, [event(['handlers'], index)]);

      const claimed: string[] = [];
      const drain = async (s: PaymentStore, owner: string) => {
        // bounded, so a store that ignores leases fails the assertions instead of looping forever
        for (let round = 0; round <= total; round++) {
          const batch = await s.claimEventDeliveries({
            consumer: 'handlers',
            now: at(100_000),
            limit: 3,
            leaseMs: LEASE,
            owner,
          });
          if (batch.length === 0) return;
          claimed.push(...ids(batch));
        }
      };
      await Promise.all(
        Array.from({ length: 10 }, (_, index) => drain(instances[index % instances.length]!, `d-${index}`)),
      );
      expect(claimed).toHaveLength(total);
      expect(new Set(claimed).size).toBe(total);
    });

    it('concurrent completes with the same token: exactly one is true', async () => {
      const store = h.store();
      const instances = [store, await h.peer()];
      await created(store, [event(['handlers'])]);
      const [held] = await claim(store, 0);
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, index) =>
          instances[index % instances.length]!.completeEventDelivery(settle(held!, 10)),
        ),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await store.outboxStats()).toEqual({ pending: 0, dead: 0, oldestPendingAt: null });
    });
  });
}
