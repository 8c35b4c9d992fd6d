import type { Dispatcher } from 'undici';
import { createDefaultAgent } from '../client/http.js';
import { systemClock } from '../clock.js';
import { toDeliveredEvent } from '../dispatch/delivered-event.js';
import type { DeliveryOutcome, OutboxConsumer } from '../dispatch/types.js';
import { ClickPesaKitError } from '../errors.js';
import { toPublicPayment } from '../http/public-payment.js';
import { silentLogger } from '../logger.js';
import type { EventDelivery } from '../store/contract.js';
import { DEFAULT_CALLBACK_RETRY_DELAYS_MS, retryDelay, validateRetryDelays } from './retry-schedule.js';
import { parseCallbackSecret } from './secret.js';
import { sendNotification } from './send.js';
import { signStandardWebhook } from './signature.js';
import type { CallbackNotifier, CallbackNotifierOptions } from './types.js';

export const DEFAULT_CALLBACK_TIMEOUT_MS = 15_000;
const USER_AGENT = 'clickpesa-kit-callback/1';

/** The JSON every receiver gets (Standard Webhooks payload shape). */
export interface CallbackPayload {
  type: 'payment.status_changed';
  /** When the status changed (ISO 8601), not when this attempt was sent. */
  timestamp: string;
  data: ReturnType<typeof toPublicPayment>;
}

/**
 * Notifies a payment's `callback_url` of every applied status change (WH-15), as the `callback` consumer of
 * the event outbox: the service stores a `callback` delivery with each `payment.status_changed` of a payment
 * that has a callback_url, in the same step as the change, and the dispatcher hands it here. One attempt is
 * one signed POST; a failure is retried on `retryDelaysMs` and becomes a dead letter after the last.
 *
 * `webhook-id` is the stored event's id, so every retry of one change carries the same id. Delivery is
 * AT-LEAST-ONCE and survives restarts (it lives in the store): receivers must dedupe on `webhook-id`.
 * `payment.late_success` is not sent separately: it always travels with the status change to `success`.
 */
export function createCallbackNotifier(options: CallbackNotifierOptions): CallbackNotifier {
  const key = parseCallbackSecret(options.secret, 'secret');
  const {
    store,
    clock = systemClock,
    logger = silentLogger,
    timeoutMs = DEFAULT_CALLBACK_TIMEOUT_MS,
    retryDelaysMs = DEFAULT_CALLBACK_RETRY_DELAYS_MS,
    random = Math.random,
  } = options;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new ClickPesaKitError('CONFIG_INVALID', { message: 'timeoutMs must be a positive number' });
  }
  validateRetryDelays(retryDelaysMs, 'retryDelaysMs');
  const delays = [...retryDelaysMs];
  const allowedUrls = options.allowedUrls;
  const isAllowed = (url: string) =>
    (typeof allowedUrls === 'function' ? allowedUrls() : allowedUrls).includes(url);

  const ownAgent = options.dispatcher ? null : createDefaultAgent(timeoutMs);
  const dispatcher: Dispatcher = options.dispatcher ?? (ownAgent as Dispatcher);
  const disabled = new Set<string>();

  const deliver = async (delivery: EventDelivery, signal: AbortSignal): Promise<DeliveryOutcome> => {
    if (delivery.event.type !== 'payment.status_changed') return { ok: true };
    const event = await toDeliveredEvent(delivery.event, store);
    const url = event?.payment.callbackUrl;
    if (!event || !url) return { ok: true };
    const where = { paymentId: event.paymentId, webhookId: event.eventId, callbackOrigin: originOf(url) };
    // checked at send time: the list may have shrunk since the change was stored (or the server restarted)
    if (!isAllowed(url)) {
      logger.warn(where, 'callback_url is not in allowedCallbackUrls: notification not sent');
      return { ok: true };
    }
    if (disabled.has(url)) {
      logger.info(where, 'callback_url answered 410 Gone earlier: notification not sent');
      return { ok: true };
    }
    const sends = delivery.attempts + 1;
    const nowMs = clock.now().getTime();
    const body = payloadOf(event.occurredAt, event.payment);
    const signed = signStandardWebhook({
      id: event.eventId,
      timestampSeconds: Math.floor(nowMs / 1000),
      body,
      key,
    });
    const outcome = await sendNotification({
      url,
      headers: { 'content-type': 'application/json', 'user-agent': USER_AGENT, ...signed },
      body,
      timeoutMs,
      dispatcher,
      signal,
      nowMs,
    });
    if (outcome.kind === 'delivered') {
      logger.debug({ ...where, status: outcome.status, sends }, 'callback notification delivered');
      return { ok: true };
    }
    if (outcome.kind === 'gone') {
      disabled.add(url);
      logger.warn(where, 'callback_url answered 410 Gone: this process stops calling it');
      return { ok: true };
    }
    const error = `callback answered ${outcome.status ?? 'nothing'}${outcome.error ? ` (${outcome.error})` : ''}`;
    const failure = { ...where, status: outcome.status, sends, error: outcome.error };
    const retryInMs = retryDelay(delivery.attempts, delays, random, outcome.retryAfterMs);
    if (retryInMs === null) {
      logger.error(failure, 'callback notification given up after its last retry (a dead letter)');
      return { ok: false, error, retryInMs: null };
    }
    logger.warn({ ...failure, retryInMs }, 'callback notification failed; will retry');
    return { ok: false, error, retryInMs };
  };

  const consumer: OutboxConsumer = {
    name: 'callback',
    deliver: (delivery, context) => deliver(delivery, context.signal),
  };

  let closing: Promise<void> | null = null;
  return {
    consumer,
    timeoutMs,
    disabledUrls: () => [...disabled],
    close() {
      closing ??= (async () => {
        await ownAgent?.close();
      })();
      return closing;
    },
  };
}

/** Every retry of one event sends the same bytes (only the timestamp and signature change). */
function payloadOf(occurredAt: Date, payment: Parameters<typeof toPublicPayment>[0]): string {
  const payload: CallbackPayload = {
    type: 'payment.status_changed',
    timestamp: new Date(occurredAt).toISOString(),
    data: toPublicPayment(payment),
  };
  return JSON.stringify(payload);
}

/** Logs carry the origin only: a host's callback path or query may hold a token of its own. */
function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'invalid URL';
  }
}
