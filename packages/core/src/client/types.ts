import type { Dispatcher } from 'undici';
import type { ProviderPayment } from '../domain/payment.js';
import type { ClickPesaProviderError } from '../errors.js';
import type { ProviderEndpoint, ProviderRequestEvent, ProviderResponseEvent } from '../events.js';
import type { Logger } from '../logger.js';

export interface ClickPesaClientOptions {
  /** Falls back to CLICKPESA_CLIENT_ID. */
  clientId?: string;
  /** Falls back to CLICKPESA_API_KEY. */
  apiKey?: string;
  /** Falls back to CLICKPESA_CHECKSUM_KEY; when set, every POST body carries `checksum`. */
  checksumKey?: string;
  /** 'canonical' (default, ClickPesa's current algorithm) or 'legacy' (opt-in). */
  checksumMethod?: 'canonical' | 'legacy';
  /** Falls back to CLICKPESA_BASE_URL, then https://api.clickpesa.com/third-parties. */
  baseUrl?: string;
  timeouts?: { tokenMs?: number; initiateMs?: number; queryMs?: number };
  /** Token cache lifetime; ClickPesa tokens live 60 min. Default 55 min. */
  tokenTtlMs?: number;
  /** Retries for safe calls (token, query, list). Default 2. */
  maxRetries?: number;
  /** Upper bound for any Retry-After we honour inside one call. Default 30 s. */
  maxRetryAfterMs?: number;
  dispatcher?: Dispatcher;
  logger?: Logger;
  /** Called around every HTTP call (the toolkit turns these into provider.request/response events). */
  onRequest?: (event: ProviderRequestEvent) => void;
  onResponse?: (event: ProviderResponseEvent) => void;
  /** Gate every ClickPesa call goes through (the provider budget). */
  gate?: ProviderGate;
  /** Environment to read credentials from; defaults to process.env. */
  env?: Record<string, string | undefined>;
  now?: () => number;
  /** First retry's backoff ceiling (full jitter, doubling per retry). Default 500 ms. */
  retryBaseDelayMs?: number;
  /** Backoff ceiling for any retry without a Retry-After. Default 8 s. */
  retryMaxDelayMs?: number;
  /** How the client waits between retries (tests inject a recording/instant one). Default: setTimeout. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Jitter source in [0, 1). Default Math.random. */
  random?: () => number;
}

/** The provider budget hook: awaited before each call, told about throttling and failures after. */
export interface ProviderGate {
  acquire(
    endpoint: ProviderEndpoint,
    options: { priority: 'user' | 'background'; signal?: AbortSignal; owner?: string },
  ): Promise<void>;
  report(endpoint: ProviderEndpoint, outcome: GateOutcome): void;
}

export type GateOutcome =
  | { kind: 'ok' }
  | { kind: 'rate_limited'; retryAfterMs: number }
  | { kind: 'failure' } // 5xx, timeout, reset: counts toward the circuit breaker
  | { kind: 'client_error' }; // 4xx other than 429: the provider is up

export interface CallOptions {
  priority?: 'user' | 'background';
  signal?: AbortSignal;
  /** Whose call this is (a payment's owner): the provider budget takes turns between owners' user calls. */
  owner?: string;
}

export interface UssdPushRequest {
  /** Decimal string as ClickPesa wants it: "1000" or "1000.50". */
  amount: string;
  currency: 'TZS';
  orderReference: string;
  /** 255XXXXXXXXX */
  phoneNumber: string;
}

export interface PreviewResult {
  activeMethods: { name: string; status: string; fee?: number; message?: unknown }[];
  sender?: { accountName?: string; accountNumber?: string; accountProvider?: string };
  raw: unknown;
}

/** Initiate is never retried automatically; its outcome says what we know. */
export type InitiateResult =
  | { kind: 'accepted'; payment: ProviderPayment; raw: unknown }
  /** A definitive 4xx rejection: the push was not created. */
  | { kind: 'rejected'; error: ClickPesaProviderError }
  /** 409 "order reference already used": the payment exists at ClickPesa; query it. */
  | { kind: 'exists'; error: ClickPesaProviderError }
  /** Timeout, reset, 5xx, malformed 2xx: the push may or may not exist; reconcile by query. */
  | { kind: 'ambiguous'; error: ClickPesaProviderError };

export type QueryResult =
  | { kind: 'found'; payments: ProviderPayment[]; raw: unknown }
  /** 404, or an empty array. */
  | { kind: 'not_found' };

export interface ListPaymentsFilters {
  startDate?: string; // YYYY-MM-DD
  endDate?: string;
  status?: string;
  collectedCurrency?: string;
  channel?: string;
  orderReference?: string;
  sortBy?: string;
  orderBy?: 'ASC' | 'DESC';
  skip?: number;
  limit?: number;
}

export interface ListPaymentsResult {
  data: ProviderPayment[];
  totalCount: number;
}

export interface ClickPesaApi {
  previewUssdPush(request: UssdPushRequest, options?: CallOptions): Promise<PreviewResult>;
  /**
   * Never retried (apart from one retry after a 401 and a token refresh). Throws only when the push was
   * certainly not sent (no token: credentials rejected or token endpoint unavailable; gate refused; aborted
   * before sending); every answer or failure after sending is an InitiateResult.
   */
  initiateUssdPush(request: UssdPushRequest, options?: CallOptions): Promise<InitiateResult>;
  /** Throws ClickPesaProviderError (retryable codes after retries are spent) on failures other than not-found. */
  queryPayment(orderReference: string, options?: CallOptions): Promise<QueryResult>;
  listPayments(filters?: ListPaymentsFilters, options?: CallOptions): Promise<ListPaymentsResult>;
}
