import { describe, expect, it } from 'vitest';
import type { ClickPesaApi, ListPaymentsFilters } from '../../src/client/types.js';
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
      const ordered = filters.orderBy === 'ASC' ? [...rows].reverse() : rows;
      return { data: ordered.slice(skip, skip + limit), totalCount: options.totalCount ?? rows.length };
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

  it('asks for updatedAt DESC, then reads on until a row older than the stop point', async () => {
    const { client, calls } = fakeList(rows);
    const result = await read(client, 700);
    expect(calls).toEqual([
      { startDate: '2026-12-04', sortBy: 'updatedAt', orderBy: 'DESC', limit: 2, skip: 0 },
      // the rest oldest first, from just below the first page
      { startDate: '2026-12-04', sortBy: 'updatedAt', orderBy: 'ASC', limit: 2, skip: 0 },
    ]);
    expect(result).toMatchObject({
      complete: true,
      ordered: true,
      pages: 2,
      newest: T0 + 900,
      firstPageAt: 42,
    });
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

  it('below the first page, pages go oldest first upwards; rows changed meanwhile are read twice, never passed over', async () => {
    // 60 rows, one change a ms; before every call after the first, 6 new rows arrive and 2 old ones change
    let rows = Array.from({ length: 60 }, (_, i) => row(`R${i}`, 1_000 - i, 1_000 - i));
    let clock = 2_000;
    const calls: string[] = [];
    const changed: string[] = [];
    const client = {
      async listPayments(filters: ListPaymentsFilters = {}) {
        calls.push(`${filters.orderBy} ${filters.skip}`);
        if (calls.length > 1) {
          for (let i = 0; i < 6; i++) rows.push(row(`N${clock}`, clock, clock++));
          // an old row below the first page changes: it leaves for the top with a new updatedAt
          for (const ref of [`R${20 + calls.length * 3}`, `R${21 + calls.length * 3}`]) {
            const old = rows.find((r) => r.orderReference === ref);
            if (!old) continue;
            changed.push(ref);
            rows = rows.filter((r) => r !== old);
            rows.push({ ...old, status: 'SUCCESS', updatedAt: iso(T0 + clock++) });
          }
        }
        const sorted = [...rows].sort((a, b) => Date.parse(b.updatedAt!) - Date.parse(a.updatedAt!));
        if (filters.orderBy === 'ASC') sorted.reverse();
        const skip = filters.skip ?? 0;
        return { data: sorted.slice(skip, skip + (filters.limit ?? 20)), totalCount: rows.length };
      },
    } as unknown as ClickPesaApi;
    const result = await read(client, 955, 10);
    expect(result).toMatchObject({ ordered: true, complete: true });
    expect(calls[0]).toBe('DESC 0');
    expect(calls.slice(1).every((call) => call.startsWith('ASC'))).toBe(true);
    // every original row down to the stop point (updatedAt 955, R45) is read, or changed and left for the top
    const read45 = new Set(result.rows.map((r) => r.orderReference));
    for (let i = 0; i <= 45; i++) {
      const ref = `R${i}`;
      expect(read45.has(ref) || changed.includes(ref), ref).toBe(true);
    }
    // each row once
    expect(result.rows.length).toBe(
      new Set(result.rows.map((r) => `${r.orderReference}${r.updatedAt}`)).size,
    );
  });

  it('no usable totalCount (ClickPesa answered a bare list): only the first page is known', async () => {
    const list = Array.from({ length: 12 }, (_, i) => row(`R${i}`, 1_000 - i, 1_000 - i));
    const client = {
      async listPayments(filters: ListPaymentsFilters = {}) {
        const skip = filters.skip ?? 0;
        const data = list.slice(skip, skip + 4);
        return { data, totalCount: data.length };
      },
    } as unknown as ClickPesaApi;
    const result = await read(client, 990, 4);
    expect(result).toMatchObject({ complete: false, pages: 1 });
  });

  it('a short page is the end only when totalCount says so; a capped page is read past', async () => {
    const ended = await read(fakeList(rows.slice(0, 3)).client, 0, 5);
    expect(ended).toMatchObject({ complete: true, pages: 1 });
    // ClickPesa returns at most 2 rows whatever the limit: totalCount shows more exist
    const capped = fakeList(rows, { cap: 2 });
    const result = await read(capped.client, 0, 5);
    expect(capped.calls.map((c) => `${c.orderBy} ${c.skip} ${c.limit}`)).toEqual(['DESC 0 5', 'ASC 0 5']);
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
    expect(nextStopAt({ newest: T0 + 5_000 }, 0, null, 1_000, T0 - 1)).toBe(T0 + 4_000);
  });

  it('skips what had settled: older than the previous newest, read at least the overlap later', () => {
    // nothing new since the previous read, which was 2 s before this one began
    expect(nextStopAt({ newest: T0 + 5_000 }, 12_000, chain(5_000, 10_000), 1_000, T0 - 1)).toBe(T0 + 5_001);
    // the previous read was only 0.5 s before: its newest rows may still be joined by late commits
    expect(nextStopAt({ newest: T0 + 5_000 }, 10_500, chain(5_000, 10_000), 1_000, T0 - 1)).toBe(T0 + 4_000);
  });

  it('an empty list keeps the previous stop point, or the one this read went down to', () => {
    expect(nextStopAt({ newest: null }, 0, null, 1_000, T0 - 1)).toBe(T0 - 1);
    expect(nextStopAt({ newest: null }, 100, { ...chain(5_000, 0), stopAt: T0 + 7 }, 1_000, T0 - 1)).toBe(
      T0 + 7,
    );
    expect(nextStopAt({ newest: null }, 2_000, { ...chain(5_000, 0), stopAt: T0 + 7 }, 1_000, T0 - 1)).toBe(
      T0 + 5_001,
    );
  });
});
