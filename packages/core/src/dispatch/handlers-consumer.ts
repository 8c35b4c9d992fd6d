import type { PaymentStore } from '../store/contract.js';
import { toDeliveredEvent } from './delivered-event.js';
import type { DeliveredEvent, EventHandlers, HandlerContext, OutboxConsumer } from './types.js';

/**
 * The `handlers` consumer: hands each event to the host's handler for its type (or `'*'`). An event type
 * nobody handles is complete at once; a handler that throws is retried by the dispatcher.
 */
export function createHandlersConsumer(
  handlers: EventHandlers | undefined,
  store: Pick<PaymentStore, 'getPayment'>,
): OutboxConsumer {
  return {
    name: 'handlers',
    async deliver(delivery, context) {
      const handler = (handlers?.[delivery.event.type] ?? handlers?.['*']) as
        | ((event: DeliveredEvent, context: HandlerContext) => unknown)
        | undefined;
      if (!handler) return { ok: true };
      const event = await toDeliveredEvent(delivery.event, store);
      // an event older than the outbox whose payment is gone: nothing to hand over, ever
      if (event === null) return { ok: false, error: 'payment not found', retryInMs: null };
      await handler(event, context);
      return { ok: true };
    },
  };
}
