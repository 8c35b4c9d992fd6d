import type { ClickPesaApi } from '../client/types.js';
import { ACTIVE_STATUSES, type PaymentRecord } from '../domain/payment.js';
import type { Reconciler } from '../service/reconciler.js';
import { type FeedChain, type FeedRead, nextStopAt, readFeed } from './change-feed.js';
import type { Held, LeaseBook } from './leases.js';
import { parseTime } from './list-coverage.js';
import type { ResolvedPollerOptions } from './options.js';

const DAY_MS = 24 * 60 * 60_000;

export interface FeedSweepDeps {
  client: ClickPesaApi;
  reconciler: Reconciler;
  leases: LeaseBook;
  opts: ResolvedPollerOptions;
  now: () => number;
  signal: () => AbortSignal;
  keepGoing: () => boolean;
  report: (error: unknown, paymentId?: string) => void;
  /** One unit of work on a held payment (busy while it runs, forgotten after); false when it failed. */
  work: (item: Held, task: (item: Held) => Promise<void>) => Promise<boolean>;
}

export interface FeedSweepResult {
  /** False when a list call failed: everything stays held and the next sweep tries again. */
  ok: boolean;
  listed: number;
  /** Held payments the feed did not settle and that the pages should have shown: ask by reference. */
  absent: Held[];
}

export interface FeedSweep {
  run(initial: Held[]): Promise<FeedSweepResult>;
  /** A chain is running and covers one of these: one feed read answers for them, however few are due. */
  answersFor(items: readonly Held[]): boolean;
  /** False once ClickPesa was seen not to sort by updatedAt: the sweeps page by creation time instead. */
  readonly usable: boolean;
}

/**
 * A sweep over ClickPesa's change feed (change-feed.ts). Every row read is applied, to held payments under
 * their lease and to the others without one, because the next read starts past it: a change not applied now
 * would never be seen again. A held payment absent from the pages is unchanged when every change since its
 * creation has been seen (the chain's `coveredFrom`): it counts as checked without a call of its own.
 */
export function createFeedSweep(deps: FeedSweepDeps): FeedSweep {
  const { client, reconciler, leases, opts, now, report, work } = deps;
  let chain: FeedChain | null = null;
  let usable = opts.listOrder === 'updatedAt';
  // until a page shows rows out of creation order, ClickPesa may be ignoring sortBy: nothing is inferred
  let proven = false;
  const earliest = (payment: PaymentRecord) => earliestCreation(payment, opts.clockSkewMs);

  const run = async (initial: Held[]): Promise<FeedSweepResult> => {
    const startedAt = now();
    const previous = proven ? chain : null;
    // without a chain, down to the oldest held payment's creation: every row it could have is on the pages
    const stopAt = previous
      ? previous.stopAt
      : Math.min(...initial.map((item) => earliest(item.claim.payment)));
    let read: FeedRead;
    try {
      read = await readFeed(client, {
        stopAt,
        startDate: new Date(Math.min(stopAt, previous?.coveredFrom ?? stopAt, startedAt) - DAY_MS)
          .toISOString()
          .slice(0, 10),
        pageSize: opts.listPageSize,
        maxPages: opts.listMaxPages,
        signal: deps.signal(),
        now,
        keepGoing: deps.keepGoing,
      });
    } catch (error) {
      // the budget decides when calls may go again; nothing was inferred, so the chain still holds
      if (deps.keepGoing()) report(error);
      return { ok: false, listed: 0, absent: [] };
    }
    // stopped before its first page: nothing was read
    if (read.pages === 0) return { ok: false, listed: 0, absent: [] };
    if (!read.ordered) {
      usable = false;
      chain = null;
      report(
        new Error(
          'ClickPesa did not sort GET /payments/all by updatedAt: list sweeps page by creation time from now on',
        ),
      );
      return { ok: true, listed: read.pages, absent: [] };
    }
    if (read.proves) proven = true;

    const held = new Map<string, Held>();
    for (const item of leases.available(now())) held.set(item.claim.payment.orderReference, item);
    const seen = new Set<string>();
    const applying: Promise<boolean>[] = [];
    for (const row of read.rows) {
      if (seen.has(row.orderReference)) continue;
      seen.add(row.orderReference);
      const item = held.get(row.orderReference);
      applying.push(
        item && !item.busy
          ? work(item, (it) => reconciler.applyListed(it.claim.payment.id, it.claim.leaseToken, row))
          : reconciler.applyObserved(row).then(
              () => true,
              (error: unknown) => {
                report(error);
                return false;
              },
            ),
      );
    }
    // a row that could not be written would never be read again: the next read starts a new chain
    if (!(await Promise.all(applying)).every(Boolean)) {
      chain = null;
      return { ok: true, listed: read.pages, absent: [] };
    }

    // Every row from the newest down to `floor` was on the pages. A complete read continues the chain; one
    // that stopped early (too many changes since the last read) left a gap, so coverage starts again at its
    // last row: payments created before that go back to pages by creation time and queries.
    const floor = read.complete ? stopAt : read.lowest! + 1;
    const coveredFrom = read.complete && previous ? Math.min(previous.coveredFrom, floor) : floor;
    chain = {
      stopAt: nextStopAt(read, startedAt, previous, opts.listOverlapMs, stopAt),
      newest: read.newest ?? previous?.newest ?? null,
      readAt: read.firstPageAt,
      coveredFrom,
    };
    if (!proven) return { ok: true, listed: read.pages, absent: [] };

    const absent: Held[] = [];
    const unchanged: Promise<boolean>[] = [];
    for (const item of leases.available(now())) {
      const payment = item.claim.payment;
      if (seen.has(payment.orderReference)) continue;
      if (earliest(payment) < coveredFrom) continue; // created before the coverage: the old way
      if (trustedToFeed(payment)) {
        unchanged.push(
          work(item, (it) => reconciler.applyUnchanged(it.claim.payment.id, it.claim.leaseToken)),
        );
      } else {
        // its row would be on the pages if ClickPesa had it: only a query can tell
        absent.push(item);
      }
    }
    await Promise.all(unchanged);
    return { ok: true, listed: read.pages, absent };
  };

  return {
    run,
    answersFor: (items) =>
      proven &&
      chain !== null &&
      items.some(
        (item) => trustedToFeed(item.claim.payment) && earliest(item.claim.payment) >= chain!.coveredFrom,
      ),
    get usable() {
      return usable;
    },
  };
}

/**
 * Only a payment ClickPesa accepted and that is still open: an unclear push is asked about by reference, and
 * a payment our own window timed out goes back to per-reference checks, so none is trusted to the feed forever.
 */
function trustedToFeed(payment: PaymentRecord): boolean {
  return payment.initiateOutcome === 'accepted' && ACTIVE_STATUSES.has(payment.status);
}

/**
 * The earliest ClickPesa time the current attempt can have been created at: ClickPesa's own createdAt when we
 * have it, else when we sent the push less the clock skew allowed between us and ClickPesa.
 */
function earliestCreation(payment: PaymentRecord, skewMs: number): number {
  const provider = payment.providerStatus;
  const known = provider?.orderReference === payment.orderReference ? parseTime(provider.createdAt) : null;
  return known ?? payment.attemptStartedAt.getTime() - skewMs;
}
