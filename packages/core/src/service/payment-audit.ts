import type { PaymentRecord } from '../domain/payment.js';
import type { AuditEntry, StoredEvent } from '../store/contract.js';
import { fromStore, getOwnedPayment, type ServiceContext } from './context.js';

/** One payment's history: the payment, its audit entries (oldest first) and its stored events (by seq). */
export interface PaymentAudit {
  payment: PaymentRecord;
  /** ClickPesa requests and answers, webhooks and transitions, redacted when they were written. */
  entries: AuditEntry[];
  /** The payment's events in seq order, as the outbox holds them. */
  events: StoredEvent[];
}

/**
 * The transition log of one payment, scoped by its owner: another owner's payment is NOT_FOUND, like every
 * other read. Reads only what the store already keeps (`listAudit`, `listEvents`); never calls ClickPesa.
 */
export async function readPaymentAudit(
  ctx: ServiceContext,
  ownerId: string,
  paymentId: string,
): Promise<PaymentAudit> {
  const payment = await getOwnedPayment(ctx, ownerId, paymentId);
  const [entries, events] = await Promise.all([
    fromStore(() => ctx.store.listAudit(payment.id)),
    fromStore(() => ctx.store.listEvents(payment.id)),
  ]);
  return {
    payment,
    entries: [...entries].sort((a, b) => a.at.getTime() - b.at.getTime()),
    events: [...events].sort((a, b) => a.seq - b.seq),
  };
}
