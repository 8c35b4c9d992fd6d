import type { Dispatcher } from 'undici';
import type { Clock } from '../clock.js';
import type { OutboxConsumer } from '../dispatch/types.js';
import type { Logger } from '../logger.js';
import type { PaymentStore } from '../store/contract.js';

/** Options of {@link createCallbackNotifier}; defaults in brackets. */
export interface CallbackNotifierOptions {
  /** Where the payments live (for events stored before payment snapshots existed). */
  store: Pick<PaymentStore, 'getPayment'>;
  /** Standard Webhooks signing secret: `whsec_` + base64 of 24–64 random bytes. Required. */
  secret: string;
  /**
   * The host's `allowedCallbackUrls` (exact match). Read again before every send, so a URL removed from a
   * live list, or a stored callback_url that a restarted server no longer allows, is never called. Required.
   */
  allowedUrls: readonly string[] | (() => readonly string[]);
  /** Time source for `webhook-timestamp` [the system clock]. */
  clock?: Clock;
  /** Where deliveries, failures and give-ups are logged; callback URLs appear as their origin only [silent]. */
  logger?: Logger;
  /** undici dispatcher for the POSTs [an agent of its own, closed by close()]. */
  dispatcher?: Dispatcher;
  /** Total timeout of one POST: connect, headers and the (ignored) body [15 000 ms]. */
  timeoutMs?: number;
  /** Waits between failed sends, ±20 % jitter; a dead letter after the last [5 s … 24 h, ~2 days]. */
  retryDelaysMs?: readonly number[];
  /** Randomness for the jitter [Math.random]. */
  random?: () => number;
}

/**
 * Sends every applied status change of a payment that has a `callback_url` to that URL, signed the Standard
 * Webhooks way (WH-15). It is the outbox's `callback` consumer: pending notifications live in the store.
 */
export interface CallbackNotifier {
  /** What the kit's dispatcher runs for the `callback` consumer. */
  readonly consumer: OutboxConsumer;
  /** Total timeout of one POST (the dispatcher's attempt timeout is a little longer). */
  readonly timeoutMs: number;
  /** URLs that answered 410 Gone: this process does not call them again. */
  disabledUrls(): readonly string[];
  /** Closes its own HTTP agent. Idempotent. */
  close(): Promise<void>;
}
