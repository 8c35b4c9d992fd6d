import { type ClickPesaKitError, ERROR_CODES, type ErrorCode, type ErrorDetail } from '../errors.js';
import type { PublicPayment, PublicProviderStatus } from './public-payment.js';
import type { HandlerResponse } from './types.js';

/** The response envelope of every payment route (see docs/http-api.md). */
export interface SuccessEnvelope {
  success: true;
  message: string;
  data?: PublicPayment;
  provider_status?: PublicProviderStatus | null;
  /** Status route: when ClickPesa was last asked about the payment (null: not yet). */
  checked_at?: string | null;
  /** Status route: when a new read may tell more, in ms (null: the payment is final). */
  poll_after_ms?: number | null;
}

/** `GET /payments`: one page of the caller's payments, newest first (see docs/http-api.md). */
export interface ListEnvelope {
  success: true;
  message: string;
  data: PublicPayment[];
  /** Pass back as `cursor` for the next page; null on the last page. */
  next_cursor: string | null;
}

export interface ErrorEnvelope {
  success: false;
  message: string;
  error: { code: ErrorCode; details?: ErrorDetail[] };
  /** Only when a payment exists despite the error (422 PAYMENT_REJECTED carries the failed payment). */
  data?: PublicPayment;
}

/** Every answer is JSON, never cached (payment state changes), never sniffed. */
export function baseHeaders(): Record<string, string> {
  return {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  };
}

export function successResponse(
  status: number,
  message: string,
  fields: {
    data?: PublicPayment;
    providerStatus?: PublicProviderStatus | null;
    freshness?: Pick<SuccessEnvelope, 'checked_at' | 'poll_after_ms'>;
    headers?: Record<string, string>;
  } = {},
): HandlerResponse {
  const body: SuccessEnvelope = { success: true, message };
  if (fields.data !== undefined) body.data = fields.data;
  if (fields.providerStatus !== undefined) body.provider_status = fields.providerStatus;
  if (fields.freshness !== undefined) Object.assign(body, fields.freshness);
  const headers = baseHeaders();
  if (fields.headers) Object.assign(headers, fields.headers);
  return { status, headers, body };
}

export function listResponse(
  message: string,
  page: { data: PublicPayment[]; nextCursor: string | null },
): HandlerResponse {
  const body: ListEnvelope = { success: true, message, data: page.data, next_cursor: page.nextCursor };
  return { status: 200, headers: baseHeaders(), body };
}

export function errorResponse(
  code: ErrorCode,
  fields: {
    message?: string;
    details?: ErrorDetail[];
    data?: PublicPayment;
    status?: number;
    headers?: Record<string, string>;
  } = {},
): HandlerResponse {
  const body: ErrorEnvelope = {
    success: false,
    message: fields.message ?? ERROR_CODES[code].message,
    error: { code },
  };
  if (fields.details && fields.details.length > 0) body.error.details = fields.details;
  if (fields.data !== undefined) body.data = fields.data;
  return {
    status: fields.status ?? ERROR_CODES[code].httpStatus,
    headers: { ...baseHeaders(), ...fields.headers },
    body,
  };
}

/**
 * A ClickPesaKitError as an answer. 4xx errors keep their specific message (it tells the client what to fix);
 * 5xx errors answer with the catalog's generic message, so nothing about our internals or ClickPesa's raw
 * answer reaches the client (SEC-12).
 */
export function kitErrorResponse(error: ClickPesaKitError, data?: PublicPayment): HandlerResponse {
  const status = error.httpStatus >= 400 && error.httpStatus <= 599 ? error.httpStatus : 500;
  const headers: Record<string, string> = {};
  if (error.code === 'IDEMPOTENCY_KEY_IN_USE') headers['retry-after'] = '1';
  else if (error.retryAfterMs !== undefined && (status === 429 || status === 503)) {
    headers['retry-after'] = String(Math.max(1, Math.ceil(error.retryAfterMs / 1000)));
  }
  const fields: Parameters<typeof errorResponse>[1] = { status, headers };
  if (status < 500) {
    fields.message = error.message;
    if (error.details) fields.details = error.details;
  }
  if (data !== undefined) fields.data = data;
  return errorResponse(error.code, fields);
}
