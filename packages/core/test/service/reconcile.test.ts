import { describe, expect, it } from 'vitest';
import { callsSince, eventTypes, OTHER_OWNER, OWNER, paymentBody, useHarness } from './harness.js';

const h = useHarness();

describe('status refresh coalescing', () => {
  it('1,000 concurrent status requests for one processing payment make ONE upstream query', async () => {
    const { payment } = await h.service.initiate(OWNER, paymentBody(7));
    h.clock.advance(2_500);
    const results = await Promise.all(
      Array.from({ length: 1_000 }, () => h.service.refreshStatus(OWNER, payment.id)),
    );
    expect(h.calls('query')).toBe(1);
    expect(results.every((result) => result.payment.status === 'processing')).toBe(true);
    expect(results.every((result) => result.providerStatus?.status === 'PROCESSING')).toBe(true);
    // the check is recorded, so the next request within statusRefreshMs asks nobody
    await h.service.refreshStatus(OWNER, payment.id);
    expect(h.calls('query')).toBe(1);
  });

  it('answers with the stored state when ClickPesa cannot be asked', async () => {
    const { payment } = await h.service.initiate(OWNER, paymentBody(7));
    h.clock.advance(2_500);
    h.sb.fault({ endpoint: 'query', kind: 'status', status: 503 });
    const result = await h.service.refreshStatus(OWNER, payment.id);
    expect(result.payment.status).toBe('processing');
    expect(h.calls('query')).toBe(1);
  });
});

describe('another owner', () => {
  it('gets NOT_FOUND from every operation, with zero upstream calls', async () => {
    const { payment } = await h.service.initiate(OWNER, paymentBody(7));
    h.clock.advance(2_500);
    const before = callsSince(h.sb);
    const attempts = [
      h.service.getPayment(OTHER_OWNER, payment.id),
      h.service.refreshStatus(OTHER_OWNER, payment.id),
      h.service.retry(OTHER_OWNER, payment.id),
      h.service.retry(OTHER_OWNER, payment.id, { idempotencyKey: 'k1' }),
      h.service.cancel(OTHER_OWNER, payment.id),
      h.service.getPayment(OWNER, '00000000-0000-4000-8000-000000000000'),
    ];
    for (const attempt of attempts)
      await expect(attempt).rejects.toMatchObject({ code: 'NOT_FOUND', httpStatus: 404 });
    expect(before('*')).toBe(0);
    expect((await h.service.getPayment(OWNER, payment.id)).status).toBe('processing');
  });
});

