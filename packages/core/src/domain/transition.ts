import { amountsEqual } from './amount.js';
import type { EvidenceSource, PaymentEventType } from './event-types.js';
import type { Decision, Evidence } from './evidence.js';
import {
  ACTIVE_STATUSES,
  type FailureReason,
  FINAL_STATUSES,
  type PaymentChanges,
  type PaymentRecord,
  type PaymentStatus,
  type ProviderPayment,
} from './payment.js';
import { mapProviderStatus } from './status-map.js';

/**
 * THE transition function (SM-1; docs/decisions.md, decision a). Every source of evidence (initiate response,
 * query, webhook, poller, local timeout, cancel) goes through `decide`; the caller writes `changes` and
 * `events` with the store's compare-and-set. Pure: no I/O, no clock of its own.
 *
 * Ranks only go up: pending 0 < processing 1 < failed/cancelled 2 < success 3 < reversed 4.
 * The one way "across" is the late success: provider SUCCESS moves failed/cancelled to success.
 * `initiateOutcome`, `nextPollAt` and `pollCount` are the caller's business, not decided here.
 */

export const STATUS_RANK: Readonly<Record<PaymentStatus, number>> = Object.freeze({
  pending: 0,
  processing: 1,
  failed: 2,
  cancelled: 2,
  success: 3,
  reversed: 4,
});

export function rankOf(status: PaymentStatus): number {
  return STATUS_RANK[status];
}

/** success, failed, cancelled, reversed: the customer-facing flow is over (failed/cancelled may still turn success). */
export function isFinal(status: PaymentStatus): boolean {
  return FINAL_STATUSES.has(status);
}

/** Why `decide` changed nothing. */
export type IgnoredReason =
  /** The payment already has this status (or this settlement, or this flag). */
  | 'duplicate'
  /** The evidence points to a lower rank than the payment's. */
  | 'regression'
  /** The rules do not let this evidence act on the current status (e.g. not_found after processing). */
  | 'not_applicable'
  /** An ambiguous initiate outcome: stay pending, reconcile by query. */
  | 'ambiguous'
  /** `not_found` inside the grace period. */
  | 'not_final'
  /** ON-HOLD/unknown status, or an unexpected reversal, while needs_attention is already set. */
  | 'already_flagged'
  /** The provider record names an order reference this payment never used. */
  | 'reference_mismatch'
  /** The evidence only asks for an earlier check (`check_requested`). */
  | 'schedule_only';

/** Why `decide` raised needs_attention. */
export type AttentionReason = 'on_hold' | 'unknown_status' | 'amount_mismatch' | 'unexpected_reversal';

const STATUS_EVENT: Readonly<Record<Exclude<PaymentStatus, 'pending'>, PaymentEventType>> = Object.freeze({
  processing: 'payment.processing',
  success: 'payment.succeeded',
  failed: 'payment.failed',
  cancelled: 'payment.cancelled',
  reversed: 'payment.reversed',
});

/** Sources for which a provider record means "we just asked ClickPesa" (sets lastCheckedAt). */
const ASKED_SOURCES: ReadonlySet<EvidenceSource> = new Set(['initiate', 'query', 'poller', 'reconcile']);

/** Host choices the transition function honours. */
export interface DecideRules {
  /** SM-7: emit `payment.succeeded` even when the collected amount or currency differs [false]. */
  fulfilOnAmountMismatch?: boolean;
}

export function decide(
  payment: PaymentRecord,
  evidence: Evidence,
  now: Date,
  rules: DecideRules = {},
): Decision {
  switch (evidence.kind) {
    case 'provider':
      return decideProvider(payment, evidence.record, evidence.source, now, rules);
    case 'initiate_rejected':
      // Only a push we never saw accepted can be rejected: any provider record already beats the 4xx.
      if (payment.status !== 'pending') return ignoreTowards(payment, 'failed');
      return fail(payment, evidence.reason ?? 'initiation_rejected', evidence.message, now);
    case 'initiate_ambiguous':
      return ignored('ambiguous');
    case 'not_found':
      if (!evidence.final) return ignored('not_final');
      // After a PROCESSING record the payment demonstrably existed; "not found" then is noise.
      if (payment.status !== 'pending') return ignoreTowards(payment, 'failed');
      return fail(payment, 'not_found', 'ClickPesa has no record of this payment', now);
    case 'timeout':
      if (!ACTIVE_STATUSES.has(payment.status)) return ignoreTowards(payment, 'failed');
      return fail(payment, 'timeout', 'No final answer from ClickPesa within the polling window', now);
    case 'cancel':
      if (!ACTIVE_STATUSES.has(payment.status)) return ignoreTowards(payment, 'cancelled');
      return move(payment, 'cancelled', now, {});
    case 'check_requested':
      return ignored('schedule_only');
  }
}

function decideProvider(
  payment: PaymentRecord,
  record: ProviderPayment,
  source: EvidenceSource,
  now: Date,
  rules: DecideRules,
): Decision {
  if (record.orderReference && !usedReference(payment, record.orderReference))
    return ignored('reference_mismatch');
  const mapped = mapProviderStatus(record.status);
  const provider = providerChanges(payment, record, source, now);
  switch (mapped.class) {
    case 'needs_attention':
      return flag(payment, mapped.normalised === 'ON-HOLD' ? 'on_hold' : 'unknown_status', provider, now);
    case 'processing':
      if (payment.status !== 'pending') return ignoreTowards(payment, 'processing');
      return move(payment, 'processing', now, provider);
    case 'failed':
      if (!ACTIVE_STATUSES.has(payment.status)) return ignoreTowards(payment, 'failed');
      return move(payment, 'failed', now, {
        ...provider,
        failureReason: 'provider_failed',
        errorMessage: record.message ?? null,
      });
    case 'reversed':
      if (payment.status === 'success') return move(payment, 'reversed', now, provider);
      if (payment.status === 'reversed') return ignored('duplicate');
      // A reversal of money we never saw arrive: do not guess, ask a human.
      return flag(payment, 'unexpected_reversal', provider, now);
    case 'success':
      return succeed(payment, record, mapped.settled, provider, now, rules);
  }
}

