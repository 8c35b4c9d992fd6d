import { randomUUID } from 'node:crypto';
import { generateOrderReference } from '../domain/order-reference.js';
import type { PaymentRecord } from '../domain/payment.js';
import { nextPollAt } from '../domain/schedule.js';
import { mapProviderStatus } from '../domain/status-map.js';
import { ClickPesaKitError, isClickPesaKitError, StoreConflictError } from '../errors.js';
import type { PaymentChanges, TransitionResult } from '../store/contract.js';
import { holdsOrder } from '../store/store-rules.js';
import { emitStoredEvents } from './apply-evidence.js';
import { fromStore, getOwnedPayment, routed, type ServiceContext } from './context.js';
import {
  checkIdempotencyKey,
  newIdempotencyRecord,
  replayRequest,
  requestFingerprint,
} from './idempotency.js';
import { clientIpOf } from './initiate.js';
import { msisdnHeldSince } from './msisdn-hold.js';
import { OrderHasActivePaymentError } from './order-busy.js';
import { sendPush } from './push.js';
import type { Confirmer } from './refresh.js';
import type { PushCallOptions, PushResult } from './types.js';

const RETRYABLE: ReadonlySet<PaymentRecord['status']> = new Set(['failed', 'cancelled']);
const MAX_ROUNDS = 5;

/**
 * POST /payments/:id/retry (IDEM-10): only from `failed`/`cancelled`, and only after a fresh
 * query of the LAST reference shows that attempt did not succeed (a late success is applied and answered
 * ALREADY_PAID). A retry is a new attempt, not provider evidence, so it is a direct compare-and-set with a new
 * order reference; then the push goes out exactly like a first initiate.
 */
export async function retryPayment(
  ctx: ServiceContext,
  confirmer: Confirmer,
  ownerId: string,
  paymentId: string,
  options: PushCallOptions = {},
): Promise<PushResult> {
  const key = checkIdempotencyKey(options.idempotencyKey, ctx.options);
  let payment = await getOwnedPayment(ctx, ownerId, paymentId);
  const scope = `retry:${payment.id}`;
  const request = { ownerId, scope, fingerprint: requestFingerprint(ownerId, scope, {}) };

  if (key !== undefined) {
    const existing = await fromStore(() => ctx.store.getIdempotency(ownerId, key, ctx.clock.now()));
    if (existing) return replayRequest(ctx, confirmer, existing, request);
  }
  assertRetryable(payment);
  // before the confirming query: a limited retry costs no ClickPesa call and writes nothing (SEC-16)
  await ctx.pushLimits({ route: 'retry', ownerId, msisdn: payment.msisdn, ...clientIpOf(options) });

  // the last attempt must be confirmed not paid before a second prompt goes out
  const confirmed = await confirmer.confirm(payment.id, { priority: 'user', fresh: true });
  payment = confirmed.payment;
  assertRetryable(payment);
  if (confirmed.queried !== null && mapProviderStatus(confirmed.queried.status).class !== 'failed') {
    throw new ClickPesaKitError('RETRY_NOT_ALLOWED', {
      message: 'ClickPesa still shows the last attempt as open; wait for it to finish',
    });
  }

  const msisdn = payment.msisdn;
  if (
    ctx.options.exclusivePushPerMsisdn &&
    (await fromStore(() => ctx.store.hasActivePush(msisdn, paymentId, msisdnHeldSince(ctx, ctx.clock.now()))))
  ) {
    throw new ClickPesaKitError('PUSH_IN_PROGRESS');
  }

  if (key !== undefined) {
    const claim = newIdempotencyRecord({
      ...request,
      key,
      paymentId: payment.id,
      now: ctx.clock.now(),
      ttlMs: ctx.options.idempotencyTtlMs,
    });
    const claimed = await fromStore(() => ctx.store.claimIdempotency(claim));
    if (claimed.kind === 'exists') return replayRequest(ctx, confirmer, claimed.existing, request);
  }
  try {
    const attempt = await startNewAttempt(ctx, payment);
    const pushed = await sendPush(ctx, attempt);
    return { ...pushed, replayed: false };
  } finally {
    // completed even when the retry was refused after the claim: the key then replays the current state
    if (key !== undefined) await fromStore(() => ctx.store.completeIdempotency(ownerId, key));
  }
}

