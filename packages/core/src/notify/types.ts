import type { Dispatcher } from 'undici';
import type { Clock } from '../clock.js';
import type { PaymentEvents } from '../events.js';
import type { Logger } from '../logger.js';

/** Options of {@link createCallbackNotifier}; defaults in brackets. */
export interface CallbackNotifierOptions {
  /** The bus the payment service emits on; the notifier listens to `payment.status_changed`. */
  events: PaymentEvents;
  /** Standard Webhooks signing secret: `whsec_` + base64 of 24–64 random bytes. Required. */
  secret: string;
  /**
   * The host's `allowedCallbackUrls` (exact match). Read again before every send, so a URL removed from a
   * live list, or a stored callback_url that a restarted server no longer allows, is never called. Required.
   */
  allowedUrls: readonly string[] | (() => readonly string[]);
  /** Time source for retry timers and `webhook-timestamp` [the system clock]. */
  clock?: Clock;
  /** Where deliveries, failures and drops are logged; callback URLs appear as their origin only [silent]. */
  logger?: Logger;
  /** undici dispatcher for the POSTs [an agent of its own, closed by close()]. */
  dispatcher?: Dispatcher;
  /** Total timeout of one POST: connect, headers and the (ignored) body [15 000 ms]. */
  timeoutMs?: number;
  /** Waits between failed sends, ±20 % jitter; the notification is given up after the last [5 s … 24 h, ~2 days]. */
  retryDelaysMs?: readonly number[];
  /** Notifications held at most; past it the oldest waiting one is dropped with a warning [10 000]. */
  maxQueued?: number;
  /** POSTs in flight at most [8]. */
  concurrency?: number;
  /** Randomness for the jitter [Math.random]. */
  random?: () => number;
}

/**
 * Sends every applied status change of a payment that has a `callback_url` to that URL, signed the Standard
 * Webhooks way (WH-15).
 */
export interface CallbackNotifier {
  /** Notifications held right now: waiting, backing off or in flight. */
  pending(): number;
  /** URLs that answered 410 Gone: this process does not call them again. */
  disabledUrls(): readonly string[];
  /** Stops listening, cancels pending retries and aborts sends in flight; closes its own agent. Idempotent. */
  close(): Promise<void>;
}
