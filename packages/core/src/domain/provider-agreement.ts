import { ACTIVE_STATUSES, type PaymentRecord, type ProviderPayment } from './payment.js';
import { mapProviderStatus } from './status-map.js';

/**
 * Whether our status says the same as ClickPesa's record (the reconciliation report's "state differs").
 * An open payment agrees with PROCESSING/PENDING; a cancelled one with FAILED too (no money moved either
 * way); ON-HOLD and unknown statuses agree only with a payment already flagged for a person.
 */
export function statusAgrees(
  payment: Pick<PaymentRecord, 'status' | 'needsAttention'>,
  record: Pick<ProviderPayment, 'status'>,
): boolean {
  const mapped = mapProviderStatus(record.status);
  switch (mapped.class) {
    case 'processing':
      return ACTIVE_STATUSES.has(payment.status);
    case 'success':
      return payment.status === 'success';
    case 'failed':
      return payment.status === 'failed' || payment.status === 'cancelled';
    case 'reversed':
      return payment.status === 'reversed';
    case 'needs_attention':
      return payment.needsAttention;
  }
}

/**
 * The one correction the reconciliation report may make by itself: an open (pending/processing) payment whose
 * current attempt ClickPesa reports with a known status. Final states are never touched from here.
 */
export function isSafeCorrection(
  payment: Pick<PaymentRecord, 'status' | 'orderReference'>,
  record: Pick<ProviderPayment, 'status' | 'orderReference'>,
): boolean {
  return (
    ACTIVE_STATUSES.has(payment.status) &&
    payment.orderReference === record.orderReference &&
    mapProviderStatus(record.status).known
  );
}
