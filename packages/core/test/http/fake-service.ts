import { randomUUID } from 'node:crypto';
import type { PaymentRecord, ProviderPayment } from '../../src/domain/payment.js';
import { ClickPesaKitError } from '../../src/errors.js';
import type { PaymentPage } from '../../src/service/list-payments.js';
import type { PaymentAudit } from '../../src/service/payment-audit.js';
import type {
  PaymentService,
  PushResult,
  StatusResult,
  WebhookInput,
  WebhookResult,
} from '../../src/service/types.js';
import { payment } from '../domain/transition-fixtures.js';

/** A full stored payment with typical example values, as a store would hand it back. */
export function paymentRecord(overrides: Partial<PaymentRecord> = {}): PaymentRecord {
  const createdAt = new Date('2025-10-01T11:51:40.000Z');
  return payment({
    id: randomUUID(),
    ownerId: 'alice',
    transactionId: 'LCPCANS7MP',
    status: 'processing',
    msisdn: '255680185784',
    provider: 'AIRTEL',
    customerName: 'Test User',
    attemptStartedAt: createdAt,
    createdAt,
    updatedAt: createdAt,
    ...overrides,
  });
}

export const providerRecord: ProviderPayment = {
  id: 'LCPCANS7MP',
  status: 'SUCCESS',
  channel: 'AIRTEL-MONEY',
  orderReference: 'PAY3A44E1A7FC81',
  collectedAmount: '1000.00',
  collectedCurrency: 'TZS',
  createdAt: '2025-10-01T11:51:42.303Z',
  paymentPhoneNumber: '255680185784',
  clientId: 'ID2tdiKYChpI44gKitdMrrf4QPwdzOpV',
};

type Call = { method: keyof PaymentService; args: unknown[] };

/**
 * A hand-written PaymentService: payments in a map, owner-scoped like the real one. Behaviour can be
 * overridden per method to play errors and outcomes.
 */
export class FakePaymentService implements PaymentService {
  readonly calls: Call[] = [];
  readonly payments = new Map<string, PaymentRecord>();
  pushOutcome: PushResult['outcome'] = 'accepted';
  webhookResult: WebhookResult = { status: 200, message: 'accepted' };
  failWith: Error | null = null;

  add(payment: PaymentRecord): PaymentRecord {
    this.payments.set(payment.id, payment);
    return payment;
  }

  private record(method: keyof PaymentService, args: unknown[]): void {
    this.calls.push({ method, args });
    if (this.failWith) throw this.failWith;
  }

  private owned(ownerId: string, paymentId: string): PaymentRecord {
    const payment = this.payments.get(paymentId);
    if (!payment || payment.ownerId !== ownerId)
      throw new ClickPesaKitError('NOT_FOUND', { message: 'Payment not found' });
    return payment;
  }

  async initiate(ownerId: string, body: unknown, options?: { idempotencyKey?: string }): Promise<PushResult> {
    this.record('initiate', [ownerId, body, options]);
    const payment = this.add(
      paymentRecord({ ownerId, status: this.pushOutcome === 'rejected' ? 'failed' : 'processing' }),
    );
    return { payment, outcome: this.pushOutcome, replayed: false };
  }

  async getPayment(ownerId: string, paymentId: string): Promise<PaymentRecord> {
    this.record('getPayment', [ownerId, paymentId]);
    return this.owned(ownerId, paymentId);
  }

  async listPayments(ownerId: string, query: Record<string, unknown>): Promise<PaymentPage> {
    this.record('listPayments', [ownerId, query]);
    const payments = [...this.payments.values()].filter((payment) => payment.ownerId === ownerId);
    return { payments, nextCursor: null };
  }

  async refreshStatus(ownerId: string, paymentId: string): Promise<StatusResult> {
    this.record('refreshStatus', [ownerId, paymentId]);
    const payment = this.owned(ownerId, paymentId);
    return { payment, providerStatus: payment.providerStatus };
  }

  async retry(
    ownerId: string,
    paymentId: string,
    options?: { idempotencyKey?: string },
  ): Promise<PushResult> {
    this.record('retry', [ownerId, paymentId, options]);
    const payment = this.owned(ownerId, paymentId);
    return {
      payment: { ...payment, attempts: payment.attempts + 1 },
      outcome: this.pushOutcome,
      replayed: false,
    };
  }

  async cancel(ownerId: string, paymentId: string): Promise<PaymentRecord> {
    this.record('cancel', [ownerId, paymentId]);
    const payment = this.owned(ownerId, paymentId);
    return { ...payment, status: 'cancelled' };
  }

  async handleWebhook(input: WebhookInput): Promise<WebhookResult> {
    this.record('handleWebhook', [input]);
    return this.webhookResult;
  }

  async audit(ownerId: string, paymentId: string): Promise<PaymentAudit> {
    this.record('audit', [ownerId, paymentId]);
    return { payment: this.owned(ownerId, paymentId), entries: [], events: [] };
  }

  async reconcileWithProvider(): Promise<never> {
    throw new Error('not used by the route tests');
  }

  async reconcile(): Promise<void> {}
  async applyListed(): Promise<void> {}
  async applyObserved(): Promise<void> {}
  async applyUnchanged(): Promise<void> {}

  async checkBy(): Promise<void> {}
}
