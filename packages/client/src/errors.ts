import type { ErrorDetail, Payment, PaymentsErrorCode } from './types.js';

export interface PaymentsApiErrorInit {
  /** HTTP status; 0 when no answer arrived (network error). */
  status: number;
  code: PaymentsErrorCode;
  message: string;
  details?: ErrorDetail[];
  /** The payment the server returned with the error (422 PAYMENT_REJECTED carries the failed payment). */
  payment?: Payment;
  /** From `Retry-After`, in milliseconds. */
  retryAfterMs?: number;
  /** The key sent with an initiate/retry: send it again to retry the same request safely. */
  idempotencyKey?: string;
  cause?: unknown;
}

/**
 * Every failure of a call: an error envelope from the server (`status`, `code`, `details` and `message` taken
 * from it), a network failure (`status` 0, `NETWORK_ERROR`), or an answer that is not our envelope
 * (`INVALID_RESPONSE`, e.g. a proxy's HTML error page). An aborted call rejects with the signal's reason instead.
 */
export class PaymentsApiError extends Error {
  readonly status: number;
  readonly code: PaymentsErrorCode;
  readonly details: ErrorDetail[];
  readonly payment?: Payment;
  readonly retryAfterMs?: number;
  readonly idempotencyKey?: string;

  constructor(init: PaymentsApiErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'PaymentsApiError';
    this.status = init.status;
    this.code = init.code;
    this.details = init.details ?? [];
    if (init.payment !== undefined) this.payment = init.payment;
    if (init.retryAfterMs !== undefined) this.retryAfterMs = init.retryAfterMs;
    if (init.idempotencyKey !== undefined) this.idempotencyKey = init.idempotencyKey;
  }

  /**
   * True when the same call may work if made again later: no answer at all, a 5xx, a 429, an in-flight
   * idempotency key, or a cut-off/garbled 2xx body. Client mistakes (400, 401, 404, 409 conflicts, 422, a
   * wrong base URL's HTML 404) will not fix themselves.
   */
  get transient(): boolean {
    return (
      this.status === 0 ||
      this.status === 408 ||
      this.status === 429 ||
      this.status >= 500 ||
      this.code === 'IDEMPOTENCY_KEY_IN_USE' ||
      (this.code === 'INVALID_RESPONSE' && this.status < 300)
    );
  }
}

export function isPaymentsApiError(error: unknown, code?: PaymentsErrorCode): error is PaymentsApiError {
  return error instanceof PaymentsApiError && (code === undefined || error.code === code);
}
