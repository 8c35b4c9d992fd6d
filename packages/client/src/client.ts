import {
  type CallOptions,
  callListRoute,
  callRoute,
  type RouteRequest,
  type TransportOptions,
} from './http.js';
import { newIdempotencyKey } from './idempotency-key.js';
import { waitWithPush } from './push.js';
import type { InitiatePaymentInput, ListPaymentsQuery, PaymentPage, PaymentResponse } from './types.js';
import type { WaitOptions, WaitResult } from './wait.js';

export type PaymentsClientOptions = TransportOptions;

/** Initiate and retry send an `Idempotency-Key`: a fresh UUID per call unless you pass the one to reuse. */
export interface PushCallOptions extends CallOptions {
  idempotencyKey?: string;
}

export interface PaymentsClient {
  /** `POST /payments`: sends the USSD push. Resolves with the payment (201); a rejected push throws 422. */
  initiatePayment(input: InitiatePaymentInput, options?: PushCallOptions): Promise<PaymentResponse>;
  /**
   * `GET /payments`: the caller's own payments, newest first, optionally of one order and/or status; pass
   * `nextCursor` back as `cursor` for the next page (null on the last). No call to ClickPesa.
   */
  listPayments(query?: ListPaymentsQuery, options?: CallOptions): Promise<PaymentPage>;
  /** `GET /payments/:id`: stored details, no call to ClickPesa. */
  getPayment(paymentId: string, options?: CallOptions): Promise<PaymentResponse>;
  /** `GET /payments/:id/status`: refreshed from ClickPesa when stale; carries `providerStatus`. */
  getStatus(paymentId: string, options?: CallOptions): Promise<PaymentResponse>;
  /** `POST /payments/:id/retry`: a new push for a failed or cancelled payment (same payment id, new reference). */
  retryPayment(paymentId: string, options?: PushCallOptions): Promise<PaymentResponse>;
  /** `POST /payments/:id/cancel`: stops waiting locally; a later provider success still wins. */
  cancelPayment(paymentId: string, options?: CallOptions): Promise<PaymentResponse>;
  /**
   * Waits for a final status: on the push route (`/events`) when the server has it, else by polling
   * `getStatus`; resolves with outcome `timeout` rather than throwing.
   */
  waitForPayment(paymentId: string, options?: WaitOptions): Promise<WaitResult>;
}

/**
 * A client for the payment routes, for browsers and Node (fetch only):
 * `createPaymentsClient({ baseUrl: '/api/v1', token: () => session.token })`.
 * Failures reject with a `PaymentsApiError` (`status`, `code`, `details`, `message` from the envelope).
 */
export function createPaymentsClient(options: PaymentsClientOptions): PaymentsClient {
  if (!options || typeof options.baseUrl !== 'string' || options.baseUrl === '') {
    throw new TypeError('createPaymentsClient needs a baseUrl, e.g. "https://shop.example/api/v1"');
  }
  const transport: TransportOptions = { ...options };
  const paymentPath = (paymentId: string, action = '') => {
    if (typeof paymentId !== 'string' || paymentId === '') throw new TypeError('a payment id is required');
    return `/payments/${encodeURIComponent(paymentId)}${action}`;
  };
  const withCallOptions = (request: RouteRequest, { signal, headers }: CallOptions = {}): RouteRequest => {
    if (signal) request.signal = signal;
    if (headers) request.headers = headers;
    return request;
  };

  const client: PaymentsClient = {
    async initiatePayment(input, callOptions = {}) {
      const body = { currency: 'TZS', ...input };
      const idempotencyKey = callOptions.idempotencyKey ?? newIdempotencyKey();
      return callRoute(
        transport,
        withCallOptions({ method: 'POST', path: '/payments', body, idempotencyKey }, callOptions),
      );
    },
    async listPayments(query = {}, callOptions) {
      return callListRoute(
        transport,
        withCallOptions({ method: 'GET', path: `/payments${listQueryString(query)}` }, callOptions),
      );
    },
    async getPayment(paymentId, callOptions) {
      return callRoute(
        transport,
        withCallOptions({ method: 'GET', path: paymentPath(paymentId) }, callOptions),
      );
    },
    async getStatus(paymentId, callOptions) {
      return callRoute(
        transport,
        withCallOptions({ method: 'GET', path: paymentPath(paymentId, '/status') }, callOptions),
      );
    },
    async retryPayment(paymentId, callOptions = {}) {
      const idempotencyKey = callOptions.idempotencyKey ?? newIdempotencyKey();
      return callRoute(
        transport,
        withCallOptions(
          { method: 'POST', path: paymentPath(paymentId, '/retry'), idempotencyKey },
          callOptions,
        ),
      );
    },
    async cancelPayment(paymentId, callOptions) {
      return callRoute(
        transport,
        withCallOptions({ method: 'POST', path: paymentPath(paymentId, '/cancel') }, callOptions),
      );
    },
    async waitForPayment(paymentId, waitOptions) {
      return waitWithPush(
        transport,
        (id, callOptions) => client.getStatus(id, callOptions),
        paymentId,
        waitOptions,
      );
    },
  };
  return client;
}

/** The route's query parameters, snake_case as on the wire; left-out filters are not sent. */
function listQueryString({ externalOrderId, status, cursor, limit }: ListPaymentsQuery): string {
  const params = new URLSearchParams();
  if (externalOrderId !== undefined) params.set('external_order_id', externalOrderId);
  if (status !== undefined) params.set('status', status);
  if (cursor !== undefined) params.set('cursor', cursor);
  if (limit !== undefined) params.set('limit', String(limit));
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}
