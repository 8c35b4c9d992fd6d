/**
 * The wire shapes of the payment routes (docs/http-api.md), with their snake_case field names. Written out here
 * rather than imported from @clickpesa-kit/core: the client must stay tiny and load in a browser.
 */

/** Public payment statuses (see docs/statuses-and-events.md). */
export type PaymentStatus = 'pending' | 'processing' | 'success' | 'failed' | 'cancelled' | 'reversed';

/** Wallet operators ClickPesa pushes to (TIGO is Mixx by Yas). Open-ended so a new one does not break types. */
export type Operator = 'VODACOM' | 'AIRTEL' | 'TIGO' | 'HALOPESA' | 'TTCL' | (string & {});

/** Why a payment is `failed`. `timeout` means only that the server stopped waiting: it may still succeed. */
export type FailureReason =
  | 'provider_failed'
  | 'initiation_rejected'
  | 'not_sent'
  | 'timeout'
  | 'not_found'
  | (string & {});

export interface Payment {
  /** Our payment id (uuid): use it for every other call. */
  id: string;
  /** ClickPesa's transaction id for the current attempt, once known. */
  transaction_id: string | null;
  /** Current order reference (each retry gets a new one). */
  reference: string;
  status: PaymentStatus;
  /** Decimal string with two places: "1000.00". Never a float. */
  amount: string;
  currency: 'TZS';
  /** Normalised 255XXXXXXXXX. */
  msisdn: string;
  provider: Operator;
  customer_name: string | null;
  /** Your own order id, as sent in `external_order_id`; null without one. */
  external_order_id: string | null;
  error_message: string | null;
  failure_reason: FailureReason | null;
  needs_attention: boolean;
  /** ClickPesa reported collecting another amount or currency than asked for. */
  amount_mismatch: boolean;
  /** The amount ClickPesa reported, when it differs from `amount`. */
  collected_amount: string | null;
  /** The currency ClickPesa reported, when it differs from `currency`. */
  collected_currency: string | null;
  attempts: number;
  metadata: Record<string, string | number | boolean | null> | null;
  created_at: string;
  updated_at: string;
  completed_at: string | null;
  settled_at: string | null;
}

/** ClickPesa's record for the current reference, as the status route shows it under `provider_status`. */
export interface ProviderStatus {
  id: string | null;
  /** ClickPesa's raw status: PROCESSING, SUCCESS, SETTLED, FAILED, ... (kept open: new ones appear). */
  status: string;
  orderReference: string;
  channel?: string;
  collectedAmount?: string;
  collectedCurrency?: string;
  createdAt?: string;
  message?: string;
  updatedAt?: string;
}

/** Every error code the routes can send (core's frozen catalog; a test keeps the two lists equal). */
export type ServerErrorCode =
  | 'CONFIG_INVALID'
  | 'MISSING_CREDENTIALS'
  | 'PROVIDER_CREDENTIALS_REJECTED'
  | 'PROVIDER_UNAUTHORIZED'
  | 'PROVIDER_VALIDATION'
  | 'PROVIDER_CONFLICT'
  | 'PROVIDER_NOT_FOUND'
  | 'PROVIDER_RATE_LIMITED'
  | 'PROVIDER_UNAVAILABLE'
  | 'PROVIDER_TIMEOUT'
  | 'PROVIDER_BAD_RESPONSE'
  | 'PROVIDER_CIRCUIT_OPEN'
  | 'VALIDATION_ERROR'
  | 'MALFORMED_JSON'
  | 'UNAUTHORIZED'
  | 'NOT_FOUND'
  | 'ORDER_NOT_FOUND'
  | 'METHOD_NOT_ALLOWED'
  | 'RETRY_NOT_ALLOWED'
  | 'ALREADY_PAID'
  | 'CANCEL_NOT_ALLOWED'
  | 'PUSH_IN_PROGRESS'
  | 'ORDER_HAS_ACTIVE_PAYMENT'
  | 'ORDER_ATTEMPTS_EXHAUSTED'
  | 'IDEMPOTENCY_KEY_IN_USE'
  | 'IDEMPOTENCY_KEY_REUSED'
  | 'IDEMPOTENCY_KEY_REQUIRED'
  | 'PAYMENT_REJECTED'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'RATE_LIMITED'
  | 'WEBHOOK_SIGNATURE_INVALID'
  | 'STORE_UNAVAILABLE'
  | 'STORE_CONFLICT'
  | 'INTERNAL_ERROR';

