import type { PaymentLedger } from './ledger.js';
import type { SandboxPayment, Scenario } from './types.js';

interface Outcome {
  status: string;
  message: string;
  webhook: boolean;
}

const OUTCOMES: Record<Exclude<Scenario, 'no-answer' | 'invalid-number'>, Outcome> = {
  approve: { status: 'SUCCESS', message: 'success', webhook: true },
  'approve-silently': { status: 'SUCCESS', message: 'success', webhook: false },
  reject: { status: 'FAILED', message: 'Payment rejected by customer', webhook: true },
  'insufficient-balance': { status: 'FAILED', message: 'Insufficient balance', webhook: true },
};

/** Answers still possible: the customer has not acted on the prompt yet. */
const AWAITING_CUSTOMER = new Set(['PROCESSING', 'PENDING']);

// With an injected clock the timer may fire before that clock says the answer is due; it then
// re-checks at this pace. Requests also settle due payments, so a fake clock needs no real waiting.
const RECHECK_MS = 25;

export class PaymentStateError extends Error {
  constructor(payment: SandboxPayment) {
    super(`Payment ${payment.orderReference} is ${payment.status}, not awaiting the customer`);
    this.name = 'PaymentStateError';
  }
}

export interface ScenarioEngineOptions {
  ledger: PaymentLedger;
  now: () => number;
  approveDelayMs: () => number;
  /** Told about every customer answer; `webhook` is false for the silent scenario. */
  onSettled: (payment: SandboxPayment, webhook: boolean) => void;
}

/** Plays the simulated customer: answers each push after approveDelayMs as its scenario says. */
export class ScenarioEngine {
  private readonly pending = new Map<SandboxPayment, { dueAt: number; timer?: NodeJS.Timeout }>();

  constructor(private readonly options: ScenarioEngineOptions) {}

  schedule(payment: SandboxPayment): void {
    if (payment.scenario === 'no-answer' || payment.scenario === 'invalid-number') return;
    const entry = { dueAt: payment.createdAt + this.options.approveDelayMs() };
    this.pending.set(payment, entry);
    this.arm(payment, Math.max(0, entry.dueAt - this.options.now()));
  }

  /** Answers every push whose time has come by the (possibly fake) clock. */
  settleDue(): void {
    const now = this.options.now();
    for (const [payment, entry] of this.pending) {
      if (now >= entry.dueAt) this.answer(payment);
    }
  }

  approve(orderReference: string): SandboxPayment {
    const payment = this.awaitingCustomer(orderReference);
    return this.settle(payment, { ...OUTCOMES.approve, webhook: payment.scenario !== 'approve-silently' });
  }

  reject(orderReference: string, message = OUTCOMES.reject.message): SandboxPayment {
    const payment = this.awaitingCustomer(orderReference);
    return this.settle(payment, {
      status: 'FAILED',
      message,
      webhook: payment.scenario !== 'approve-silently',
    });
  }

  /** Forces any status (SETTLED, REVERSED, WEIRD...) without a webhook and ends the scenario. */
  setStatus(orderReference: string, status: string, message?: string): SandboxPayment {
    const payment = this.options.ledger.require(orderReference);
    this.forget(payment);
    return this.options.ledger.transition(payment, status, message ?? payment.message);
  }

  clear(): void {
    for (const payment of [...this.pending.keys()]) this.forget(payment);
  }

  private awaitingCustomer(orderReference: string): SandboxPayment {
    const payment = this.options.ledger.require(orderReference);
    if (!AWAITING_CUSTOMER.has(payment.status)) throw new PaymentStateError(payment);
    return payment;
  }

  private arm(payment: SandboxPayment, delayMs: number): void {
    const entry = this.pending.get(payment);
    if (!entry) return;
    entry.timer = setTimeout(() => {
      const remaining = entry.dueAt - this.options.now();
      if (remaining <= 0) this.answer(payment);
      else this.arm(payment, Math.min(remaining, RECHECK_MS));
    }, delayMs);
    entry.timer.unref();
  }

  private answer(payment: SandboxPayment): void {
    this.forget(payment);
    if (!AWAITING_CUSTOMER.has(payment.status)) return;
    if (payment.scenario === 'no-answer' || payment.scenario === 'invalid-number') return;
    this.settle(payment, OUTCOMES[payment.scenario]);
  }

  private settle(payment: SandboxPayment, outcome: Outcome): SandboxPayment {
    this.forget(payment);
    this.options.ledger.transition(payment, outcome.status, outcome.message);
    this.options.onSettled(payment, outcome.webhook);
    return payment;
  }

  private forget(payment: SandboxPayment): void {
    const entry = this.pending.get(payment);
    if (entry?.timer) clearTimeout(entry.timer);
    this.pending.delete(payment);
  }
}
