import { createHash } from 'node:crypto';
import { ClickPesaKitError } from '../errors.js';
import { canonicalize } from '../shared/checksum.js';
import type { IdempotencyRecord } from '../store/contract.js';
import { describeError } from './audit.js';
import { fromStore, isStoreFailure, type ServiceContext } from './context.js';
import type { ResolvedServiceOptions } from './options.js';
import { pushOutcome } from './push.js';
import type { Confirmer } from './refresh.js';
import type { PushResult } from './types.js';

/**
 * Idempotency-Key handling (IDEM-1..7; docs/decisions.md, decision g). Keys are scoped per owner; the record is
 * claimed atomically by the store (with the payment row for initiate, IDEM-12); replays return the payment's
 * CURRENT state, never a frozen response (IDEM-5).
 */

const PRINTABLE_ASCII = /^[\x20-\x7e]{1,255}$/;

/** Checks the header value (1–255 printable ASCII) and the "require key" mode; returns the key or undefined. */
export function checkIdempotencyKey(
  key: string | undefined,
  options: Pick<ResolvedServiceOptions, 'requireIdempotencyKey'>,
): string | undefined {
  if (key === undefined) {
    if (options.requireIdempotencyKey) throw new ClickPesaKitError('IDEMPOTENCY_KEY_REQUIRED');
    return undefined;
  }
  if (typeof key !== 'string' || !PRINTABLE_ASCII.test(key)) {
    throw new ClickPesaKitError('VALIDATION_ERROR', {
      details: [{ field: 'Idempotency-Key', message: 'must be 1 to 255 printable ASCII characters' }],
    });
  }
  return key;
}

/**
 * sha256 over the normalised request: the owner, the route (scope) and the request's meaning, so `1000` and
 * `"1000.00"`, or `0712345678` and `255712345678`, are the same request (IDEM-4, SEC-2).
 */
export function requestFingerprint(ownerId: string, scope: string, request: Record<string, unknown>): string {
  return createHash('sha256').update(canonicalize({ ownerId, scope, request }), 'utf8').digest('hex');
}

export function newIdempotencyRecord(input: {
  ownerId: string;
  key: string;
  scope: string;
  fingerprint: string;
  paymentId: string;
  now: Date;
  ttlMs: number;
}): IdempotencyRecord {
  return {
    ownerId: input.ownerId,
    key: input.key,
    fingerprint: input.fingerprint,
    scope: input.scope,
    paymentId: input.paymentId,
    state: 'in_flight',
    createdAt: input.now,
    expiresAt: new Date(input.now.getTime() + input.ttlMs),
  };
}

/**
 * What an earlier record with the same key means for this request: a different request is refused (422), one
 * still running is refused (409) unless it is older than the lock (abandoned), anything else replays.
 */
export function judgeExistingRecord(
  existing: IdempotencyRecord,
  request: { scope: string; fingerprint: string },
  now: Date,
  lockMs: number,
): 'replay' {
  if (existing.scope !== request.scope || existing.fingerprint !== request.fingerprint) {
    throw new ClickPesaKitError('IDEMPOTENCY_KEY_REUSED');
  }
  const abandoned = now.getTime() - new Date(existing.createdAt).getTime() >= lockMs;
  if (existing.state === 'in_flight' && !abandoned) throw new ClickPesaKitError('IDEMPOTENCY_KEY_IN_USE');
  return 'replay';
}

/**
 * Answers a request whose key was used before: the payment's CURRENT state (IDEM-5). A payment whose push
 * outcome is still unknown is queried first (coalesced) — a replay never sends a second push.
 */
export async function replayRequest(
  ctx: ServiceContext,
  confirmer: Confirmer,
  existing: IdempotencyRecord,
  request: { ownerId: string; scope: string; fingerprint: string },
): Promise<PushResult> {
  const now = ctx.clock.now();
  judgeExistingRecord(existing, request, now, ctx.options.idempotencyLockMs);
  let payment = await fromStore(() => ctx.store.getPayment(existing.paymentId, request.ownerId));
  if (payment === null) throw new ClickPesaKitError('NOT_FOUND', { message: 'Payment not found' });
  if (payment.status === 'pending' && payment.initiateOutcome !== 'rejected') {
    try {
      payment = (await confirmer.confirm(payment.id, { priority: 'user' })).payment;
    } catch (error) {
      if (isStoreFailure(error)) throw error;
      ctx.logger.warn(
        { paymentId: payment.id, err: describeError(error) },
        'replay could not query ClickPesa',
      );
    }
  }
  if (existing.state === 'in_flight') {
    // the original request was abandoned (crash, lost store write): from now on this key simply replays
    await fromStore(() => ctx.store.completeIdempotency(request.ownerId, existing.key));
  }
  return { payment, outcome: pushOutcome(payment), replayed: true };
}
