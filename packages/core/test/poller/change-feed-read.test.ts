import { describe, expect, it } from 'vitest';
import type { CallOptions, ClickPesaApi, ListPaymentsFilters } from '../../src/client/types.js';
import type { ProviderPayment } from '../../src/domain/payment.js';
import { type FeedChain, nextStopAt, readFeed } from '../../src/poller/change-feed.js';

const T0 = Date.parse('2026-12-05T10:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();
const row = (ref: string, created: number, updated: number): ProviderPayment => ({
  id: ref,
  orderReference: ref,
  status: 'PROCESSING',
  createdAt: iso(T0 + created),
  updatedAt: iso(T0 + updated),
});

/** A list endpoint over fixed rows, newest update first, with an optional cap and a call log. */
function fakeList(rows: ProviderPayment[], options: { cap?: number; totalCount?: number } = {}) {
  const calls: ListPaymentsFilters[] = [];
  const client = {
    async listPayments(filters: ListPaymentsFilters = {}) {
      calls.push(filters);
      const skip = filters.skip ?? 0;
      const limit = Math.min(filters.limit ?? 20, options.cap ?? Number.POSITIVE_INFINITY);
      return { data: rows.slice(skip, skip + limit), totalCount: options.totalCount ?? rows.length };
    },
  } as unknown as ClickPesaApi;
  return { client, calls };
}

const read = (client: ClickPesaApi, stopAt: number, pageSize = 2, maxPages = 10) =>
  readFeed(client, {
    stopAt: T0 + stopAt,
    startDate: '2026-12-04',
    pageSize,
    maxPages,
    signal: new AbortController().signal,
    now: () => 42,
    keepGoing: () => true,
  });

describe('readFeed', () => {
  // updated newest first; C was created before B but changed after it
  const rows = [row('C', 100, 900), row('B', 500, 800), row('A', 200, 300), row('Z', 0, 100)];

  it('asks for updatedAt DESC and pages until a row older than the stop point', async () => {
    const { client, calls } = fakeList(rows);
    const result = await read(client, 700);
    expect(calls).toEqual([
      { startDate: '2026-12-04', sortBy: 'updatedAt', orderBy: 'DESC', limit: 2, skip: 0 },
      { startDate: '2026-12-04', sortBy: 'updatedAt', orderBy: 'DESC', limit: 2, skip: 2 },
    ]);
    expect(result).toMatchObject({ complete: true, ordered: true, pages: 2, newest: T0 + 900, firstPageAt: 42 });
    expect(result.rows.map((r) => r.orderReference)).toEqual(['C', 'B', 'A', 'Z']);
  });

  it('proves the sort only when a row was created after the one above it', async () => {
    expect((await read(fakeList(rows).client, 850)).proves).toBe(true);
    const creationOrder = [row('B', 500, 800), row('A', 200, 300)];
    expect((await read(fakeList(creationOrder).client, 0)).proves).toBe(false);
  });

  it('rows out of updatedAt order: not sorted by it (ClickPesa ignored sortBy)', async () => {
    const byCreation = [row('B', 500, 500), row('A', 200, 900)];
    const result = await read(fakeList(byCreation).client, 0);
    expect(result.ordered).toBe(false);
    expect(result.complete).toBe(false);
  });

  it('changes made while pages wait push rows down: the next page repeats them, and then is asked further down', async () => {
    // 30 rows, one change a ms; every call, 6 new rows arrive at the top before it is answered
    let list = Array.from({ length: 30 }, (_, i) => row(`R${i}`, 1_000 - i, 1_000 - i));
    let clock = 0;
    let fresh = 0;
    const skips: number[] = [];
    const client = {
      async listPayments(filters: ListPaymentsFilters = {}, callOptions: CallOptions = {}) {
        clock += 10;
        callOptions.beforeSend?.();
        skips.push(filters.skip ?? 0);
        if (skips.length > 1) {
          const added = Array.from({ length: 6 }, () => {
            fresh += 1;
            return row(`N${fresh}`, 2_000 + fresh, 2_000 + fresh);
          });
          list = [...added.reverse(), ...list];
        }
        const skip = filters.skip ?? 0;
        return { data: list.slice(skip, skip + 5), totalCount: list.length };
      },
    } as unknown as ClickPesaApi;
    const result = await readFeed(client, {
      stopAt: T0 + 985,
      startDate: '2026-12-04',
      pageSize: 5,
      maxPages: 10,
      signal: new AbortController().signal,
      now: () => clock,
      keepGoing: () => true,
    });
    expect(result).toMatchObject({ ordered: true, complete: true });
    // every original row down to the stop point is read once, none passed over
    const originals = result.rows.map((r) => r.orderReference).filter((ref) => ref.startsWith('R'));
    expect(originals.length).toBeGreaterThanOrEqual(16);
    expect(originals).toEqual(Array.from({ length: originals.length }, (_, i) => `R${i}`));
    // page 2 at the row after page 1 (0 assumed pushed down), later pages further down by what was measured
    expect(skips.slice(0, 2)).toEqual([0, 5]);
    expect(skips[2]! - skips[1]! - 5).toBeGreaterThan(0);
    expect(result.shiftPerMs).toBeGreaterThan(0);
  });

  it('asked too far down (fewer changes than expected): the page is asked again where nothing can be passed over', async () => {
    const list = Array.from({ length: 12 }, (_, i) => row(`R${i}`, 1_000 - i, 1_000 - i));
    const skips: number[] = [];
    let clock = 0;
    const client = {
      async listPayments(filters: ListPaymentsFilters = {}, callOptions: CallOptions = {}) {
        clock += 10;
        callOptions.beforeSend?.();
        skips.push(filters.skip ?? 0);
        const skip = filters.skip ?? 0;
        return { data: list.slice(skip, skip + 4), totalCount: list.length };
      },
    } as unknown as ClickPesaApi;
    const result = await readFeed(client, {
      stopAt: T0 + 990,
      startDate: '2026-12-04',
      pageSize: 4,
      maxPages: 10,
      signal: new AbortController().signal,
      now: () => clock,
      keepGoing: () => true,
      shiftPerMs: 0.5,
    });
    // expected 3 rows pushed down in 10 ms (0.75 × 0.5 × 10): skip 7 starts below row 3, so 4 is asked again
    expect(skips.slice(0, 3)).toEqual([0, 7, 4]);
    expect(result.rows.map((r) => r.orderReference)).toEqual(list.slice(0, 12).map((r) => r.orderReference).slice(0, result.rows.length));
    expect(result).toMatchObject({ complete: true, ordered: true });
  });

  it('a short page is the end only when totalCount says so; a capped page is read past', async () => {
    const ended = await read(fakeList(rows.slice(0, 3)).client, 0, 5);
    expect(ended).toMatchObject({ complete: true, pages: 1 });
    // ClickPesa returns at most 2 rows whatever the limit: totalCount shows more exist
    const capped = fakeList(rows, { cap: 2 });
    const result = await read(capped.client, 0, 5);
    expect(capped.calls.map((c) => c.skip)).toEqual([0, 2]);
    expect(result).toMatchObject({ complete: true, pages: 2 });
    expect(result.rows).toHaveLength(4);
  });

  it('stops at maxPages without claiming completeness', async () => {
    const result = await read(fakeList(rows).client, 0, 1, 2);
    expect(result).toMatchObject({ complete: false, pages: 2 });
  });
});

describe('nextStopAt', () => {
  const chain = (newest: number, readAt: number): FeedChain => ({
    stopAt: T0,
    newest: T0 + newest,
    readAt,
    coveredFrom: 0,
  });

  it('reads the newest overlap again', () => {
    expect(nextStopAt({ newest: T0 + 5_000 }, 0, null, 1_000)).toBe(T0 + 4_000);
  });

  it('skips what had settled: older than the previous newest, read at least the overlap later', () => {
    // nothing new since the previous read, which was 2 s before this one began
    expect(nextStopAt({ newest: T0 + 5_000 }, 12_000, chain(5_000, 10_000), 1_000)).toBe(T0 + 5_001);
    // the previous read was only 0.5 s before: its newest rows may still be joined by late commits
    expect(nextStopAt({ newest: T0 + 5_000 }, 10_500, chain(5_000, 10_000), 1_000)).toBe(T0 + 4_000);
  });

  it('an empty list keeps the previous stop point', () => {
    expect(nextStopAt({ newest: null }, 0, null, 1_000)).toBe(Number.NEGATIVE_INFINITY);
    expect(nextStopAt({ newest: null }, 100, { ...chain(5_000, 0), stopAt: T0 + 7 }, 1_000)).toBe(T0 + 7);
    expect(nextStopAt({ newest: null }, 2_000, { ...chain(5_000, 0), stopAt: T0 + 7 }, 1_000)).toBe(T0 + 5_001);
  });
});
