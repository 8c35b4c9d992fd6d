import type { QueryResult } from '../client/types.js';
import type { Evidence } from '../domain/evidence.js';
import {
  ACTIVE_STATUSES,
  FINAL_STATUSES,
  type PaymentRecord,
  type ProviderPayment,
} from '../domain/payment.js';
import { pickAuthoritative } from '../domain/status-map.js';
import { ClickPesaKitError } from '../errors.js';
import type { AuditEntry, PaymentChanges } from '../store/contract.js';
import { type ApplyOptions, applyEvidence } from './apply-evidence.js';
import { describeError } from './audit.js';
import { Coalescer } from './coalescer.js';
import { fromStore, getOwnedPayment, isStoreFailure, type ServiceContext } from './context.js';
import { isStale, withFreshness } from './freshness.js';
import type { StatusResult } from './types.js';

export interface QueryOutcome {
  payment: PaymentRecord;
  /** ClickPesa's authoritative record from this query; null when it does not (yet) know the reference. */
  queried: ProviderPayment | null;
  /** The lease was lost or the payment moved on to another attempt: nothing was written. */
  stale: boolean;
}

export interface QueryAndApplyOptions
  extends Pick<ApplyOptions, 'leaseToken' | 'releaseLease' | 'reschedule' | 'bookkeeping'> {
  priority: 'user' | 'background';
  source: 'query' | 'poller' | 'reconcile';
  /** Aborts the query, including its wait in the provider budget (the poller ties it to its lease). */
  signal?: AbortSignal;
  /** Audit entries of an earlier call (e.g. the initiate that answered 409) to store with this change. */
  audit?: AuditEntry[];
}

/** Queries ClickPesa for the payment's current order reference and applies the answer. Throws client errors. */
export async function queryAndApply(
  ctx: ServiceContext,
  payment: PaymentRecord,
  options: QueryAndApplyOptions,
): Promise<QueryOutcome> {
  const orderReference = payment.orderReference;
  const { result, entries } = await ctx.audit.call({
    paymentId: payment.id,
    endpoint: 'query',
    orderReference,
    run: () =>
      ctx.client.queryPayment(orderReference, {
        priority: options.priority,
        ...(options.signal ? { signal: options.signal } : {}),
      }),
    describe: describeQuery,
  });
  const queried = result.kind === 'found' ? pickAuthoritative(result.payments) : null;
  const applied = await applyQueried(ctx, payment, queried, {
    ...options,
    audit: [...(options.audit ?? []), ...entries],
  });
  return { payment: applied.payment, queried, stale: applied.stale };
}

/** Applies a known provider answer (a query result, or a record from the list endpoint) to one payment. */
export async function applyQueried(
  ctx: ServiceContext,
  payment: PaymentRecord,
  queried: ProviderPayment | null,
  options: Omit<QueryAndApplyOptions, 'priority'>,
) {
  const now = ctx.clock.now();
  const evidence: Evidence =
    queried === null
      ? {
          kind: 'not_found',
          final: now.getTime() - payment.attemptStartedAt.getTime() >= ctx.options.notFoundGraceMs,
        }
      : { kind: 'provider', source: options.source, record: queried };
  const bookkeeping: ApplyOptions['bookkeeping'] = (current, decision) => {
    const changes: PaymentChanges = { lastCheckedAt: now, ...options.bookkeeping?.(current, decision) };
    // ClickPesa knows the reference, so the push was sent whatever the initiate call told us
    if (
      queried !== null &&
      (current.initiateOutcome === 'unknown' || current.initiateOutcome === 'not_sent')
    ) {
      changes.initiateOutcome = 'accepted';
    }
    // same status as before: keep ClickPesa's latest record anyway (newer updatedAt, message); a regression's
    // record is not kept, so provider_status never contradicts a final status
    if (queried !== null && decision.ignoredReason === 'duplicate') changes.providerStatus = queried;
    return changes;
  };
  const applyOptions: ApplyOptions = {
    source: options.source,
    payment,
    orderReference: payment.orderReference,
    bookkeeping,
  };
  if (options.audit) applyOptions.audit = options.audit;
  if (options.reschedule) applyOptions.reschedule = true;
  if (options.leaseToken !== undefined) applyOptions.leaseToken = options.leaseToken;
  if (options.releaseLease) applyOptions.releaseLease = true;
  return applyEvidence(ctx, payment.id, evidence, applyOptions);
}

function describeQuery(result: QueryResult): Record<string, unknown> {
  return result.kind === 'found' ? { outcome: 'found', response: result.raw } : { outcome: 'not_found' };
}

/**
 * Coalesced confirmation queries: concurrent callers for one payment share one upstream query (and one
 * apply). `fresh` callers (webhooks, retries) get a query sent after they arrived.
 */
export interface Confirmer {
  confirm(
    paymentId: string,
    options: { priority: 'user' | 'background'; fresh?: boolean },
  ): Promise<QueryOutcome>;
}

export function createConfirmer(ctx: ServiceContext): Confirmer {
  const coalescer = new Coalescer<QueryOutcome>();
  return {
    confirm(paymentId, options) {
      return coalescer.run(
        paymentId,
        async () => {
          const payment = await fromStore(() => ctx.store.getPayment(paymentId));
          if (payment === null) throw new ClickPesaKitError('NOT_FOUND', { message: 'Payment not found' });
          return queryAndApply(ctx, payment, { priority: options.priority, source: 'query' });
        },
        { fresh: options.fresh ?? false },
      );
    },
  };
}

/** How long the status route (without a poller) waits for its live check before answering from the store. */
export const LIVE_REFRESH_WAIT_MS = 500;

/**
 * The status route when no poller runs: a payment still in flight whose last provider check is older than
 * `statusRefreshMs` is refreshed from ClickPesa (coalesced); final payments are answered from the store with no
 * upstream call. The wait is bounded: when ClickPesa is slow, throttling or unreachable, the stored state is
 * returned after `LIVE_REFRESH_WAIT_MS` and the check finishes (and is stored) in the background.
 */
export async function refreshStatus(
  ctx: ServiceContext,
  confirmer: Confirmer,
  ownerId: string,
  paymentId: string,
): Promise<StatusResult> {
  const payment = await getOwnedPayment(ctx, ownerId, paymentId);
  if (FINAL_STATUSES.has(payment.status) || !ACTIVE_STATUSES.has(payment.status) || !isStale(ctx, payment)) {
    return withFreshness(ctx, payment, payment.providerStatus);
  }
  const check = confirmer.confirm(payment.id, { priority: 'user' }).then(
    (outcome) => withFreshness(ctx, outcome.payment, outcome.queried ?? outcome.payment.providerStatus),
    (error: unknown) => {
      if (isStoreFailure(error)) throw error;
      ctx.logger.warn(
        { paymentId, err: describeError(error) },
        'status refresh failed; answering with stored state',
      );
      return null;
    },
  );
  const timer = new AbortController();
  const answered = await Promise.race([
    check,
    ctx.clock.sleep(LIVE_REFRESH_WAIT_MS, timer.signal).then(
      () => null,
      () => null,
    ),
  ]).finally(() => timer.abort());
  if (answered !== null) return answered;
  // the check goes on without us; a store failure it meets is logged, never unhandled
  check.catch((error: unknown) => {
    ctx.logger.warn({ paymentId, err: describeError(error) }, 'background status refresh failed');
  });
  return withFreshness(ctx, payment, payment.providerStatus);
}
