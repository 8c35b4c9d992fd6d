import type { PaymentEventOf, PaymentEvents, ToolkitEvents } from '../events.js';
import type { Logger } from '../logger.js';

/**
 * One structured line per webhook and per payment transition, written from the live event bus so every
 * path (routes, poller, host calls) is covered alike; each ClickPesa call is logged by the client itself
 * (endpoint, HTTP status, latency).
 * Ids and references are fine in logs; phone numbers and secrets are not, and the context logger removes
 * them. Returns the function that detaches the listeners.
 */
export function logKitEvents(events: PaymentEvents, logger: Logger): () => void {
  const listeners: Partial<ToolkitEvents> = {
    'webhook.received': (event) =>
      logger.info(
        {
          orderReference: event.orderReference,
          eventType: event.eventType,
          providerStatus: event.status,
          verified: event.verified,
          duplicate: event.duplicate,
          orphan: event.orphan,
        },
        'webhook received',
      ),
    'webhook.rejected': (event) => logger.warn({ reason: event.reason }, 'webhook rejected'),
    'webhook.acknowledged': (event) =>
      logger.info({ httpStatus: event.status, durationMs: Math.round(event.durationMs) }, 'webhook answered'),
    'payment.created': (event) => logger.info(paymentFields(event), 'payment created'),
    'payment.status_changed': (event) => logger.info(paymentFields(event), 'payment transition'),
  };
  const entries = Object.entries(listeners) as [keyof ToolkitEvents, (...args: unknown[]) => void][];
  for (const [type, listener] of entries) events.on(type, listener as never);
  return () => {
    for (const [type, listener] of entries) events.off(type, listener as never);
  };
}

function paymentFields(event: PaymentEventOf<'payment.created' | 'payment.status_changed'>) {
  const { payment } = event;
  return {
    paymentId: event.paymentId,
    orderReference: payment.orderReference,
    attempt: payment.attempts,
    ...(event.source === undefined ? {} : { source: event.source }),
    ...(event.from === undefined ? {} : { from: event.from }),
    ...(event.to === undefined ? {} : { to: event.to }),
    ...(payment.failureReason === null ? {} : { failureReason: payment.failureReason }),
  };
}
