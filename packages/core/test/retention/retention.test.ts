import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ClickPesaApi } from '../../src/client/types.js';
import { createClickPesaPayments } from '../../src/kit.js';
import { silentLogger } from '../../src/logger.js';
import { createRetentionJob } from '../../src/retention/retention.js';
import { createMemoryStore, type MemoryStore } from '../../src/store/memory-store.js';
import { createManualClock, type ManualClock } from '../../src/testing/manual-clock.js';
import { payment } from '../domain/transition-fixtures.js';
import { bearerAuthenticate } from '../kit/fixture.js';

const DAY = 24 * 60 * 60_000;
const PER_DAY = 20;

/** One day's traffic written the way the service writes it: payments with events, receipts, audit, keys. */
async function oneDay(store: MemoryStore, clock: ManualClock, day: number, ids: string[]): Promise<void> {
  for (let i = 0; i < PER_DAY; i++) {
    const id = randomUUID();
    const reference = `SOAK${day}X${i}`;
    const now = clock.now();
    await store.createPayment({
      payment: payment({ id, orderReference: reference, orderReferences: [reference], createdAt: now }),
      idempotency: {
        ownerId: 'owner-a',
        key: `key-${day}-${i}`,
        fingerprint: 'f',
        scope: 'initiate',
        paymentId: id,
        state: 'in_flight',
        createdAt: now,
        expiresAt: new Date(now.getTime() + DAY),
      },
      events: [
        { id: randomUUID(), type: 'payment.created', occurredAt: now, data: {}, deliverTo: ['handlers'] },
      ],
      audit: [{ paymentId: id, at: now, kind: 'note', data: { note: 'created' } }],
    });
    await store.transition({
      paymentId: id,
      expectedVersion: 1,
      changes: { status: 'success' },
      events: [
        {
          id: randomUUID(),
          type: 'payment.status_changed',
          occurredAt: now,
          data: {},
          deliverTo: ['handlers'],
        },
        { id: randomUUID(), type: 'payment.succeeded', occurredAt: now, data: {}, deliverTo: ['handlers'] },
      ],
      audit: [{ paymentId: id, at: now, kind: 'transition', data: { to: 'success' } }],
    });
    await store.recordWebhookReceipt({
      dedupeKey: `${reference}-webhook`,
      orderReference: reference,
      paymentId: id,
      eventType: 'PAYMENT RECEIVED',
      providerStatus: 'SUCCESS',
      orphan: false,
      verified: true,
      receivedAt: now,
      payload: {},
    });
    ids.push(id);
  }
}

async function counts(store: MemoryStore, ids: string[]) {
  const events = (await store.listEventsSince({ after: null, limit: 1_000_000 })).length;
  const receipts = (await store.listWebhookReceipts()).length;
  let audit = 0;
  for (const id of ids) audit += (await store.listAudit(id)).length;
  return { events, receipts, audit };
}

describe('retention on a schedule', () => {
  it('keeps the tables bounded over ten simulated weeks of traffic (kit, memory store, manual clock)', async () => {
    const clock = createManualClock(Date.UTC(2026, 0, 1));
    const store = createMemoryStore();
    let idempotencyPruned = 0;
    const pruneIdempotency = store.pruneIdempotency.bind(store);
    store.pruneIdempotency = async (now) => {
      const pruned = await pruneIdempotency(now);
      idempotencyPruned += pruned;
      return pruned;
    };
    const delivered: string[] = [];
    const kit = createClickPesaPayments({
      store,
      authenticate: bearerAuthenticate,
      client: {} as ClickPesaApi,
      poller: false,
      clock,
      // one claim an hour is plenty here; retention at its defaults (every ~10 min; 30/30/90 days)
      dispatcher: { pollIntervalMs: 60 * 60_000 },
      handlers: { '*': (event) => void delivered.push(event.eventId) },
    });
    const ids: string[] = [];
    const samples: { day: number; events: number; receipts: number; audit: number }[] = [];
    try {
      for (let day = 0; day < 70; day++) {
        await oneDay(store, clock, day, ids);
        await clock.advance(DAY);
        if (day % 7 === 6) samples.push({ day, ...(await counts(store, ids)) });
      }
    } finally {
      await kit.close();
    }
    const perDay = { events: PER_DAY * 3, receipts: PER_DAY, audit: PER_DAY * 2 };
    const last = samples.at(-1)!;
    // events and receipts: 30 days (+1 for the day in progress and the pass interval)
    expect(last.events).toBeLessThanOrEqual(perDay.events * 32);
    expect(last.receipts).toBeLessThanOrEqual(perDay.receipts * 32);
    // audit: 90 days is longer than this run; nothing was deleted early
    expect(last.audit).toBe(perDay.audit * 70);
    // flat after day 30: the same count week after week
    const afterMonth = samples.filter((sample) => sample.day > 35);
    expect(new Set(afterMonth.map((sample) => sample.events)).size).toBe(1);
    expect(new Set(afterMonth.map((sample) => sample.receipts)).size).toBe(1);
    // idempotency keys expire after a day: all but the last day's are gone
    expect(idempotencyPruned).toBeGreaterThanOrEqual(PER_DAY * 68);
    expect(delivered).toHaveLength(PER_DAY * 3 * 70);
  });

  it('never deletes an event whose delivery is still pending', async () => {
    const clock = createManualClock(Date.UTC(2026, 0, 1));
    const store = createMemoryStore();
    const ids: string[] = [];
    await oneDay(store, clock, 0, ids);
    await clock.advance(40 * DAY);
    const job = createRetentionJob({ store, clock, logger: silentLogger });
    const pass = await job.runOnce();
    expect(pass.events).toBe(0); // nobody delivered them
    expect(pass.receipts).toBe(PER_DAY);
    expect(pass.idempotency).toBe(PER_DAY);
    expect((await counts(store, ids)).events).toBe(PER_DAY * 3);
  });

  it("deletes the store's rate-limit buckets left alone for `bucketsDays`, and only those", async () => {
    const clock = createManualClock(Date.UTC(2026, 0, 1));
    const buckets = new Map<string, Date>();
    const prunedSince: Date[] = [];
    const store: MemoryStore = Object.assign(createMemoryStore(), {
      budget: {
        async take(name: string, _capacity: number, _intervalMs: number, now: Date) {
          buckets.set(name, now);
          return 0;
        },
        async prune(idleSince: Date, limit: number) {
          prunedSince.push(idleSince);
          const idle = [...buckets].filter(([, at]) => at < idleSince).slice(0, limit);
          for (const [name] of idle) buckets.delete(name);
          return idle.length;
        },
      },
    });
    await store.budget!.take('limit:phone:255712000001', 3, 600_000, clock.now());
    await clock.advance(2 * DAY);
    await store.budget!.take('limit:phone:255712000002', 3, 600_000, clock.now());
    const job = createRetentionJob({ store, clock, logger: silentLogger, options: { bucketsDays: 1 } });
    expect((await job.runOnce()).buckets).toBe(1);
    expect([...buckets.keys()]).toEqual(['limit:phone:255712000002']);
    expect(prunedSince).toEqual([new Date(clock.now().getTime() - DAY)]);
  });
});
