import { ACTIVE_STATUSES, type PaymentRecord, type ProviderPayment } from '../domain/payment.js';
import { nextPollAt } from '../domain/schedule.js';
import { isClickPesaKitError } from '../errors.js';
import type { PaymentChanges } from '../store/contract.js';
import { applyEvidence } from './apply-evidence.js';
import { describeError } from './audit.js';
import { checkBy } from './check-by.js';
import { fromStore, isStoreFailure, type ServiceContext } from './context.js';
import { applyObserved, applyUnchanged } from './feed-evidence.js';
import type { Reconciler } from './reconciler.js';
import { applyQueried, queryAndApply } from './refresh.js';

const MAX_ROUNDS = 5;

/**
 * What the poller drives (CS-2, SM-4, SM-11): ask ClickPesa about a claimed payment, apply the answer with
 * the lease token as fence, count the check, schedule the next one and free the lease. A ClickPesa failure
 * only reschedules (no state change); only store errors escape.
 */
export function createReconciler(ctx: ServiceContext): Reconciler {
  /** Loads the claimed payment, applies what `check` learns, and turns a ClickPesa failure into a reschedule. */
  const run = async (
    paymentId: string,
    leaseToken: number,
    check: (payment: PaymentRecord) => Promise<{ payment: PaymentRecord; stale: boolean }>,
  ): Promise<void> => {
    const payment = await fromStore(() => ctx.store.getPayment(paymentId));
    if (payment === null) return;
    try {
      const outcome = await check(payment);
      if (!outcome.stale) await timeOutIfWindowOver(ctx, outcome.payment);
    } catch (error) {
      if (isStoreFailure(error)) throw error;
      await rescheduleAfterError(ctx, payment, leaseToken, error);
    }
  };

  const reconcile: Reconciler['reconcile'] = (paymentId, leaseToken, options = {}) =>
    run(paymentId, leaseToken, (payment) =>
      queryAndApply(ctx, payment, {
        priority: options.priority ?? 'background',
        source: 'poller',
        ...(options.signal ? { signal: options.signal } : {}),
        ...pollWrite(leaseToken),
      }),
    );

  const applyListed: Reconciler['applyListed'] = (paymentId, leaseToken, record: ProviderPayment) =>
    run(paymentId, leaseToken, (payment) =>
      record.orderReference === payment.orderReference
        ? applyQueried(ctx, payment, record, { source: 'poller', ...pollWrite(leaseToken) })
        : // a record for an earlier attempt says nothing about the current one: ask about the current one
          queryAndApply(ctx, payment, { priority: 'background', source: 'poller', ...pollWrite(leaseToken) }),
    );

  return {
    reconcile,
    applyListed,
    applyObserved: (record) => applyObserved(ctx, record),
    applyUnchanged: (paymentId, leaseToken) =>
      run(paymentId, leaseToken, (payment) => applyUnchanged(ctx, payment, leaseToken)),
    checkBy: async (paymentId, at) => {
      await checkBy(ctx, paymentId, at);
    },
  };
}

/** Every poller write is fenced by the lease, counts the check, reschedules and frees the lease. */
function pollWrite(leaseToken: number) {
  return {
    leaseToken,
    releaseLease: true,
    reschedule: true,
    bookkeeping: (current: PaymentRecord): PaymentChanges => ({ pollCount: current.pollCount + 1 }),
  };
}

/**
 * The active window is over and the payment is still open: the local timeout (failed/timeout, SM-4),
 * after which backoff reconciliation continues and a later success still wins.
 */
async function timeOutIfWindowOver(ctx: ServiceContext, payment: PaymentRecord): Promise<void> {
  if (!ACTIVE_STATUSES.has(payment.status)) return;
  const windowEnd = payment.attemptStartedAt.getTime() + ctx.options.schedule.activeWindowMs;
  if (ctx.clock.now().getTime() < windowEnd) return;
  // no lease token: ours was just released; compare-and-set on the version still guards the write
  await applyEvidence(
    ctx,
    payment.id,
    { kind: 'timeout' },
    {
      source: 'timeout',
      payment,
      orderReference: payment.orderReference,
    },
  );
}

/** ClickPesa could not be asked: no state change, just the next check later (the schedule backs off). */
async function rescheduleAfterError(
  ctx: ServiceContext,
  payment: PaymentRecord,
  leaseToken: number,
  error: unknown,
): Promise<void> {
  ctx.logger.warn({ paymentId: payment.id, leaseToken, err: describeError(error) }, 'reconcile query failed');
  let current: PaymentRecord | null = payment;
  for (let round = 0; round < MAX_ROUNDS && current !== null; round++) {
    const now = ctx.clock.now();
    const pollCount = current.pollCount + 1;
    const scheduled = nextPollAt(
      { ...current, pollCount },
      current.attemptStartedAt,
      now,
      ctx.options.random,
      ctx.options.schedule,
    );
    const retryAfterMs = isClickPesaKitError(error) ? error.retryAfterMs : undefined;
    const changes: PaymentChanges = { pollCount, updatedAt: now, nextPollAt: scheduled };
    if (
      scheduled !== null &&
      retryAfterMs !== undefined &&
      scheduled.getTime() < now.getTime() + retryAfterMs
    ) {
      changes.nextPollAt = new Date(now.getTime() + retryAfterMs);
    }
    const version: number = current.version;
    const result = await fromStore(() =>
      ctx.store.transition({
        paymentId: payment.id,
        expectedVersion: version,
        changes,
        leaseToken,
        releaseLease: true,
      }),
    );
    if (result.applied || result.reason !== 'version_conflict') return;
    current = result.payment;
  }
}
