import type { GateOutcome } from '../client/types.js';
import { type Clock, systemClock } from '../clock.js';
import { ClickPesaKitError, ClickPesaProviderError } from '../errors.js';
import type { ProviderEndpoint } from '../events.js';
import { silentLogger } from '../logger.js';
import { createCircuitBreaker } from './circuit-breaker.js';
import { createRateWindow } from './rate-window.js';
import type { ProviderBudget, ProviderBudgetOptions } from './types.js';

type Priority = 'user' | 'background';

interface Waiter {
  endpoint: ProviderEndpoint;
  priority: Priority;
  /** Whose call it is ('' when the caller named nobody): user calls take turns by owner. */
  owner: string;
  pauseClass: string;
  /** When it asked: a grant later than this counts as a wait. */
  queuedAt: number;
  resolve: () => void;
  reject: (error: unknown) => void;
  detach: () => void;
}

/** A garbage or missing Retry-After starts at this pause and doubles per consecutive rate limit. */
const FALLBACK_PAUSE_MS = 1_000;

/**
 * One provider budget per deployment: every ClickPesa call — initiates, status
 * refreshes, webhook confirmations, the poller — acquires from it first. User calls go before background
 * ones (with a small guaranteed background share so polling never starves), a rate limit pauses the whole
 * endpoint class, and a circuit breaker stops calls after consecutive failures, lets one probe through per
 * interval, and after recovery lets the backlog drain at the budget's rate.
 */
