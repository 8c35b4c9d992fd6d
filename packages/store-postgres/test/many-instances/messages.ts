import type { PollerOptions, PollSchedule, ProviderBudgetOptions } from '@clickpesa-kit/core';

/** Everything one instance process needs, passed as JSON in CPK_INSTANCE_CONFIG (the parent is the one source). */
export interface InstanceConfig {
  instanceId: string;
  databaseUrl: string;
  schema: string;
  /** The sandbox's ClickPesa base URL. */
  sandboxUrl: string;
  clientId: string;
  apiKey: string;
  checksumKey: string;
  schedule: Partial<PollSchedule>;
  poller: Required<
    Pick<
      PollerOptions,
      'tickMs' | 'leaseMs' | 'webhookConfirmWindowMs' | 'queryConcurrency' | 'batchWindowMs'
    >
  > & {
    /** False: no `GET /payments/all` sweeps (listBatchThreshold Infinity, which JSON cannot carry). */
    listSweeps: boolean;
  };
  budget: Pick<ProviderBudgetOptions, 'requestsPerMinute' | 'windowMs' | 'windowMarginMs'>;
  idempotencyLockMs: number;
  notFoundGraceMs: number;
}

export const INSTANCE_CONFIG_VARIABLE = 'CPK_INSTANCE_CONFIG';

/** What an instance tells the parent over the IPC channel. */
export type InstanceMessage =
  | { kind: 'ready'; port: number }
  /** A payment event this instance emitted (after its store transition applied). */
  | { kind: 'event'; id: string; type: string; paymentId: string }
  /** A warning, error or poller error, or the info line the service logs when it lost a lease. */
  | { kind: 'log'; level: 'info' | 'warn' | 'error'; message: string; paymentId?: string }
  /** The last message of a graceful stop: everything reported before it has been sent. */
  | { kind: 'stopped' };

/** The line `applyEvidence` logs when a fenced write found its lease taken by another poller. */
export const STALE_LEASE_MESSAGE = 'stale lease: another poller owns this payment';
