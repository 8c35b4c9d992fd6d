import { describe, expect, it } from 'vitest';
import type { PaymentRecord } from '../../src/domain/payment.js';
import { PaymentEvents } from '../../src/events.js';
import { createPaymentWatch } from '../../src/http/payment-watch.js';
import type { PaymentStore, StoredEvent } from '../../src/store/contract.js';

/** Just enough of a shared store: events at sparse positions, and a count of cursor reads. */
function eventLog(positions: number[]) {
  const events: StoredEvent[] = positions.map((position) => eventAt(position, 'other', 1));
  const reads: (number | null)[] = [];
  const store = {
    kind: 'fake',
    shared: true,
    async listEventsSince({ after, limit }: { after: number | null; limit: number }) {
      reads.push(after);
      return events.filter((event) => after === null || event.position > after).slice(0, limit);
    },
    async getPayment() {
      return null;
    },
  } as unknown as PaymentStore;
  return { store, events, reads };
}

function eventAt(position: number, paymentId: string, version: number): StoredEvent {
  return {
    id: `e${position}`,
    type: 'payment.status_changed',
    paymentId,
    seq: version,
    position,
    occurredAt: new Date(),
    data: {},
    payment: { id: paymentId, version, status: 'success' } as PaymentRecord,
  } as StoredEvent;
}

const until = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(check()).toBe(true);
};

describe('payment watch over a shared store', () => {
  it('starts at the newest position in a few probes, then delivers only later changes of watched payments', async () => {
    const positions = Array.from({ length: 5_000 }, (_, i) => 3 + i * 7);
    const { store, events, reads } = eventLog(positions);
    const watch = createPaymentWatch({ events: new PaymentEvents(), store, intervalMs: 10 });
    const heard: number[] = [];
    const stop = watch.subscribe('p1', {
      change: (payment) => heard.push(payment.version),
      closed: () => {},
    });
    await until(() => reads.length > 1 && reads.at(-1) === positions.at(-1));
    // doubling then halving: a few dozen reads of one row, never 5,000 events
    expect(reads.length).toBeLessThan(60);
    events.push(eventAt(40_000, 'p2', 1), eventAt(40_001, 'p1', 2));
    await until(() => heard.length === 1);
    expect(heard).toEqual([2]);
    expect(watch.stats()).toEqual({ subscriptions: 1, busListeners: 1, timers: 1 });
    stop();
    expect(watch.stats()).toEqual({ subscriptions: 0, busListeners: 0, timers: 0 });
  });

  it('close() ends every subscription and refuses new ones', () => {
    const watch = createPaymentWatch({ events: new PaymentEvents() });
    let closed = 0;
    watch.subscribe('p1', { change: () => {}, closed: () => closed++ });
    watch.close();
    watch.subscribe('p2', { change: () => {}, closed: () => closed++ });
    expect(closed).toBe(2);
  });
});
