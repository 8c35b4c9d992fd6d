import { checkBy } from './check-by.js';
import { getOwnedPayment, type ServiceContext } from './context.js';
import { isOpen, isStale, withFreshness } from './freshness.js';
import type { StatusResult } from './types.js';

/**
 * The status route when a poller runs: the answer comes from the store, never from a ClickPesa call made for
 * this request, so it is as fast as a read whatever ClickPesa does. A reader of an open payment whose last
 * check is older than `statusRefreshMs` is demand: the payment's next check moves to now, in the store, so
 * the poller of any instance serves it with its next sweep (one call however many readers ask). The answer
 * says how fresh it is (`checkedAt`) and when to look again (`pollAfterMs`).
 */
export async function readStatusFromStore(
  ctx: ServiceContext,
  ownerId: string,
  paymentId: string,
): Promise<StatusResult> {
  let payment = await getOwnedPayment(ctx, ownerId, paymentId);
  if (isOpen(payment) && isStale(ctx, payment)) {
    payment = (await checkBy(ctx, payment.id, ctx.clock.now(), 'query', payment)) ?? payment;
  }
  return withFreshness(ctx, payment, payment.providerStatus);
}
