import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { PaymentStore, PruneRecordsResult } from '../store/contract.js';

/** Kit option `retention`: how long records are kept, and how often old ones are deleted; defaults in brackets. */
export interface RetentionOptions {
  /** How often a pass runs (±20 % jitter, so instances spread out) [600 000 ms = 10 min]. */
  intervalMs?: number;
  /** Events older than this whose deliveries are all done are deleted [30]. */
  eventsDays?: number;
  /** Webhook receipts (the duplicate-delivery guard) older than this are deleted [30]. */
  receiptsDays?: number;
  /** Audit entries ("log all responses") older than this are deleted [90]. */
  auditDays?: number;
  /**
   * Rate-limit buckets (per phone number, owner, address) untouched for this long are deleted [1]. Keep it
   * longer than your longest `rateLimits` window: a bucket idle for its window is full again.
   */
  bucketsDays?: number;
}

export const DEFAULT_RETENTION: Required<RetentionOptions> = Object.freeze({
  intervalMs: 10 * 60_000,
  eventsDays: 30,
  receiptsDays: 30,
  auditDays: 90,
  bucketsDays: 1,
});

const DAY_MS = 24 * 60 * 60_000;
/** Rows per kind per store call: each delete stays short. */
const PRUNE_LIMIT = 1_000;
/** Store calls per pass at most; a backlog bigger than that is worked off over the next passes. */
const MAX_ROUNDS = 20;
const JITTER = 0.2;

export interface RetentionPass extends PruneRecordsResult {
  idempotency: number;
  buckets: number;
}

export interface RetentionJob {
  start(): void;
  /** One pass now (also what the schedule runs). */
  runOnce(): Promise<RetentionPass>;
  stop(): Promise<void>;
}

/**
 * Deletes what the store would otherwise keep forever: expired idempotency records, delivered events, old
 * webhook receipts and audit entries. Any instance may run it; the deletes are idempotent.
 */
export function createRetentionJob(deps: {
  store: PaymentStore;
  clock: Clock;
  logger: Logger;
  options?: RetentionOptions;
  random?: () => number;
}): RetentionJob {
  const { store, clock, logger } = deps;
  const options = { ...DEFAULT_RETENTION, ...definedOnly(deps.options ?? {}) };
  const random = deps.random ?? Math.random;
  let timer: { cancel(): void } | null = null;
  let current: Promise<unknown> | null = null;
  let active = false;

  const runOnce = async (): Promise<RetentionPass> => {
    const now = clock.now();
    const before = (days: number) => new Date(now.getTime() - days * DAY_MS);
    const pass: RetentionPass = { idempotency: 0, events: 0, receipts: 0, audit: 0, buckets: 0 };
    pass.idempotency = await store.pruneIdempotency(now);
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const pruned = await store.pruneRecords({
        eventsBefore: before(options.eventsDays),
        receiptsBefore: before(options.receiptsDays),
        auditBefore: before(options.auditDays),
        limit: PRUNE_LIMIT,
      });
      pass.events += pruned.events;
      pass.receipts += pruned.receipts;
      pass.audit += pruned.audit;
      if (Math.max(pruned.events, pruned.receipts, pruned.audit) < PRUNE_LIMIT) break;
    }
    pass.buckets = await pruneBuckets(store, before(options.bucketsDays));
    if (pass.idempotency + pass.events + pass.receipts + pass.audit + pass.buckets > 0)
      logger.info({ ...pass }, 'retention pass');
    return pass;
  };

  const schedule = () => {
    if (!active) return;
    const waitMs = Math.round(options.intervalMs * (1 - JITTER + 2 * JITTER * random()));
    timer = clock.setTimeout(() => {
      timer = null;
      current = runOnce()
        .catch((error: unknown) =>
          logger.warn(
            { err: error instanceof Error ? error.message : String(error) },
            'retention pass failed',
          ),
        )
        .finally(() => {
          current = null;
          schedule();
        });
    }, waitMs);
  };

  return {
    start() {
      if (active) return;
      active = true;
      schedule();
    },
    runOnce,
    async stop() {
      active = false;
      timer?.cancel();
      timer = null;
      await current;
    },
  };
}

async function pruneBuckets(store: PaymentStore, idleSince: Date): Promise<number> {
  const prune = store.budget?.prune;
  if (!prune) return 0;
  let total = 0;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const pruned = await prune.call(store.budget, idleSince, PRUNE_LIMIT);
    total += pruned;
    if (pruned < PRUNE_LIMIT) break;
  }
  return total;
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
