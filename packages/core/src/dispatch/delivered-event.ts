import type { PaymentRecord } from '../domain/payment.js';
import { transitionFields } from '../events.js';
import type { PaymentStore, StoredEvent } from '../store/contract.js';
import type { DeliveredEvent } from './types.js';

/**
 * A stored event as handlers see it. The payment is the snapshot stored with the event; only an event older
 * than the outbox has none, and then the current payment stands in (null when it is gone too).
 */
export async function toDeliveredEvent(
  stored: StoredEvent,
  store: Pick<PaymentStore, 'getPayment'>,
): Promise<DeliveredEvent | null> {
  const payment: PaymentRecord | null = stored.payment ?? (await store.getPayment(stored.paymentId));
  if (payment === null) return null;
  return {
    eventId: stored.id,
    paymentId: stored.paymentId,
    seq: stored.seq,
    position: stored.position,
    type: stored.type,
    occurredAt: stored.occurredAt,
    payment,
    ...transitionFields(stored.data),
  } as DeliveredEvent;
}
