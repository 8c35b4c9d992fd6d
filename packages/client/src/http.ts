import { PaymentsApiError } from './errors.js';
import type { ErrorEnvelope, ListEnvelope, PaymentPage, PaymentResponse, SuccessEnvelope } from './types.js';

/** A bearer token, or a function that returns the current one (called before every request). */
export type TokenSource = string | (() => string | null | undefined | Promise<string | null | undefined>);

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface TransportOptions {
  /** Where the routes are mounted: "https://shop.example/api/v1", or "/api/v1" in a browser. */
  baseUrl: string;
  token?: TokenSource;
  /** Default: the global `fetch`, looked up at call time. */
  fetch?: FetchLike;
  /** Sent with every request (e.g. a CSRF header your host wants). */
  headers?: Record<string, string>;
  /** Give up on a request after this long (NETWORK_ERROR). Default 30 000 ms; 0 turns it off. */
  timeoutMs?: number;
}

/** Per-call options every method takes. */
export interface CallOptions {
  signal?: AbortSignal;
  headers?: Record<string, string>;
}

export interface RouteRequest extends CallOptions {
  method: 'GET' | 'POST';
  /** Relative to the base URL: "/payments/<id>/status". */
  path: string;
  body?: unknown;
  idempotencyKey?: string;
}

const DEFAULT_TIMEOUT_MS = 30_000;

type FailureFields = Omit<ConstructorParameters<typeof PaymentsApiError>[0], 'idempotencyKey'>;

/** Sends one request to a route and turns the envelope into a PaymentResponse or a PaymentsApiError. */
export async function callRoute(
  transport: TransportOptions,
  request: RouteRequest,
): Promise<PaymentResponse> {
  const { response, body, failWith } = await exchange(transport, request);
  if (!response.ok || !isSuccessEnvelope(body)) throw failWith(invalidResponse(response));
  const result: PaymentResponse = {
    payment: body.data,
    providerStatus: body.provider_status ?? null,
    message: body.message,
    httpStatus: response.status,
    replayed: response.headers.get('idempotent-replayed') === 'true',
  };
  if (request.idempotencyKey !== undefined) result.idempotencyKey = request.idempotencyKey;
  Object.assign(result, freshnessOf(body, response.headers.get('retry-after')));
  return result;
}

/** Sends one request to a list route and turns the envelope into a PaymentPage or a PaymentsApiError. */
export async function callListRoute(
  transport: TransportOptions,
  request: RouteRequest,
): Promise<PaymentPage> {
  const { response, body, failWith } = await exchange(transport, request);
  if (!response.ok || !isListEnvelope(body)) throw failWith(invalidResponse(response));
  return {
    payments: body.data,
    nextCursor: body.next_cursor,
    message: body.message,
    httpStatus: response.status,
  };
}

