import type { Clock } from '../clock.js';
import { ClickPesaKitError, ClickPesaProviderError, type ErrorCode, isClickPesaKitError } from '../errors.js';
import { PaymentEvents } from '../events.js';
import { type Logger, silentLogger } from '../logger.js';
import { REQUEST_ID_HEADER, requestIdOf, withRequestContext } from '../logging/request-context.js';
import type { InitiatePaymentInput } from '../service/initiate-input.js';
import { activePaymentOf } from '../service/order-busy.js';
import type {
  PaymentService,
  PushCallOptions,
  PushResult,
  RateLimit,
  WebhookInput,
  WebhookResult,
} from '../service/types.js';
import { createSecretRedactor } from '../shared/redact.js';
import { errorResponse, kitErrorResponse, listResponse, successResponse } from './envelope.js';
import type { HealthChecks } from './health.js';
import { assertEmptyCommandBody, createPaymentBody, idempotencyKeyHeader, paymentIdParam } from './inputs.js';
import { createPaymentWatch, type PaymentWatch } from './payment-watch.js';
import { auditResponse } from './public-audit.js';
import { toPublicPayment, toPublicProviderStatus } from './public-payment.js';
import { createPushRoutes, type PushRouteOptions } from './push-routes.js';
import { readJsonBody } from './request-body.js';
import { isHealthPath, isKnownPath, matchRoute, type RouteName, splitPath } from './routes.js';
import { statusFreshness } from './status-freshness.js';
import type { Authenticate, HandlerRequest, HandlerResponse, PaymentsHandler } from './types.js';
import { createWebhookGuard } from './webhook-guard.js';

export const DEFAULT_BODY_LIMIT = 65_536;
/** How long an adapter may spend reading one request body before it gives up (slow senders). */
export const DEFAULT_BODY_READ_TIMEOUT_MS = 10_000;

export interface PaymentsHandlerOptions {
  /** The payment service every route delegates to. Required. */
  service: PaymentService;
  /**
   * The host's authentication hook: gets the framework's own request, returns `{ id }` or null/undefined
   * (→ 401). Required: without it the handler refuses to start (fail closed). An error it throws is emitted
   * as `error` and rejects `handle()`, so the adapter passes it to the framework's error handling.
   */
  authenticate: Authenticate;
  /** Where `error` and `webhook.rejected` are emitted. Default: none. */
  events?: PaymentEvents;
  /** Maximum request body size in bytes. Default 65536 (64 KiB); larger bodies get 413. */
  bodyLimit?: number;
  /** Default: silent. */
  logger?: Logger;
  /** Values that must never appear in a response (API key, checksum key); replaced by "[REDACTED]". */
  secrets?: readonly string[];
  /** Longest time adapters spend reading a body before answering 408 and closing the connection. Default 10 s. */
  bodyReadTimeoutMs?: number;
  /** Webhooks per source IP, counted in this process, checked before any other work. Default 300 per minute. */
  webhookRateLimit?: RateLimit | false;
  /** Serve the webhook at /callback/<secret> only (compared in constant time); other callback paths are 404. */
  webhookPathSecret?: string;
  /** Time source of the webhook limit. Default: the system clock. */
  now?: () => Date;
  /** The health probes (`/health/live`, `/health/ready`, no auth); without them those paths are not ours. */
  health?: HealthChecks;
  /** Where the push routes hear of changes. Default: this process's `events` bus only. */
  watch?: PaymentWatch;
  /** Limits of the event stream and the long poll (connections per owner, heartbeat, longest wait). */
  push?: PushRouteOptions;
  /** Times the push routes' waits, reader renewals and heartbeats. Default: the system clock. */
  clock?: Clock;
}

type RouteAction = (
  request: HandlerRequest,
  params: Record<string, string>,
  ownerId: string,
) => Promise<HandlerResponse>;

const MESSAGES = {
  retrieved: 'Payment retrieved successfully',
  listed: 'Payments retrieved successfully',
  statusRetrieved: 'Payment status retrieved successfully',
  cancelled: 'Payment cancelled successfully',
  audited: 'Payment audit trail retrieved successfully',
} as const;

