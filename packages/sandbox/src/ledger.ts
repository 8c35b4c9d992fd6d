import { randomBytes } from 'node:crypto';
import type { Channel, SandboxPayment, Scenario } from './types.js';

export interface NewPayment {
  orderReference: string;
  amount: string;
  phoneNumber: string;
  channel: Channel;
  scenario: Scenario;
  clientId: string;
}

export class UnknownPaymentError extends Error {
  constructor(orderReference: string) {
    super(`No sandbox payment with order reference ${orderReference}`);
    this.name = 'UnknownPaymentError';
  }
}

/** Provider-side truth: every push per order reference, with its status timeline. */
export class PaymentLedger {
  private readonly byReference = new Map<string, SandboxPayment[]>();
  private readonly inCreationOrder: SandboxPayment[] = [];

  constructor(private readonly now: () => number) {}

  create(input: NewPayment): SandboxPayment {
    const at = this.now();
    const attempts = this.byReference.get(input.orderReference) ?? [];
    const payment: SandboxPayment = {
      ...input,
      // ClickPesa's samples show ids like "<orderReference>LCP<suffix>".
      id: `${input.orderReference}LCP${randomBytes(3).toString('hex').toUpperCase()}`,
      status: 'PROCESSING',
      message: 'Processing',
      currency: 'TZS',
      customerName: 'Sandbox Customer',
      createdAt: at,
      updatedAt: at,
      attempt: attempts.length + 1,
      history: [{ status: 'PROCESSING', message: 'Processing', at }],
    };
    attempts.push(payment);
    this.inCreationOrder.push(payment);
    this.byReference.set(input.orderReference, attempts);
    return payment;
  }

  has(orderReference: string): boolean {
    return this.byReference.has(orderReference);
  }

  /** The newest push for the reference (live object; copy before handing it out). */
  latest(orderReference: string): SandboxPayment | undefined {
    return this.byReference.get(orderReference)?.at(-1);
  }

  attempts(orderReference: string): SandboxPayment[] {
    return this.byReference.get(orderReference) ?? [];
  }

  /** Every push, oldest first. */
  all(): SandboxPayment[] {
    return [...this.inCreationOrder];
  }

  /** The newest push for the reference; throws for an unknown reference. */
  require(orderReference: string): SandboxPayment {
    const payment = this.latest(orderReference);
    if (!payment) throw new UnknownPaymentError(orderReference);
    return payment;
  }

  transition(payment: SandboxPayment, status: string, message: string): SandboxPayment {
    const at = this.now();
    payment.status = status;
    payment.message = message;
    payment.updatedAt = at;
    if ((status === 'SUCCESS' || status === 'SETTLED') && !payment.paymentReference) {
      payment.paymentReference = `SBX${randomBytes(5).toString('hex').toUpperCase()}`;
    }
    payment.history.push({ status, message, at });
    return payment;
  }

  clear(): void {
    this.byReference.clear();
    this.inCreationOrder.length = 0;
  }
}

export function snapshot(payment: SandboxPayment): SandboxPayment {
  return { ...payment, history: payment.history.map((change) => ({ ...change })) };
}
