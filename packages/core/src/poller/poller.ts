import { createLeaseBook } from './leases.js';
import { resolvePollerOptions } from './options.js';
import { createStuckDetector } from './stuck.js';
import { createSweeper, type RunState, type SweepCounts } from './sweep.js';
import type { Poller, PollerDeps, PollerHeartbeat, PollerOptions } from './types.js';

/**
 * The poller: claims due payments from the store with a lease and fencing token (leases.ts), and learns
 * their statuses with as few ClickPesa calls as it can (sweep.ts). Payments fall due one by one, but the
 * work is done in sweeps. This file is the lifecycle: ticks, start, stop, pollOnce, heartbeat.
 *
 * The poller calls the service (its `Reconciler`) for every state change; the service never calls the
 * poller. A webhook's early confirmation is a `nextPollAt` the service moved forward, claimed like any other.
 */
export function createPoller(deps: PollerDeps, options: PollerOptions = {}): Poller {
  const opts = resolvePollerOptions(options);
  const { store, reconciler, events, clock, logger } = deps;
  const leases = createLeaseBook(store, opts);
  const stuck = createStuckDetector(deps, opts.stuckAfterMs);
  const run: RunState = { stopping: false, abort: new AbortController() };
  const background = new Set<Promise<unknown>>();
  let running = false;
  let tickTimer: { cancel(): void } | null = null;
  let nextTickAt = Number.POSITIVE_INFINITY;
  let wakeAfterTick = Number.POSITIVE_INFINITY;
  let tickInProgress: Promise<void> | null = null;
  let lastTickAt: Date | null = null;
  let lastTickDurationMs: number | null = null;

  const now = () => clock.now().getTime();

  const report = (error: unknown, paymentId?: string) => {
    const err = error instanceof Error ? error : new Error(String(error));
    logger.warn({ paymentId, err: err.message, instanceId: opts.instanceId }, 'poller error');
    events.safeEmit('poller.error', paymentId === undefined ? { error: err } : { error: err, paymentId });
  };

  /** Runs a task in the background, never letting it reject unobserved. */
  const track = (task: Promise<unknown>) => {
    const guarded = task.catch((error: unknown) => report(error));
    background.add(guarded);
    void guarded.finally(() => background.delete(guarded));
  };

  const hasRoom = () => deps.budget?.hasRoom() ?? false;
  const sweeper = createSweeper({
    client: deps.client,
    reconciler,
    clock,
    leases,
    opts,
    run,
    report,
    hasRoom,
  });

  const claim = () =>
    leases.claim(
      now(),
      () => !run.stopping,
      (lease) => track(stuck.check(lease, (payment) => leases.refresh(lease.payment.id, payment))),
    );

  const tick = async () => {
    const startedAt = now();
    try {
      await claim();
      const at = now();
      const sweepAt = run.stopping ? null : sweeper.sweepAt(at);
      if (sweepAt !== null && sweepAt <= at) track(sweeper.start());
      else if (sweepAt !== null) wake(sweepAt);
    } catch (error) {
      report(error);
    } finally {
      lastTickAt = new Date(startedAt);
      lastTickDurationMs = now() - startedAt;
    }
  };

  const scheduleTick = (delayMs: number) => {
    if (!running) return;
    nextTickAt = now() + delayMs;
    tickTimer = clock.setTimeout(() => {
      tickTimer = null;
      nextTickAt = Number.POSITIVE_INFINITY;
      wakeAfterTick = Number.POSITIVE_INFINITY;
      const current = tick().finally(() => {
        tickInProgress = null;
        // a payment fell due while this tick claimed: the next tick comes when it is due
        scheduleTick(Math.max(0, Math.min(opts.tickMs, wakeAfterTick - now())));
      });
      tickInProgress = current;
    }, delayMs);
  };

  /** Brings the next tick forward to `at` (a payment falls due then); a tick under way ticks again after. */
  const wake = (at: number) => {
    if (!running || run.stopping) return;
    if (tickInProgress) {
      wakeAfterTick = Math.min(wakeAfterTick, at);
      return;
    }
    if (at >= nextTickAt) return;
    tickTimer?.cancel();
    tickTimer = null;
    scheduleTick(Math.max(0, at - now()));
  };

  const resume = () => {
    run.stopping = false;
    if (run.abort.signal.aborted) run.abort = new AbortController();
  };

  return {
    start() {
      if (running) return;
      running = true;
      resume();
      logger.info({ instanceId: opts.instanceId }, 'poller started');
      scheduleTick(0);
    },

    async stop() {
      const wasActive = running || leases.size > 0 || sweeper.current() !== null;
      running = false;
      run.stopping = true;
      tickTimer?.cancel();
      tickTimer = null;
      nextTickAt = Number.POSITIVE_INFINITY;
      // in-flight calls may finish within the grace period; nothing new starts
      const pending = [tickInProgress, sweeper.current(), ...background].filter(Boolean);
      if (pending.length > 0) {
        const grace = new AbortController();
        await Promise.race([
          Promise.allSettled(pending),
          clock.sleep(opts.shutdownGraceMs, grace.signal).catch(() => undefined),
        ]);
        grace.abort();
      }
      run.abort.abort(new Error('poller stopped'));
      await leases.releaseAll(report);
      if (wasActive) logger.info({ instanceId: opts.instanceId }, 'poller stopped');
    },

    async pollOnce() {
      resume();
      let claimed = 0;
      try {
        claimed = await claim();
      } catch (error) {
        report(error);
        return { claimed: 0, queried: 0, listed: 0 };
      }
      // a sweep already running finishes first; then everything still held is worked on now
      await sweeper.current()?.catch(() => undefined);
      const counts = await sweeper.start().catch((error: unknown): SweepCounts => {
        report(error);
        return { queried: 0, listed: 0 };
      });
      await Promise.allSettled([...background]);
      lastTickAt = clock.now();
      return { claimed, ...counts };
    },

    wake: (at) => wake(at.getTime()),

    requestConfirmation: (paymentId) =>
      reconciler.checkBy(paymentId, new Date(now() + opts.webhookConfirmWindowMs)),

    heartbeat(): PollerHeartbeat {
      return {
        running,
        instanceId: opts.instanceId,
        lastTickAt,
        lastTickDurationMs,
        inFlight: sweeper.inFlight(),
      };
    },
  };
}
