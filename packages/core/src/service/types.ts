import type { ClickPesaApi } from '../client/types.js';
import type { Clock } from '../clock.js';
import type { PrefixTable } from '../domain/msisdn.js';
import type { PaymentRecord, ProviderPayment } from '../domain/payment.js';
import type { PollSchedule, Random } from '../domain/schedule.js';
import type { PaymentEvents } from '../events.js';
import type { Logger } from '../logger.js';
import type { PaymentStore, StoredEvent } from '../store/contract.js';
import type { InitiatePaymentInput, OwnerId } from './initiate-input.js';
import type { PaymentPage } from './list-payments.js';
import type { PaymentAudit } from './payment-audit.js';
import type { ReconcileOptions, ReconciliationResult } from './provider-reconciliation.js';
import type { Reconciler } from './reconciler.js';

/**
 * The payment service: all business logic behind the routes. Input validation lives here too (zod, in
 * service/validation.ts), so hosts that call the service directly get the same rules as the HTTP routes.
 * Failures are thrown as ClickPesaKitError with a catalog code (VALIDATION_ERROR with `details`, NOT_FOUND,
 * PUSH_IN_PROGRESS, IDEMPOTENCY_KEY_IN_USE/REUSED, RETRY_NOT_ALLOWED, ALREADY_PAID, CANCEL_NOT_ALLOWED,
 * STORE_UNAVAILABLE, ...). A provider rejection is NOT thrown: it is an outcome with the failed payment.
 */
export interface PaymentService extends Reconciler {
  /** A new payment and its USSD push. `input` is checked field by field (VALIDATION_ERROR with details). */
  initiate(ownerId: OwnerId, input: InitiatePaymentInput, options?: PushCallOptions): Promise<PushResult>;
  /** Stored details; no upstream call. NOT_FOUND for unknown ids and other owners' payments. */
  getPayment(ownerId: OwnerId, paymentId: string): Promise<PaymentRecord>;
  /**
   * ORD-1: the owner's payments, newest first, one page at a time; `query` as `GET /payments` takes it
   * (`external_order_id`, `status`, `limit` 1–100 [20], `cursor`). Bad values: VALIDATION_ERROR naming them.
   */
  listPayments(ownerId: OwnerId, query: Record<string, unknown>): Promise<PaymentPage>;
  /** The status route: refresh from ClickPesa when not final and stale (coalesced), then return. */
  refreshStatus(ownerId: OwnerId, paymentId: string): Promise<StatusResult>;
  retry(ownerId: OwnerId, paymentId: string, options?: PushCallOptions): Promise<PushResult>;
  cancel(ownerId: OwnerId, paymentId: string): Promise<PaymentRecord>;
  /** The ClickPesa webhook. Never throws: every outcome is an HTTP status for ClickPesa. */
  handleWebhook(input: WebhookInput): Promise<WebhookResult>;
  /** The payment's audit entries and stored events, in order; NOT_FOUND for other owners' payments. */
  audit(ownerId: OwnerId, paymentId: string): Promise<PaymentAudit>;
  /**
   * The reconciliation report: our payments against ClickPesa's `GET /payments/all` for a window (missing
   * here, state differs, amount differs), as JSON and Markdown; `apply` makes the safe corrections only.
   */
  reconcileWithProvider(options: ReconcileOptions): Promise<ReconciliationResult>;
}

/** Per-request options of initiate and retry. */
export interface PushCallOptions {
  idempotencyKey?: string;
  /**
   * The caller's IP address as the web framework determined it (its own trust-proxy setting), for the
   * per-IP push limit. The HTTP routes pass it; a host calling the service directly may leave it out.
   */
  clientIp?: string;
}

/** A limit of `max` events per `windowMs`, counted as a token bucket (`max` at once, refilled over the window). */
export interface RateLimit {
  max: number;
  windowMs: number;
}

