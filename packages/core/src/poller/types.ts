import type { ClickPesaApi, ProviderGate } from '../client/types.js';
import type { PaymentEvents } from '../events.js';
import type { Logger } from '../logger.js';
import type { PaymentStore } from '../store/contract.js';
import type { PollSchedule, Random } from '../domain/schedule.js';
import type { Clock } from '../clock.js';

/** The part of the payment service the poller drives (implemented in service/). */
export interface Reconciler {
  /**
   * Asks ClickPesa about one claimed payment (query by its current order reference) and applies the answer
   * through the transition function with the lease token as fence, rescheduling `nextPollAt` and freeing the lease.
   */
  reconcile(paymentId: string, leaseToken: number, options?: { priority?: 'user' | 'background' }): Promise<void>;
  /** Applies already-known provider records (from `GET /payments/all`) to claimed payments the same way. */
  applyListed(
    paymentId: string,
    leaseToken: number,
    record: import('../domain/payment.js').ProviderPayment,
  ): Promise<void>;
}

export interface PollerOptions {
  /** Claim batch size per tick. Default 50. */
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
  listPageSize?: number;
  /** How long a webhook waits so its confirmation can be batched with others. Default 500 ms. */
  webhookConfirmWindowMs?: number;
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
