import type { PaymentRecord, ProviderPayment } from '../domain/payment.js';
import { applyEvidence } from './apply-evidence.js';
import { fromStore, type ServiceContext } from './context.js';
import { checkEarlierAttempt } from './earlier-attempt.js';
import { applyQueried } from './refresh.js';

/**
 * A row of ClickPesa's change feed about a payment the poller does not hold (not due, held elsewhere, or
 * being worked on). Applied without a lease, by compare-and-set like a webhook, because the next read of the
 * feed starts past it. Rows for other apps on the same account, and rows we already know, change nothing.
 */
export async function applyObserved(ctx: ServiceContext, record: ProviderPayment): Promise<void> {
  const payment = await fromStore(() => ctx.store.getPaymentByOrderReference(record.orderReference));
  if (payment === null) return;
  if (payment.orderReference !== record.orderReference) {
    // an earlier attempt of a retried payment: its late success is for a person to look at
    if (!payment.needsAttention) await checkEarlierAttempt(ctx, payment, record);
    return;
  }
  if (alreadyKnown(payment, record)) return;
  await applyQueried(ctx, payment, record, { source: 'poller' });
}

/**
 * The feed showed no change for a claimed payment since the chain of reads began: ClickPesa was asked (the
 * list call) and its answer is the one we hold. Counted as a check, rescheduled, lease freed; no call of its own.
 */
export function applyUnchanged(ctx: ServiceContext, payment: PaymentRecord, leaseToken: number) {
  const now = ctx.clock.now();
  return applyEvidence(
    ctx,
    payment.id,
    { kind: 'check_requested' },
    {
      source: 'poller',
      payment,
      orderReference: payment.orderReference,
      leaseToken,
      releaseLease: true,
      reschedule: true,
      bookkeeping: (current) => ({ lastCheckedAt: now, pollCount: current.pollCount + 1 }),
    },
  );
}

function alreadyKnown(payment: PaymentRecord, record: ProviderPayment): boolean {
  const known = payment.providerStatus;
  return (
    known !== null &&
    known.orderReference === record.orderReference &&
    known.status === record.status &&
    known.updatedAt === record.updatedAt
  );
}