/** One push about to be sent: what the push rate limits count. */
export interface PushAttempt {
  route: 'initiate' | 'retry';
  ownerId: string;
  /** The normalised phone number (255XXXXXXXXX). */
  msisdn: string;
  /** Absent when the service is called without one (not through the HTTP routes). */
  clientIp?: string;
}

/** A host's own limiter: null/undefined lets the push through; `{ retryAfterMs }` refuses it with 429. */
export type PushLimiter = (
  attempt: PushAttempt,
) => { retryAfterMs: number } | null | undefined | Promise<{ retryAfterMs: number } | null | undefined>;

/**
 * The push rate limits: per phone number, per owner and per client IP (each a {@link RateLimit} or false),
 * a function that replaces them, or false for none.
 */
export type PushRateLimitOptions =
  | false
  | PushLimiter
  | { perPhone?: RateLimit | false; perOwner?: RateLimit | false; perIp?: RateLimit | false };

export interface PushResult {
  payment: PaymentRecord;
  /** accepted: push sent (or already terminal); pending: outcome unknown, reconciling; rejected: ClickPesa refused. */
  outcome: 'accepted' | 'pending' | 'rejected' | 'not_sent';
  /** True when an Idempotency-Key replay returned an earlier request's payment. */
  replayed: boolean;
}

export interface StatusResult {
  payment: PaymentRecord;
  /** ClickPesa's record for the current reference (fresh, or the last one stored). */
  providerStatus: ProviderPayment | null;
  /** When ClickPesa was last asked about the payment (null: not yet). */
  checkedAt?: Date | null;
  /** When a new read may tell more (ms from now); null when the payment is final. */
  pollAfterMs?: number | null;
}

export interface WebhookInput {
  /** The body bytes (or text); read only when `body` is absent. */
  rawBody?: Buffer | string;
  /** The parsed body (the route handler passes its own safe parse), used as is: the body is parsed once. */
  body?: unknown;
  headers: Record<string, string | string[] | undefined>;
}

export interface WebhookResult {
  status: 200 | 400 | 401 | 503;
  /** Short, secret-free reason: "accepted", "duplicate", "orphan", "bad checksum", ... */
  message: string;
}

/** What `createPaymentService` needs. The kit wires the same store, client, events and clock into the poller. */
export interface PaymentServiceDeps {
  store: PaymentStore;
  client: ClickPesaApi;
  events: PaymentEvents;
  clock: Clock;
  logger?: Logger;
  options?: PaymentServiceOptions;
  /** Called right after a commit that stored events (the kit wakes its event dispatcher) [nothing]. */
  onEventsStored?: (events: readonly StoredEvent[]) => void;
  /** Called when a payment's next check was moved forward to `at` (the kit wakes its poller) [nothing]. */
  onCheckDue?: (at: Date) => void;
}