describe('write-ahead and reconciliation', () => {
  it('a store failure after the push leaves a row the reconciler finds and completes', async () => {
    h.store.failNext('transition');
    const created = new Promise<string>((resolve) =>
      h.events.once('payment.created', (e) => resolve(e.paymentId)),
    );
    await expect(h.service.initiate(OWNER, paymentBody(7))).rejects.toMatchObject({
      code: 'STORE_UNAVAILABLE',
    });
    const paymentId = await created;
    const row = await h.store.getPayment(paymentId);
    expect(row?.status).toBe('pending');
    expect(row?.nextPollAt).not.toBeNull();

    const reconciled = await h.reconcileNow(paymentId);
    expect(reconciled.status).toBe('processing');
    expect(reconciled.transactionId).toBe(h.sb.getPayment(reconciled.orderReference)!.id);
    expect(reconciled.pollCount).toBe(1);
    expect(h.calls('initiate')).toBe(1);
  });

  it('an ambiguous initiate (reset after processing) stays pending, then reconciles to processing; one push', async () => {
    h.sb.fault({ endpoint: 'initiate', kind: 'reset', when: 'after' });
    const pushed = await h.service.initiate(OWNER, paymentBody(7));
    expect(pushed.outcome).toBe('pending');
    expect(pushed.payment.status).toBe('pending');
    expect(pushed.payment.initiateOutcome).toBe('unknown');

    const reconciled = await h.reconcileNow(pushed.payment.id);
    expect(reconciled.status).toBe('processing');
    expect(reconciled.initiateOutcome).toBe('accepted');
    expect(h.calls('initiate')).toBe(1);
    expect(h.calls('query', pushed.payment.orderReference)).toBe(1);
  });

  it('an initiate that never reached ClickPesa: not found stays pending within the grace, then failed/not_found', async () => {
    h.sb.fault({ endpoint: 'initiate', kind: 'reset', when: 'before' });
    const pushed = await h.service.initiate(OWNER, paymentBody(7));
    expect(pushed.payment.status).toBe('pending');

    const early = await h.reconcileNow(pushed.payment.id);
    expect(early.status).toBe('pending');
    h.clock.advance(121_000);
    const late = await h.reconcileNow(pushed.payment.id);
    expect(late.status).toBe('failed');
    expect(late.failureReason).toBe('not_found');
    expect(h.calls('initiate')).toBe(1);
  });

  it('the active window ends: failed/timeout, reconciliation continues, and a late success wins', async () => {
    const { payment } = await h.service.initiate(OWNER, paymentBody(7));
    h.clock.advance(91_000);
    const timedOut = await h.reconcileNow(payment.id);
    expect(timedOut.status).toBe('failed');
    expect(timedOut.failureReason).toBe('timeout');
    expect(timedOut.nextPollAt).not.toBeNull();

    h.sb.approve(payment.orderReference);
    const late = await h.reconcileNow(payment.id);
    expect(late.status).toBe('success');
    expect(late.failureReason).toBeNull();
    expect(eventTypes(h.emitted, payment.id)).toContain('payment.late_success');
    expect(late.nextPollAt).toBeNull();
  });

  it('a ClickPesa error only reschedules: no state change, no throw, the lease is freed', async () => {
    const { payment } = await h.service.initiate(OWNER, paymentBody(7));
    h.sb.fault({ endpoint: 'query', kind: 'status', status: 500, times: 5 });
    const before = await h.store.getPayment(payment.id);
    const after = await h.reconcileNow(payment.id);
    expect(after.status).toBe('processing');
    expect(after.pollCount).toBe(1);
    expect(after.nextPollAt!.getTime()).toBeGreaterThan(before!.nextPollAt!.getTime());
    // freed: the next due claim takes it again
    h.sb.clearFaults();
    expect((await h.reconcileNow(payment.id)).pollCount).toBe(2);
  });

  it('a stale lease (another poller claimed since) writes nothing', async () => {
    const { payment } = await h.service.initiate(OWNER, paymentBody(7));
    h.clock.advance(15_000);
    const [first] = await h.store.claimDue({ now: h.clock.now(), limit: 100, leaseMs: 1, owner: 'a' });
    expect(first?.payment.id).toBeDefined();
    h.clock.advance(10);
    const claims = await h.store.claimDue({ now: h.clock.now(), limit: 100, leaseMs: 60_000, owner: 'b' });
    const second = claims.find((claim) => claim.payment.id === first!.payment.id)!;
    h.sb.approve(payment.orderReference);
    await h.service.reconcile(first!.payment.id, first!.leaseToken);
    const untouched = await h.store.getPayment(first!.payment.id);
    expect(untouched?.pollCount).toBe(0);
    await h.service.reconcile(second.payment.id, second.leaseToken);
    const applied = await h.store.getPayment(second.payment.id);
    expect(applied?.pollCount).toBe(1);
    for (const claim of claims)
      if (claim !== second) await h.store.releaseLease(claim.payment.id, claim.leaseToken);
  });

  it('applyListed applies a record from the list endpoint like a query', async () => {
    const { payment } = await h.service.initiate(OWNER, paymentBody(7));
    h.clock.advance(15_000);
    const claims = await h.store.claimDue({
      now: h.clock.now(),
      limit: 100,
      leaseMs: 60_000,
      owner: 'lister',
    });
    const mine = claims.find((claim) => claim.payment.id === payment.id)!;
    await h.service.applyListed(payment.id, mine.leaseToken, {
      id: 'LISTED1',
      status: 'SUCCESS',
      orderReference: payment.orderReference,
      collectedAmount: '1000',
      collectedCurrency: 'TZS',
    });
    const stored = await h.store.getPayment(payment.id);
    expect(stored?.status).toBe('success');
    expect(stored?.transactionId).toBe('LISTED1');
    expect(h.calls('query')).toBe(0);
    for (const claim of claims)
      if (claim !== mine) await h.store.releaseLease(claim.payment.id, claim.leaseToken);
  });
});
