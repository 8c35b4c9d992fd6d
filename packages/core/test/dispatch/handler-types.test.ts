import { describe, expectTypeOf, it } from 'vitest';
import type { DeliveredEvent, DeliveredEventOf, EventHandlers } from '../../src/dispatch/types.js';
import type { PaymentStatus } from '../../src/domain/payment.js';

// Compile-time checks (tsc runs over the tests): a handler's event is narrowed by its type.
describe('handler types', () => {
  it('narrows payment.status by event type, for keyed handlers and for a checked union', () => {
    const handlers: EventHandlers = {
      'payment.succeeded': (event) => {
        expectTypeOf(event.type).toEqualTypeOf<'payment.succeeded'>();
        expectTypeOf(event.payment.status).toEqualTypeOf<'success'>();
        // @ts-expect-error a succeeded payment is never failed
        const failed: 'failed' = event.payment.status;
        void failed;
      },
      'payment.failed': (event) => expectTypeOf(event.payment.status).toEqualTypeOf<'failed'>(),
      'payment.amount_mismatch': (event) => expectTypeOf(event.payment.status).toEqualTypeOf<'success'>(),
      '*': (event) => {
        expectTypeOf(event).toEqualTypeOf<DeliveredEvent>();
        if (event.type === 'payment.cancelled')
          expectTypeOf(event.payment.status).toEqualTypeOf<'cancelled'>();
        else expectTypeOf(event.payment.status).toExtend<PaymentStatus>();
      },
    };
    void handlers;
    expectTypeOf<DeliveredEventOf<'payment.reversed'>['payment']['status']>().toEqualTypeOf<'reversed'>();
    expectTypeOf<DeliveredEvent['eventId']>().toEqualTypeOf<string>();
    expectTypeOf<DeliveredEvent['position']>().toEqualTypeOf<number>();
  });
});
