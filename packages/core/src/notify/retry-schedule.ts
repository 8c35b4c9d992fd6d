import { ClickPesaKitError } from '../errors.js';

/**
 * Waits between failed sends: exponential-ish, over about two days in total (WH-15: retried for hours
 * to days). After the last one the notification is given up (logged).
 */
export const DEFAULT_CALLBACK_RETRY_DELAYS_MS: readonly number[] = Object.freeze([
  5_000,
  30_000,
  2 * 60_000,
  10 * 60_000,
  60 * 60_000,
  3 * 60 * 60_000,
  6 * 60 * 60_000,
  12 * 60 * 60_000,
  24 * 60 * 60_000,
]);

/** A receiver's Retry-After is honoured up to this much; beyond it the receiver is ignored (and retried). */
export const MAX_RETRY_AFTER_MS = 24 * 60 * 60_000;

/** ±20 %: spreads the retries of a burst that failed together, so a recovering receiver is not hit at once. */
const JITTER = 0.2;

/**
 * The wait before retry number `retry` (0 = first retry), or null when the schedule is used up. A
 * Retry-After longer than the scheduled wait wins (never sooner than the receiver asked).
 */
export function retryDelay(
  retry: number,
  delays: readonly number[],
  random: () => number,
  retryAfterMs?: number,
): number | null {
  const base = delays[retry];
  if (base === undefined) return null;
  const jittered = Math.round(base * (1 - JITTER + 2 * JITTER * random()));
  if (retryAfterMs === undefined) return jittered;
  return Math.max(jittered, Math.min(retryAfterMs, MAX_RETRY_AFTER_MS));
}

export function validateRetryDelays(delays: readonly number[], optionName: string): void {
  if (!Array.isArray(delays) || delays.some((delay) => !Number.isFinite(delay) || delay < 0)) {
    throw new ClickPesaKitError('CONFIG_INVALID', {
      message: `${optionName} must be a list of non-negative numbers of ms`,
    });
  }
}
