/**
 * One frozen catalog of codes, a base error class and a few subclasses (provider, store). `httpStatus` is
 * what our routes answer with; messages never contain secrets (API key, checksum key, token).
 */
export const ERROR_CODES = Object.freeze({
  // configuration
  CONFIG_INVALID: { httpStatus: 500, message: 'Invalid configuration' },
  MISSING_CREDENTIALS: { httpStatus: 500, message: 'ClickPesa credentials are missing' },
  // provider (ClickPesa)
  PROVIDER_CREDENTIALS_REJECTED: { httpStatus: 502, message: 'ClickPesa rejected the client id or API key' },
  PROVIDER_UNAUTHORIZED: { httpStatus: 502, message: 'ClickPesa rejected the access token' },
  PROVIDER_VALIDATION: { httpStatus: 422, message: 'ClickPesa rejected the request' },
  PROVIDER_CONFLICT: { httpStatus: 409, message: 'ClickPesa says the order reference is already used' },
  PROVIDER_NOT_FOUND: { httpStatus: 404, message: 'ClickPesa does not know this payment' },
  PROVIDER_RATE_LIMITED: { httpStatus: 503, message: 'ClickPesa is rate limiting us' },
  PROVIDER_UNAVAILABLE: { httpStatus: 503, message: 'ClickPesa is unavailable' },
  PROVIDER_TIMEOUT: { httpStatus: 504, message: 'ClickPesa did not answer in time' },
  PROVIDER_BAD_RESPONSE: { httpStatus: 502, message: 'ClickPesa sent a response we could not read' },
  PROVIDER_CIRCUIT_OPEN: { httpStatus: 503, message: 'ClickPesa calls are paused after repeated failures' },
  // our API
  VALIDATION_ERROR: { httpStatus: 400, message: 'The request is invalid' },
  MALFORMED_JSON: { httpStatus: 400, message: 'The request body is not valid JSON' },
  UNAUTHORIZED: { httpStatus: 401, message: 'Authentication required' },
  NOT_FOUND: { httpStatus: 404, message: 'Not found' },
  ORDER_NOT_FOUND: { httpStatus: 404, message: 'There is no order with this external_order_id' },
  METHOD_NOT_ALLOWED: { httpStatus: 405, message: 'Method not allowed' },
  RETRY_NOT_ALLOWED: { httpStatus: 409, message: 'This payment cannot be retried now' },
  ALREADY_PAID: { httpStatus: 409, message: 'The previous attempt succeeded; the payment is paid' },
  CANCEL_NOT_ALLOWED: { httpStatus: 409, message: 'Only pending or processing payments can be cancelled' },
  PUSH_IN_PROGRESS: {
    httpStatus: 409,
    message: 'A payment prompt is already in progress for this phone number',
  },
  ORDER_HAS_ACTIVE_PAYMENT: {
    httpStatus: 409,
    message: 'This order already has a pending, processing or successful payment',
  },
  ORDER_ATTEMPTS_EXHAUSTED: {
    httpStatus: 409,
    message: 'This order has used all its payment attempts',
  },
  IDEMPOTENCY_KEY_IN_USE: {
    httpStatus: 409,
    message: 'A request with this Idempotency-Key is still in progress',
  },
  IDEMPOTENCY_KEY_REUSED: {
    httpStatus: 422,
    message: 'This Idempotency-Key was used with a different request',
  },
  IDEMPOTENCY_KEY_REQUIRED: { httpStatus: 400, message: 'An Idempotency-Key header is required' },
  PAYMENT_REJECTED: { httpStatus: 422, message: 'ClickPesa rejected the payment' },
  PAYLOAD_TOO_LARGE: { httpStatus: 413, message: 'The request body is too large' },
  UNSUPPORTED_MEDIA_TYPE: { httpStatus: 415, message: 'The request body must be application/json' },
  RATE_LIMITED: { httpStatus: 429, message: 'Too many requests' },
  WEBHOOK_SIGNATURE_INVALID: { httpStatus: 401, message: 'The webhook checksum is missing or invalid' },
  // storage
  STORE_UNAVAILABLE: { httpStatus: 503, message: 'Payment storage is unavailable' },
  STORE_CONFLICT: { httpStatus: 409, message: 'A unique constraint was violated' },
  INTERNAL_ERROR: { httpStatus: 500, message: 'Internal error' },
} as const);

