import type { PaymentRecord } from './payment.js';

/** Polling schedule (reliability.md decision f). */
export interface PollSchedule {
  /** First check after initiation. Default 15 s. */
  firstCheckMs: number;
  /** Interval during the active window. Default 10 s. */
  intervalMs: number;
  /** Active window from initiation; at its end a still-open payment becomes failed/timeout. Default 90 s. */
  activeWindowMs: number;
  /** Backoff after the window: base and cap of full-jitter exponential backoff. Defaults 30 s and 6 h. */
  backoffBaseMs: number;
  backoffCapMs: number;
  /** Reconciliation stops this long after initiation. Default 72 h. */
  reconcileForMs: number;
}

export const DEFAULT_POLL_SCHEDULE: Readonly<PollSchedule> = Object.freeze({
  firstCheckMs: 15_000,
  intervalMs: 10_000,
  activeWindowMs: 90_000,
  backoffBaseMs: 30_000,
  backoffCapMs: 6 * 60 * 60_000,
  reconcileForMs: 72 * 60 * 60_000,
});

/** Random number in [0, 1); injectable so tests are deterministic. */
export type Random = () => number;

/**
 * When should the poller next look at this payment, given its state after a check at `now`?
 * `attemptStartedAt` is when the current push was sent (createdAt, or the retry time).
 * Returns null when nothing more is due.
 */
export function nextPollAt(
  payment: Pick<PaymentRecord, 'status' | 'failureReason' | 'pollCount'>,
  attemptStartedAt: Date,
  now: Date,
  random: Random = Math.random,
  schedule: PollSchedule = DEFAULT_POLL_SCHEDULE,
): Date | null {
  const started = attemptStartedAt.getTime();
  const age = now.getTime() - started;
  const reconciling =
    payment.status === 'pending' ||
    payment.status === 'processing' ||
    // a local give-up or not-found keeps being reconciled: a late SUCCESS still wins
    (payment.status === 'failed' && (payment.failureReason === 'timeout' || payment.failureReason === 'not_found')) ||
    payment.status === 'cancelled';
  if (!reconciling || age >= schedule.reconcileForMs) return null;
  if (age < schedule.activeWindowMs && (payment.status === 'pending' || payment.status === 'processing')) {
    const first = started + schedule.firstCheckMs;
    if (now.getTime() < first) return new Date(first);
    const due = Math.min(now.getTime() + schedule.intervalMs, started + schedule.activeWindowMs);
    return new Date(due);
  }
  // after the window: capped exponential backoff with full jitter
  const n = Math.max(0, payment.pollCount);
  const ceiling = Math.min(schedule.backoffCapMs, schedule.backoffBaseMs * 2 ** Math.min(n, 30));
  const delay = Math.max(1_000, Math.floor(random() * ceiling));
  return new Date(Math.min(now.getTime() + delay, started + schedule.reconcileForMs));
}
