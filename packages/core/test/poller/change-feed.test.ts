import { afterEach, describe, expect, it } from 'vitest';
import type { PaymentRecord } from '../../src/domain/payment.js';
import { type PollerHarness, startPollerHarness } from './support/poller-harness.js';

let h: PollerHarness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

const lists = (harness: PollerHarness) => harness.sb.requests.filter((r) => r.endpoint === 'list');
const queries = (harness: PollerHarness) => harness.sb.requests.filter((r) => r.endpoint === 'query');
/** Pages read per sweep: every call of one `pollOnce` carries the same fake-clock time. */
function pagesPerSweep(harness: PollerHarness): number[] {
  const byTime = new Map<number, number>();
  for (const call of lists(harness)) byTime.set(call.at, (byTime.get(call.at) ?? 0) + 1);
  return [...byTime.values()];
}

/**
 * Three payments (enough for a list sweep), the oldest changed after the others were created: the first list
 * page shows rows out of creation order, which proves ClickPesa sorts by updatedAt; the chain starts there.
 */
async function proveTheOrder(harness: PollerHarness, service: PollerHarness['instances'][0]['service']) {
  const payments: PaymentRecord[] = [];
  for (let i = 0; i < 3; i++) {
    payments.push(await harness.initiate(service, 1));
    await harness.advance(100);
  }
  harness.sb.setStatus(payments[0]!.orderReference, 'SUCCESS');
  return payments;
}

async function statuses(harness: PollerHarness, payments: PaymentRecord[]) {
  return Promise.all(payments.map(async (p) => (await harness.store.getPayment(p.id))!.status));
}

