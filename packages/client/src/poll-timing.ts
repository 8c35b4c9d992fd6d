import type { PaymentResponse } from './types.js';

/**
 * When `waitForPayment` looks (again) while it polls the status route. The server says when a new read may
 * tell more (`poll_after_ms`, or `Retry-After`); the client follows it within sane bounds. A server that
 * sends no hint gets the guide's fixed interval.
 */

/** The first look: soon, since a server that answers from its store makes reads cheap (the guide: 15 s). */
export const DEFAULT_FIRST_LOOK_MS = 2_000;
/** Between looks when the server gives no hint (the guide). */
export const DEFAULT_INTERVAL_MS = 10_000;
/** A hint is followed within these bounds: never a busy loop, never a minutes-long silence. */
export const MIN_HINT_MS = 500;
export const MAX_HINT_MS = 60_000;

/** The wait before the next look after an answer: the server's hint when it sent one, else `intervalMs`. */
export function nextLookMs(answer: Pick<PaymentResponse, 'pollAfterMs'>, intervalMs: number): number {
  const hint = answer.pollAfterMs;
  if (typeof hint !== 'number' || !Number.isFinite(hint)) return intervalMs;
  return Math.min(MAX_HINT_MS, Math.max(MIN_HINT_MS, hint));
}
