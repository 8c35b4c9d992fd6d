import type { ProviderGate } from '../client/types.js';
import type { Clock } from '../clock.js';
import type { Random } from '../domain/schedule.js';
import type { ProviderEndpoint } from '../events.js';
import type { Logger } from '../logger.js';
import type { SharedBudget } from '../store/contract.js';

/** The provider budget (token bucket + pauses + circuit breaker) is a ProviderGate. */
export type { ProviderGate };

/** The circuit breaker's state. */
export type CircuitState = 'closed' | 'open' | 'half_open';

/** Options of `createProviderBudget`: one request budget per deployment, pauses after rate limits, a circuit breaker. */
export interface ProviderBudgetOptions {
  /** Calls per `windowMs`, all endpoints together. Default 120 (ClickPesa's documented per-IP limit). */
  requestsPerMinute?: number;
  /** The window the limit is counted over. Default 60 s. */
  windowMs?: number;
  /**
   * Extra time each call keeps counting against the window, so network jitter between our count and the
   * provider's (a call granted early in a window arriving late) never makes the provider see one too many.
   * Default 1 s.
   */
  windowMarginMs?: number;
  /** Calls that may go back to back after a quiet spell; the rest are spaced at the budget's rate. Default 2. */
  burst?: number;
  clock?: Clock;
  /** A bucket shared by every instance (PostgreSQL store); without it the budget is per process. */
  shared?: SharedBudget;
  /** Bucket name in the shared budget. Default "clickpesa". */
  sharedName?: string;
  breaker?: {
    /** Consecutive failures (5xx, timeouts, resets) that open the circuit. Default 5. */
    failureThreshold?: number;
    /** How long the circuit stays open before one probe call is let through. Default 30 s. */
    probeIntervalMs?: number;
  };
  /**
   * Under contention, the share of grants background calls get even while user calls wait, so polling is
   * never starved by a stream of initiates. 0 = strict priority. Default 0.1.
   */
  backgroundShare?: number;
  /** Upper bound for a rate-limit pause (Retry-After is capped to it). Default 5 min. */
  maxPauseMs?: number;
  /** A user call that would wait longer than this (pause, open circuit) fails at once instead. Default 10 s. */
  userMaxWaitMs?: number;
  /**
   * Which endpoints pause together after a rate limit. ClickPesa counts every endpoint against one per-IP
   * limit, so by default all endpoints are one class; give endpoints different class names to pause separately.
   */
  pauseClasses?: Partial<Record<ProviderEndpoint, string>>;
  logger?: Logger;
  random?: Random;
}

export interface ProviderBudgetState {
  circuit: CircuitState;
  consecutiveFailures: number;
  /** Pause end per class, for classes currently paused. */
  pausedUntil: Record<string, Date>;
  waiting: { user: number; background: number };
  /** Calls granted since creation. */
  granted: number;
  /** Of those, the calls that had to wait (spacing, a pause or an open circuit) before being granted. */
  waited: number;
}

/** The provider budget: a ProviderGate (token bucket, priorities, pauses, circuit breaker) you can inspect. */
export interface ProviderBudget extends ProviderGate {
  state(): ProviderBudgetState;
  /** True when a background call would be granted without waiting for a pause or an open circuit. */
  backgroundOpen(): boolean;
  /**
   * True when a background call would go out now: nothing waits, no pause, no open circuit, and this process's
   * rate window has a slot. The poller then checks a due payment at once instead of batching it.
   */
  hasRoom(): boolean;
}
