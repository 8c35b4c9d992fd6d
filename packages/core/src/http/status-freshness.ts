import type { StatusResult } from '../service/types.js';
import { formatIso } from './public-payment.js';

/**
 * How live a status answer is: `checked_at` (when ClickPesa was last asked) and `poll_after_ms` (when a new
 * read may tell more), the latter also as `Retry-After` (whole seconds) for clients that only read headers.
 */
export function statusFreshness(result: StatusResult) {
  const pollAfterMs = result.pollAfterMs ?? null;
  const freshness = {
    checked_at: result.checkedAt ? formatIso(result.checkedAt) : null,
    poll_after_ms: pollAfterMs,
  };
  if (pollAfterMs === null) return { freshness };
  return { freshness, headers: { 'retry-after': String(Math.max(1, Math.ceil(pollAfterMs / 1000))) } };
}
