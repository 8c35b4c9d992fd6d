import type { ClickPesaApi, ProviderGate } from '../client/types.js';
import type { Clock } from '../clock.js';
import type { PollSchedule, Random } from '../domain/schedule.js';
import type { PaymentEvents } from '../events.js';
import type { Logger } from '../logger.js';
import type { PaymentStore } from '../store/contract.js';

/** The part of the payment service the poller drives (implemented in service/). */
export interface Reconciler {
  /**
   * Asks ClickPesa about one claimed payment (query by its current order reference) and applies the answer
   * through the transition function with the lease token as fence, rescheduling `nextPollAt` and freeing the lease.
   */
  reconcile(
    paymentId: string,
    leaseToken: number,
    /** `signal` aborts the query (and its wait in the budget) before the lease runs out. */
    options?: { priority?: 'user' | 'background'; signal?: AbortSignal },
  ): Promise<void>;
  /** Applies already-known provider records (from `GET /payments/all`) to claimed payments the same way. */
  applyListed(
    paymentId: string,
    leaseToken: number,
    record: import('../domain/payment.js').ProviderPayment,
  ): Promise<void>;
}

export interface PollerOptions {
  /** Payments claimed per store call (a tick may make several, up to what one sweep can cover). Default 100. */
  batchSize?: number;
  /** Tick interval. Default 1 s. */
  tickMs?: number;
  /** Lease length; must exceed the query timeout plus margin. Default 60 s. */
  leaseMs?: number;
  schedule?: Partial<PollSchedule>;
  /** Age in pending/processing after which `payment.stuck` is emitted once. Default 10 min. */
  stuckAfterMs?: number;
  /** Use GET /payments/all when at least this many payments are due at once. Default 3. */
  listBatchThreshold?: number;
  /** Records per `GET /payments/all` page (ClickPesa's own default is 20). Default 100. */
  listPageSize?: number;
  /** How long a webhook waits so its confirmation can be batched with others. Default 500 ms. */
  webhookConfirmWindowMs?: number;
  /**
   * How long a due payment may wait so its check shares a list call with others (the sweep starts earlier
   * when a full page's worth is due). Default 5 s.
   */
  batchWindowMs?: number;
  /** Most list pages read in one sweep before the remaining older payments are queried one by one. Default 10. */
  listMaxPages?: number;
  /** Per-reference queries in flight at once. Default 4. */
  queryConcurrency?: number;
  /** Assumed disagreement between our clock and ClickPesa's when matching list pages. Default 2 min. */
  clockSkewMs?: number;
  /** Grace for in-flight calls on stop(). Default 10 s. */
  shutdownGraceMs?: number;
  /** Unique per instance; default random. */
  instanceId?: string;
  random?: Random;
}

export interface PollerDeps {
  store: PaymentStore;
  client: ClickPesaApi;
  reconciler: Reconciler;
  events: PaymentEvents;
  clock: Clock;
  logger: Logger;
}

export interface PollerHeartbeat {
  running: boolean;
  instanceId: string;
  lastTickAt: Date | null;
  lastTickDurationMs: number | null;
  inFlight: number;
}

export interface Poller {
  start(): void;
  /** Stops claiming, waits for in-flight calls within the grace period, releases leases. */
  stop(): Promise<void>;
  /** One claim-and-reconcile round (tests, cron-style hosts). */
  pollOnce(): Promise<{ claimed: number; queried: number; listed: number }>;
  /** Schedules an early, batched confirmation query for a payment a webhook spoke about. */
  requestConfirmation(paymentId: string): Promise<void>;
  heartbeat(): PollerHeartbeat;
}

/** The provider budget (token bucket + pauses + circuit breaker) is a ProviderGate. */
export type { ProviderGate };

/** The circuit breaker's state (POLL-7). */
export type CircuitState = 'closed' | 'open' | 'half_open';

/** Options of `createProviderBudget` (reliability.md decision e, POLL-5..7). */
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
  shared?: import('../store/contract.js').SharedBudget;
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
  pauseClasses?: Partial<Record<import('../events.js').ProviderEndpoint, string>>;
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
}

/** The provider budget: a ProviderGate (token bucket, priorities, pauses, circuit breaker) you can inspect. */
export interface ProviderBudget extends ProviderGate {
  state(): ProviderBudgetState;
  /** True when a background call would be granted without waiting for a pause or an open circuit. */
  backgroundOpen(): boolean;
}