export function createProviderBudget(options: ProviderBudgetOptions = {}): ProviderBudget {
  const clock: Clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  const random = options.random ?? Math.random;
  const limit = positive('requestsPerMinute', options.requestsPerMinute ?? 120);
  // every call counts a little longer than the window: see ProviderBudgetOptions.windowMarginMs
  const windowMs =
    positive('windowMs', options.windowMs ?? 60_000) + Math.max(0, options.windowMarginMs ?? 1_000);
  const burst = Math.min(limit, positive('burst', options.burst ?? 2));
  const maxPauseMs = positive('maxPauseMs', options.maxPauseMs ?? 5 * 60_000);
  const userMaxWaitMs = Math.max(0, options.userMaxWaitMs ?? 10_000);
  const backgroundShare = Math.min(1, Math.max(0, options.backgroundShare ?? 0.1));
  const sharedName = options.sharedName ?? 'clickpesa';
  const shared = options.shared;
  // a shared bucket of `burst` refilled so that burst + refills never exceed `limit` in one window
  const sharedIntervalMs = limit > burst ? (burst * windowMs) / (limit - burst) : windowMs;

  const breaker = createCircuitBreaker({
    failureThreshold: positive('breaker.failureThreshold', options.breaker?.failureThreshold ?? 5),
    probeIntervalMs: positive('breaker.probeIntervalMs', options.breaker?.probeIntervalMs ?? 30_000),
  });
  const rate = createRateWindow({ limit, windowMs, burst });
  const queues: Record<Priority, Waiter[]> = { user: [], background: [] };
  const pausedUntil = new Map<string, number>();
  // per owner, the grant count at its last user grant: the owner served longest ago (or never) goes next
  const lastServed = new Map<string, number>();
  let backgroundCredit = 0;
  let granted = 0;
  let waited = 0;
  let rateLimitStreak = 0;
  let wake: { at: number; cancel(): void } | null = null;
  let takingShared = false;

  const now = () => clock.now().getTime();
  const classOf = (endpoint: ProviderEndpoint) => options.pauseClasses?.[endpoint] ?? 'all';
  const pauseEnd = (pauseClass: string, at: number): number | null => {
    const until = pausedUntil.get(pauseClass);
    if (until === undefined) return null;
    if (until <= at) {
      pausedUntil.delete(pauseClass);
      return null;
    }
    return until;
  };

  /** Why a user call cannot wait: a pause or open circuit lasting beyond `userMaxWaitMs`. */
  const userRefusal = (pauseClass: string, at: number): ClickPesaKitError | null => {
    const paused = pauseEnd(pauseClass, at);
    if (paused !== null && paused - at > userMaxWaitMs) {
      return new ClickPesaProviderError('PROVIDER_RATE_LIMITED', { retryAfterMs: paused - at });
    }
    const blocked = breaker.blockedUntil(at);
    if (blocked !== null && blocked - at > userMaxWaitMs) {
      return new ClickPesaProviderError('PROVIDER_CIRCUIT_OPEN', { retryAfterMs: blocked - at });
    }
    return null;
  };

  const remove = (waiter: Waiter) => {
    const queue = queues[waiter.priority];
    const index = queue.indexOf(waiter);
    if (index >= 0) queue.splice(index, 1);
  };

  const scheduleWake = (at: number) => {
    if (wake && wake.at <= at) return;
    wake?.cancel();
    const handle = clock.setTimeout(
      () => {
        wake = null;
        pump();
      },
      Math.max(1, at - now()),
    );
    wake = { at, cancel: handle.cancel };
  };

  /** The next waiter allowed to go now (ignoring the rate), or when to look again. */
  const choose = (at: number): { waiter: Waiter; credit: number } | { retryAt: number } | null => {
    for (const waiter of [...queues.user]) {
      const refusal = userRefusal(waiter.pauseClass, at);
      if (refusal) {
        remove(waiter);
        waiter.detach();
        waiter.reject(refusal);
      }
    }
    if (queues.user.length === 0 && queues.background.length === 0) return null;
    const blocked = breaker.blockedUntil(at);
    if (blocked !== null) return { retryAt: blocked };
    const eligible = (queue: Waiter[]) => queue.find((w) => pauseEnd(w.pauseClass, at) === null);
    const user = nextUserTurn(at);
    const background = eligible(queues.background);
    if (!user && !background) {
      const ends = [...queues.user, ...queues.background].map((w) => pauseEnd(w.pauseClass, at) ?? at + 1);
      return { retryAt: Math.min(...ends) };
    }
    // the single probe of a half-open circuit goes to a background call when there is one
    const probing = breaker.state !== 'closed';
    if (user && background) {
      if (probing || backgroundCredit >= 1 - 1e-9) return { waiter: background, credit: -1 };
      return { waiter: user, credit: backgroundShare };
    }
    return { waiter: (user ?? background)!, credit: 0 };
  };

  /**
   * Fairness between owners: among eligible user calls, the oldest one of the owner served longest ago, so
   * one owner's burst of pushes cannot queue another owner's single push behind all of it.
   */
  const nextUserTurn = (at: number): Waiter | undefined => {
    let best: Waiter | undefined;
    let bestServed = Number.POSITIVE_INFINITY;
    for (const waiter of queues.user) {
      if (pauseEnd(waiter.pauseClass, at) !== null) continue;
      const served = lastServed.get(waiter.owner) ?? -1;
      if (served < bestServed) {
        best = waiter;
        bestServed = served;
        if (served === -1) break;
      }
    }
    return best;
  };

  const grant = (waiter: Waiter, at: number, credit: number) => {
    backgroundCredit = Math.min(1, Math.max(0, backgroundCredit + credit));
    remove(waiter);
    if (waiter.priority === 'user') {
      lastServed.delete(waiter.owner);
      lastServed.set(waiter.owner, granted);
      // owners with nothing waiting are forgotten once the map outgrows the queue: it stays small
      if (lastServed.size > 2 * queues.user.length + 64) {
        const waiting = new Set(queues.user.map((other) => other.owner));
        for (const owner of lastServed.keys()) if (!waiting.has(owner)) lastServed.delete(owner);
      }
    }
    waiter.detach();
    breaker.started(at);
    granted += 1;
    if (at > waiter.queuedAt) waited += 1;
    waiter.resolve();
  };

  const pump = (): void => {
    if (takingShared) return;
    for (;;) {
      const at = now();
      const choice = choose(at);
      if (!choice) return;
      if ('retryAt' in choice) {
        scheduleWake(choice.retryAt);
        return;
      }
      const { waiter, credit } = choice;
      if (shared) {
        takeShared(waiter, credit, at);
        return;
      }
      const ready = rate.readyAt(at);
      if (ready > at) {
        scheduleWake(ready);
        return;
      }
      rate.take(at);
      grant(waiter, at, credit);
    }
  };

  const takeShared = (waiter: Waiter, credit: number, at: number) => {
    takingShared = true;
    const settle = (waitMs: number) => {
      takingShared = false;
      // the waiter may have been aborted while we asked the store: the token is then simply unused
      if (waitMs > 0) {
        scheduleWake(now() + waitMs);
        return;
      }
      if (queues[waiter.priority].includes(waiter)) grant(waiter, now(), credit);
      pump();
    };
    shared!.take(sharedName, burst, sharedIntervalMs, new Date(at)).then(settle, (error: unknown) => {
      // the shared store is unreachable: fall back to this process's own limit rather than stall
      logger.warn({ err: describe(error) }, 'shared provider budget unavailable; using the local limit');
      const ready = rate.readyAt(now());
      if (ready <= now()) rate.take(now());
      settle(Math.max(0, ready - now()));
    });
  };

  const pause = (pauseClass: string, retryAfterMs: number) => {
    rateLimitStreak += 1;
    const ms =
      Number.isFinite(retryAfterMs) && retryAfterMs > 0
        ? Math.min(retryAfterMs, maxPauseMs)
        : // missing or garbage Retry-After: jittered exponential backoff
          Math.min(maxPauseMs, FALLBACK_PAUSE_MS * 2 ** Math.min(rateLimitStreak - 1, 20)) *
          (0.5 + random() / 2);
    const until = now() + Math.ceil(ms);
    pausedUntil.set(pauseClass, Math.max(pausedUntil.get(pauseClass) ?? 0, until));
    logger.warn({ pauseClass, pauseMs: Math.ceil(ms) }, 'ClickPesa rate limit: pausing calls');
  };

  return {
    acquire(endpoint, { priority, signal, owner }) {
      return new Promise<void>((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason);
        const pauseClass = classOf(endpoint);
        if (priority === 'user') {
          const refusal = userRefusal(pauseClass, now());
          if (refusal) return reject(refusal);
        }
        const onAbort = () => {
          remove(waiter);
          reject(signal?.reason);
          pump();
        };
        const waiter: Waiter = {
          endpoint,
          priority,
          owner: owner ?? '',
          pauseClass,
          queuedAt: now(),
          resolve,
          reject,
          detach: () => signal?.removeEventListener('abort', onAbort),
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        queues[priority].push(waiter);
        pump();
      });
    },

    report(endpoint, outcome: GateOutcome) {
      const at = now();
      switch (outcome.kind) {
        case 'ok':
        case 'client_error':
          if (outcome.kind === 'ok') rateLimitStreak = 0;
          if (breaker.succeeded()) logger.info({ endpoint }, 'ClickPesa circuit closed');
          break;
        case 'rate_limited':
          breaker.succeeded();
          pause(classOf(endpoint), outcome.retryAfterMs);
          break;
        case 'failure':
          if (breaker.failed(at)) {
            logger.warn({ endpoint, failures: breaker.consecutiveFailures }, 'ClickPesa circuit opened');
          }
          break;
      }
      pump();
    },

    state() {
      const at = now();
      breaker.blockedUntil(at);
      const paused: Record<string, Date> = {};
      for (const pauseClass of [...pausedUntil.keys()]) {
        const end = pauseEnd(pauseClass, at);
        if (end !== null) paused[pauseClass] = new Date(end);
      }
      return {
        circuit: breaker.state,
        consecutiveFailures: breaker.consecutiveFailures,
        pausedUntil: paused,
        waiting: { user: queues.user.length, background: queues.background.length },
        granted,
        waited,
      };
    },

    hasRoom() {
      const at = now();
      if (queues.user.length > 0 || queues.background.length > 0 || takingShared) return false;
      if (breaker.state !== 'closed' || breaker.blockedUntil(at) !== null) return false;
      if (pauseEnd(classOf('list'), at) !== null || pauseEnd(classOf('query'), at) !== null) return false;
      return rate.readyAt(at) <= at;
    },

    backgroundOpen() {
      const at = now();
      if (breaker.blockedUntil(at) !== null) return false;
      return pauseEnd(classOf('list'), at) === null || pauseEnd(classOf('query'), at) === null;
    },
  };
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new ClickPesaKitError('CONFIG_INVALID', {
      message: `provider budget ${name} must be a positive number`,
    });
  }
  return value;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
