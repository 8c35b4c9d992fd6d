import { ACTIVE_STATUSES, type PaymentRecord } from '../domain/payment.js';
import { ClickPesaKitError } from '../errors.js';
import { applyEvidence } from './apply-evidence.js';
import { getOwnedPayment, type ServiceContext } from './context.js';

/**
 * POST /payments/:id/cancel: local only, ClickPesa cannot withdraw a prompt (SM-12). Reconciliation carries
 * on, so a later provider success still wins (success + payment.late_success).
 */
export async function cancelPayment(
  ctx: ServiceContext,
  ownerId: string,
  paymentId: string,
): Promise<PaymentRecord> {
  const payment = await getOwnedPayment(ctx, ownerId, paymentId);
  if (!ACTIVE_STATUSES.has(payment.status)) throw new ClickPesaKitError('CANCEL_NOT_ALLOWED');
  const result = await applyEvidence(ctx, payment.id, { kind: 'cancel' }, { source: 'manual', payment });
  // the payment moved on (e.g. a webhook made it success) between our read and the write
  if (result.payment.status !== 'cancelled') throw new ClickPesaKitError('CANCEL_NOT_ALLOWED');
  return result.payment;
}