/** Push answers: "accepted" means ClickPesa took the push; "pending" means its answer was ambiguous. */
const PUSH_MESSAGES = {
  create: {
    accepted: 'Payment initiated successfully. Customer will receive USSD push prompt.',
    pending: 'Payment created. ClickPesa has not confirmed the USSD push yet; check the status shortly.',
  },
  retry: {
    accepted: 'Payment retry initiated successfully. Customer will receive USSD push prompt.',
    pending:
      'Payment retry created. ClickPesa has not confirmed the USSD push yet; check the status shortly.',
  },
} as const;

/**
 * The framework-neutral route handler (see docs/architecture.md): the core owns the route table, validation,
 * status codes and the envelope; adapters only translate requests and responses.
 */
export function createPaymentsHandler(options: PaymentsHandlerOptions): PaymentsHandler {
  const { service, authenticate, events } = options;
  if (typeof authenticate !== 'function') {
    throw new ClickPesaKitError('CONFIG_INVALID', {
      message:
        'The authenticate option is required: pass a function that returns { id } or null for a request',
    });
  }
  if (!service) throw new ClickPesaKitError('CONFIG_INVALID', { message: 'The service option is required' });
  const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
  if (!Number.isSafeInteger(bodyLimit) || bodyLimit <= 0) {
    throw new ClickPesaKitError('CONFIG_INVALID', {
      message: 'bodyLimit must be a positive integer (bytes)',
    });
  }
  const bodyReadTimeoutMs = options.bodyReadTimeoutMs ?? DEFAULT_BODY_READ_TIMEOUT_MS;
  if (!Number.isFinite(bodyReadTimeoutMs) || bodyReadTimeoutMs <= 0) {
    throw new ClickPesaKitError('CONFIG_INVALID', {
      message: 'bodyReadTimeoutMs must be a positive number of ms',
    });
  }
  const webhookGuard = createWebhookGuard({
    ...(options.webhookRateLimit === undefined ? {} : { rateLimit: options.webhookRateLimit }),
    ...(options.webhookPathSecret === undefined ? {} : { pathSecret: options.webhookPathSecret }),
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  const logger = options.logger ?? silentLogger;
  const { health } = options;
  const redact = createSecretRedactor((options.secrets ?? []).filter((secret) => typeof secret === 'string'));
  const push = createPushRoutes({
    service,
    watch: options.watch ?? createPaymentWatch({ events: events ?? new PaymentEvents() }),
    redact,
    ...(options.push === undefined ? {} : { options: options.push }),
    ...(options.clock === undefined ? {} : { clock: options.clock }),
  });

  const pushResponse = (result: PushResult, route: 'create' | 'retry'): HandlerResponse => {
    const data = toPublicPayment(result.payment);
    const headers: Record<string, string> = result.replayed ? { 'idempotent-replayed': 'true' } : {};
    if (result.outcome === 'rejected') {
      return kitErrorResponse(new ClickPesaKitError('PAYMENT_REJECTED'), data);
    }
    if (result.outcome === 'not_sent') {
      // the payment is stored as failed (not_sent): the customer's phone never rang; retry is allowed
      return kitErrorResponse(
        new ClickPesaProviderError('PROVIDER_UNAVAILABLE', {
          message: 'ClickPesa could not be reached; no payment prompt was sent. Try again shortly.',
        }),
        data,
      );
    }
    const message = PUSH_MESSAGES[route][result.outcome];
    return successResponse(201, message, { data, headers });
  };

  const actions: Record<Exclude<RouteName, 'callback' | 'health_live' | 'health_ready'>, RouteAction> = {
    create: async (request, _params, ownerId) => {
      // only its outer shape is known here: the service checks every field and names the bad ones
      const body = createPaymentBody(readJsonBody(request, bodyLimit)) as InitiatePaymentInput;
      const result = await service.initiate(ownerId, body, pushOptions(request));
      return pushResponse(result, 'create');
    },
    list: (request, _params, ownerId) =>
      service.listPayments(ownerId, request.query ?? {}).then((page) =>
        listResponse(MESSAGES.listed, {
          data: page.payments.map(toPublicPayment),
          nextCursor: page.nextCursor,
        }),
      ),
    // The two reads chain on the service's promise instead of awaiting it: one async frame less on the hot
    // path. A bad id still throws synchronously, inside dispatch's try.
    get: (_request, params, ownerId) =>
      service
        .getPayment(ownerId, paymentIdParam(params))
        .then((payment) => successResponse(200, MESSAGES.retrieved, { data: toPublicPayment(payment) })),
    status: (_request, params, ownerId) =>
      service.refreshStatus(ownerId, paymentIdParam(params)).then((result) =>
        successResponse(200, MESSAGES.statusRetrieved, {
          data: toPublicPayment(result.payment),
          providerStatus: result.providerStatus ? toPublicProviderStatus(result.providerStatus) : null,
          ...statusFreshness(result),
        }),
      ),
    audit: (_request, params, ownerId) =>
      service.audit(ownerId, paymentIdParam(params)).then((audit) => auditResponse(MESSAGES.audited, audit)),
    events: (request, params, ownerId) => push.events(request, paymentIdParam(params), ownerId),
    retry: async (request, params, ownerId) => {
      const paymentId = paymentIdParam(params);
      assertEmptyCommandBody(readJsonBody(request, bodyLimit));
      const result = await service.retry(ownerId, paymentId, pushOptions(request));
      return pushResponse(result, 'retry');
    },
    cancel: async (request, params, ownerId) => {
      const paymentId = paymentIdParam(params);
      assertEmptyCommandBody(readJsonBody(request, bodyLimit));
      const payment = await service.cancel(ownerId, paymentId);
      return successResponse(200, MESSAGES.cancelled, { data: toPublicPayment(payment) });
    },
  };

  const callback = async (request: HandlerRequest): Promise<HandlerResponse> => {
    // first, before the body is looked at: a flood from one address costs no verification or storage work
    const waitMs = webhookGuard.waitMs(request.ip);
    if (waitMs > 0) {
      return errorResponse('RATE_LIMITED', {
        message: 'Too many webhooks from this address; try again later',
        headers: { 'retry-after': String(Math.max(1, Math.ceil(waitMs / 1000))) },
      });
    }
    const body = readJsonBody(request, bodyLimit);
    if (body.kind !== 'json') {
      const reason = body.kind === 'empty' ? 'malformed' : body.reason;
      const error =
        body.kind === 'empty'
          ? new ClickPesaKitError('VALIDATION_ERROR', { message: 'The webhook body is empty' })
          : new ClickPesaKitError(body.code, body.message === undefined ? {} : { message: body.message });
      events?.safeEmit('webhook.rejected', { reason, message: error.message });
      return kitErrorResponse(error);
    }
    const input: WebhookInput = { headers: request.headers, body: body.value };
    if (request.rawBody !== undefined) input.rawBody = request.rawBody;
    return webhookResponse(await service.handleWebhook(input));
  };

  /** The webhook answered, timed from arrival: ClickPesa retries what it does not see acknowledged. */
  const timedCallback = async (request: HandlerRequest): Promise<HandlerResponse> => {
    const started = performance.now();
    let response: HandlerResponse;
    try {
      response = await callback(request);
    } catch (error) {
      response = failureResponse(error, 'callback');
    }
    events?.safeEmit('webhook.acknowledged', {
      status: response.status,
      durationMs: performance.now() - started,
    });
    return response;
  };

  /** Unknown failures: the host hears about them (`error` event, log); the client gets a generic 500. */
  const failureResponse = (error: unknown, route: RouteName): HandlerResponse => {
    if (isClickPesaKitError(error) && error.httpStatus !== 500) {
      if (error.httpStatus >= 500) logger.warn({ route, code: error.code }, 'payments route failed');
      // ORD-2: the payment that holds the order travels with the 409, so the client can follow it
      const holder = error.code === 'ORDER_HAS_ACTIVE_PAYMENT' ? activePaymentOf(error) : null;
      return kitErrorResponse(error, holder ? toPublicPayment(holder) : undefined);
    }
    const reported = error instanceof Error ? error : new Error(String(error));
    logger.error({ route, errorName: reported.name }, 'unexpected error in payments route');
    events?.safeEmit('error', reported);
    return errorResponse('INTERNAL_ERROR');
  };

  const dispatch = async (request: HandlerRequest): Promise<HandlerResponse> => {
    // the path is split again here rather than cached from `matches()`: bench/adapters showed no gain from a
    // cache (server CPU ratio bare / ours per request: 0.84–0.94 with it, 0.88–0.95 without; load average 30–45)
    const segments = splitPath(request.path);
    const webhookRoute = webhookGuard.route(segments);
    if (webhookRoute === 'not_found') return errorResponse('NOT_FOUND');
    if (webhookRoute === 'webhook' && request.method.toUpperCase() === 'POST') {
      return timedCallback(request);
    }
    const match =
      webhookRoute === 'webhook'
        ? matchRoute(request.method, ['callback'])
        : matchRoute(request.method, segments);
    if (match.kind === 'no_route') return errorResponse('NOT_FOUND');
    if (match.kind === 'method_not_allowed') {
      return errorResponse('METHOD_NOT_ALLOWED', { headers: { allow: match.allow.join(', ') } });
    }
    const { route, params } = match;
    // the webhook route is answered above, through its guard
    if (route.name === 'callback') return errorResponse('NOT_FOUND');
    // the probes answer before authentication: load balancers carry no credentials
    if (route.name === 'health_live' || route.name === 'health_ready') {
      if (!health) return errorResponse('NOT_FOUND');
      return route.name === 'health_live' ? health.live() : health.ready();
    }
    let principal: unknown;
    try {
      principal = authenticate(request.raw);
      // awaited only when it is a promise: most hooks answer synchronously, and every await costs a tick
      if (isThenable(principal)) principal = await principal;
    } catch (error) {
      events?.safeEmit('error', error instanceof Error ? error : new Error(String(error)));
      throw error;
    }
    const ownerId = principalId(principal);
    if (ownerId === null) return errorResponse('UNAUTHORIZED');
    try {
      // the long poll: the same status answer, held until the status changes or `wait` runs out
      if (route.name === 'status' && request.query?.wait !== undefined) {
        return await push.waitForStatus(request, paymentIdParam(params), ownerId, () =>
          actions.status(request, params, ownerId),
        );
      }
      return await actions[route.name](request, params, ownerId);
    } catch (error) {
      return failureResponse(error, route.name);
    }
  };

  return {
    bodyLimit,
    bodyReadTimeoutMs,
    pushStats: push.stats,
    matches: (path) => {
      const segments = splitPath(path);
      if (isHealthPath(segments)) return health !== undefined && isKnownPath(segments);
      return isKnownPath(segments) || webhookGuard.route(segments) !== 'other';
    },
    async handle(request) {
      // every log line written while answering carries this id, and the caller gets it back
      const requestId = requestIdOf(request.headers);
      // only the logger reads the context: with nothing logged, skip it (AsyncLocalStorage costs ~2 µs a request)
      const response = await (logger === silentLogger
        ? dispatch(request)
        : withRequestContext({ requestId }, () => dispatch(request)));
      // every answer is a fresh object made for this request: add to it rather than copy it (the hot path)
      response.headers[REQUEST_ID_HEADER] = requestId;
      const body = redact(response.body);
      if (body !== response.body) response.body = body;
      return response;
    },
  };
}

/** The service's push options: the `Idempotency-Key` header (validated) and the framework's client IP. */
function pushOptions(request: HandlerRequest): PushCallOptions {
  const options: PushCallOptions = {};
  const idempotencyKey = idempotencyKeyHeader(request.headers);
  if (idempotencyKey !== undefined) options.idempotencyKey = idempotencyKey;
  if (typeof request.ip === 'string' && request.ip !== '') options.clientIp = request.ip;
  return options;
}

function webhookResponse(result: WebhookResult): HandlerResponse {
  if (result.status === 200) return successResponse(200, result.message);
  const codes: Record<Exclude<WebhookResult['status'], 200>, ErrorCode> = {
    400: 'VALIDATION_ERROR',
    401: 'WEBHOOK_SIGNATURE_INVALID',
    503: 'STORE_UNAVAILABLE',
  };
  return errorResponse(codes[result.status] ?? 'INTERNAL_ERROR', {
    status: result.status,
    message: result.message,
  });
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function';
}

/** `{ id }` with a non-empty string (or finite number) id, else null: anything else fails closed. */
function principalId(result: unknown): string | null {
  if (typeof result !== 'object' || result === null) return null;
  const id = (result as { id?: unknown }).id;
  if (typeof id === 'string' && id.length > 0) return id;
  if (typeof id === 'number' && Number.isFinite(id)) return String(id);
  return null;
}
