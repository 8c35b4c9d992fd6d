import type { ProviderBudgetOptions } from './budget/types.js';
import { DEFAULT_BASE_URL } from './client/config.js';
import type { ClickPesaApi, ClickPesaClientOptions } from './client/types.js';
import type { Clock } from './clock.js';
import type { DispatcherOptions, EventHandlers } from './dispatch/types.js';
import type { PaymentEvents } from './events.js';
import type { HealthOptions } from './http/health.js';
import type { PushRouteOptions } from './http/push-routes.js';
import type { Authenticate } from './http/types.js';
import type { Logger } from './logger.js';
import type { PollerOptions } from './poller/types.js';
import type { RetentionOptions } from './retention/retention.js';
import type { PaymentServiceOptions, RateLimit } from './service/types.js';
import type { PaymentStore } from './store/contract.js';

/**
 * Options of {@link createClickPesaPayments}: the one object every adapter takes
 * (`clickpesaPayments({ store, authenticate, ... })`). Everything but `store` and `authenticate` has a default.
 *
 * Payment rules (amount limits, idempotency, webhook verification, ...) are the payment service's options and
 * are passed through unchanged; their defaults are listed on each field.
 */
export interface ClickPesaPaymentsOptions<Raw = unknown>
  extends Omit<PaymentServiceOptions, 'confirmWithinMs' | 'checksumKey' | 'callbackNotifications'> {
  /**
   * Where payments live: `@clickpesa-kit/store-sqlite`, `@clickpesa-kit/store-postgres`, `createMemoryStore()`
   * or your own implementation of the store contract. Required (no default). The host owns it:
   * `close()` does not close it.
   */
  store: PaymentStore;
  /**
   * Decides who is calling: gets the framework's own request object (Express `req`, Fastify `request`,
   * Koa `ctx`, a fetch `Request`; each adapter types it) and returns `{ id }` (a string or a number), or
   * `null`/`undefined` for 401. Required (no default: the routes fail
   * closed). An error it throws goes to the framework's error handling after an `error` event.
   */
  authenticate: Authenticate<Raw>;
  /**
   * ClickPesa client settings. Each credential falls back to the environment: `CLICKPESA_CLIENT_ID`,
   * `CLICKPESA_API_KEY`, `CLICKPESA_CHECKSUM_KEY`, `CLICKPESA_BASE_URL` (default
   * `https://api.clickpesa.com/third-parties`). A missing client id or API key is a startup error that
   * names the variable. Ignored when `client` is given. Default `{}` (everything from the environment).
   */
  clickpesa?: ClickPesaClientOptions;
  /**
   * A ready ClickPesa client to use instead of building one from `clickpesa` (tests, custom transports).
   * The provider budget and the provider.request/response events are then the injected client's business.
   * Default: none (a client is built).
   */
  client?: ClickPesaApi;
  /**
   * Checksum key(s) that verify ClickPesa webhooks; a list during key rotation (the first one need not be
   * the newest). Default: the client's checksum key (`clickpesa.checksumKey`, else `CLICKPESA_CHECKSUM_KEY`);
   * none when neither is set, and then every webhook is confirmed by a status query before it counts.
   */
  checksumKey?: string | readonly string[];
  /**
   * The background poller that confirms payments whose webhook never came. `false` turns it off (then only
   * webhooks and the status route move payments). Default: on, with the poller's own defaults.
   */
  poller?: PollerOptions | false;
  /**
   * Durable event handlers by event type (`'*'` for every type without its own handler). Each event is stored
   * with the change it describes and delivered at least once, in order per payment, even across crashes and
   * restarts; a handler that throws, rejects or times out is retried with backoff. Make handlers idempotent
   * on `event.eventId`. Default: none (events are still stored; `outbox.eventsSince` reads them).
   */
  handlers?: EventHandlers;
  /**
   * The event dispatcher that runs `handlers` and callback_url notifications from the outbox. `false` turns it
   * off in this instance (another instance on the same store must run one). Default: on, with
   * `{ pollIntervalMs: 1000, batchSize: 50, concurrency: 8, handlerTimeoutMs: 30000, maxAttempts: 25,
   * retryBaseMs: 1000, retryMaxMs: 600000, shutdownGraceMs: 10000 }`.
   */
  dispatcher?: DispatcherOptions | false;
  /**
   * Periodic deletion of old records: expired idempotency keys, delivered events older than `eventsDays`,
   * webhook receipts older than `receiptsDays`, audit entries older than `auditDays`. `false` turns it off.
   * Rate-limit buckets untouched for `bucketsDays` are deleted too.
   * Default `{ intervalMs: 600000, eventsDays: 30, receiptsDays: 30, auditDays: 90, bucketsDays: 1 }`.
   */
  retention?: RetentionOptions | false;
  /** Start the poller, the event dispatcher and retention as soon as the kit is created. With `false`, call `start()` yourself. Default true. */
  autoStart?: boolean;
  /**
   * The request budget every ClickPesa call of a client built here goes through (docs/decisions.md, decision e:
   * user-initiated pushes before background polls, a 429 pauses calls, a circuit breaker stops a storm).
   * When the store offers a shared bucket (`store.budget`, e.g. PostgreSQL) all instances share it.
   * `false` turns it off. Default `{ requestsPerMinute: 120 }` (ClickPesa's documented limit).
   */
  budget?: ProviderBudgetOptions | false;
  /** Maximum request body in bytes; larger bodies get 413. Default 65536 (64 KiB). */
  bodyLimit?: number;
  /**
   * Longest time spent reading one request body where the toolkit reads it (no host body parser ran); a
   * slower sender gets 408 and its connection is closed. Header read times belong to the server: see
   * docs/security.md for the settings of each framework. Default 10000 (10 s).
   */
  bodyReadTimeoutMs?: number;
  /**
   * Webhooks accepted per source IP (the framework's client IP), counted in this process and checked before
   * any verification or storage work; more get 429. `false` turns it off. Default `{ max: 300, windowMs: 60000 }`.
   */
  webhookRateLimit?: RateLimit | false;
  /**
   * A secret path segment for the webhook: ClickPesa is given `/callback/<secret>` and only that path is
   * served (compared in constant time); `/callback` and a wrong segment get 404 with no work done. At least
   * 16 characters of A-Z, a-z, 0-9, "_", "-". Default: none (the webhook is `/callback`).
   */
  webhookPathSecret?: string;
  /**
   * The push routes (`GET /payments/:id/events`, `GET /payments/:id/status?wait=`): open connections per
   * owner in this process (one more gets 429), the event stream's heartbeat, the longest long-poll wait, and
   * how often a shared store's event cursor is read while someone listens. Default
   * `{ maxConnectionsPerOwner: 20, heartbeatMs: 15000, maxWaitMs: 30000, watchIntervalMs: 500 }`.
   */
  push?: PushRouteOptions;
  /**
   * How many app processes share `store`. More than one needs a shared store (SQLite file, PostgreSQL);
   * the memory store refuses (POLL-14). Default 1.
   */
  instances?: number;
  /**
   * Time source for the service, the poller and the push routes' timers (tests pass a manual clock).
   * Default: the system clock.
   */
  clock?: Clock;
  /**
   * Serve the health probes `GET /health/live` and `GET /health/ready` under the routes' mount point, with
   * no authentication (load balancers probe them; they show no id and no secret). `true` for the defaults,
   * or `{ timeoutMs, pollerStaleAfterMs, outboxLagLimitMs }`. Default: off (those paths are not ours).
   */
  health?: boolean | HealthOptions;
  /**
   * Structured logger (pino-compatible). Nothing logged contains a secret, and phone numbers are masked.
   * Lines written while a route answers carry its `requestId` (through `logger.child` when the logger has
   * one). Default: silent.
   */
  logger?: Logger;
  /** The event bus to emit on; pass your own to subscribe before anything happens. Default: a new one. */
  events?: PaymentEvents;
  /**
   * Signs the notifications sent to accepted `callback_url`s (Standard Webhooks, WH-15):
   * `whsec_` + base64 of 24–64 random bytes; give receivers the same string. Required when
   * `allowedCallbackUrls` is non-empty. Default: none.
   */
  callbackSecret?: string;
  /** Total timeout of one `callback_url` notification POST. Default 15 000 ms. */
  callbackTimeoutMs?: number;
  /**
   * Waits between failed `callback_url` notification sends (±20 % jitter, a longer Retry-After wins); the
   * notification is given up after the last. Default 5 s, 30 s, 2 min, 10 min, 1 h, 3 h, 6 h, 12 h, 24 h.
   */
  callbackRetryDelaysMs?: readonly number[];
}