/** The payment holding `payment`'s order (for the 409's `data`), or null when none is found any more. */
async function orderHolder(ctx: ServiceContext, payment: PaymentRecord): Promise<PaymentRecord | null> {
  if (payment.externalOrderId === null) return null;
  const externalOrderId = payment.externalOrderId;
  const attempts = await fromStore(() =>
    ctx.store.listPayments({ ownerId: payment.ownerId, externalOrderId, limit: 100 }),
  );
  return attempts.find((other) => other.id !== payment.id && holdsOrder(other)) ?? null;
}

function assertRetryable(payment: PaymentRecord): void {
  if (payment.status === 'success') throw new ClickPesaKitError('ALREADY_PAID');
  if (!RETRYABLE.has(payment.status)) {
    throw new ClickPesaKitError('RETRY_NOT_ALLOWED', {
      message: `A ${payment.status} payment cannot be retried; only failed or cancelled ones can`,
    });
  }
}

/** The new attempt: a fresh order reference and a clean slate, written only if nothing moved meanwhile. */
async function startNewAttempt(ctx: ServiceContext, confirmed: PaymentRecord): Promise<PaymentRecord> {
  let latest: PaymentRecord | null = confirmed;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    if (latest === null) throw new ClickPesaKitError('NOT_FOUND', { message: 'Payment not found' });
    const current: PaymentRecord = latest;
    assertRetryable(current);
    if (current.orderReference !== confirmed.orderReference) {
      throw new ClickPesaKitError('RETRY_NOT_ALLOWED', {
        message: 'The payment was retried by another request',
      });
    }
    const now = ctx.clock.now();
    const orderReference = generateOrderReference();
    const changes: PaymentChanges = {
      orderReference,
      status: 'pending',
      failureReason: null,
      errorMessage: null,
      transactionId: null,
      providerStatus: null,
      initiateOutcome: 'not_sent',
      needsAttention: false,
      attempts: current.attempts + 1,
      attemptStartedAt: now,
      completedAt: null,
      lastCheckedAt: null,
      pollCount: 0,
      stuckNotifiedAt: null,
      updatedAt: now,
    };
    changes.nextPollAt = nextPollAt(
      { status: 'pending', failureReason: null, pollCount: 0 },
      now,
      now,
      ctx.options.random,
      ctx.options.schedule,
    );
    const eventData = { from: current.status, to: 'pending', source: 'manual' };
    let result: TransitionResult;
    try {
      result = await fromStore(() =>
        ctx.store.transition({
          paymentId: current.id,
          expectedVersion: current.version,
          changes,
          events: routed(ctx, current, [
            { id: randomUUID(), type: 'payment.status_changed', occurredAt: now, data: eventData },
          ]),
          audit: [
            {
              paymentId: current.id,
              at: now,
              kind: 'retry',
              data: {
                attempt: current.attempts + 1,
                previousReference: current.orderReference,
                orderReference,
                previousStatus: current.status,
              },
            },
          ],
        }),
      );
    } catch (error) {
      // an order reference collision: draw another one
      if (isClickPesaKitError(error, 'STORE_CONFLICT')) continue;
      throw error;
    }
    if (result.applied) {
      emitStoredEvents(ctx, result.payment, result.events);
      return result.payment;
    }
    if (result.reason === 'not_found')
      throw new ClickPesaKitError('NOT_FOUND', { message: 'Payment not found' });
    if (result.reason === 'order_busy') throw new OrderHasActivePaymentError(await orderHolder(ctx, current));
    latest = result.payment ?? (await fromStore(() => ctx.store.getPayment(confirmed.id)));
  }
  throw new StoreConflictError({ message: 'The payment kept changing; try again' });
}
