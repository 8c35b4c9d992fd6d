import type { ClickPesaApi, ListPaymentsFilters } from '../client/types.js';
import type { Clock } from '../clock.js';
import type { PaymentRecord } from '../domain/payment.js';
import type { Reconciler } from '../service/reconciler.js';
import { createFeedSweep } from './feed-sweep.js';
import type { Held, LeaseBook } from './leases.js';
import { coverPage, parseTime } from './list-coverage.js';
import { LEASE_ABORT_FRACTION, type ResolvedPollerOptions } from './options.js';

export interface SweepCounts {
  queried: number;
  listed: number;
}

/** The lifecycle state a sweep obeys: stop starting work when stopping, abort list calls on shutdown. */
export interface RunState {
  stopping: boolean;
  abort: AbortController;
}

export interface SweepDeps {
  client: ClickPesaApi;
  reconciler: Reconciler;
  clock: Clock;
  leases: LeaseBook;
  opts: ResolvedPollerOptions;
  run: RunState;
  report: (error: unknown, paymentId?: string) => void;
  /** True when a call would go out now (the provider budget has room): no reason to wait for a batch. */
  hasRoom: () => boolean;
}

export interface Sweeper {
  /**
   * When the next sweep may begin, or null while there is nothing to sweep yet. With room in the budget, at
   * once, but at most one sweep per tick (a later time when one began less than a tick before `at`); with a
   * tight budget, at once when enough is due for a list call or the oldest due payment has waited out the
   * batching window.
   */
  sweepAt(at: number): number | null;
  /** Starts a sweep, or joins the one running (one at a time). */
  start(): Promise<SweepCounts>;
  /** The sweep running now, if any. */
  current(): Promise<SweepCounts> | null;
  /** ClickPesa calls and payment writes under way. */
  inFlight(): number;
}

/**
 * The list sweep: when several held payments are due, one `GET /payments/all` page (newest first) answers
 * for all of them, further pages only when enough older ones remain, and per-reference queries only for what
 * the list did not cover. A list call waits its turn in the provider budget and is matched against everything
 * held when its answer arrives, so the busier the budget, the more each call covers.
 */
