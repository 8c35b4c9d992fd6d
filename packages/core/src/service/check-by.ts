import type { EvidenceSource } from '../domain/event-types.js';
import type { PaymentRecord } from '../domain/payment.js';
import { applyEvidence } from './apply-evidence.js';
import { fromStore, type ServiceContext } from './context.js';

/**
 * Brings a payment's next poll forward to `at`, so the poller checks it with the next sweep (a webhook's
 * confirmation, a status reader's demand). Written through `applyEvidence` like every other change:
 * compare-and-set, audit row. Returns the payment as it is afterwards (null when it does not exist).
 */
export async function checkBy(
  ctx: ServiceContext,
  paymentId: string,
  at: Date,
  source: EvidenceSource = 'webhook',
  known?: PaymentRecord,
): Promise<PaymentRecord | null> {
  const payment = known ?? (await fromStore(() => ctx.store.getPayment(paymentId)));
  if (payment === null) return null;
  if (!needsEarlierCheck(payment, at)) return payment;
  const result = await applyEvidence(
    ctx,
    paymentId,
    { kind: 'check_requested' },
    {
      source,
      payment,
      // re-checked on every round: a concurrent write may already have scheduled it earlier
      bookkeeping: (current) => (needsEarlierCheck(current, at) ? { nextPollAt: at } : {}),
    },
  );
  // the poller of this process may be idle until its next tick: tell it a check fell due
  ctx.onCheckDue(at);
  return result.payment;
}

/** A payment with no next poll (final) is scheduled too: the webhook may be about a late change. */
function needsEarlierCheck(payment: PaymentRecord, at: Date): boolean {
  return payment.nextPollAt === null || payment.nextPollAt.getTime() > at.getTime();
}
