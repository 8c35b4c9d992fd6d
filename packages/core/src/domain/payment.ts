/** Public payment statuses (see docs/statuses-and-events.md). */
export const PAYMENT_STATUSES = [
  'pending',
  'processing',
  'success',
  'failed',
  'cancelled',
  'reversed',
] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

/** Statuses after which the customer-facing flow is over (reconciliation may still move failed/cancelled). */
export const FINAL_STATUSES: ReadonlySet<PaymentStatus> = new Set([
  'success',
  'failed',
  'cancelled',
  'reversed',
]);

/** Statuses of a payment still in flight: it holds its MSISDN (another push to the number waits) and is polled. */
export const ACTIVE_STATUSES: ReadonlySet<PaymentStatus> = new Set(['pending', 'processing']);

/** Why a payment is `failed`, when it is. */
export type FailureReason =
  | 'provider_failed' // ClickPesa said FAILED
  | 'initiation_rejected' // ClickPesa rejected the push request (4xx)
  | 'not_sent' // the push was certainly never sent (ClickPesa unreachable, rate limited or paused before sending)
  | 'timeout' // our active polling window ran out; reconciliation continues
  | 'not_found'; // ClickPesa never showed the order reference after the grace period

/** Wallet operators ClickPesa pushes to. TIGO is Mixx by Yas. */
export type Operator = 'VODACOM' | 'AIRTEL' | 'TIGO' | 'HALOPESA' | 'TTCL';

/** How the initiate call ended, as far as we know. */
export type InitiateOutcome = 'not_sent' | 'accepted' | 'rejected' | 'unknown';

/**
 * ClickPesa's record for one order reference, as returned by the query, initiate and webhook payloads
 * after normalisation (`collectedAmount` always a string; unknown statuses kept as raw strings).
 */
export interface ProviderPayment {
  id: string | null;
  status: string;
  orderReference: string;
  channel?: string;
  collectedAmount?: string;
  collectedCurrency?: string;
  message?: string;
  paymentReference?: string;
  paymentPhoneNumber?: string;
  createdAt?: string;
  updatedAt?: string;
  clientId?: string;
}

/** The stored payment. Field names are camelCase here; the HTTP layer renders snake_case. */
export interface PaymentRecord {
  id: string;
  ownerId: string;
  /** Current order reference (one per attempt; `PAY` + 12 uppercase hex). */
  orderReference: string;
  /** Every order reference this payment has used, oldest first (the current one last). */
  orderReferences: string[];
  /** ClickPesa's `id` for the current attempt. */
  transactionId: string | null;
  status: PaymentStatus;
  /** Decimal string, two places: "1000.00". */
  amount: string;
  currency: 'TZS';
  /** Normalised `255XXXXXXXXX`. */
  msisdn: string;
  provider: Operator;
  customerName: string | null;
  metadata: Record<string, string | number | boolean | null> | null;
  externalOrderId: string | null;
  errorMessage: string | null;
  failureReason: FailureReason | null;
  needsAttention: boolean;
  /**
   * SM-7: ClickPesa reported collecting another amount or currency than this payment asked for. The
   * payment still succeeds (money moved), but `payment.succeeded` waits for a person unless the kit's
   * `fulfilOnAmountMismatch` is on.
   */
  amountMismatch: boolean;
  /** The amount ClickPesa reported collecting ("19000.00"), kept when it differs from `amount`; else null. */
  collectedAmount: string | null;
  /** The currency ClickPesa reported, kept when it differs from `currency`; else null. */
  collectedCurrency: string | null;
  /** Number of push attempts made (1 after the first initiate, +1 per retry). */
  attempts: number;
  /** When the current attempt's push was sent (creation, or the latest retry): the poll schedule counts from it. */
  attemptStartedAt: Date;
  initiateOutcome: InitiateOutcome;
  /** ClickPesa's latest record for the current reference (full initiate/query/webhook data). */
  providerStatus: ProviderPayment | null;
  /** Optional app endpoint notified of status changes (WH-15). */
  callbackUrl: string | null;
  /** Optimistic-concurrency version; bumped by every applied transition. */
  version: number;
  createdAt: Date;
  updatedAt: Date;
  completedAt: Date | null;
  settledAt: Date | null;
  /** When ClickPesa was last asked about this payment (query or initiate). */
  lastCheckedAt: Date | null;
  /** When the poller should next look at this payment; null when nothing is due (success/reversed). */
  nextPollAt: Date | null;
  /** How many reconciliation checks the poller has made for the current attempt. */
  pollCount: number;
  /** When `payment.stuck` was emitted for this payment, if it was. */
  stuckNotifiedAt: Date | null;
}

/** Fields a transition may change. `id`, `ownerId`, `createdAt` and `version` are never changed by callers. */
export type PaymentChanges = Partial<
  Omit<PaymentRecord, 'id' | 'ownerId' | 'createdAt' | 'version' | 'orderReferences'>
>;
