import { describe, expect, it } from 'vitest';
import type { ClickPesaApi, ListPaymentsFilters } from '../../src/client/types.js';
import type { PaymentRecord, ProviderPayment } from '../../src/domain/payment.js';
import { createFeedSweep } from '../../src/poller/feed-sweep.js';
import type { Held, LeaseBook } from '../../src/poller/leases.js';
import { resolvePollerOptions } from '../../src/poller/options.js';
import type { Reconciler } from '../../src/service/reconciler.js';

const T0 = Date.parse('2026-12-05T10:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

/** A held payment whose push ClickPesa accepted at `created` (its own createdAt, so no skew applies). */
function held(ref: string, created: number): Held {
  const payment = {
    id: ref,
    orderReference: ref,
    status: 'processing',
    initiateOutcome: 'accepted',
    attemptStartedAt: new Date(created),
    providerStatus: { orderReference: ref, status: 'PROCESSING', createdAt: iso(created) },
  } as unknown as PaymentRecord;
  return {
    claim: { payment, leaseToken: 1, leaseUntil: new Date(T0 + 3_600_000) } as Held['claim'],
    dueAt: created,
    busy: false,
  };
}

describe('the change feed chain', () => {
  it('an empty list after the chain was reset does not break later reads (the stop point stays a real time)', async () => {
    let rows: ProviderPayment[] = [];
    const calls: ListPaymentsFilters[] = [];
    const client = {
      async listPayments(filters: ListPaymentsFilters = {}) {
        calls.push(filters);
        return { data: rows.slice(0, filters.limit ?? 20), totalCount: rows.length };
      },
    } as unknown as ClickPesaApi;
    let failObserved = false;
    const applied: string[] = [];
    const reconciler = {
      async applyListed(id: string) {
        applied.push(`listed ${id}`);
      },
      async applyObserved(record: ProviderPayment) {
        if (failObserved) throw new Error('store down');
        applied.push(`observed ${record.orderReference}`);
      },
      async applyUnchanged(id: string) {
        applied.push(`unchanged ${id}`);
      },
    } as unknown as Reconciler;
    let holding: Held[] = [];
    const leases = { available: () => holding.filter((item) => !item.busy) } as unknown as LeaseBook;
    const errors: Error[] = [];
    let now = T0 + 60_000;
    const feed = createFeedSweep({
      client,
      reconciler,
      leases,
      opts: resolvePollerOptions({}),
      now: () => now,
      signal: () => new AbortController().signal,
      keepGoing: () => true,
      report: (error) => errors.push(error as Error),
      work: async (item, task) => {
        item.busy = true;
        await task(item);
        return true;
      },
    });

    // 1. rows out of creation order prove the sort: the chain starts
    rows = [
      { id: 'B', orderReference: 'B', status: 'SUCCESS', createdAt: iso(T0), updatedAt: iso(T0 + 50_000) },
      {
        id: 'C',
        orderReference: 'C',
        status: 'PROCESSING',
        createdAt: iso(T0 + 10_000),
        updatedAt: iso(T0 + 10_000),
      },
    ];
    holding = [held('C', T0 + 10_000)];
    expect((await feed.run(holding)).ok).toBe(true);
    // 2. a row that could not be written resets the chain
    now += 10_000;
    failObserved = true;
    holding = [];
    rows = [{ ...rows[1]!, status: 'FAILED', updatedAt: iso(T0 + 65_000) }, rows[0]!];
    expect((await feed.run([held('D', T0 + 66_000)])).ok).toBe(true);
    failObserved = false;
    // 3. days later ClickPesa lists nothing for the new payment's days (the old rows are older than startDate)
    now = T0 + 3 * 24 * 3_600_000;
    rows = [];
    holding = [held('E', now - 5_000)];
    expect((await feed.run(holding)).ok).toBe(true);
    // 4. the next reads still go out, with a real startDate, and settle what they can
    now += 5_000;
    holding = [held('F', now - 1_000)];
    const next = await feed.run(holding);
    // the two rows of step 2, and nothing since
    expect(errors.map((e) => e.message)).toEqual(['store down', 'store down']);
    expect(next.ok).toBe(true);
    expect(calls.at(-1)!.startDate).toBe(iso(now - 1_000 - 24 * 3_600_000).slice(0, 10));
    expect(applied.at(-1)).toBe('unchanged F');
  });
});
