/**
 * The per-process rate limit: at most `limit` grants in any sliding `windowMs` (so a provider counting the
 * same way never sees more), and grants spaced at `windowMs / limit` once `burst` back-to-back grants are
 * spent (so a backlog drains at the budget's rate instead of as one burst).
 */
export interface RateWindow {
  /** Earliest time (ms) at or after `now` when a grant is allowed. */
  readyAt(now: number): number;
  /** Records a grant at `now` (call only when `readyAt(now) <= now`). */
  take(now: number): void;
}

export function createRateWindow(options: { limit: number; windowMs: number; burst: number }): RateWindow {
  const { limit, windowMs } = options;
  const burst = Math.max(1, Math.min(options.burst, limit));
  const spacingMs = windowMs / limit;
  // grant times inside the last window, oldest first
  const grants: number[] = [];
  let tokens = burst;
  let refilledAt: number | null = null;

  const refill = (now: number) => {
    if (refilledAt === null) refilledAt = now;
    if (now > refilledAt) {
      tokens = Math.min(burst, tokens + (now - refilledAt) / spacingMs);
      refilledAt = now;
    }
  };
  const forget = (now: number) => {
    // a grant at g counts while now < g + windowMs
    while (grants.length > 0 && grants[0]! + windowMs <= now) grants.shift();
  };

  return {
    readyAt(now) {
      refill(now);
      forget(now);
      const bucketReady = tokens >= 1 ? now : now + Math.ceil((1 - tokens) * spacingMs);
      const windowReady = grants.length < limit ? now : grants[grants.length - limit]! + windowMs;
      return Math.max(bucketReady, windowReady);
    },
    take(now) {
      refill(now);
      tokens = Math.max(0, tokens - 1);
      grants.push(now);
      if (grants.length > limit) grants.splice(0, grants.length - limit);
    },
  };
}
