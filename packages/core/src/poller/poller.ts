import { randomUUID } from 'node:crypto';
import type { ListPaymentsFilters } from '../client/types.js';
import type { PaymentRecord } from '../domain/payment.js';
import type { ClaimedPayment } from '../store/contract.js';
import { coverPage, DEFAULT_CLOCK_SKEW_MS } from './list-coverage.js';
import { createStuckDetector } from './stuck.js';
import type { Poller, PollerDeps, PollerHeartbeat, PollerOptions } from './types.js';

interface Held {
  claim: ClaimedPayment;
  /** When the payment fell due (its nextPollAt), for the batching window. */
  dueAt: number;
  /** A call or write for it is under way; not available to another sweep. */
  busy: boolean;
}

interface SweepCounts {
  queried: number;
  listed: number;
}

interface ResolvedPollerOptions {
  batchSize: number;
  tickMs: number;
  leaseMs: number;
  stuckAfterMs: number;
  listBatchThreshold: number;
  listPageSize: number;
  listMaxPages: number;
  batchWindowMs: number;
  webhookConfirmWindowMs: number;
  shutdownGraceMs: number;
  instanceId: string;
  queryConcurrency: number;
  clockSkewMs: number;
  /** Most payments held (claimed, not yet worked on) at once. */
  maxHeld: number;
}

/** A claimed payment is only worked on while this much of its lease is left (a query must finish in it). */
const LEASE_SAFETY_FRACTION = 0.25;
/** Share of the lease left when a check still waiting for the budget gives up (so nobody else claims it first). */
const LEASE_ABORT_FRACTION = 0.1;

/**
 * The poller (reliability.md §4): claims due payments from the store with a lease and fencing token, and
 * learns their statuses with as few ClickPesa calls as it can. Payments fall due one by one (schedule
 * decision f), but the work is done in sweeps: when several are due, one `GET /payments/all` page (newest
 * first) answers for all of them, further pages only when enough older ones remain, and per-reference
 * queries only for what the list did not cover. A sweep's list call waits its turn in the provider budget
 * and is matched against everything held when its answer arrives, so the busier the budget, the more each
 * call covers. Webhook confirmations become due after a short window and join the same sweeps.
 */
