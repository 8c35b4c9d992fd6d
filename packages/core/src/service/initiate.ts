import { randomUUID } from 'node:crypto';
import { generateOrderReference } from '../domain/order-reference.js';
import type { PaymentRecord } from '../domain/payment.js';
import { nextPollAt } from '../domain/schedule.js';
import { ClickPesaKitError, isClickPesaKitError } from '../errors.js';
import type { CreatePaymentResult, NewEvent } from '../store/contract.js';
import { emitStoredEvents } from './apply-evidence.js';
import { fromStore, routed, type ServiceContext } from './context.js';
import {
  checkIdempotencyKey,
  newIdempotencyRecord,
  replayRequest,
  requestFingerprint,
} from './idempotency.js';
import { msisdnHeldSince } from './msisdn-hold.js';
import { OrderHasActivePaymentError } from './order-busy.js';
import { sendPush } from './push.js';
import type { Confirmer } from './refresh.js';
import { chargedAmount } from './server-amount.js';
import type { PushCallOptions, PushResult } from './types.js';
import { type InitiateRequest, validateInitiateBody } from './validation.js';

const INITIATE_SCOPE = 'initiate';
/**
 * Attempts at finding an unused order reference: 48 random bits do collide, rarely (docs/decisions.md,
 * decision d).
 */
const REFERENCE_ATTEMPTS = 3;

/**
 * POST /payments: validate (nothing is stored on failure, IDEM-7) → with `resolveAmount`, take the server's
 * price (SEC-7; idempotent replays skip it: the request fingerprint is the client's body) → write the `pending` row, its order
 * reference and the idempotency record in ONE store call (CS-1, IDEM-12) → push → apply the outcome.
 * The row carries `nextPollAt` from the start, so a crash or store failure after it was written still leaves
 * something the poller reconciles.
 */
export async function initiatePayment(
  ctx: ServiceContext,
  confirmer: Confirmer,
  ownerId: string,
  body: unknown,
  options: PushCallOptions = {},
): Promise<PushResult> {
  const key = checkIdempotencyKey(options.idempotencyKey, ctx.options);
  const request = validateInitiateBody(body, ctx.options);
  const fingerprint = requestFingerprint(ownerId, INITIATE_SCOPE, { ...request });
  const replayInput = { ownerId, scope: INITIATE_SCOPE, fingerprint };

  if (key !== undefined) {
    const existing = await fromStore(() => ctx.store.getIdempotency(ownerId, key, ctx.clock.now()));
    if (existing) return replayRequest(ctx, confirmer, existing, replayInput);
  }
  // a replay sends nothing and is not counted; a limited push writes nothing (SEC-16)
  await ctx.pushLimits({ route: 'initiate', ownerId, msisdn: request.msisdn, ...clientIpOf(options) });

  const charged = await chargedAmount(ctx, ownerId, request, body);
  const created = await createPendingPayment(ctx, ownerId, charged, key, fingerprint);
  if (created.kind === 'idempotency_conflict')
    return replayRequest(ctx, confirmer, created.existing, replayInput);
  if (created.kind === 'msisdn_busy') throw new ClickPesaKitError('PUSH_IN_PROGRESS');
  if (created.kind === 'order_busy') {
    throw new OrderHasActivePaymentError(
      await fromStore(() => ctx.store.getPayment(created.paymentId, ownerId)),
    );
  }
  if (created.kind === 'order_attempts_exhausted') {
    throw new ClickPesaKitError('ORDER_ATTEMPTS_EXHAUSTED', {
      message: `This order already has ${created.attempts} payments, the most allowed; it cannot be paid with another one`,
    });
  }
  emitStoredEvents(ctx, created.payment, created.events);

  const pushed = await sendPush(ctx, created.payment);
  if (key !== undefined) await fromStore(() => ctx.store.completeIdempotency(ownerId, key));
  return { ...pushed, replayed: false };
}

/** The `clientIp` field of a push attempt, when the caller gave one. */
export function clientIpOf(options: PushCallOptions): { clientIp?: string } {
  return options.clientIp === undefined ? {} : { clientIp: options.clientIp };
}

async function createPendingPayment(
  ctx: ServiceContext,
  ownerId: string,
  request: InitiateRequest,
  key: string | undefined,
  fingerprint: string,
): Promise<CreatePaymentResult> {
  for (let attempt = 1; ; attempt++) {
    const now = ctx.clock.now();
    const payment = newPaymentRecord(ctx, ownerId, request, now);
    const created: NewEvent = {
      id: randomUUID(),
      type: 'payment.created',
      occurredAt: now,
      data: { to: 'pending', source: 'initiate' },
    };
    try {
      return await fromStore(() =>
        ctx.store.createPayment({
          payment,
          exclusiveMsisdn: ctx.options.exclusivePushPerMsisdn,
          msisdnHeldSince: msisdnHeldSince(ctx, now),
          maxOrderAttempts: ctx.options.maxAttemptsPerOrder,
          events: routed(ctx, payment, [created]),
          audit: [{ paymentId: payment.id, at: now, kind: 'note', data: { note: 'created', attempt: 1 } }],
          ...(key === undefined
            ? {}
            : {
                idempotency: newIdempotencyRecord({
                  ownerId,
                  key,
                  scope: INITIATE_SCOPE,
                  fingerprint,
                  paymentId: payment.id,
                  now,
                  ttlMs: ctx.options.idempotencyTtlMs,
                }),
              }),
        }),
      );
    } catch (error) {
      // a unique violation here is an order reference collision: draw another one
      if (isClickPesaKitError(error, 'STORE_CONFLICT') && attempt < REFERENCE_ATTEMPTS) continue;
      throw error;
    }
  }
}

function newPaymentRecord(
  ctx: ServiceContext,
  ownerId: string,
  request: InitiateRequest,
  now: Date,
): PaymentRecord {
  const orderReference = generateOrderReference();
  const payment: PaymentRecord = {
    id: randomUUID(),
    ownerId,
    orderReference,
    orderReferences: [orderReference],
    transactionId: null,
    status: 'pending',
    amount: request.amount,
    currency: request.currency,
    msisdn: request.msisdn,
    provider: request.provider,
    customerName: request.customerName,
    metadata: request.metadata,
    externalOrderId: request.externalOrderId,
    errorMessage: null,
    failureReason: null,
    needsAttention: false,
    amountMismatch: false,
    collectedAmount: null,
    collectedCurrency: null,
    attempts: 1,
    attemptStartedAt: now,
    initiateOutcome: 'not_sent',
    providerStatus: null,
    callbackUrl: request.callbackUrl,
    version: 1,
    createdAt: now,
    updatedAt: now,
    completedAt: null,
    settledAt: null,
    lastCheckedAt: null,
    nextPollAt: null,
    pollCount: 0,
    stuckNotifiedAt: null,
  };
  payment.nextPollAt = nextPollAt(payment, now, now, ctx.options.random, ctx.options.schedule);
  return payment;
}
