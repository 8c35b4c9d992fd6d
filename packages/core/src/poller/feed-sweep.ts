import type { ClickPesaApi } from '../client/types.js';
import { ACTIVE_STATUSES, type PaymentRecord } from '../domain/payment.js';
import type { Reconciler } from '../service/reconciler.js';
import { type FeedChain, type FeedRead, nextStopAt, parseTime, readFeed } from './change-feed.js';
import type { Held, LeaseBook } from './leases.js';
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
 * their lease and to the others without one, because the next read starts where this one began: a change
 * not applied now would never be seen again. Held payments absent from a complete read are, when the chain
 * covers their whole attempt, unchanged: they count as checked without a call of their own.
 */
export function createFeedSweep(deps: FeedSweepDeps): FeedSweep {
  const { client, reconciler, leases, opts, now, report, work } = deps;
  let chain: FeedChain | null = null;
  let usable = opts.listOrder === 'updatedAt';
  // until a page shows rows out of creation order, ClickPesa may be ignoring sortBy: every read is a first
  // read (one page, applied, nothing inferred), and the chain that counts starts with the read that proved it
  let proven = false;

  const run = async (initial: Held[]): Promise<FeedSweepResult> => {
    const startedAt = now();
    const previous = proven ? chain : null;
    const oldest = Math.min(...initial.map((item) => createdAtOf(item.claim.payment)));
    // without a chain, down to the oldest held payment's creation: every row it could have is on the pages
    const stopAt = previous ? previous.stopAt : oldest - opts.clockSkewMs;
    let read: FeedRead;
    try {
      read = await readFeed(client, {
        stopAt,
        startDate: new Date(Math.min(oldest, previous?.since ?? oldest) - DAY_MS).toISOString().slice(0, 10),
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
    // a row that could not be written would never be read again: nothing is inferred until a new chain
    const applied = (await Promise.all(applying)).every(Boolean);
    // a chain read that did not reach its stop point leaves changes unseen: a new chain; a first read
    // starts one with its first page, whether or not it reached down to the held payments
    const continues = applied && (read.complete || previous === null);
    chain = continues
      ? {
          stopAt: nextStopAt(read, startedAt, previous, opts.listOverlapMs),
          newest: read.newest ?? previous?.newest ?? null,
          readAt: read.firstPageAt,
          since: previous?.since ?? read.firstPageAt,
        }
      : null;
    if (!applied || !read.complete) return { ok: true, listed: read.pages, absent: [] };

    const absent: Held[] = [];
    const unchanged: Promise<boolean>[] = [];
    for (const item of leases.available(now())) {
      const payment = item.claim.payment;
      if (seen.has(payment.orderReference)) continue;
      if (previous && coveredByChain(payment, previous)) {
        unchanged.push(
          work(item, (it) => reconciler.applyUnchanged(it.claim.payment.id, it.claim.leaseToken)),
        );
      } else if (createdAtOf(payment) - (knowsProviderCreation(payment) ? 0 : opts.clockSkewMs) >= stopAt) {
        // surely created after the stop point, so its row would be on the pages: ClickPesa does not list it (yet)
        absent.push(item);
      }
      // anything older was created before the pages read: the sweep pages by creation time for it
    }
    await Promise.all(unchanged);
    return { ok: true, listed: read.pages, absent };
  };

  return {
    run,
    answersFor: (items) =>
      proven && chain !== null && items.some((item) => coveredByChain(item.claim.payment, chain!)),
    get usable() {
      return usable;
    },
  };
}

/**
 * Every change of this attempt is in the chain: it started after the chain began. Only a payment ClickPesa
 * accepted and that is still open: an unclear push is asked about by reference, and a payment our own window
 * timed out goes back to per-reference checks, so no payment is trusted to the feed forever.
 */
function coveredByChain(payment: PaymentRecord, chain: FeedChain): boolean {
  return (
    payment.attemptStartedAt.getTime() >= chain.since &&
    payment.initiateOutcome === 'accepted' &&
    ACTIVE_STATUSES.has(payment.status)
  );
}

function knowsProviderCreation(payment: PaymentRecord): boolean {
  const provider = payment.providerStatus;
  return provider?.orderReference === payment.orderReference && parseTime(provider.createdAt) !== null;
}

/** The provider's creation time for the current attempt when we have it, else when we sent the push. */
export function createdAtOf(payment: PaymentRecord): number {
  const provider = payment.providerStatus;
  if (provider?.orderReference === payment.orderReference) {
    const time = parseTime(provider.createdAt);
    if (time !== null) return Math.min(time, payment.attemptStartedAt.getTime());
  }
  return payment.attemptStartedAt.getTime();
}
