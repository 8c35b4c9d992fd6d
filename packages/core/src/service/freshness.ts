import { ACTIVE_STATUSES, type PaymentRecord } from '../domain/payment.js';
import type { ServiceContext } from './context.js';
import type { StatusResult } from './types.js';

/** The shortest `poll_after_ms` the status route hands out: a check the reader asked for takes about this long. */
export const MIN_POLL_AFTER_MS = 1_000;

/** True when the payment's last ClickPesa check is older than `statusRefreshMs` (or there was none). */
export function isStale(ctx: ServiceContext, payment: PaymentRecord): boolean {
  if (payment.lastCheckedAt === null) return true;
  return ctx.clock.now().getTime() - new Date(payment.lastCheckedAt).getTime() >= ctx.options.statusRefreshMs;
}

/** An open payment: someone waiting for it may still see it change. */
export function isOpen(payment: PaymentRecord): boolean {
  return ACTIVE_STATUSES.has(payment.status);
}

/** A status answer with how fresh it is (`checkedAt`) and when to look again (`pollAfterMs`). */
export function withFreshness(
  ctx: ServiceContext,
  payment: PaymentRecord,
  providerStatus: StatusResult['providerStatus'],
): StatusResult {
  return {
    payment,
    providerStatus,
    checkedAt: payment.lastCheckedAt === null ? null : new Date(payment.lastCheckedAt),
    pollAfterMs: pollAfterMs(ctx, payment),
  };
}

/**
 * When a new read may tell more: never for a final payment; for an open one, once its last check turns stale
 * (when the next read asks for a new check), but not sooner than such a check takes.
 */
export function pollAfterMs(ctx: ServiceContext, payment: PaymentRecord): number | null {
  if (!isOpen(payment)) return null;
  const checkedAt = payment.lastCheckedAt === null ? null : new Date(payment.lastCheckedAt).getTime();
  const untilStale =
    checkedAt === null ? 0 : checkedAt + ctx.options.statusRefreshMs - ctx.clock.now().getTime();
  return Math.max(MIN_POLL_AFTER_MS, Math.ceil(untilStale));
}