/** The request and its answer's parsed body; a network failure or an error envelope rejects here. */
async function exchange(transport: TransportOptions, request: RouteRequest) {
  const url = joinUrl(transport.baseUrl, request.path);
  const headers = await requestHeaders(transport, request);
  const init: RequestInit = { method: request.method, headers };
  if (request.body !== undefined) init.body = JSON.stringify(request.body);
  const failWith = (fields: FailureFields) =>
    new PaymentsApiError(
      request.idempotencyKey === undefined ? fields : { ...fields, idempotencyKey: request.idempotencyKey },
    );

  const deadline = linkAbort(request.signal, transport.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  init.signal = deadline.signal;
  let response: Response;
  let text: string;
  try {
    const fetchImpl: FetchLike = transport.fetch ?? ((input, options) => globalThis.fetch(input, options));
    response = await fetchImpl(url, init);
    text = await response.text();
  } catch (error) {
    if (request.signal?.aborted) throw request.signal.reason ?? error;
    const message = deadline.timedOut
      ? `The payments server did not answer within ${deadline.timeoutMs} ms`
      : 'Could not reach the payments server';
    throw failWith({ status: 0, code: 'NETWORK_ERROR', message, cause: error });
  } finally {
    deadline.dispose();
  }

  const body = parseJson(text);
  if (isErrorEnvelope(body)) {
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
    const fields: ConstructorParameters<typeof PaymentsApiError>[0] = {
      status: response.status,
      code: body.error.code,
      message: body.message,
    };
    if (Array.isArray(body.error.details)) fields.details = body.error.details;
    if (body.data !== undefined) fields.payment = body.data;
    if (retryAfterMs !== undefined) fields.retryAfterMs = retryAfterMs;
    throw failWith(fields);
  }
  return { response, body, failWith };
}

function invalidResponse(response: Response): FailureFields {
  return {
    status: response.status,
    code: 'INVALID_RESPONSE',
    message: `Unexpected answer from the payments server (HTTP ${response.status})`,
  };
}

/** "/api/v1/" + "/payments" → "/api/v1/payments"; works for absolute and (in a browser) relative bases. */
function joinUrl(baseUrl: string, path: string): string {
  return baseUrl.replace(/\/+$/, '') + path;
}

async function requestHeaders(transport: TransportOptions, request: RouteRequest): Promise<Headers> {
  const headers = new Headers({ accept: 'application/json', ...transport.headers, ...request.headers });
  const token = typeof transport.token === 'function' ? await transport.token() : transport.token;
  // a token copied with its scheme ("Bearer abc") is used as is, never prefixed twice
  if (token) headers.set('authorization', /^bearer /i.test(token) ? token : `Bearer ${token}`);
  if (request.body !== undefined) headers.set('content-type', 'application/json');
  if (request.idempotencyKey !== undefined) headers.set('idempotency-key', request.idempotencyKey);
  return headers;
}

/**
 * One signal for fetch that fires on the caller's abort or on our timeout. Built by hand rather than with
 * `AbortSignal.any`/`AbortSignal.timeout`, which older browsers lack.
 */
function linkAbort(outer: AbortSignal | undefined, timeoutMs: number) {
  const controller = new AbortController();
  const state = { signal: controller.signal, timedOut: false, timeoutMs, dispose: () => {} };
  const onAbort = () => controller.abort(outer?.reason);
  if (outer?.aborted) onAbort();
  outer?.addEventListener('abort', onAbort, { once: true });
  const timer =
    timeoutMs > 0
      ? setTimeout(() => {
          state.timedOut = true;
          controller.abort();
        }, timeoutMs)
      : undefined;
  state.dispose = () => {
    if (timer !== undefined) clearTimeout(timer);
    outer?.removeEventListener('abort', onAbort);
  };
  return state;
}

function parseJson(text: string): unknown {
  try {
    return text === '' ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isErrorEnvelope(body: unknown): body is ErrorEnvelope {
  if (typeof body !== 'object' || body === null) return false;
  const candidate = body as Partial<ErrorEnvelope>;
  return (
    candidate.success === false &&
    typeof candidate.message === 'string' &&
    typeof candidate.error === 'object' &&
    candidate.error !== null &&
    typeof candidate.error.code === 'string'
  );
}

/** The status route's hints: `checked_at`, and `poll_after_ms` (or, from a server that sends only the header, `Retry-After`). */
function freshnessOf(
  body: SuccessEnvelope,
  retryAfter: string | null,
): Pick<PaymentResponse, 'checkedAt' | 'pollAfterMs'> {
  const hints: Pick<PaymentResponse, 'checkedAt' | 'pollAfterMs'> = {};
  if (typeof body.checked_at === 'string' || body.checked_at === null) hints.checkedAt = body.checked_at;
  const pollAfter = body.poll_after_ms;
  if (pollAfter === null || (typeof pollAfter === 'number' && Number.isFinite(pollAfter) && pollAfter >= 0)) {
    hints.pollAfterMs = pollAfter;
  } else {
    const fromHeader = parseRetryAfter(retryAfter);
    if (fromHeader !== undefined) hints.pollAfterMs = fromHeader;
  }
  return hints;
}

function isSuccessEnvelope(body: unknown): body is SuccessEnvelope {
  if (typeof body !== 'object' || body === null) return false;
  const candidate = body as Partial<SuccessEnvelope>;
  return (
    candidate.success === true &&
    typeof candidate.data === 'object' &&
    candidate.data !== null &&
    typeof candidate.data.id === 'string' &&
    typeof candidate.data.status === 'string'
  );
}

function isListEnvelope(body: unknown): body is ListEnvelope {
  if (typeof body !== 'object' || body === null) return false;
  const candidate = body as Partial<ListEnvelope>;
  return (
    candidate.success === true &&
    typeof candidate.message === 'string' &&
    Array.isArray(candidate.data) &&
    (candidate.next_cursor === null || typeof candidate.next_cursor === 'string')
  );
}

/** `Retry-After` as delta-seconds or an HTTP date, in ms; undefined when absent or unreadable. */
function parseRetryAfter(value: string | null): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}
