import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateOrderReference } from '../../src/domain/order-reference.js';
import type { PaymentRecord } from '../../src/domain/payment.js';
import { paymentRecord } from '../http/fake-service.js';
import { type KitFixture, SENTINELS, startKit } from './fixture.js';

/**
 * The reconciliation report against the sandbox over real HTTP, with a seeded mismatch of each kind: a record
 * only ClickPesa has, states that differ (open here: safe to correct; final here: never touched), and an
 * amount that differs. Every one is found; `apply` corrects only the safe ones, through the one write path.
 */

let f: KitFixture;
let phoneSeq = 0;
function phone(lastDigit: number): string {
  phoneSeq += 1;
  return `2557${String(10_005_000 + phoneSeq * 10 + lastDigit).slice(-8)}`;
}

async function push(lastDigit: number, amount = 1000): Promise<PaymentRecord> {
  const response = await f.call('POST', '/payments', {
    json: { amount, currency: 'TZS', msisdn: phone(lastDigit), customer_name: 'Reconcile Test' },
  });
  expect(response.status, response.text).toBe(201);
  const id = (response.body.data as { id: string }).id;
  return (await f.store.getPayment(id))!;
}

/** Asks the status route until the payment reaches `status` (the sandbox answers after 50 ms). */
async function settle(id: string, status: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const response = await f.call('GET', `/payments/${id}/status`);
    if ((response.body.data as { status: string }).status === status) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`payment ${id} never became ${status}`);
}

interface Seeded {
  since: Date;
  missing: string;
  openToSuccess: PaymentRecord;
  openToFailed: PaymentRecord;
  finalFailedButPaid: PaymentRecord;
  finalSuccessButFailed: PaymentRecord;
  amountDiffers: PaymentRecord;
  agreeing: PaymentRecord;
}

async function seed(): Promise<Seeded> {
  const since = new Date(Date.now() - 60_000);
  // at ClickPesa only
  const missing = generateOrderReference();
  f.sandbox.seedPayment({ orderReference: missing, amount: '2500', status: 'SUCCESS' });
  // open here (no answer from the customer yet), settled at ClickPesa: safe corrections
  const openToSuccess = await push(7);
  f.sandbox.setStatus(openToSuccess.orderReference, 'SUCCESS');
  const openToFailed = await push(7);
  f.sandbox.setStatus(openToFailed.orderReference, 'FAILED', 'Insufficient balance');
  // final here, another state at ClickPesa: never corrected by the report
  const finalFailedButPaid = await push(5);
  await settle(finalFailedButPaid.id, 'failed');
  // the sandbox's webhook for the rejection is confirmed by a query: let it finish before ClickPesa changes its mind
  await f.sandbox.webhooksIdle();
  f.sandbox.setStatus(finalFailedButPaid.orderReference, 'SUCCESS');
  const finalSuccessButFailed = await push(0);
  f.sandbox.approve(finalSuccessButFailed.orderReference);
  await settle(finalSuccessButFailed.id, 'success');
  await f.sandbox.webhooksIdle();
  f.sandbox.setStatus(finalSuccessButFailed.orderReference, 'FAILED');
  // same state, another amount: ClickPesa collected 1200 for our 1000
  const reference = generateOrderReference();
  const amountDiffers = paymentRecord({
    ownerId: 'alice',
    orderReference: reference,
    orderReferences: [reference],
    status: 'success',
    amount: '1000.00',
    createdAt: new Date(),
    attemptStartedAt: new Date(),
  });
  await f.store.createPayment({ payment: amountDiffers });
  f.sandbox.seedPayment({ orderReference: reference, amount: '1200', status: 'SUCCESS' });
  const agreeing = await push(1);
  f.sandbox.approve(agreeing.orderReference);
  await settle(agreeing.id, 'success');
  await f.sandbox.webhooksIdle();
  return {
    since,
    missing,
    openToSuccess,
    openToFailed,
    finalFailedButPaid,
    finalSuccessButFailed,
    amountDiffers,
    agreeing,
  };
}

