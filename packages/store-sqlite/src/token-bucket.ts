/** One bucket's stored state: fractional tokens left, as of `updatedAt` (epoch ms). */
export interface BucketState {
  tokens: number;
  updatedAt: number;
}

/**
 * Refills `state` up to `now` (capacity per interval, never above capacity, never backwards in time),
 * then takes one token if there is one. `waitMs` is 0 when granted, otherwise the time until one is.
 */
export function takeToken(
  state: BucketState | undefined,
  capacity: number,
  intervalMs: number,
  now: number,
): { next: BucketState; waitMs: number } {
  const ratePerMs = capacity / intervalMs;
  const from = state ?? { tokens: capacity, updatedAt: now };
  const elapsed = Math.max(0, now - from.updatedAt);
  const tokens = Math.min(capacity, from.tokens + elapsed * ratePerMs);
  const updatedAt = Math.max(now, from.updatedAt);
  if (tokens >= 1) return { next: { tokens: tokens - 1, updatedAt }, waitMs: 0 };
  return { next: { tokens, updatedAt }, waitMs: Math.max(1, Math.ceil((1 - tokens) / ratePerMs)) };
}
