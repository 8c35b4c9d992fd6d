import type { ClickPesaApi } from '../client/types.js';
import type { Clock } from '../clock.js';
import type { PaymentRecord } from '../domain/payment.js';
import type { PollSchedule, Random } from '../domain/schedule.js';
import type { PaymentEvents } from '../events.js';
import type { Logger } from '../logger.js';
import type { Reconciler } from '../service/reconciler.js';
import type { NewEvent, PaymentStore, StoredEvent } from '../store/contract.js';

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
  /** Use GET /payments/all when at least this many payments are due at once; `Infinity` never. Default 3. */
  listBatchThreshold?: number;
  /** Records per `GET /payments/all` page (ClickPesa's own default is 20). Default 100. */
  listPageSize?: number;
  /**
   * How list sweeps read `GET /payments/all`. `updatedAt` (default): newest changes first, down to where the
   * previous read began, so one page answers for every open payment whatever the page size; the poller checks
   * the rows really come in that order and otherwise switches to `createdAt` (newest payments first, as many
   * pages as there are open payments).
   */
  listOrder?: 'updatedAt' | 'createdAt';
  /**
   * The newest rows of a read are read again by the next one, this far back from the newest (for rows ClickPesa
   * commits a little after their timestamp). Each re-read row costs room on the page. Default 250 ms.
   */
  listOverlapMs?: number;
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
  /** The service's rule for the outbox consumers of new events (the kit passes it) [handlers only]. */
  routeEvents?: (payment: Pick<PaymentRecord, 'callbackUrl'>, events: readonly NewEvent[]) => NewEvent[];
  /** Called right after a commit that stored events (the kit wakes its event dispatcher) [nothing]. */
  onEventsStored?: (events: readonly StoredEvent[]) => void;
  /**
   * The provider budget, asked whether a call would go out now: then a due payment is checked at once,
   * otherwise it waits up to `batchWindowMs` to share a list call [always batch].
   */
  budget?: { hasRoom(): boolean };
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
  /** A payment falls due at `at` (the service moved its next check forward): tick then rather than later. */
  wake(at: Date): void;
  heartbeat(): PollerHeartbeat;
}
