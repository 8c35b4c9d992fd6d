import type { EvidenceSource, PaymentEventType } from './event-types.js';

import type { PaymentChanges, ProviderPayment } from './payment.js';

/**
 * Everything that can move a payment, as input to the one transition function (`decide` in transition.ts).
 */
export type Evidence =
  /** ClickPesa's record (initiate response, query result already reduced by `pickAuthoritative`, webhook). */
  | { kind: 'provider'; source: Exclude<EvidenceSource, 'manual' | 'timeout'>; record: ProviderPayment }
  /** ClickPesa definitively refused the push (4xx validation). */
  | { kind: 'initiate_rejected'; message: string; reason?: 'initiation_rejected' | 'not_sent' }
  /** The initiate outcome is unknown (timeout, reset, 5xx, malformed 2xx): stays pending, reconciled by query. */
  | { kind: 'initiate_ambiguous'; message: string }
  /** The query found nothing; `final` once the grace period is over (→ failed, not_found). */
  | { kind: 'not_found'; final: boolean }
  /** Our active polling window ended without a provider answer (→ failed, timeout; reconciliation continues). */
  | { kind: 'timeout' }
  /** The owner cancelled locally. */
  | { kind: 'cancel' }
  /** Someone (a webhook) asked for an early check. Changes no status; the caller moves `nextPollAt`. */
  | { kind: 'check_requested' };

/** What the transition function decided; the caller writes it with compare-and-set. */
export interface Decision {
  /** False when nothing changes (duplicate, regression, informational). */
  applied: boolean;
  changes: PaymentChanges;
  /** Event types to store with the transition, in order. */
  events: PaymentEventType[];
  /** Why nothing changed, for the audit log ("regression", "duplicate", "unknown_status", ...). */
  ignoredReason?: string;
  /** Why `needsAttention` was raised by this decision ("on_hold", "unknown_status", "amount_mismatch", ...). */
  attentionReason?: string;
}