function succeed(
  payment: PaymentRecord,
  record: ProviderPayment,
  settled: boolean,
  provider: PaymentChanges,
  now: Date,
  rules: DecideRules,
): Decision {
  const settles = settled && payment.settledAt === null;
  if (payment.status === 'reversed') return ignored('regression');
  if (payment.status === 'success') {
    // SETTLED after SUCCESS: same status, one more fact (settledAt, once). No status event.
    if (!settles) return ignored('duplicate');
    return { applied: true, changes: { ...provider, settledAt: now, updatedAt: now }, events: [] };
  }
  const extra: PaymentChanges = { ...provider };
  if (settles) extra.settledAt = now;
  if (payment.failureReason !== null) extra.failureReason = null;
  if (payment.errorMessage !== null) extra.errorMessage = null;
  const late = payment.status === 'failed' || payment.status === 'cancelled';
  const mismatch = amountMismatch(payment, record);
  if (mismatch) {
    extra.needsAttention = true;
    extra.amountMismatch = true;
    extra.collectedAmount = record.collectedAmount ?? null;
    extra.collectedCurrency = record.collectedCurrency?.trim().toUpperCase() ?? null;
  }
  const decision = move(payment, 'success', now, extra);
  // The money moved after we had given up (timeout, cancel, provider FAILED): the app decides (SM-5, SM-12).
  if (late) decision.events.push('payment.late_success');
  if (mismatch) {
    // SM-7: success stands (money moved), but nobody should fulfil without looking.
    decision.attentionReason = 'amount_mismatch';
    if (!rules.fulfilOnAmountMismatch) {
      decision.events = decision.events.filter((type) => type !== 'payment.succeeded');
    }
    decision.events.push('payment.amount_mismatch');
    if (!payment.needsAttention) decision.events.push('payment.needs_attention');
  }
  return decision;
}

/** Collected amount or currency differ from what we asked for ("0" included, F5). Absent values are not checked. */
function amountMismatch(payment: PaymentRecord, record: ProviderPayment): boolean {
  if (record.collectedAmount !== undefined && !amountsEqual(payment.amount, record.collectedAmount))
    return true;
  if (
    record.collectedCurrency !== undefined &&
    record.collectedCurrency.trim().toUpperCase() !== payment.currency
  ) {
    return true;
  }
  return false;
}

function fail(payment: PaymentRecord, reason: FailureReason, message: string, now: Date): Decision {
  return move(payment, 'failed', now, { failureReason: reason, errorMessage: message });
}

/** An applied status change: `status_changed` plus the status's own event; completedAt set once. */
function move(
  payment: PaymentRecord,
  to: Exclude<PaymentStatus, 'pending'>,
  now: Date,
  extra: PaymentChanges,
): Decision {
  const changes: PaymentChanges = { ...extra, status: to, updatedAt: now };
  if ((to === 'success' || to === 'failed' || to === 'cancelled') && payment.completedAt === null) {
    changes.completedAt = now;
  }
  return { applied: true, changes, events: ['payment.status_changed', STATUS_EVENT[to]] };
}

/** ON-HOLD, unknown statuses, unexpected reversals: keep the status, raise the flag once (SM-6). */
function flag(
  payment: PaymentRecord,
  reason: AttentionReason,
  provider: PaymentChanges,
  now: Date,
): Decision {
  if (payment.needsAttention) return ignored('already_flagged');
  return {
    applied: true,
    changes: { ...provider, needsAttention: true, updatedAt: now },
    events: ['payment.needs_attention'],
    attentionReason: reason,
  };
}

/** The provider record's own fields: stored record, ClickPesa id, and when we last asked. */
function providerChanges(
  payment: PaymentRecord,
  record: ProviderPayment,
  source: EvidenceSource,
  now: Date,
): PaymentChanges {
  const changes: PaymentChanges = { providerStatus: record };
  if (record.id && record.id !== payment.transactionId) changes.transactionId = record.id;
  if (ASKED_SOURCES.has(source)) changes.lastCheckedAt = now;
  return changes;
}

function usedReference(payment: PaymentRecord, reference: string): boolean {
  const wanted = reference.trim().toUpperCase();
  return (
    payment.orderReference.toUpperCase() === wanted ||
    payment.orderReferences.some((used) => used.toUpperCase() === wanted)
  );
}

/** Names why evidence aiming at `target` does not apply to the payment's current status. */
function ignoreTowards(payment: PaymentRecord, target: PaymentStatus): Decision {
  const current = rankOf(payment.status);
  const wanted = rankOf(target);
  if (current > wanted) return ignored('regression');
  if (current === wanted) return ignored('duplicate');
  return ignored('not_applicable');
}

function ignored(reason: IgnoredReason): Decision {
  return { applied: false, changes: {}, events: [], ignoredReason: reason };
}