/** Every option has a default (in brackets). */
export interface PaymentServiceOptions {
  /** Smallest accepted amount in TZS [100]. */
  minAmount?: number | string;
  /** Largest accepted amount in TZS [10,000,000]. */
  maxAmount?: number | string;
  /** The status route queries ClickPesa only when the last check is older than this [2000 ms]. */
  statusRefreshMs?: number;
  /** How long Idempotency-Key records are kept [24 h]. */
  idempotencyTtlMs?: number;
  /** An in-flight idempotency record older than this is treated as abandoned: replays show current state [60 s]. */
  idempotencyLockMs?: number;
  /** At most one pending/processing payment per MSISDN (IDEM-11) [true]. */
  exclusivePushPerMsisdn?: boolean;
  /**
   * ORD-3: at most this many payments per (owner, `external_order_id`); the next POST /payments for the
   * order answers 409 ORDER_ATTEMPTS_EXHAUSTED. Retries of a payment do not count (it stays one payment) [5].
   */
  maxAttemptsPerOrder?: number;
  /** Initiate and retry without an Idempotency-Key are refused [false]. */
  requireIdempotencyKey?: boolean;
  /** ClickPesa checksum key(s) for webhook verification; several during key rotation [none]. */
  checksumKey?: string | readonly string[];
  /** Checksum algorithm; a webhook's own `checksumMethod: legacy` is honoured only when this is 'legacy' ['canonical']. */
  checksumMethod?: 'canonical' | 'legacy';
  /** A verified webhook changes state without a confirming query (needs a checksum key) [false]. */
  trustSignedWebhooks?: boolean;
  /** Headers searched for the webhook checksum after the body's own `checksum` field ['x-clickpesa-checksum', 'checksum']. */
  webhookChecksumHeaders?: readonly string[];
  /** `callback_url` values a client may ask for (exact match) [none: the field is refused]. */
  allowedCallbackUrls?: readonly string[];
  /** After this long from the attempt start, "ClickPesa does not know the reference" is final [120 s]. */
  notFoundGraceMs?: number;
  /** Operator prefix allow-list for MSISDN validation [ClickPesa's newest table]. */
  prefixTable?: PrefixTable;
  /** Poll schedule; keep it equal to the poller's [DEFAULT_POLL_SCHEDULE]. */
  schedule?: Partial<PollSchedule>;
  /** Randomness for poll-schedule jitter; keep it equal to the poller's [Math.random]. */
  random?: Random;
  /**
   * Batched webhook confirmation, for when a poller runs (the kit sets it to the poller's
   * `webhookConfirmWindowMs`): a webhook is answered without waiting for the confirming query, and the
   * payment's next poll is moved to at most this many ms ahead; the status route answers from the store and
   * records the reader's demand the same way. When absent, the service confirms inline with a coalesced
   * query, and the status route refreshes live (bounded) [absent].
   */
  confirmWithinMs?: number;
  /**
   * SM-7: a success whose collected amount or currency differs from the payment's still emits
   * `payment.succeeded` (besides `payment.amount_mismatch`). Off, such a payment is flagged and waits for a
   * person [false].
   */
  fulfilOnAmountMismatch?: boolean;
  /**
   * Status changes of payments with a `callback_url` get a `callback` outbox delivery (the kit sets this when
   * `allowedCallbackUrls` and `callbackSecret` are configured) [false].
   */
  callbackNotifications?: boolean;
  /**
   * The server sets the price (SEC-7): called for every new payment with the client's `external_order_id`;
   * returns the order's amount, or null when there is no such order (404 ORDER_NOT_FOUND). When set,
   * `external_order_id` is required and `amount` optional; a client amount that differs is refused (400
   * naming `amount`). The amount still has to pass minAmount/maxAmount. Retries reuse the stored amount.
   * An error it throws is answered 500 without its message [none: the client's amount is used].
   */
  resolveAmount?: ResolveAmount;
  /**
   * Rate limits on pushes (initiate and retry), checked before anything is written (SEC-16): per phone number,
   * per owner and per client IP, counted in the store's shared buckets when it has them (`store.budget`),
   * else in this process. A function replaces them with the host's own limiter; false turns them off
   * [{ perPhone: 3, perOwner: 20, perIp: 30, each per 10 min }].
   */
  rateLimits?: PushRateLimitOptions;
}

/** What {@link PaymentServiceOptions.resolveAmount} is asked: who pays, for which order, and the request as sent. */
export interface ResolveAmountInput {
  owner: OwnerId;
  externalOrderId: string | null;
  body: InitiatePaymentInput;
}

/** The order's price: TZS as a number or a decimal string with at most two places. */
export interface ResolvedAmount {
  amount: number | string;
  currency?: 'TZS';
}

/** Looks up the price of an order on the server; null (or undefined) when there is no such order. */
export type ResolveAmount = (
  input: ResolveAmountInput,
) => ResolvedAmount | null | undefined | Promise<ResolvedAmount | null | undefined>;