/** The webhook checksum key(s): explicit option, then the client's key, then CLICKPESA_CHECKSUM_KEY. */
export function resolveWebhookChecksumKeys<Raw>(options: ClickPesaPaymentsOptions<Raw>): string[] {
  const explicit = options.checksumKey === undefined ? [] : [options.checksumKey].flat();
  const fallback = options.clickpesa?.checksumKey ?? readEnv(options).CLICKPESA_CHECKSUM_KEY;
  const keys = explicit.length > 0 ? explicit : [fallback];
  return keys.filter((key): key is string => typeof key === 'string' && key.trim().length > 0);
}

/**
 * The startup warning for live ClickPesa without a checksum key (SEC-15): webhooks then cannot be verified,
 * every one costs a confirming query, and ClickPesa cannot check our request bodies. Null otherwise, and for an
 * injected client (whose base URL the kit does not know). Names the setting, never a value.
 */
export function liveWithoutChecksumWarning<Raw>(
  options: ClickPesaPaymentsOptions<Raw>,
  checksumKeys: readonly string[],
): string | null {
  if (options.client !== undefined || checksumKeys.length > 0) return null;
  const configured = options.clickpesa?.baseUrl ?? readEnv(options).CLICKPESA_BASE_URL;
  let host: string;
  try {
    host = new URL(configured?.trim() || DEFAULT_BASE_URL).hostname.toLowerCase();
  } catch {
    return null; // the client reports a bad URL itself
  }
  if (host !== LIVE_CLICKPESA_HOST) return null;
  return (
    'live ClickPesa without a checksum key: webhooks cannot be verified and each costs a status query; ' +
    'set CLICKPESA_CHECKSUM_KEY (or clickpesa.checksumKey)'
  );
}

const LIVE_CLICKPESA_HOST = new URL(DEFAULT_BASE_URL).hostname;

/** Values that must never show up in a response (the handler redacts them as a last line of defence). */
export function collectSecrets<Raw>(
  options: ClickPesaPaymentsOptions<Raw>,
  checksumKeys: readonly string[],
): string[] {
  const env = readEnv(options);
  const candidates = [
    options.clickpesa?.apiKey ?? env.CLICKPESA_API_KEY,
    options.clickpesa?.clientId ?? env.CLICKPESA_CLIENT_ID,
    ...checksumKeys,
    options.callbackSecret,
    options.webhookPathSecret,
  ];
  return candidates.filter((value): value is string => typeof value === 'string' && value.length > 0);
}

function readEnv<Raw>(options: ClickPesaPaymentsOptions<Raw>): Record<string, string | undefined> {
  return options.clickpesa?.env ?? process.env;
}
