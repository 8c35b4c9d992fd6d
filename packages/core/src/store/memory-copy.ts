import type { PaymentRecord } from '../domain/payment.js';

/** Copies in and out of the memory store: callers can never reach (and mutate) a stored row. */

/**
 * A payment row in or out, field by field: every read of the hot path (GET /payments/:id) copies one, and a
 * literal of known fields is several times cheaper than walking them. Listing every field means a new
 * PaymentRecord field fails to compile here until it is given its copy (a fresh Date, a copy of an array or
 * object, or the value itself for strings, numbers and booleans). `orderReferences`, `metadata` and
 * `providerStatus` are flat by their types (strings, or primitives: the service rejects nested metadata), so
 * one level of copy is a full copy. Keys outside PaymentRecord are not kept, as in the SQL stores, which map
 * their columns.
 */
export function copyPayment(payment: PaymentRecord): PaymentRecord {
  return {
    id: payment.id,
    ownerId: payment.ownerId,
    orderReference: payment.orderReference,
    orderReferences: [...payment.orderReferences],
    transactionId: payment.transactionId,
    status: payment.status,
    amount: payment.amount,
    currency: payment.currency,
    msisdn: payment.msisdn,
    provider: payment.provider,
    customerName: payment.customerName,
    metadata: payment.metadata && { ...payment.metadata },
    externalOrderId: payment.externalOrderId,
    errorMessage: payment.errorMessage,
    failureReason: payment.failureReason,
    needsAttention: payment.needsAttention,
    amountMismatch: payment.amountMismatch,
    collectedAmount: payment.collectedAmount,
    collectedCurrency: payment.collectedCurrency,
    attempts: payment.attempts,
    attemptStartedAt: copyDate(payment.attemptStartedAt),
    initiateOutcome: payment.initiateOutcome,
    providerStatus: payment.providerStatus && { ...payment.providerStatus },
    callbackUrl: payment.callbackUrl,
    version: payment.version,
    createdAt: copyDate(payment.createdAt),
    updatedAt: copyDate(payment.updatedAt),
    completedAt: copyDate(payment.completedAt),
    settledAt: copyDate(payment.settledAt),
    lastCheckedAt: copyDate(payment.lastCheckedAt),
    nextPollAt: copyDate(payment.nextPollAt),
    pollCount: payment.pollCount,
    stuckNotifiedAt: copyDate(payment.stuckNotifiedAt),
  };
}

function copyDate<T extends Date | null>(value: T): T {
  return value instanceof Date ? (new Date(value.getTime()) as T) : clone(value);
}

/**
 * Deep copy that keeps Dates as Dates (and strips nothing else). Stored rows are plain data (objects, arrays,
 * Dates, primitives), copied here by hand because this runs on every read: `structuredClone` of a payment
 * record cost ~10 times more and was most of a GET's time. Anything else (a Map, a class instance, a
 * function) still goes through `structuredClone`, which copies or rejects it exactly as before.
 */
export function clone<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return isReference(value) ? structuredClone(value) : value;
  if (value instanceof Date) return new Date(value.getTime()) as T;
  if (Array.isArray(value)) return value.map(clone) as T;
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return structuredClone(value);
  // spread, then replace only the nested values: far cheaper than copying key by key (for-in uses V8's enum cache)
  const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  for (const key in copy) {
    const item = copy[key];
    if (isReference(item) && Object.hasOwn(copy, key)) copy[key] = clone(item);
  }
  return copy as T;
}

/** Anything `clone` must not hand back as is: objects, arrays, functions, symbols. */
function isReference(value: unknown): boolean {
  return (
    (typeof value === 'object' && value !== null) || typeof value === 'function' || typeof value === 'symbol'
  );
}
