import { afterEach, describe, expect, it } from 'vitest';
import type { ClickPesaPaymentsOptions } from '../../src/config.js';
import { eventually, type KitFixture, startKit } from './fixture.js';

/**
 * The status route over real HTTP against the sandbox: with a poller it answers from the store and records
 * demand (the poller makes the call); without one its live refresh is bounded. Either way a slow or throttling
 * ClickPesa does not hold the answer.
 */

type Body = {
  data: { id: string; status: string };
  checked_at: string | null;
  poll_after_ms: number | null;
};

let f: KitFixture | undefined;
let seq = 0;
afterEach(async () => {
  await f?.close();
  f = undefined;
});

/** A poller that ticks fast and gives up in-flight calls quickly on close. */
const POLLER: ClickPesaPaymentsOptions['poller'] = { tickMs: 50, shutdownGraceMs: 50 };

async function start(overrides: Partial<ClickPesaPaymentsOptions>) {
  f = await startKit({ statusRefreshMs: 2_000, ...overrides });
  return f;
}

/** A payment the simulated customer never answers (phone ending in 7): it stays open. */
async function openPayment(kit: KitFixture): Promise<string> {
  seq += 1;
  const response = await kit.call('POST', '/payments', {
    json: { amount: 1000, currency: 'TZS', msisdn: `2557${String(10_500_000 + seq * 10 + 7).slice(-8)}` },
  });
  expect(response.status, response.text).toBe(201);
  return (response.body.data as { id: string }).id;
}

async function timedStatus(kit: KitFixture, id: string) {
  const started = performance.now();
  const response = await kit.call('GET', `/payments/${id}/status`);
  return { response, body: response.body as unknown as Body, ms: performance.now() - started };
}

const checks = (kit: KitFixture) =>
  kit.sandbox.requests.filter((entry) => entry.endpoint === 'query' || entry.endpoint === 'list').length;

describe('with a poller: answers from the store (POLL-17)', () => {
  it.each([
    ['a 429 with Retry-After: 20', { kind: 'status', status: 429, headers: { 'retry-after': '20' } }],
    ['16 s of latency', { kind: 'latency', ms: 16_000 }],
  ] as const)(
    'answers within 3 s while ClickPesa answers %s, and says how fresh it is',
    async (_name, fault) => {
      // every read is demand (statusRefreshMs 0): the poller's calls meet the fault
      const kit = await start({ poller: POLLER, statusRefreshMs: 0 });
      const id = await openPayment(kit);
      kit.sandbox.fault({ endpoint: '*', times: 100, ...fault });
      for (let round = 0; round < 3; round++) {
        const { response, body, ms } = await timedStatus(kit, id);
        expect(response.status).toBe(200);
        expect(ms).toBeLessThan(3_000);
        expect(body.data.status).toBe('processing');
        // the initiate answer was the last word from ClickPesa
        expect(Date.parse(body.checked_at!)).toBeLessThanOrEqual(Date.now());
        expect(body.poll_after_ms).toBeGreaterThanOrEqual(1_000);
        expect(response.headers.get('retry-after')).toBe(String(Math.ceil(body.poll_after_ms! / 1000)));
      }
    },
  );

  it('a reader is demand: 50 concurrent reads get one ClickPesa check, made by the poller, and no more while fresh', async () => {
    const kit = await start({ poller: POLLER, statusRefreshMs: 1_000 });
    const id = await openPayment(kit);
    const initiated = (await kit.store.getPayment(id))!.lastCheckedAt!.getTime();
    // the initiate answer turns stale
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const before = checks(kit);
    const reads = await Promise.all(Array.from({ length: 50 }, () => timedStatus(kit, id)));
    expect(reads.every(({ response }) => response.status === 200)).toBe(true);
    // the demand went through the store: the poller claimed the payment and counted its check
    await eventually(async () => (await kit.store.getPayment(id))!.lastCheckedAt!.getTime() > initiated);
    expect((await kit.store.getPayment(id))!.pollCount).toBe(1);
    const fresh = await timedStatus(kit, id);
    expect(fresh.body.checked_at).not.toBeNull();
    expect(fresh.body.poll_after_ms).toBeGreaterThanOrEqual(1_000);
    expect(fresh.body.poll_after_ms).toBeLessThanOrEqual(1_000);
    // fresh reads ask for nothing more
    await Promise.all(Array.from({ length: 20 }, () => timedStatus(kit, id)));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(checks(kit) - before).toBe(1);
  });

  it('a final payment says there is nothing to wait for', async () => {
    const kit = await start({ poller: POLLER });
    const created = await kit.call('POST', '/payments', {
      // ending in 1: the sandbox customer approves at once
      json: { amount: 1000, currency: 'TZS', msisdn: '255754000001' },
    });
    const id = (created.body.data as { id: string }).id;
    await eventually(async () => (await kit.store.getPayment(id))!.status === 'success');
    const { response, body } = await timedStatus(kit, id);
    expect(body.poll_after_ms).toBeNull();
    expect(body.checked_at).not.toBeNull();
    expect(response.headers.get('retry-after')).toBeNull();
  });

  it('a webhook is confirmed at once when the budget has room (no 5 s batch window)', async () => {
    const kit = await start({ poller: { ...POLLER, batchWindowMs: 5_000, webhookConfirmWindowMs: 0 } });
    const started = performance.now();
    const created = await kit.call('POST', '/payments', {
      json: { amount: 1000, currency: 'TZS', msisdn: '255754000011' },
    });
    const id = (created.body.data as { id: string }).id;
    await eventually(async () => (await kit.store.getPayment(id))!.status === 'success');
    expect(performance.now() - started).toBeLessThan(2_500);
    expect(kit.sandbox.requests.filter((entry) => entry.endpoint === 'query')).toHaveLength(1);
  });
});

