import type { IncomingHttpHeaders } from 'node:http';
import type { FaultBook } from './faults.js';
import type { PaymentLedger } from './ledger.js';
import type { RateLimiter } from './rate-limit.js';
import type { RequestLog } from './request-log.js';
import type { ScenarioEngine } from './scenario-engine.js';
import type { TokenStore } from './tokens.js';
import type { DuplicateReferenceMode, NotFoundMode, RateLimitOptions } from './types.js';
import type { WebhookSender } from './webhooks.js';

/** SandboxOptions with defaults applied; the runtime part may change through `configure`. */
export interface SandboxConfig {
  clientId: string;
  apiKey: string;
  checksumKey?: string;
  webhookUrl?: string;
  approveDelayMs: number;
  tokenTtlMs: number;
  tokenPrefix: boolean;
  rateLimit?: RateLimitOptions;
  duplicateReference: DuplicateReferenceMode;
  notFoundMode: NotFoundMode;
  visibilityDelayMs: number;
  /** `GET /payments/all` returns at most this many rows, whatever `limit` asks (null: no cap). */
  maxPageSize: number | null;
  /** Sort by createdAt whatever `sortBy` asks. */
  ignoreSortBy: boolean;
  webhookRetryDelaysMs: number[];
  webhookTimeoutMs: number;
  merchantName: string;
}

/** Everything a route handler may touch. */
export interface SandboxContext {
  config: SandboxConfig;
  now: () => number;
  ledger: PaymentLedger;
  tokens: TokenStore;
  engine: ScenarioEngine;
  webhooks: WebhookSender;
  faults: FaultBook;
  rateLimiter: RateLimiter;
  log: RequestLog;
}

/** One parsed request as route handlers see it. */
export interface ApiRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: unknown;
  /** The order reference in the path, for the routes that have one. */
  orderReference?: string;
}
