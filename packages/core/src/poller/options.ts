import { randomUUID } from 'node:crypto';
import { DEFAULT_CLOCK_SKEW_MS } from './list-coverage.js';
import type { PollerOptions } from './types.js';

/** How long a webhook waits so its confirmation can be batched with others. */
export const DEFAULT_WEBHOOK_CONFIRM_WINDOW_MS = 500;

/** A claimed payment is only worked on while this much of its lease is left (a query must finish in it). */
export const LEASE_SAFETY_FRACTION = 0.25;
/** Share of the lease left when a check still waiting for the budget gives up (so nobody else claims it first). */
export const LEASE_ABORT_FRACTION = 0.1;

export interface ResolvedPollerOptions {
  batchSize: number;
  tickMs: number;
  leaseMs: number;
  stuckAfterMs: number;
  listBatchThreshold: number;
  listPageSize: number;
  listOrder: 'updatedAt' | 'createdAt';
  listOverlapMs: number;
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

export function resolvePollerOptions(options: PollerOptions): ResolvedPollerOptions {
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
    listOrder: options.listOrder ?? 'updatedAt',
    listOverlapMs: options.listOverlapMs ?? 250,
    listMaxPages,
    batchWindowMs: options.batchWindowMs ?? 5_000,
    webhookConfirmWindowMs: options.webhookConfirmWindowMs ?? DEFAULT_WEBHOOK_CONFIRM_WINDOW_MS,
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
