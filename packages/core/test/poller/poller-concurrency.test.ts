import { afterEach, describe, expect, it } from 'vitest';
import type { ClickPesaApi, QueryResult } from '../../src/client/types.js';
import type { PaymentRecord } from '../../src/domain/payment.js';
import { type PollerHarness, startPollerHarness } from './support/poller-harness.js';

let h: PollerHarness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

/** A client whose query answers are held back until released: a poller "paused" after its HTTP call. */
function pausingClient(client: ClickPesaApi) {
  const held: { release: () => void }[] = [];
  let pausing = true;
  const wrapped: ClickPesaApi = {
    previewUssdPush: (...args) => client.previewUssdPush(...args),
    initiateUssdPush: (...args) => client.initiateUssdPush(...args),
    listPayments: (...args) => client.listPayments(...args),
    async queryPayment(reference, options) {
      const answer: QueryResult = await client.queryPayment(reference, options);
      if (!pausing) return answer;
      await new Promise<void>((resolve) => held.push({ release: resolve }));
      return answer;
    },
  };
  return {
    wrapped,
    held,
    releaseAll() {
      pausing = false;
      for (const entry of held.splice(0)) entry.release();
    },
  };
}

async function createMany(harness: PollerHarness, count: number, digit: number): Promise<PaymentRecord[]> {
  const { service } = harness.instances[0]!;
  const out: PaymentRecord[] = [];
  for (let start = 0; start < count; start += 50) {
    const batch = Array.from({ length: Math.min(50, count - start) }, () => harness.initiate(service, digit));
    out.push(...(await Promise.all(batch)));
  }
  return out;
}

/** Two pollers claim and work concurrently until neither finds anything due. */
async function drainBoth(harness: PollerHarness, first: number, second: number) {
  const a = harness.instances[first]!.poller;
  const b = harness.instances[second]!.poller;
  for (;;) {
    const [ra, rb] = await Promise.all([a!.pollOnce(), b!.pollOnce()]);
    if (ra.claimed === 0 && rb.claimed === 0) return;
  }
}

describe('poller: leases and fencing across instances', () => {
  it('two pollers over 1,000 processing payments check each payment at most once per due time', async () => {
    h = await startPollerHarness();
    // first pair: per-reference queries only, so the sandbox's query log counts every single check
    h.addInstance({ listBatchThreshold: Number.POSITIVE_INFINITY, batchSize: 50, instanceId: 'A' });
    h.addInstance({ listBatchThreshold: Number.POSITIVE_INFINITY, batchSize: 50, instanceId: 'B' });
    const payments = await createMany(h, 1_000, 7);

    for (const [dueTime, advanceMs] of [
      [1, 15_000],
      [2, 10_000],
    ] as const) {
      await h.clock.advance(advanceMs);
      await drainBoth(h, 0, 1);
      const counts = payments.map((p) => h!.sb.count('query', p.orderReference));
      expect(Math.max(...counts)).toBe(dueTime);
      expect(Math.min(...counts)).toBe(dueTime);
    }

    // second pair on the same store: list sweeps. Still one check per payment for the third due time
    // (the service counts each applied check), no extra per-reference query, and far fewer calls
    h.addInstance({ batchSize: 100, instanceId: 'C' });
    h.addInstance({ batchSize: 100, instanceId: 'D' });
    const callsBefore = h.sb.count('list') + h.sb.count('query');
    await h.clock.advance(10_000);
    await drainBoth(h, 2, 3);
    const pollCounts = await Promise.all(
      payments.map(async (p) => (await h!.store.getPayment(p.id))!.pollCount),
    );
    expect(new Set(pollCounts)).toEqual(new Set([3]));
    expect(Math.max(...payments.map((p) => h!.sb.count('query', p.orderReference)))).toBeLessThanOrEqual(3);
    const listCalls = h.sb.count('list') + h.sb.count('query') - callsBefore;
    expect(listCalls).toBeLessThanOrEqual(30);
    expect(h.instances.flatMap((i) => i.errors)).toEqual([]);
  });

  it('a poller paused past its lease cannot regress a payment or emit a second event when it resumes', async () => {
    h = await startPollerHarness();
    let pause: ReturnType<typeof pausingClient> | null = null;
    const a = h.addInstance(
      { listBatchThreshold: Number.POSITIVE_INFINITY, leaseMs: 60_000, instanceId: 'A' },
      {
        wrap: (client) => {
          pause = pausingClient(client);
          return pause.wrapped;
        },
      },
    );
    const b = h.addInstance({
      listBatchThreshold: Number.POSITIVE_INFINITY,
      leaseMs: 60_000,
      instanceId: 'B',
    });
    const payment = await h.initiate(b.service, 7);

    await h.clock.advance(15_000);
    const stalled = a.poller.pollOnce(); // A claims, asks ClickPesa (PROCESSING), then stalls
    while (pause!.held.length === 0) await new Promise((resolve) => setTimeout(resolve, 2));

    await h.clock.advance(61_000); // A's lease is over
    h.sb.approve(payment.orderReference);
    const resultB = await b.poller.pollOnce();
    expect(resultB.claimed).toBe(1);
    expect(await h.store.getPayment(payment.id)).toMatchObject({ status: 'success' });

    pause!.releaseAll();
    await stalled;
    const after = (await h.store.getPayment(payment.id))!;
    expect(after.status).toBe('success');
    expect(h.eventsOf(payment.id, 'payment.succeeded')).toHaveLength(1);
    expect(h.eventsOf(payment.id).filter((e) => e.type === 'payment.processing')).toHaveLength(1);
    expect((await h.store.listEvents(payment.id)).filter((e) => e.type === 'payment.succeeded')).toHaveLength(
      1,
    );
  });

  it('stop() mid-poll waits out the grace period, then releases leases so another instance claims at once', async () => {
    h = await startPollerHarness();
    let pause: ReturnType<typeof pausingClient> | null = null;
    const a = h.addInstance(
      {
        listBatchThreshold: Number.POSITIVE_INFINITY,
        shutdownGraceMs: 5_000,
        batchSize: 10,
        instanceId: 'A',
      },
      {
        wrap: (client) => {
          pause = pausingClient(client);
          return pause.wrapped;
        },
      },
    );
    const b = h.addInstance({ listBatchThreshold: Number.POSITIVE_INFINITY, instanceId: 'B' });
    const payments = await Promise.all(Array.from({ length: 10 }, () => h!.initiate(b.service, 7)));

    await h.clock.advance(15_000);
    void a.poller.pollOnce();
    while (pause!.held.length < 4) await new Promise((resolve) => setTimeout(resolve, 2));
    const stopping = a.poller.stop();
    await h.clock.advance(5_000); // the grace period passes with A's calls still hanging
    await stopping;
    expect(a.poller.heartbeat().running).toBe(false);

    // no lease wait: B claims all ten right away, at the same clock time
    const resultB = await b.poller.pollOnce();
    expect(resultB.claimed).toBe(10);
    for (const p of payments) expect((await h.store.getPayment(p.id))!.pollCount).toBe(1);

    // A's late answers carry stale lease tokens: nothing is written twice
    pause!.releaseAll();
    await new Promise((resolve) => setTimeout(resolve, 20));
    for (const p of payments) expect((await h.store.getPayment(p.id))!.pollCount).toBe(1);
  });
});
