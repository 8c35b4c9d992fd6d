import type { ProviderPayment } from '../domain/payment.js';

/**
 * Where the service and the poller meet. The poller calls the service through this interface (the service
 * implements it); the service never calls the poller. To have a payment checked sooner, the service moves
 * the payment's `nextPollAt` forward in the store, which is what the poller claims by.
 */
export interface Reconciler {
  /**
   * Asks ClickPesa about one claimed payment (query by its current order reference) and applies the answer
   * through the transition function with the lease token as fence, rescheduling `nextPollAt` and freeing the lease.
   */
  reconcile(
    paymentId: string,
    leaseToken: number,
    /** `signal` aborts the query (and its wait in the budget) before the lease runs out. */
    options?: { priority?: 'user' | 'background'; signal?: AbortSignal },
  ): Promise<void>;
  /** Applies already-known provider records (from `GET /payments/all`) to claimed payments the same way. */
  applyListed(paymentId: string, leaseToken: number, record: ProviderPayment): Promise<void>;
  /**
   * A row of ClickPesa's change feed about a payment the poller does not hold: applied by compare-and-set
   * (no lease). Rejects only when the store failed.
   */
  applyObserved(record: ProviderPayment): Promise<void>;
  /** The change feed showed no change for this claimed payment: a check without a call (counted, rescheduled, freed). */
  applyUnchanged(paymentId: string, leaseToken: number): Promise<void>;
  /** Moves the payment's next check forward to `at` (never later); an unknown payment is ignored. */
  checkBy(paymentId: string, at: Date): Promise<void>;
}
