import { randomUUID } from 'node:crypto';
import type { PaymentRecord } from '../domain/payment.js';
import { emitStoredEvents } from '../service/apply-evidence.js';
import { routeEvents } from '../service/event-routing.js';
import type { ClaimedPayment } from '../store/contract.js';
import type { PollerDeps } from './types.js';

/**
 * OBS-3: a payment still `pending`/`processing` this long after its push is flagged once with
 * `payment.stuck`. `stuckNotifiedAt` is written with the event in one fenced step, so the event is stored
 * and emitted once per attempt, whichever instance notices first and however often the payment is claimed.
 */
export function createStuckDetector(
  deps: Pick<PollerDeps, 'store' | 'events' | 'clock' | 'routeEvents' | 'onEventsStored'>,
  stuckAfterMs: number,
) {
  const { store, clock } = deps;
  // the kit passes the service's routing rule; alone, a stuck event goes to the durable handlers
  const route = deps.routeEvents ?? ((payment, events) => routeEvents(events, payment, false));
  const emitter = { events: deps.events, onEventsStored: deps.onEventsStored ?? (() => undefined) };

  const isStuck = (payment: PaymentRecord, at: Date) =>
    (payment.status === 'pending' || payment.status === 'processing') &&
    payment.stuckNotifiedAt === null &&
    at.getTime() - payment.attemptStartedAt.getTime() >= stuckAfterMs;

  return {
    /** Flags the claimed payment if it is stuck; `onUpdated` receives the row the flag produced. */
    async check(claimed: ClaimedPayment, onUpdated: (payment: PaymentRecord) => void): Promise<void> {
      let payment: PaymentRecord | null = claimed.payment;
      for (let round = 0; round < 3 && payment !== null; round++) {
        const at = clock.now();
        if (!isStuck(payment, at)) return;
        const ageMs = at.getTime() - payment.attemptStartedAt.getTime();
        const result = await store.transition({
          paymentId: payment.id,
          expectedVersion: payment.version,
          changes: { stuckNotifiedAt: at, updatedAt: at },
          events: route(payment, [
            {
              id: randomUUID(),
              type: 'payment.stuck',
              occurredAt: at,
              data: { status: payment.status, ageMs },
            },
          ]),
          audit: [
            {
              paymentId: payment.id,
              at,
              kind: 'note',
              data: { note: 'stuck', status: payment.status, ageMs },
            },
          ],
          leaseToken: claimed.leaseToken,
        });
        if (result.applied) {
          onUpdated(result.payment);
          emitStoredEvents(emitter, result.payment, result.events);
          return;
        }
        if (result.reason !== 'version_conflict') return;
        payment = result.payment;
      }
    },
  };
}
