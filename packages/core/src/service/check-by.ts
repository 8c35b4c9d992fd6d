import type { PaymentRecord } from '../domain/payment.js';
import { applyEvidence } from './apply-evidence.js';
import { fromStore, type ServiceContext } from './context.js';

/**
 * Brings a payment's next poll forward to `at`, so the poller checks it with the next sweep (a webhook's
 * batched confirmation). Written through `applyEvidence` like every other change: compare-and-set, audit row.
 */
export async function checkBy(ctx: ServiceContext, paymentId: string, at: Date): Promise<void> {
  const payment = await fromStore(() => ctx.store.getPayment(paymentId));
  if (payment === null || !needsEarlierCheck(payment, at)) return;
  await applyEvidence(
    ctx,
    paymentId,
    { kind: 'check_requested' },
    {
      source: 'webhook',
      payment,
      // re-checked on every round: a concurrent write may already have scheduled it earlier
      bookkeeping: (current) => (needsEarlierCheck(current, at) ? { nextPollAt: at } : {}),
    },
  );
}

/** A payment with no next poll (final) is scheduled too: the webhook may be about a late change. */
function needsEarlierCheck(payment: PaymentRecord, at: Date): boolean {
  return payment.nextPollAt === null || payment.nextPollAt.getTime() > at.getTime();
}