export type ErrorCode = keyof typeof ERROR_CODES;

export interface ErrorDetail {
  field?: string;
  message: string;
  [key: string]: unknown;
}

export interface ClickPesaKitErrorOptions {
  message?: string;
  httpStatus?: number;
  cause?: unknown;
  details?: ErrorDetail[];
  /** How long to wait before trying again, in ms (rate limits, pauses); sent as `Retry-After`. */
  retryAfterMs?: number;
}

export interface ClickPesaProviderErrorOptions extends ClickPesaKitErrorOptions {
  /** ClickPesa's own HTTP status, when the error came from a ClickPesa response. */
  providerStatus?: number;
  /** ClickPesa's message, normalised from `{message}` or `{statusCode, message: [...], error}`. */
  providerMessage?: string;
}

/**
 * Marks every error of this toolkit. A registered symbol (the same in every copy of the module), so an error
 * thrown by the CommonJS build is still recognised by the ES module build, and by a second installed copy.
 */
const BRAND: unique symbol = Symbol.for('clickpesa-kit.error') as never;

/** The base of every error the toolkit throws; recognise it with `isClickPesaKitError`, not `instanceof`. */
export class ClickPesaKitError extends Error {
  readonly code: ErrorCode;
  readonly httpStatus: number;
  readonly details?: ErrorDetail[];
  readonly retryAfterMs?: number;
  declare readonly [BRAND]: true;

  constructor(code: ErrorCode, options: ClickPesaKitErrorOptions = {}) {
    super(
      options.message ?? ERROR_CODES[code].message,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = new.target.name;
    this.code = code;
    this.httpStatus = options.httpStatus ?? ERROR_CODES[code].httpStatus;
    if (options.details) this.details = options.details;
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
    // not enumerable: the brand stays out of JSON and of test equality checks
    Object.defineProperty(this, BRAND, { value: true });
  }
}

/** ClickPesa failed, refused or is unreachable (or our budget holds the call back): the PROVIDER_* codes. */
export class ClickPesaProviderError extends ClickPesaKitError {
  readonly providerStatus?: number;
  readonly providerMessage?: string;

  constructor(code: ErrorCode, options: ClickPesaProviderErrorOptions = {}) {
    super(code, options);
    if (options.providerStatus !== undefined) this.providerStatus = options.providerStatus;
    if (options.providerMessage !== undefined) this.providerMessage = options.providerMessage;
  }
}

/** The payment store failed (connection lost, timeout): STORE_UNAVAILABLE, answered with 503. */
export class StoreUnavailableError extends ClickPesaKitError {
  constructor(options: ClickPesaKitErrorOptions = {}) {
    super('STORE_UNAVAILABLE', options);
  }
}

/** A write lost to another one (a unique value taken, a payment that kept changing): STORE_CONFLICT. */
export class StoreConflictError extends ClickPesaKitError {
  constructor(options: ClickPesaKitErrorOptions = {}) {
    super('STORE_CONFLICT', options);
  }
}

/** True for any error of this toolkit (optionally with this code), from whichever copy of it threw. */
export function isClickPesaKitError(error: unknown, code?: ErrorCode): error is ClickPesaKitError {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { [BRAND]?: unknown })[BRAND] === true &&
    (code === undefined || (error as ClickPesaKitError).code === code)
  );
}

/** True for errors about ClickPesa (they may carry `providerStatus` and `providerMessage`). */
export function isClickPesaProviderError(error: unknown): error is ClickPesaProviderError {
  return isClickPesaKitError(error) && error.code.startsWith('PROVIDER_');
}
