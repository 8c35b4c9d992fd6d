import type { PaymentRecord } from './payment.js';
import { mapProviderStatus } from './status-map.js';

/** Polling schedule (docs/decisions.md, decision f). */
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

/** The shortest delay the backoff phase ever returns, so a payment never becomes due again at once. */
const MIN_BACKOFF_DELAY_MS = 1_000;

/** Completes a partial schedule with the defaults and rejects values that would make polling spin. */
export function resolvePollSchedule(overrides: Partial<PollSchedule> = {}): PollSchedule {
  const schedule = { ...DEFAULT_POLL_SCHEDULE, ...withoutUndefined(overrides) };
  for (const [name, value] of Object.entries(schedule)) {
    if (!Number.isFinite(value) || value <= 0)
      throw new RangeError(`poll schedule ${name} must be a positive number`);
  }
  if (schedule.backoffCapMs < schedule.backoffBaseMs)
    throw new RangeError('poll schedule backoffCapMs < backoffBaseMs');
  return schedule;
}

/** Is this payment still worth asking ClickPesa about (before the reconciliation horizon)? */
export function isReconcilable(
  payment: Pick<PaymentRecord, 'status' | 'failureReason'> & {
    providerStatus?: PaymentRecord['providerStatus'];
  },
): boolean {
  switch (payment.status) {
    case 'pending':
    case 'processing':
      return true;
    case 'cancelled':
      // local cancel: a provider SUCCESS still wins (SM-12), until ClickPesa reports the attempt failed; then
      // nothing is left to learn, and the phone number is free again (SM-14)
      return !(payment.providerStatus && mapProviderStatus(payment.providerStatus.status).class === 'failed');
    case 'failed':
      // a local give-up or not-found keeps being reconciled: a late SUCCESS still wins (SM-4)
      return payment.failureReason === 'timeout' || payment.failureReason === 'not_found';
    default:
      return false;
  }
}

/**
 * When should the poller next look at this payment, given its state after a check at `now`?
 * `attemptStartedAt` is when the current push was sent (createdAt, or the retry time).
 * Returns null when nothing more is due.
 *
 * Active window (pending/processing): first check at `firstCheckMs`, then every `intervalMs`, with one last
 * check exactly at the window's end (where the service applies the local timeout). After the window:
 * capped exponential backoff with full jitter (AWS "Exponential Backoff and Jitter"), the exponent derived
 * from the time since the window ended rather than a counter, so missed or extra checks cannot skew it,
 * and a final check at the reconciliation horizon.
 */
export function nextPollAt(
  payment: Pick<PaymentRecord, 'status' | 'failureReason' | 'pollCount'> & {
    providerStatus?: PaymentRecord['providerStatus'];
  },
  attemptStartedAt: Date,
  now: Date,
  random: Random = Math.random,
  schedule: PollSchedule = DEFAULT_POLL_SCHEDULE,
): Date | null {
  const started = attemptStartedAt.getTime();
  const at = now.getTime();
  const horizon = started + schedule.reconcileForMs;
  if (!isReconcilable(payment) || at >= horizon) return null;

  const windowEnd = started + schedule.activeWindowMs;
  const open = payment.status === 'pending' || payment.status === 'processing';
  if (open && at < windowEnd) {
    const first = started + schedule.firstCheckMs;
    if (at < first) return new Date(Math.min(first, windowEnd));
    return new Date(Math.min(at + schedule.intervalMs, windowEnd));
  }

  const sinceWindow = Math.max(0, at - windowEnd);
  // n-th doubling reached: base·(2^n − 1) ≤ sinceWindow
  const step = Math.floor(Math.log2(1 + sinceWindow / schedule.backoffBaseMs));
  const ceiling = Math.min(schedule.backoffCapMs, schedule.backoffBaseMs * 2 ** Math.min(step, 40));
  const delay = Math.max(MIN_BACKOFF_DELAY_MS, Math.floor(clampUnit(random()) * ceiling));
  return new Date(Math.min(at + delay, horizon));
}

function clampUnit(value: number): number {
  if (!Number.isFinite(value) || value < 0) return 0;
  return value >= 1 ? 1 - Number.EPSILON : value;
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
