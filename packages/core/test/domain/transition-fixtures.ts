import type { Evidence } from '../../src/domain/evidence.js';
import type { PaymentRecord, PaymentStatus, ProviderPayment } from '../../src/domain/payment.js';

export const T0 = new Date('2026-01-05T10:00:00.000Z');
export const REF = 'PAY3A44E1A7FC81';

export function payment(overrides: Partial<PaymentRecord> = {}): PaymentRecord {
  return {
    id: 'b3c1f1de-0000-4000-8000-000000000001',
    ownerId: 'owner-a',
    orderReference: REF,
    orderReferences: [REF],
    transactionId: null,
    status: 'pending',
    amount: '1000.00',
    currency: 'TZS',
    msisdn: '255712345678',
    provider: 'TIGO',
    customerName: null,
    metadata: null,
    externalOrderId: null,
    errorMessage: null,
    failureReason: null,
    needsAttention: false,
    amountMismatch: false,
    collectedAmount: null,
    collectedCurrency: null,
    attempts: 1,
    attemptStartedAt: T0,
    initiateOutcome: 'accepted',
    providerStatus: null,
    callbackUrl: null,
    version: 1,
    createdAt: T0,
    updatedAt: T0,
    completedAt: null,
    settledAt: null,
    lastCheckedAt: null,
    nextPollAt: null,
    pollCount: 0,
    stuckNotifiedAt: null,
    ...overrides,
  };
}

/** A payment already in `status`, with the fields the rules would have set on the way there. */
export function paymentIn(status: PaymentStatus, overrides: Partial<PaymentRecord> = {}): PaymentRecord {
  const done = new Date(T0.getTime() + 60_000);
  const byStatus: Record<PaymentStatus, Partial<PaymentRecord>> = {
    pending: {},
    processing: { transactionId: 'TX-1' },
    success: { transactionId: 'TX-1', completedAt: done },
    failed: {
      transactionId: 'TX-1',
      completedAt: done,
      failureReason: 'provider_failed',
      errorMessage: 'Insufficient balance',
    },
    cancelled: { completedAt: done },
    reversed: { transactionId: 'TX-1', completedAt: done },
  };
  return payment({ status, ...byStatus[status], ...overrides });
}

export function record(status: string, overrides: Partial<ProviderPayment> = {}): ProviderPayment {
  return {
    id: 'TX-1',
    status,
    orderReference: REF,
    channel: 'TIGO-PESA',
    collectedAmount: '1000',
    collectedCurrency: 'TZS',
    updatedAt: '2026-01-05T10:00:30.000Z',
    ...overrides,
  };
}

export function provider(
  status: string,
  overrides: Partial<ProviderPayment> = {},
  source: 'initiate' | 'query' | 'webhook' | 'poller' = 'query',
): Evidence {
  return { kind: 'provider', source, record: record(status, overrides) };
}