describe('poller: list sweeps read ClickPesa changes newest first (sortBy=updatedAt)', () => {
  it('page size 20: 60 open payments are answered by one page of changes per sweep, with no query of their own', async () => {
    h = await startPollerHarness({ sandbox: { approveDelayMs: 45_000, maxPageSize: 20 } });
    const { poller, service, errors } = h.addInstance({ listPageSize: 20 });
    const warmup = await proveTheOrder(h, service);
    await h.runFor(16_000, 1_000, () => poller.pollOnce());
    expect(await statuses(h, warmup)).toEqual(['success', 'processing', 'processing']);
    expect(lists(h).every((call) => call.url.includes('sortBy=updatedAt'))).toBe(true);

    // 60 payments, one every 100 ms (ClickPesa approves each 45 s after it was created)
    const payments: PaymentRecord[] = [];
    for (let i = 0; i < 60; i++) {
      payments.push(await h.initiate(service, 1));
      await h.advance(100);
    }
    const sweepsBefore = pagesPerSweep(h).length;
    // every payment falls due at 15 s and again every 10 s until ClickPesa approves it at 45 s
    await h.runFor(60_000, 1_000, () => poller.pollOnce());

    expect(await statuses(h, payments)).toEqual(payments.map(() => 'success'));
    // each payment was checked at 15 s, 25 s and 35 s and learnt at 45 s: 60 × 4 checks, no query of their own
    const references = new Set(payments.map((p) => p.orderReference));
    expect(queries(h).filter((call) => references.has(call.orderReference!))).toEqual([]);
    const checks = await Promise.all(payments.map(async (p) => (await h!.store.getPayment(p.id))!.pollCount));
    expect(Math.min(...checks)).toBeGreaterThanOrEqual(3);
    // the first sweep after the burst reads its 60 creations (4 pages of 20, the last one short); after
    // that, pages per sweep are the changes since the last read (ten approvals a second at most), never the
    // 60 open payments (3 pages each time)
    const [burst, ...after] = pagesPerSweep(h).slice(sweepsBefore);
    expect(burst).toBe(4);
    expect(after.length).toBeGreaterThanOrEqual(20);
    expect(Math.max(...after)).toBeLessThanOrEqual(2);
    expect(after.filter((pages) => pages === 1).length).toBeGreaterThan(after.length / 2);
    expect(errors).toEqual([]);
  });

  it('a change read while its payment was not due is applied then, and the payment is not asked about again', async () => {
    h = await startPollerHarness({ sandbox: { approveDelayMs: 600_000 } });
    const { poller, service, errors } = h.addInstance();
    await proveTheOrder(h, service);
    await h.runFor(16_000, 1_000, () => poller.pollOnce());

    const quiet = await h.initiate(service, 1);
    const due = await h.initiate(service, 1);
    await h.advance(5_000);
    // ClickPesa approves `quiet`; its first check is 10 s away. A webhook-like demand makes `due` due now.
    h.sb.setStatus(quiet.orderReference, 'SUCCESS');
    await h.advance(1_000);
    await poller.requestConfirmation(due.id);
    const listsBefore = lists(h).length;
    await h.runFor(2_000, 1_000, () => poller.pollOnce());

    // the one page read for `due` showed `quiet`'s change: applied without a lease, one event
    expect(lists(h).length - listsBefore).toBe(1);
    const learnt = (await h.store.getPayment(quiet.id))!;
    expect(learnt).toMatchObject({ status: 'success', nextPollAt: null });
    expect(h.eventsOf(quiet.id, 'payment.succeeded')).toHaveLength(1);
    expect((await h.store.getPayment(due.id))!).toMatchObject({ status: 'processing' });
    expect((await h.store.getPayment(due.id))!.lastCheckedAt).not.toBeNull();

    // the next reads start past that row; `quiet` stays settled, with no query about it
    await h.runFor(30_000, 1_000, () => poller.pollOnce());
    expect(queries(h).filter((call) => call.orderReference === quiet.orderReference)).toEqual([]);
    expect(h.eventsOf(quiet.id, 'payment.succeeded')).toHaveLength(1);
    expect(errors).toEqual([]);
  });

  it('a push that ended unclear is settled by its row when ClickPesa has it, and asked about by reference when not', async () => {
    h = await startPollerHarness({ sandbox: { approveDelayMs: 600_000 } });
    const { poller, service } = h.addInstance();
    await proveTheOrder(h, service);
    await h.runFor(16_000, 1_000, () => poller.pollOnce());
    // created at ClickPesa, but the answer is cut; then one that never reached ClickPesa
    h.sb.fault({ endpoint: 'initiate', kind: 'reset', when: 'after' });
    await h.initiate(service, 1).catch(() => null);
    h.sb.fault({ endpoint: 'initiate', kind: 'reset', when: 'before' });
    await h.initiate(service, 1).catch(() => null);
    const unclear = (await h.store.listPayments({ ownerId: 'owner-1', limit: 100 })).filter(
      (p) => p.initiateOutcome === 'unknown',
    );
    expect(unclear).toHaveLength(2);
    const created = unclear.find((p) => h!.sb.getPayment(p.orderReference) !== undefined);
    const lost = unclear.find((p) => p !== created);
    expect(created).toBeDefined();
    await h.runFor(20_000, 1_000, () => poller.pollOnce());
    // its row on the feed told us ClickPesa has it; the other is not on the pages, which proves nothing
    expect((await h.store.getPayment(created!.id))!.initiateOutcome).toBe('accepted');
    expect(queries(h).some((call) => call.orderReference === lost!.orderReference)).toBe(true);
    expect((await h.store.getPayment(lost!.id))!.initiateOutcome).not.toBe('accepted');
  });

  it('ClickPesa ignoring sortBy=updatedAt: the poller sees rows out of order, says so once, and pages by creation time', async () => {
    h = await startPollerHarness({ sandbox: { approveDelayMs: 600_000, ignoreSortBy: true } });
    const { poller, service, errors } = h.addInstance();
    const payments = await proveTheOrder(h, service);
    const more: PaymentRecord[] = [];
    for (let i = 0; i < 4; i++) more.push(await h.initiate(service, 1));
    await h.runFor(16_000, 1_000, () => poller.pollOnce());
    expect(errors.map((e) => e.message)).toEqual([
      'ClickPesa did not sort GET /payments/all by updatedAt: list sweeps page by creation time from now on',
    ]);
    for (const p of [...payments.slice(1), ...more]) h.sb.setStatus(p.orderReference, 'SUCCESS');
    const listsBefore = lists(h).length;
    await h.runFor(30_000, 1_000, () => poller.pollOnce());
    expect(await statuses(h, [...payments, ...more])).toEqual([...payments, ...more].map(() => 'success'));
    expect(
      lists(h)
        .slice(listsBefore)
        .every((call) => call.url.includes('sortBy=createdAt')),
    ).toBe(true);
    expect(errors).toHaveLength(1);
  });

  it('until a page proves the order (a row out of creation order), every read goes down to the oldest due payment', async () => {
    h = await startPollerHarness({ sandbox: { approveDelayMs: 600_000 } });
    const { poller, service } = h.addInstance({ listPageSize: 2 });
    const payments: PaymentRecord[] = [];
    for (let i = 0; i < 5; i++) {
      payments.push(await h.initiate(service, 1));
      await h.advance(100);
    }
    // checks at 15 s and at 25 s; nothing changes at ClickPesa, so no page ever shows a row out of order
    await h.runFor(26_000, 1_000, () => poller.pollOnce());
    const rows = await Promise.all(payments.map(async (p) => (await h!.store.getPayment(p.id))!));
    expect(rows.map((row) => row.pollCount)).toEqual([2, 2, 2, 2, 2]);
    // both sweeps read all five rows (3 pages of 2): the second could not take "not on the page" for "unchanged"
    expect(pagesPerSweep(h)).toEqual([3, 3]);
    expect(queries(h)).toEqual([]);
  });
});