/**
 * The server's codes plus the client's own: `NETWORK_ERROR` (no answer) and `INVALID_RESPONSE` (an answer
 * that is not our envelope). Open-ended, so a code added to the server later still type-checks.
 */
export type PaymentsErrorCode = ServerErrorCode | 'NETWORK_ERROR' | 'INVALID_RESPONSE' | (string & {});

export interface ErrorDetail {
  /** The input field at fault ("amount", "msisdn", "Idempotency-Key", ...), when there is one. */
  field?: string;
  message: string;
  [key: string]: unknown;
}

/** `{ success: true, message, data, provider_status? }` */
export interface SuccessEnvelope {
  success: true;
  message: string;
  data: Payment;
  provider_status?: ProviderStatus | null;
  /** Status route: when ClickPesa was last asked (null: not yet). */
  checked_at?: string | null;
  /** Status route: when a new read may tell more, in ms (null: the payment is final). */
  poll_after_ms?: number | null;
}

/** `{ success: false, message, error: { code, details? }, data? }`: `data` only when a payment exists anyway. */
export interface ErrorEnvelope {
  success: false;
  message: string;
  error: { code: PaymentsErrorCode; details?: ErrorDetail[] };
  data?: Payment;
}

/** `GET /payments`: `{ success: true, message, data: [...], next_cursor }`. */
export interface ListEnvelope {
  success: true;
  message: string;
  /** The caller's own payments, newest first. */
  data: Payment[];
  /** Pass back as `cursor` for the next page; null on the last page. */
  next_cursor: string | null;
}

export type Envelope = SuccessEnvelope | ListEnvelope | ErrorEnvelope;

/** Body of `POST /payments` (snake_case, as on the wire). Unknown fields are ignored by the server. */
export interface InitiatePaymentInput {
  /**
   * A decimal string ("1000", "1000.50", exact) or a number; at most two decimals. Leave it out when the server
   * sets prices (`resolveAmount`), and send `external_order_id` instead.
   */
  amount?: number | string;
  /** Only TZS (ClickPesa's USSD push takes shillings only). Default 'TZS'. */
  currency?: 'TZS';
  /** `255…`, `+255…` or `0…`; the server normalises it. */
  msisdn: string;
  /** Derived from the number's prefix when absent. */
  provider?: 'AIRTEL' | 'VODACOM' | 'TIGO' | 'YAS' | 'MIXX' | 'HALOPESA' | (string & {});
  customer_name?: string;
  external_order_id?: string;
  metadata?: Record<string, string | number | boolean | null>;
  /** Accepted only when the server allows this exact URL. */
  callback_url?: string;
}

/** What every call resolves with: the payment plus what came with it. */
export interface PaymentResponse {
  payment: Payment;
  /** ClickPesa's record (status route only; null when the server has none yet). */
  providerStatus: ProviderStatus | null;
  /** The server's human-readable message. */
  message: string;
  /** HTTP status: 201 for initiate/retry, 200 for reads and cancel. */
  httpStatus: number;
  /** True when the server replayed an earlier request with the same Idempotency-Key. */
  replayed: boolean;
  /** The Idempotency-Key sent (initiate and retry). */
  idempotencyKey?: string;
  /** Status route: when the server last asked ClickPesa (ISO 8601; null: not yet). */
  checkedAt?: string | null;
  /**
   * Status route: when a new status read may tell more, in ms (`poll_after_ms`, else `Retry-After`); null
   * when the payment is final. Absent from servers that send no hint.
   */
  pollAfterMs?: number | null;
}

/** Filters and paging of `GET /payments`; each is optional. */
export interface ListPaymentsQuery {
  /** Only the payments made for this order (1–100 characters). */
  externalOrderId?: string;
  /** Only payments in this status. */
  status?: PaymentStatus;
  /** `nextCursor` of the previous page, passed back as it is. */
  cursor?: string;
  /** Page size, 1 to 100; the server's default is 20. */
  limit?: number;
}

/** What `listPayments` resolves with: one page of the caller's payments. */
export interface PaymentPage {
  /** Newest first (by `created_at`, then `id`). */
  payments: Payment[];
  /** The cursor of the next page, or null on the last one. */
  nextCursor: string | null;
  /** The server's human-readable message. */
  message: string;
  /** HTTP status: 200. */
  httpStatus: number;
}
