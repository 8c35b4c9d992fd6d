/** Payment lifecycle events: stored with the transition (same atomic step), emitted after it applied. */
export const PAYMENT_EVENT_TYPES = [
  'payment.created',
  'payment.status_changed',
  'payment.processing',
  'payment.succeeded',
  'payment.failed',
  'payment.cancelled',
  'payment.reversed',
  'payment.late_success',
  'payment.needs_attention',
  'payment.stuck',
  'payment.amount_mismatch',
] as const;
export type PaymentEventType = (typeof PAYMENT_EVENT_TYPES)[number];

/** Where a piece of provider evidence came from. */
export type EvidenceSource =
  | 'initiate'
  | 'query'
  | 'webhook'
  | 'poller'
  | 'manual'
  | 'timeout'
  /** The reconciliation report's safe corrections (a record from ClickPesa's list). */
  | 'reconcile';
