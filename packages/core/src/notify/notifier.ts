import type { Dispatcher } from 'undici';
import { createDefaultAgent } from '../client/http.js';
import { systemClock } from '../clock.js';
import { ClickPesaKitError } from '../errors.js';
import type { PaymentEvent } from '../events.js';
import { toPublicPayment } from '../http/public-payment.js';
import { silentLogger } from '../logger.js';
import { type AttemptResult, createDeliveryQueue, type DeliveryJob } from './delivery-queue.js';
import { DEFAULT_CALLBACK_RETRY_DELAYS_MS, retryDelay, validateRetryDelays } from './retry-schedule.js';
import { parseCallbackSecret } from './secret.js';
import { sendNotification } from './send.js';
import { signStandardWebhook } from './signature.js';
import type { CallbackNotifier, CallbackNotifierOptions } from './types.js';

export const DEFAULT_CALLBACK_TIMEOUT_MS = 15_000;
const DEFAULT_MAX_QUEUED = 10_000;
const DEFAULT_CONCURRENCY = 8;
const USER_AGENT = 'clickpesa-kit-callback/1';

/** The JSON every receiver gets (Standard Webhooks payload shape). */
export interface CallbackPayload {
  type: 'payment.status_changed';
  /** When the status changed (ISO 8601), not when this attempt was sent. */
  timestamp: string;
  data: ReturnType<typeof toPublicPayment>;
}

/**
 * Notifies a payment's `callback_url` of every applied status change (WH-15).
 *
 * One notification per `payment.status_changed` event; `webhook-id` is that stored event's id, so every retry
 * of one change carries the same id. `payment.late_success` is not sent separately: it always travels with
 * the status change to `success` it belongs to, and a second notification would give one change two ids.
 *
 * Delivery is AT-LEAST-ONCE AND IN-PROCESS ONLY: the queue lives in memory, so notifications still waiting
 * when the process stops are lost (the payment's status route stays the source of truth), and a receiver may
 * get one notification more than once (a 2xx lost on the way back). Receivers must dedupe on `webhook-id`.
 */
export function createCallbackNotifier(options: CallbackNotifierOptions): CallbackNotifier {
  const key = parseCallbackSecret(options.secret, 'secret');
  const {
    events,
    clock = systemClock,
    logger = silentLogger,
    timeoutMs = DEFAULT_CALLBACK_TIMEOUT_MS,
    retryDelaysMs = DEFAULT_CALLBACK_RETRY_DELAYS_MS,
    maxQueued = DEFAULT_MAX_QUEUED,
    concurrency = DEFAULT_CONCURRENCY,
    random = Math.random,
  } = options;
  validateNumbers({ timeoutMs, maxQueued, concurrency });
  validateRetryDelays(retryDelaysMs, 'retryDelaysMs');
  const delays = [...retryDelaysMs];
  const allowedUrls = options.allowedUrls;
  const isAllowed = (url: string) =>
    (typeof allowedUrls === 'function' ? allowedUrls() : allowedUrls).includes(url);

  const ownAgent = options.dispatcher ? null : createDefaultAgent(timeoutMs);
  const dispatcher: Dispatcher = options.dispatcher ?? (ownAgent as Dispatcher);
  const disabled = new Set<string>();

  const attempt = async (job: DeliveryJob, signal: AbortSignal): Promise<AttemptResult> => {
    const where = { paymentId: job.paymentId, webhookId: job.id, callbackOrigin: originOf(job.url) };
    // checked again at send time: the list may have shrunk since the change was queued
    if (!isAllowed(job.url)) {
      logger.warn(where, 'callback_url is no longer in allowedCallbackUrls: notification not sent');
      return { done: true };
    }
    if (disabled.has(job.url)) return { done: true };
    job.sends++;
    const nowMs = clock.now().getTime();
    const signed = signStandardWebhook({
      id: job.id,
      timestampSeconds: Math.floor(nowMs / 1000),
      body: job.body,
      key,
    });
    const outcome = await sendNotification({
      url: job.url,
      headers: { 'content-type': 'application/json', 'user-agent': USER_AGENT, ...signed },
      body: job.body,
      timeoutMs,
      dispatcher,
      signal,
      nowMs,
    });
    if (signal.aborted) return { done: true };
    if (outcome.kind === 'delivered') {
      logger.debug({ ...where, status: outcome.status, sends: job.sends }, 'callback notification delivered');
      return { done: true };
    }
    if (outcome.kind === 'gone') {
      disabled.add(job.url);
      const dropped = queue.dropWhere((other) => other.url === job.url, 'callback_url answered 410 Gone');
      logger.warn({ ...where, dropped }, 'callback_url answered 410 Gone: this process stops calling it');
      return { done: true };
    }
    const failure = { ...where, status: outcome.status, sends: job.sends, error: outcome.error };
    const waitMs = retryDelay(job.sends - 1, delays, random, outcome.retryAfterMs);
    if (waitMs === null) {
      logger.error(failure, 'callback notification given up after its last retry');
      return { done: true };
    }
    logger.warn({ ...failure, retryInMs: waitMs }, 'callback notification failed; will retry');
    return { done: false, retryInMs: waitMs };
  };

  const queue = createDeliveryQueue({ clock, logger, maxQueued, concurrency, attempt });

  const onStatusChanged = (event: PaymentEvent) => {
    const url = event.payment.callbackUrl;
    if (!url) return;
    const where = { paymentId: event.paymentId, webhookId: event.id, callbackOrigin: originOf(url) };
    if (!isAllowed(url)) {
      logger.warn(where, 'callback_url is not in allowedCallbackUrls: notification not sent');
      return;
    }
    if (disabled.has(url)) {
      logger.info(where, 'callback_url answered 410 Gone earlier: notification not sent');
      return;
    }
    queue.push({ id: event.id, paymentId: event.paymentId, url, body: payloadOf(event), sends: 0 });
  };
  events.on('payment.status_changed', onStatusChanged);

  let closing: Promise<void> | null = null;
  return {
    pending: () => queue.size(),
    disabledUrls: () => [...disabled],
    close() {
      closing ??= (async () => {
        events.off('payment.status_changed', onStatusChanged);
        try {
          await queue.close();
        } finally {
          await ownAgent?.close();
        }
      })();
      return closing;
    },
  };
}

/** Built once per event: every retry sends the same bytes (only the timestamp and signature change). */
function payloadOf(event: PaymentEvent): string {
  const payload: CallbackPayload = {
    type: 'payment.status_changed',
    timestamp: new Date(event.occurredAt).toISOString(),
    data: toPublicPayment(event.payment),
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

function validateNumbers(values: Record<string, number>): void {
  for (const [name, value] of Object.entries(values)) {
    if (!Number.isFinite(value) || value <= 0) {
      throw new ClickPesaKitError('CONFIG_INVALID', { message: `${name} must be a positive number` });
    }
  }
}
