import type { ClickPesaPayments, Clock } from '@clickpesa-kit/core';
import type { BrowserMode } from './scenario.js';

/** What one checkout page does until it knows the payment's outcome; `known(at)` when it sees a success. */
export type BrowserWatch = (page: {
  kit: ClickPesaPayments;
  ownerId: string;
  paymentId: string;
  clock: Clock;
  known: (at: number) => void;
}) => Promise<void>;

/** A page gives up after this long (simulated), like `waitForPayment` running out of attempts. */
const PAGE_GIVES_UP_MS = 5 * 60_000;
/** The client's first look and its wait when the server sends no hint (see packages/client). */
const FIRST_LOOK_MS = 1_000;
const FALLBACK_INTERVAL_MS = 2_000;

/**
 * The checkout page polling the status route the way `waitForPayment` does: a first look after 1 s, then
 * whenever the answer's `poll_after_ms` says (the service's `pollAfterMs`).
 */
const polling: BrowserWatch = async ({ kit, ownerId, paymentId, clock, known }) => {
  const giveUpAt = clock.now().getTime() + PAGE_GIVES_UP_MS;
  let waitMs = FIRST_LOOK_MS;
  while (clock.now().getTime() < giveUpAt) {
    await clock.sleep(waitMs);
    const answer = await kit.service.refreshStatus(ownerId, paymentId).catch(() => null);
    const status = answer?.payment.status;
    if (status === 'success') return known(clock.now().getTime());
    if (status !== undefined && status !== 'pending' && status !== 'processing') return;
    waitMs = answer?.pollAfterMs ?? FALLBACK_INTERVAL_MS;
  }
};

/**
 * The page behaviours the benchmark has rows for. `none` has no page: the server knowing is the latency. A
 * `push` row (pages listening on the push route) is run once a watcher for it is registered here.
 */
export const BROWSER_WATCHERS: Partial<Record<Exclude<BrowserMode, 'none'>, BrowserWatch>> = { polling };