describe('reconciliation report against the sandbox', () => {
  let s: Seeded;
  beforeAll(async () => {
    f = await startKit();
    s = await seed();
  });
  afterAll(async () => {
    await f.close();
  });

  const byReference = (report: { mismatches: { orderReference: string; kind: string }[] }, ref: string) =>
    report.mismatches.filter((mismatch) => mismatch.orderReference === ref).map((mismatch) => mismatch.kind);

  it('finds every seeded mismatch and changes nothing without apply', async () => {
    const before = await Promise.all(
      [s.openToSuccess, s.openToFailed].map((payment) => f.store.getPayment(payment.id)),
    );
    const listCalls = f.sandbox.count('list');
    const { report, markdown } = await f.kit.reconcile({ since: s.since, pageSize: 2 });

    expect(report.counts).toEqual({ missing_locally: 1, status_differs: 4, amount_differs: 1, corrected: 0 });
    expect(report.providerRecords).toBe(7);
    expect(report.matched).toBe(1);
    expect(byReference(report, s.missing)).toEqual(['missing_locally']);
    expect(byReference(report, s.openToSuccess.orderReference)).toEqual(['status_differs']);
    expect(byReference(report, s.openToFailed.orderReference)).toEqual(['status_differs']);
    expect(byReference(report, s.finalFailedButPaid.orderReference)).toEqual(['status_differs']);
    expect(byReference(report, s.finalSuccessButFailed.orderReference)).toEqual(['status_differs']);
    expect(byReference(report, s.amountDiffers.orderReference)).toEqual(['amount_differs']);
    expect(byReference(report, s.agreeing.orderReference)).toEqual([]);
    const amount = report.mismatches.find((mismatch) => mismatch.kind === 'amount_differs');
    expect(amount).toMatchObject({ localAmount: '1000.00', providerAmount: '1200', correction: 'none' });

    const corrections = Object.fromEntries(report.mismatches.map((m) => [m.orderReference, m.correction]));
    expect(corrections[s.openToSuccess.orderReference]).toBe('not_requested');
    expect(corrections[s.finalFailedButPaid.orderReference]).toBe('not_safe');
    // 7 records, 2 a page: 4 pages, every one a real call through the client (and its budget)
    expect(report.pages).toBe(4);
    expect(f.sandbox.count('list') - listCalls).toBe(4);
    // ClickPesa's day filter, a day wider on each side; the exact window is kept locally
    const lists = f.sandbox.requests.filter((entry) => entry.endpoint === 'list').slice(-4);
    const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
    for (const entry of lists) {
      const query = new URL(entry.url, 'http://sandbox').searchParams;
      expect(query.get('startDate')).toBe(day(s.since.getTime() - 86_400_000));
      expect(query.get('endDate')).toBe(day(Date.now() + 86_400_000));
      expect(query.get('limit')).toBe('2');
    }
    expect(lists.map((entry) => new URL(entry.url, 'http://sandbox').searchParams.get('skip'))).toEqual([
      '0',
      '2',
      '4',
      '6',
    ]);
    const after = await Promise.all(
      [s.openToSuccess, s.openToFailed].map((payment) => f.store.getPayment(payment.id)),
    );
    expect(after).toEqual(before);

    expect(markdown).toContain('# Reconciliation with ClickPesa');
    expect(markdown).toContain(`| ${s.missing} | - |`);
    expect(markdown).toContain('## Amount differs (1)');
    for (const secret of Object.values(SENTINELS)) {
      expect(markdown).not.toContain(secret);
      expect(JSON.stringify(report)).not.toContain(secret);
    }
  });

  it('with apply, corrects only the open payments; final states stay exactly as they were', async () => {
    const finalBefore = await Promise.all(
      [s.finalFailedButPaid, s.finalSuccessButFailed, s.amountDiffers].map((p) => f.store.getPayment(p.id)),
    );
    f.captured.events.length = 0;
    const { report } = await f.kit.reconcile({ since: s.since, apply: true });

    expect(report.counts.corrected).toBe(2);
    const applied = report.mismatches.filter((mismatch) => mismatch.correction === 'applied');
    expect(applied.map((m) => [m.orderReference, m.statusAfter]).sort()).toEqual(
      [
        [s.openToSuccess.orderReference, 'success'],
        [s.openToFailed.orderReference, 'failed'],
      ].sort(),
    );
    expect((await f.store.getPayment(s.openToSuccess.id))?.status).toBe('success');
    expect((await f.store.getPayment(s.openToFailed.id))?.status).toBe('failed');
    const finalAfter = await Promise.all(
      [s.finalFailedButPaid, s.finalSuccessButFailed, s.amountDiffers].map((p) => f.store.getPayment(p.id)),
    );
    expect(finalAfter).toEqual(finalBefore);
    expect(await f.store.getPaymentByOrderReference(s.missing)).toBeNull();

    // the one write path: stored events with the reconcile source, and the audit trail shows them
    const changes = (await f.store.listEvents(s.openToSuccess.id)).filter(
      (event) => event.type === 'payment.status_changed',
    );
    expect(changes.at(-1)?.data).toMatchObject({ from: 'processing', to: 'success', source: 'reconcile' });
    const trail = await f.kit.audit('alice', s.openToSuccess.id);
    expect(trail.events.map((event) => event.type)).toContain('payment.succeeded');

    // a second run finds them agreeing now
    const again = await f.kit.reconcile({ since: s.since, apply: true });
    expect(again.report.counts).toEqual({
      missing_locally: 1,
      status_differs: 2,
      amount_differs: 1,
      corrected: 0,
    });
  });

  it('copes with short pages: asks again from what it actually received', async () => {
    const client = f.kit.client;
    const asked: number[] = [];
    const short = await startKit({
      store: f.store,
      client: {
        ...client,
        listPayments: async (filters, options) => {
          asked.push(filters?.skip ?? 0);
          const page = await client.listPayments(filters, options);
          return { ...page, data: page.data.slice(0, 3) };
        },
      },
    });
    try {
      const { report } = await short.kit.reconcile({ since: s.since, pageSize: 10 });
      expect(report.providerRecords).toBe(7);
      expect(asked).toEqual([0, 3, 6]);
      expect(report.counts.missing_locally).toBe(1);
    } finally {
      await short.close();
    }
  });

  it('refuses bad options with VALIDATION_ERROR naming them, before calling ClickPesa', async () => {
    const listCalls = f.sandbox.count('list');
    await expect(
      f.kit.reconcile({ since: new Date('nonsense'), pageSize: 0 } as never),
    ).rejects.toMatchObject({
      code: 'VALIDATION_ERROR',
      details: [
        { field: 'since', message: 'must be a valid Date' },
        { field: 'pageSize', message: 'must be an integer from 1 to 500' },
      ],
    });
    await expect(
      f.kit.reconcile({ since: new Date(), until: new Date(Date.now() - 1000) }),
    ).rejects.toMatchObject({
      code: 'VALIDATION_ERROR',
    });
    expect(f.sandbox.count('list')).toBe(listCalls);
  });
});