export function createSweeper(deps: SweepDeps): Sweeper {
  const { client, reconciler, clock, leases, opts, run, report, hasRoom } = deps;
  let sweep: Promise<SweepCounts> | null = null;
  let lastStartedAt = Number.NEGATIVE_INFINITY;
  let inFlight = 0;
  const now = () => clock.now().getTime();
  const feed = createFeedSweep({
    client,
    reconciler,
    leases,
    opts,
    now,
    signal: () => run.abort.signal,
    keepGoing: () => !run.stopping,
    report,
    work,
  });

  const runSweep = async (): Promise<SweepCounts> => {
    const counts: SweepCounts = { queried: 0, listed: 0 };
    const free = leases.available(now());
    if (free.length === 0) return counts;
    const listing = opts.listBatchThreshold !== Number.POSITIVE_INFINITY;
    if (listing && feed.usable && (free.length >= opts.listBatchThreshold || feed.answersFor(free))) {
      const result = await feed.run(free);
      counts.listed += result.listed;
      if (!result.ok) return counts;
      await queryEach(result.absent, counts);
    }
    // what the feed did not settle (created before the chain began) is paged by creation time
    const remaining = leases.available(now()).filter((item) => free.includes(item));
    if (remaining.length >= opts.listBatchThreshold && !(await listSweep(remaining, counts))) return counts;
    // what the list did not settle (older than the pages read) is asked about by reference
    const leftovers = leases.available(now()).filter((item) => free.includes(item));
    await queryEach(leftovers, counts);
    return counts;
  };

  /**
   * Pages through `GET /payments/all` newest first while enough held payments remain older than the page.
   * False when the list call failed: the payments stay held and the next sweep tries again.
   */
  const listSweep = async (initial: Held[], counts: SweepCounts): Promise<boolean> => {
    const oldest = Math.min(...initial.map((item) => createdAtOf(item.claim.payment)));
    const filters: ListPaymentsFilters = {
      // UTC day, one day early: ClickPesa's day boundary may be in its own time zone
      startDate: new Date(oldest - 24 * 60 * 60_000).toISOString().slice(0, 10),
      sortBy: 'createdAt',
      orderBy: 'DESC',
      limit: opts.listPageSize,
    };
    const seenOnEarlierPage = new Set<string>();
    let coversUpTo = Number.POSITIVE_INFINITY;
    // rows read so far: ClickPesa may return fewer than asked (its maximum page size is undocumented)
    let offset = 0;
    for (let page = 0; page < opts.listMaxPages && !run.stopping; page++) {
      let result: Awaited<ReturnType<typeof client.listPayments>>;
      inFlight += 1;
      try {
        result = await client.listPayments(
          { ...filters, skip: offset },
          { priority: 'background', signal: run.abort.signal },
        );
      } catch (error) {
        // the budget decides when calls may go again; querying each one instead would only multiply calls
        if (!run.stopping) report(error);
        return false;
      } finally {
        inFlight -= 1;
      }
      counts.listed += 1;
      offset += result.data.length;
      // matched against everything held now, including payments claimed while the call waited its turn
      const candidates = leases.available(now());
      // a short page is read as capped, not as the end of the list: older payments go to the next page, and
      // only an empty page proves the end (they are then asked about by reference)
      const coverage = coverPage(
        { records: result.data, full: result.data.length > 0, coversUpTo },
        candidates.map((item) => item.claim.payment),
        opts.clockSkewMs,
      );
      const byId = new Map(candidates.map((item) => [item.claim.payment.id, item]));
      const applying = [...coverage.found].map(([id, record]) =>
        work(byId.get(id)!, (item) => reconciler.applyListed(id, item.claim.leaseToken, record)),
      );
      // newer than this page but already looked for on an earlier one: ClickPesa does not list it
      const missed = coverage.newer.filter((id) => seenOnEarlierPage.has(id));
      const absent = [...coverage.absent, ...missed].map((id) => byId.get(id)!);
      await Promise.all([...applying, queryEach(absent, counts)]);

      for (const id of coverage.older) seenOnEarlierPage.add(id);
      const older = coverage.older.map((id) => byId.get(id)!).filter((item) => !item.busy);
      if (coverage.oldestCreatedAt === null || older.length < opts.listBatchThreshold) return true;
      coversUpTo = coverage.oldestCreatedAt;
    }
    return true;
  };

  /** Per-reference queries (through the service), a few at a time. */
  const queryEach = async (items: Held[], counts: SweepCounts) => {
    const queue = items.filter((item) => !item.busy);
    const runners = Array.from({ length: Math.min(opts.queryConcurrency, queue.length) }, async () => {
      for (let item = queue.shift(); item && !run.stopping; item = queue.shift()) {
        if (!leases.usable(item, now())) {
          leases.forget(item);
          continue;
        }
        counts.queried += 1;
        await work(item, (it) => reconcileWithinLease(it));
      }
    });
    await Promise.all(runners);
  };

  /**
   * A query that waits in the provider budget must not outlive its lease: another instance may claim the payment
   * then and ask about it too. The wait (and the call) is aborted while a safety margin of the lease remains.
   */
  const reconcileWithinLease = async (item: Held) => {
    const controller = new AbortController();
    const margin = opts.leaseMs * LEASE_ABORT_FRACTION;
    const timer = clock.setTimeout(
      () => controller.abort(new Error('lease about to expire')),
      Math.max(0, item.claim.leaseUntil.getTime() - now() - margin),
    );
    try {
      await reconciler.reconcile(item.claim.payment.id, item.claim.leaseToken, {
        priority: 'background',
        signal: controller.signal,
      });
    } finally {
      timer.cancel();
    }
  };

  /**
   * One unit of work on a held payment; afterwards the payment is no longer ours (the service freed it).
   * False when it failed.
   */
  async function work(item: Held, task: (item: Held) => Promise<void>): Promise<boolean> {
    item.busy = true;
    inFlight += 1;
    try {
      await task(item);
      return true;
    } catch (error) {
      // its lease runs out and it is claimed again then: a natural retry delay
      report(error, item.claim.payment.id);
      return false;
    } finally {
      inFlight -= 1;
      leases.forget(item);
    }
  }

  return {
    sweepAt(at) {
      const free = leases.available(at);
      if (free.length === 0) return null;
      // Room: the check goes out at once, unless a sweep began less than a tick ago: then a tick after that
      // one, with everything else that fell due meanwhile (pages polling many open payments would otherwise
      // start a call for every request)
      if (hasRoom()) return Math.max(at, lastStartedAt + opts.tickMs);
      // tight: a list call as soon as it covers a few, since it waits its turn in the budget anyway and
      // answers for everything held when it goes
      if (free.length >= Math.min(opts.listPageSize, opts.listBatchThreshold)) return at;
      const oldestDue = Math.min(...free.map((item) => item.dueAt));
      return at - oldestDue >= opts.batchWindowMs ? at : null;
    },
    start() {
      if (sweep) return sweep;
      lastStartedAt = now();
      const started = runSweep().finally(() => {
        if (sweep === started) sweep = null;
      });
      sweep = started;
      return started;
    },
    current: () => sweep,
    inFlight: () => inFlight,
  };
}

/** The provider's creation time for the current attempt when we have it, else when we sent the push. */
function createdAtOf(payment: PaymentRecord): number {
  const provider = payment.providerStatus;
  if (provider?.orderReference === payment.orderReference) {
    const time = parseTime(provider.createdAt);
    if (time !== null) return Math.min(time, payment.attemptStartedAt.getTime());
  }
  return payment.attemptStartedAt.getTime();
}
