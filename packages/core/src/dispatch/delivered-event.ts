import type { EvidenceSource } from '../domain/event-types.js';
import type { PaymentRecord, PaymentStatus } from '../domain/payment.js';
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
  const data = stored.data as { from?: PaymentStatus; to?: PaymentStatus; source?: EvidenceSource };
  const event = {
    eventId: stored.id,
    paymentId: stored.paymentId,
    seq: stored.seq,
    position: stored.position,
    type: stored.type,
    occurredAt: stored.occurredAt,
    payment,
  } as DeliveredEvent;
  if (data.from !== undefined) event.from = data.from;
  if (data.to !== undefined) event.to = data.to;
  if (data.source !== undefined) event.source = data.source;
  return event;
}
