import type { InitiateResult, UssdPushRequest } from '../client/types.js';
import { toProviderAmount } from '../domain/amount.js';
import type { Evidence } from '../domain/evidence.js';
import type { PaymentRecord } from '../domain/payment.js';
import { mapProviderStatus } from '../domain/status-map.js';
import { type ClickPesaKitError, ClickPesaProviderError, isClickPesaKitError } from '../errors.js';
import type { AuditEntry, PaymentChanges } from '../store/contract.js';
import { applyEvidence } from './apply-evidence.js';
import { describeError } from './audit.js';
import type { ServiceContext } from './context.js';
import { queryAndApply } from './refresh.js';
import type { PushResult } from './types.js';

/**
 * Sends the USSD push for the payment's current attempt (its row is already stored: CS-1) and applies what
 * ClickPesa answered through the transition function. Initiate is never retried here (POLL-12): an ambiguous
 * outcome stays `pending` and is reconciled by query; a 409 means the push exists, so it is queried.
 */
export async function sendPush(
  ctx: ServiceContext,
  payment: PaymentRecord,
): Promise<Omit<PushResult, 'replayed'>> {
  const request: UssdPushRequest = {
    amount: toProviderAmount(payment.amount),
    currency: payment.currency,
    orderReference: payment.orderReference,
    phoneNumber: payment.msisdn,
  };
  let result: InitiateResult;
  let audit: AuditEntry[] = [];
  let notSent = false;
  try {
    const call = await ctx.audit.call({
      paymentId: payment.id,
      endpoint: 'initiate',
      orderReference: payment.orderReference,
      request,
      run: () => ctx.client.initiateUssdPush(request, { priority: 'user', owner: payment.ownerId }),
      describe: describeInitiate,
    });
    result = call.result;
    audit = call.entries;
  } catch (error) {
    // The client throws only when the push certainly was not sent (no token, budget paused, aborted before
    // sending); a store failure while auditing is ours and propagates.
    if (isClickPesaKitError(error, 'STORE_UNAVAILABLE')) throw error;
    result = { kind: 'rejected', error: asKitError(error) };
    notSent = true;
  }

  if (result.kind === 'accepted' && unvouchedSuccess(result, payment)) {
    // a success that does not name our order reference and amount proves nothing: ask ClickPesa
    ctx.logger.warn(
      { paymentId: payment.id, orderReference: payment.orderReference },
      'clickpesa initiate answered success without the order reference or amount: confirming by query',
    );
    const confirmed = await confirmExisting(ctx, payment, audit);
    if (confirmed) return { payment: confirmed, outcome: pushOutcome(confirmed) };
    result = {
      kind: 'ambiguous',
      error: new ClickPesaProviderError('PROVIDER_BAD_RESPONSE', {
        message: 'initiate answered success without the order reference or amount',
      }),
    };
  }

  const now = ctx.clock.now();
  if (result.kind === 'exists') {
    const confirmed = await confirmExisting(ctx, payment, audit);
    if (confirmed) return { payment: confirmed, outcome: pushOutcome(confirmed) };
    result = { kind: 'ambiguous', error: result.error };
  }

  // a 429 on initiate means ClickPesa did not take the request: nothing was created
  if (result.kind === 'rejected' && result.error.code === 'PROVIDER_RATE_LIMITED') notSent = true;
  const { evidence, initiateOutcome } = initiateEvidence(result, notSent);
  const bookkeeping = (current: PaymentRecord): PaymentChanges => {
    // a query or webhook may already have shown the push exists: "unknown" must not overwrite that
    if (initiateOutcome === 'unknown')
      return current.initiateOutcome === 'not_sent' ? { initiateOutcome } : {};
    return { initiateOutcome, lastCheckedAt: now };
  };
  const applied = await applyEvidence(ctx, payment.id, evidence, {
    source: 'initiate',
    payment,
    orderReference: payment.orderReference,
    bookkeeping,
    audit,
  });
  return { payment: applied.payment, outcome: pushOutcome(applied.payment) };
}

/** What a push result means for the caller, read from the payment's state after it was applied. */
export function pushOutcome(payment: PaymentRecord): PushResult['outcome'] {
  if (payment.status === 'pending') return 'pending';
  if (payment.status === 'failed' && payment.failureReason === 'initiation_rejected') return 'rejected';
  if (payment.status === 'failed' && payment.failureReason === 'not_sent') return 'not_sent';
  return 'accepted';
}

function initiateEvidence(
  result: Exclude<InitiateResult, { kind: 'exists' }>,
  notSent: boolean,
): {
  evidence: Evidence;
  initiateOutcome: PaymentRecord['initiateOutcome'];
} {
  switch (result.kind) {
    case 'accepted':
      return {
        evidence: { kind: 'provider', source: 'initiate', record: result.payment },
        initiateOutcome: 'accepted',
      };
    case 'rejected':
      return {
        evidence: {
          kind: 'initiate_rejected',
          message: result.error.providerMessage ?? result.error.message,
          reason: notSent ? 'not_sent' : 'initiation_rejected',
        },
        initiateOutcome: notSent ? 'not_sent' : 'rejected',
      };
    case 'ambiguous':
      return {
        evidence: { kind: 'initiate_ambiguous', message: result.error.message },
        initiateOutcome: 'unknown',
      };
  }
}

/**
 * An initiate answer claiming success (SUCCESS, SETTLED) is taken as evidence only when it names our order
 * reference and the collected amount (SM-13): the amount check against the payment needs both.
 */
function unvouchedSuccess(
  result: Extract<InitiateResult, { kind: 'accepted' }>,
  payment: PaymentRecord,
): boolean {
  if (mapProviderStatus(result.payment.status).class !== 'success') return false;
  const raw = Array.isArray(result.raw) && result.raw.length === 1 ? result.raw[0] : result.raw;
  const fields = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
  const namesReference = fields.orderReference === payment.orderReference;
  const amount = fields.collectedAmount;
  const namesAmount = (typeof amount === 'string' && amount.trim() !== '') || typeof amount === 'number';
  return !(namesReference && namesAmount);
}

/**
 * 409 "order reference already used": the push exists at ClickPesa (docs/decisions.md, decision c); adopt its
 * state. Also used for an initiate success that proves nothing. Null when the query failed (the caller then
 * records an ambiguous outcome, reconciled later).
 */
async function confirmExisting(
  ctx: ServiceContext,
  payment: PaymentRecord,
  audit: AuditEntry[],
): Promise<PaymentRecord | null> {
  try {
    const outcome = await queryAndApply(ctx, payment, {
      priority: 'user',
      source: 'query',
      audit,
      // found → 'accepted' (set by the query); not yet visible → we cannot tell
      bookkeeping: (current) =>
        current.initiateOutcome === 'not_sent' ? { initiateOutcome: 'unknown' } : {},
    });
    return outcome.payment;
  } catch (error) {
    if (!isClickPesaKitError(error) || error.code === 'STORE_UNAVAILABLE') throw error;
    ctx.logger.warn({ paymentId: payment.id, err: describeError(error) }, 'query after initiate 409 failed');
    return null;
  }
}

function describeInitiate(result: InitiateResult): Record<string, unknown> {
  if (result.kind === 'accepted') return { outcome: 'accepted', response: result.raw };
  return { outcome: result.kind, error: describeError(result.error) };
}

function asKitError(error: unknown): ClickPesaKitError {
  if (isClickPesaKitError(error)) return error;
  return new ClickPesaProviderError('PROVIDER_UNAVAILABLE', { cause: error });
}