describe('without a poller: the live refresh is bounded (POLL-17)', () => {
  it('answers within 3 s from the store while ClickPesa takes 16 s, then has the fresh answer', async () => {
    const kit = await start({ poller: false, statusRefreshMs: 0 });
    const id = await openPayment(kit);
    const initiated = (await kit.store.getPayment(id))!.lastCheckedAt!.toISOString();
    kit.sandbox.fault({ endpoint: 'query', times: 1, kind: 'latency', ms: 16_000 });
    const slow = await timedStatus(kit, id);
    expect(slow.response.status).toBe(200);
    expect(slow.ms).toBeLessThan(3_000);
    expect(slow.body.checked_at).toBe(initiated);
    expect(slow.body.poll_after_ms).toBeGreaterThanOrEqual(1_000);
    const fast = await timedStatus(kit, id);
    expect(fast.ms).toBeLessThan(3_000);
    // the slow query is still out (coalesced): the second read shares it instead of asking again
    expect(kit.sandbox.requests.filter((entry) => entry.endpoint === 'query')).toHaveLength(1);
  });

  it('answers with the fresh check when ClickPesa is quick', async () => {
    const kit = await start({ poller: false, statusRefreshMs: 0 });
    const id = await openPayment(kit);
    const initiated = (await kit.store.getPayment(id))!.lastCheckedAt!.getTime();
    const { body } = await timedStatus(kit, id);
    expect(Date.parse(body.checked_at!)).toBeGreaterThan(initiated);
    expect(kit.sandbox.requests.filter((entry) => entry.endpoint === 'query')).toHaveLength(1);
  });
});

describe('list pages shorter than asked (POLL-18)', () => {
  it.each([
    ['ClickPesa caps pages at 5 while the poller asks for 100', 100, 5],
    ['the poller asks for 5', 5, null],
  ] as const)(
    '%s: 12 due payments are covered by list pages, not one query each',
    async (_name, listPageSize, cap) => {
      const kit = await start({ poller: { listPageSize }, autoStart: false, statusRefreshMs: 0 });
      const ids: string[] = [];
      for (let i = 0; i < 12; i++) ids.push(await openPayment(kit));
      // each read is demand: all twelve fall due now
      for (const id of ids) await timedStatus(kit, id);
      kit.sandbox.configure({ maxPageSize: cap });
      const before = kit.sandbox.requests.length;
      await kit.kit.poller!.pollOnce();
      const calls = kit.sandbox.requests.slice(before);
      const lists = calls.filter((entry) => entry.endpoint === 'list').length;
      const queries = calls.filter((entry) => entry.endpoint === 'query').length;
      for (const id of ids) expect((await kit.store.getPayment(id))!.pollCount).toBe(1);
      // pages of 5 of the changes, newest first: 5, 5, and a short one that reaches ClickPesa's totalCount
      expect(lists).toBe(3);
      expect(queries).toBe(0);
    },
  );
});
