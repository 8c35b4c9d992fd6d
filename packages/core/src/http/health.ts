import type { OutboxStats } from '../store/contract.js';
import { baseHeaders } from './envelope.js';
import type { HandlerResponse } from './types.js';

/** The `health` option: `true` for the defaults, or these limits. */
export interface HealthOptions {
  /** Longest a probe waits for the store (ping, outbox stats); past it that check fails. Default 2000. */
  timeoutMs?: number;
  /** A running poller whose last tick is older than this is not ready. Default: 30 s, or 10 ticks if longer. */
  pollerStaleAfterMs?: number;
  /** Not ready when the oldest undelivered event is older than this. Default 10 min. */
  outboxLagLimitMs?: number;
}

export const DEFAULT_HEALTH_TIMEOUT_MS = 2_000;
export const DEFAULT_OUTBOX_LAG_LIMIT_MS = 10 * 60_000;

/** What readiness looks at, wired by the kit; each part is optional because each can be turned off. */
export interface ReadinessSources {
  store: { ping(): Promise<void>; outboxStats?(): Promise<OutboxStats> };
  /** The poller's heartbeat, or null when the kit runs without one (`poller: false`). */
  pollerHeartbeat: (() => { running: boolean; lastTickAt: Date | null }) | null;
  /** Default staleness limit (from the poller's tick). */
  pollerStaleAfterMs: number;
  /** The provider budget's state, or null without one (`budget: false`, an injected client). */
  budget:
    | (() => {
        circuit: 'closed' | 'open' | 'half_open';
        pausedUntil: Record<string, Date>;
        waiting: { user: number; background: number };
      })
    | null;
  /** True when the event dispatcher runs here (otherwise the outbox lag belongs to another instance). */
  dispatching: boolean;
  now: () => Date;
}

interface Check {
  ok: boolean;
  [field: string]: unknown;
}

/** The readiness answer: an overall verdict and one entry per check. No id, no secret, no error text. */
export interface ReadinessReport {
  ready: boolean;
  checks: Record<'store' | 'poller' | 'circuit' | 'budget' | 'outbox', Check>;
}

/**
 * Liveness and readiness for load balancers and orchestrators. Liveness says only that the process answers.
 * Readiness asks the store (bounded by `timeoutMs`: a hanging database fails the probe, it does not hang
 * it) and reads the poller's heartbeat, the circuit breaker, the budget's pauses and the outbox's lag.
 * Concurrent probes share one store round trip.
 */
export function createHealthChecks(sources: ReadinessSources, options: HealthOptions = {}) {
  const timeoutMs = options.timeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS;
  const staleAfterMs = options.pollerStaleAfterMs ?? sources.pollerStaleAfterMs;
  const lagLimitMs = options.outboxLagLimitMs ?? DEFAULT_OUTBOX_LAG_LIMIT_MS;
  let storeProbe: Promise<{ store: Check; outbox: Check }> | null = null;

  const probeStore = async (): Promise<{ store: Check; outbox: Check }> => {
    const started = Date.now();
    const ping = await bounded(sources.store.ping(), timeoutMs);
    const store: Check =
      ping.kind === 'ok'
        ? { ok: true, latencyMs: Date.now() - started }
        : { ok: false, problem: ping.kind === 'timeout' ? 'timeout' : 'unreachable' };
    if (!store.ok || typeof sources.store.outboxStats !== 'function') {
      return { store, outbox: { ok: true, checked: false } };
    }
    const stats = await bounded(sources.store.outboxStats(), timeoutMs);
    if (stats.kind !== 'ok') return { store, outbox: { ok: false, problem: stats.kind } };
    const { pending, dead, oldestPendingAt } = stats.value;
    const lagMs = oldestPendingAt ? Math.max(0, sources.now().getTime() - oldestPendingAt.getTime()) : 0;
    // another instance's dispatcher delivers when this one does not run one: its lag is still reported
    const ok = !sources.dispatching || lagMs <= lagLimitMs;
    return { store, outbox: { ok, pending, deadLetters: dead, oldestPendingAgeMs: lagMs } };
  };

  const poller = (): Check => {
    if (!sources.pollerHeartbeat) return { ok: true, enabled: false };
    const beat = sources.pollerHeartbeat();
    const ageMs = beat.lastTickAt ? sources.now().getTime() - beat.lastTickAt.getTime() : null;
    const fresh = ageMs !== null && ageMs <= staleAfterMs;
    return { ok: beat.running && fresh, running: beat.running, lastTickAgeMs: ageMs };
  };

  const budget = (): { circuit: Check; budget: Check } => {
    if (!sources.budget)
      return { circuit: { ok: true, state: 'none' }, budget: { ok: true, enabled: false } };
    const state = sources.budget();
    const now = sources.now().getTime();
    const pausedForMs = Math.max(
      0,
      ...Object.values(state.pausedUntil).map((until) => until.getTime() - now),
    );
    return {
      circuit: { ok: state.circuit !== 'open', state: state.circuit },
      // a rate-limit pause is reported, not failed: taking this instance out of rotation would not end it
      budget: { ok: true, pausedForMs, waiting: state.waiting },
    };
  };

  return {
    live(): HandlerResponse {
      return healthResponse(200, { success: true, message: 'Alive', status: 'alive' });
    },
    async ready(): Promise<HandlerResponse> {
      storeProbe ??= probeStore().finally(() => {
        storeProbe = null;
      });
      const { store, outbox } = await storeProbe;
      const report: ReadinessReport = {
        ready: false,
        checks: { store, poller: poller(), ...budget(), outbox },
      };
      report.ready = Object.values(report.checks).every((check) => check.ok);
      return healthResponse(report.ready ? 200 : 503, {
        success: report.ready,
        message: report.ready ? 'Ready' : 'Not ready',
        status: report.ready ? 'ready' : 'not_ready',
        checks: report.checks,
      });
    },
  };
}

export type HealthChecks = ReturnType<typeof createHealthChecks>;

function healthResponse(status: number, body: Record<string, unknown>): HandlerResponse {
  return { status, headers: baseHeaders(), body };
}

type Bounded<T> = { kind: 'ok'; value: T } | { kind: 'timeout' } | { kind: 'failed' };

/** The promise's outcome, or `timeout` after `ms` (the promise itself is left to settle on its own). */
function bounded<T>(promise: Promise<T>, ms: number): Promise<Bounded<T>> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<Bounded<T>>((resolve) => {
    timer = setTimeout(() => resolve({ kind: 'timeout' }), ms);
    (timer as { unref?: () => void }).unref?.();
  });
  const settled = promise.then(
    (value): Bounded<T> => ({ kind: 'ok', value }),
    (): Bounded<T> => ({ kind: 'failed' }),
  );
  return Promise.race([settled, timeout]).finally(() => clearTimeout(timer));
}
