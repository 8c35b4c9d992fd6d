import type { PaymentRecord } from '../domain/payment.js';
import { ClickPesaKitError } from '../errors.js';

/**
 * ORD-2: the order (owner, `external_order_id`) already has a pending, processing or successful payment. The
 * routes answer 409 ORDER_HAS_ACTIVE_PAYMENT with that payment in `data`, so the client can follow it instead
 * of pushing again.
 */
export class OrderHasActivePaymentError extends ClickPesaKitError {
  /** The payment that holds the order (null when it could not be read back). */
  readonly activePayment: PaymentRecord | null;

  constructor(activePayment: PaymentRecord | null) {
    super('ORDER_HAS_ACTIVE_PAYMENT');
    this.activePayment = activePayment;
  }
}

/** The payment an ORDER_HAS_ACTIVE_PAYMENT error carries, whichever copy of the module threw it. */
export function activePaymentOf(error: unknown): PaymentRecord | null {
  const payment = (error as { activePayment?: unknown } | null)?.activePayment;
  return typeof payment === 'object' && payment !== null ? (payment as PaymentRecord) : null;
}