export function createPoller(deps: PollerDeps, options: PollerOptions = {}): Poller {
  const opts = resolveOptions(options);
  const { store, client, reconciler, events, clock, logger } = deps;
  const held = new Map<string, Held>();
  const stuck = createStuckDetector(deps, opts.stuckAfterMs);
  const background = new Set<Promise<unknown>>();
  let running = false;
  let stopping = false;
  let tickTimer: { cancel(): void } | null = null;
  let tickInProgress: Promise<void> | null = null;
  let sweep: Promise<SweepCounts> | null = null;
  let inFlightCalls = 0;
  let lastTickAt: Date | null = null;
  let lastTickDurationMs: number | null = null;
  let abort = new AbortController();

  const now = () => clock.now().getTime();

  const reportError = (error: unknown, paymentId?: string) => {
    const err = error instanceof Error ? error : new Error(String(error));
    logger.warn({ paymentId, err: err.message, instanceId: opts.instanceId }, 'poller error');
    events.safeEmit('poller.error', paymentId === undefined ? { error: err } : { error: err, paymentId });
  };

  /** Runs a task in the background, never letting it reject unobserved. */
  const track = (task: Promise<unknown>) => {
    const guarded = task.catch((error: unknown) => reportError(error));
    background.add(guarded);
    void guarded.finally(() => background.delete(guarded));
  };

  const leaseUsable = (item: Held, at: number) =>
    item.claim.leaseUntil.getTime() - at > opts.leaseMs * LEASE_SAFETY_FRACTION;

  /** Forgets held payments whose lease ran too short to start a call (another instance may claim them). */
  const dropExpired = (at: number) => {
    for (const [id, item] of held) if (!item.busy && !leaseUsable(item, at)) held.delete(id);
  };

  /**
   * Claims due payments, `batchSize` per store call, up to what one sweep can cover: with list sweeps that is
   * every page it may read (claims come oldest-due first while pages come newest first, so holding only a
   * few would leave them deep in the list), without lists a couple of batches.
   */
  const claim = async (): Promise<number> => {
    const at = now();
    dropExpired(at);
    let claimed = 0;
    while (!stopping) {
      const room = Math.min(opts.batchSize, opts.maxHeld - held.size);
      if (room <= 0) break;
      const claims = await store.claimDue({
        now: new Date(at),
        limit: room,
        leaseMs: opts.leaseMs,
        owner: opts.instanceId,
      });
      for (const lease of claims) {
        const dueAt = lease.payment.nextPollAt?.getTime() ?? at;
        held.set(lease.payment.id, { claim: lease, dueAt, busy: false });
        track(stuck.check(lease, (payment) => refreshHeld(lease.payment.id, payment)));
      }
      claimed += claims.length;
      if (claims.length < room) break;
    }
    return claimed;
  };

  const refreshHeld = (paymentId: string, payment: PaymentRecord) => {
    const item = held.get(paymentId);
    if (item) item.claim = { ...item.claim, payment };
  };

  /** Held payments available to a sweep right now. */
  const available = (at: number) => [...held.values()].filter((item) => !item.busy && leaseUsable(item, at));

  const shouldSweep = (at: number): boolean => {
    const free = available(at);
    if (free.length === 0) return false;
    if (free.length >= opts.listPageSize) return true;
    const oldestDue = Math.min(...free.map((item) => item.dueAt));
    return at - oldestDue >= opts.batchWindowMs;
  };

  const startSweep = (): Promise<SweepCounts> => {
    if (sweep) return sweep;
    const current = runSweep().finally(() => {
      if (sweep === current) sweep = null;
    });
    sweep = current;
    return current;
  };

  const runSweep = async (): Promise<SweepCounts> => {
    const counts: SweepCounts = { queried: 0, listed: 0 };
    const free = available(now());
    if (free.length === 0) return counts;
    if (free.length >= opts.listBatchThreshold && !(await listSweep(free, counts))) return counts;
    // what the list did not settle (older than the pages read) is asked about by reference
    const leftovers = available(now()).filter((item) => free.includes(item));
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
    for (let page = 0; page < opts.listMaxPages && !stopping; page++) {
      let result: Awaited<ReturnType<typeof client.listPayments>>;
      inFlightCalls += 1;
      try {
        result = await client.listPayments(
          { ...filters, skip: page * opts.listPageSize },
          {
            priority: 'background',
            signal: abort.signal,
          },
        );
      } catch (error) {
        // the budget decides when calls may go again; querying each one instead would only multiply calls
        if (!stopping) reportError(error);
        return false;
      } finally {
        inFlightCalls -= 1;
      }
      counts.listed += 1;
      // matched against everything held now, including payments claimed while the call waited its turn
      const candidates = available(now());
      const coverage = coverPage(
        { records: result.data, full: result.data.length >= opts.listPageSize, coversUpTo },
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
      for (let item = queue.shift(); item && !stopping; item = queue.shift()) {
        if (!leaseUsable(item, now())) {
          held.delete(item.claim.payment.id);
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

  /** One unit of work on a held payment; afterwards the payment is no longer ours (the service freed it). */
  const work = async (item: Held, run: (item: Held) => Promise<void>) => {
    item.busy = true;
    inFlightCalls += 1;
    try {
      await run(item);
    } catch (error) {
      // its lease runs out and it is claimed again then: a natural retry delay
      reportError(error, item.claim.payment.id);
    } finally {
      inFlightCalls -= 1;
      const id = item.claim.payment.id;
      if (held.get(id) === item) held.delete(id);
    }
  };

  const tick = async () => {
    const startedAt = now();
    try {
      await claim();
      if (!stopping && shouldSweep(now())) track(startSweep());
    } catch (error) {
      reportError(error);
    } finally {
      lastTickAt = new Date(startedAt);
      lastTickDurationMs = now() - startedAt;
    }
  };

  const scheduleTick = (delayMs: number) => {
    if (!running) return;
    tickTimer = clock.setTimeout(() => {
      tickTimer = null;
      const current = tick().finally(() => {
        tickInProgress = null;
        scheduleTick(opts.tickMs);
      });
      tickInProgress = current;
    }, delayMs);
  };

  const releaseAll = async () => {
    const releases = [...held.values()].map(async (item) => {
      try {
        await store.releaseLease(item.claim.payment.id, item.claim.leaseToken);
      } catch (error) {
        reportError(error, item.claim.payment.id);
      }
    });
    held.clear();
    await Promise.all(releases);
  };

  return {
    start() {
      if (running) return;
      running = true;
      stopping = false;
      if (abort.signal.aborted) abort = new AbortController();
      logger.info({ instanceId: opts.instanceId }, 'poller started');
      scheduleTick(0);
    },

    async stop() {
      const wasActive = running || held.size > 0 || sweep !== null;
      running = false;
      stopping = true;
      tickTimer?.cancel();
      tickTimer = null;
      // in-flight calls may finish within the grace period; nothing new starts
      const pending = [tickInProgress, sweep, ...background].filter(Boolean);
      if (pending.length > 0) {
        const grace = new AbortController();
        await Promise.race([
          Promise.allSettled(pending),
          clock.sleep(opts.shutdownGraceMs, grace.signal).catch(() => undefined),
        ]);
        grace.abort();
      }
      abort.abort(new Error('poller stopped'));
      await releaseAll();
      if (wasActive) logger.info({ instanceId: opts.instanceId }, 'poller stopped');
    },

    async pollOnce() {
      stopping = false;
      if (abort.signal.aborted) abort = new AbortController();
      let claimed = 0;
      try {
        claimed = await claim();
      } catch (error) {
        reportError(error);
        return { claimed: 0, queried: 0, listed: 0 };
      }
      // a sweep already running finishes first; then everything still held is worked on now
      if (sweep) await sweep.catch(() => undefined);
      const counts = await startSweep().catch((error: unknown) => {
        reportError(error);
        return { queried: 0, listed: 0 };
      });
      await Promise.allSettled([...background]);
      lastTickAt = clock.now();
      return { claimed, ...counts };
    },

    async requestConfirmation(paymentId) {
      const target = now() + opts.webhookConfirmWindowMs;
      for (let attempt = 0; attempt < 4; attempt++) {
        const payment = await store.getPayment(paymentId);
        if (payment === null) return;
        if (payment.nextPollAt !== null && payment.nextPollAt.getTime() <= target) return;
        const result = await store.transition({
          paymentId,
          expectedVersion: payment.version,
          changes: { nextPollAt: new Date(target) },
        });
        if (result.applied || result.reason !== 'version_conflict') return;
      }
    },

    heartbeat(): PollerHeartbeat {
      return {
        running,
        instanceId: opts.instanceId,
        lastTickAt,
        lastTickDurationMs,
        inFlight: inFlightCalls,
      };
    },
  };
}

/** The provider's creation time for the current attempt when we have it, else when we sent the push. */
function createdAtOf(payment: PaymentRecord): number {
  const provider = payment.providerStatus;
  if (provider?.orderReference === payment.orderReference && provider.createdAt) {
    const time = Date.parse(provider.createdAt);
    if (!Number.isNaN(time)) return Math.min(time, payment.attemptStartedAt.getTime());
  }
  return payment.attemptStartedAt.getTime();
}

function resolveOptions(options: PollerOptions): ResolvedPollerOptions {
  const listing = (options.listBatchThreshold ?? 3) !== Number.POSITIVE_INFINITY;
  const batchSize = options.batchSize ?? 100;
  const listPageSize = options.listPageSize ?? 100;
  const listMaxPages = options.listMaxPages ?? 10;
  const resolved: ResolvedPollerOptions = {
    batchSize,
    tickMs: options.tickMs ?? 1_000,
    leaseMs: options.leaseMs ?? 60_000,
    stuckAfterMs: options.stuckAfterMs ?? 10 * 60_000,
    listBatchThreshold: options.listBatchThreshold ?? 3,
    listPageSize,
    listMaxPages,
    batchWindowMs: options.batchWindowMs ?? 5_000,
    webhookConfirmWindowMs: options.webhookConfirmWindowMs ?? 500,
    shutdownGraceMs: options.shutdownGraceMs ?? 10_000,
    instanceId: options.instanceId ?? `poller-${randomUUID()}`,
    queryConcurrency: options.queryConcurrency ?? 4,
    clockSkewMs: options.clockSkewMs ?? DEFAULT_CLOCK_SKEW_MS,
    maxHeld: listing ? Math.max(batchSize, listPageSize * listMaxPages) : 2 * batchSize,
  };
  for (const [name, value] of Object.entries(resolved)) {
    if (typeof value === 'number' && (Number.isNaN(value) || value < 0)) {
      throw new RangeError(`poller option ${name} must be a non-negative number`);
    }
  }
  if (resolved.batchSize < 1 || resolved.listPageSize < 1 || resolved.queryConcurrency < 1) {
    throw new RangeError('poller batchSize, listPageSize and queryConcurrency must be at least 1');
  }
  return resolved;
}
