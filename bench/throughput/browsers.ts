import type { ClickPesaPayments, Clock } from '@clickpesa-kit/core';
import type { PushHost } from './push-host.js';
import type { BrowserMode } from './scenario.js';

/** What one checkout page does until it knows the payment's outcome; `known(at)` when it sees a success. */
export type BrowserWatch = (page: {
  kit: ClickPesaPayments;
  ownerId: string;
  paymentId: string;
  clock: Clock;
  known: (at: number) => void;
  /** The kit's routes over HTTP (the `push` row only). */
  host?: PushHost;
}) => Promise<void>;
type Page = Parameters<BrowserWatch>[0];

/** A page gives up after this long (simulated), like `waitForPayment` running out of attempts. */
const PAGE_GIVES_UP_MS = 5 * 60_000;
/** The client's first look and its wait when the server sends no hint (see packages/client). */
const FIRST_LOOK_MS = 1_000;
const FALLBACK_INTERVAL_MS = 2_000;

/** Pages of the push row whose stream was refused or dropped before the outcome, and polled instead. */
export const pushFallbacks = { count: 0 };

/** Polls the status route the way `waitForPayment` does, from `firstLookMs` on until `giveUpAt`. */
async function pollStatus(page: Page, firstLookMs: number, giveUpAt: number): Promise<void> {
  const { kit, ownerId, paymentId, clock, known } = page;
  let waitMs = firstLookMs;
  while (clock.now().getTime() < giveUpAt) {
    await clock.sleep(waitMs);
    const answer = await kit.service.refreshStatus(ownerId, paymentId).catch(() => null);
    const status = answer?.payment.status;
    if (status === 'success') return known(clock.now().getTime());
    if (status !== undefined && status !== 'pending' && status !== 'processing') return;
    waitMs = answer?.pollAfterMs ?? FALLBACK_INTERVAL_MS;
  }
}

/**
 * The checkout page polling the status route the way `waitForPayment` does: a first look after 1 s, then
 * whenever the answer's `poll_after_ms` says (the service's `pollAfterMs`).
 */
const polling: BrowserWatch = (page) =>
  pollStatus(page, FIRST_LOOK_MS, page.clock.now().getTime() + PAGE_GIVES_UP_MS);

/**
 * The checkout page on the push route (`waitForPayment` with push): one event stream over real HTTP, the
 * success stamped with the scaled clock when its event arrives. A stream that is refused or drops before
 * the outcome falls back to polling, as the client does, at once when the stream had answered.
 */
const push: BrowserWatch = async (page) => {
  const { host, clock, known, paymentId } = page;
  if (!host) throw new Error('the push row needs the kit served over HTTP');
  const giveUpAt = clock.now().getTime() + PAGE_GIVES_UP_MS;
  const stream = host.listen(paymentId, () => clock.now().getTime());
  const giveUp = clock.setTimeout(() => stream.close(), PAGE_GIVES_UP_MS);
  let answered = false;
  stream.opened.then(
    () => {
      answered = true;
    },
    () => {},
  );
  try {
    const { status, at } = await stream.final;
    if (status === 'success') known(at);
    return;
  } catch {
    // refused or dropped before a final status: poll below
  } finally {
    giveUp.cancel();
    stream.close();
  }
  // the run is over (the host dropped every page), or the page's time is up
  if (host.closed || clock.now().getTime() >= giveUpAt) return;
  pushFallbacks.count++;
  await pollStatus(page, answered ? 0 : FIRST_LOOK_MS, giveUpAt);
};

/** The page behaviours the benchmark has rows for. `none` has no page: the server knowing is the latency. */
export const BROWSER_WATCHERS: Partial<Record<Exclude<BrowserMode, 'none'>, BrowserWatch>> = {
  polling,
  push,
};
