import { randomUUID } from 'node:crypto';
import { createProviderBudget } from './budget/budget.js';
import type { ProviderBudget } from './budget/types.js';
import { type ClickPesaClient, createClickPesaClient } from './client/clickpesa-client.js';
import type { ClickPesaApi, ClickPesaClientOptions } from './client/types.js';
import { systemClock } from './clock.js';
import {
  type ClickPesaPaymentsOptions,
  collectSecrets,
  liveWithoutChecksumWarning,
  resolveWebhookChecksumKeys,
} from './config.js';
import { assertValidOptions } from './config-schema.js';
import { createEventDispatcher, type EventDispatcher } from './dispatch/dispatcher.js';
import { createHandlersConsumer } from './dispatch/handlers-consumer.js';
import { resolveDispatcherOptions } from './dispatch/options.js';
import { createOutboxApi, type PaymentsOutbox } from './dispatch/outbox-api.js';
import { ClickPesaKitError } from './errors.js';
import { PaymentEvents } from './events.js';
import { createPaymentsHandler } from './http/handler.js';
import { createHealthChecks, type HealthChecks } from './http/health.js';
import { type OpenApiOptions, paymentsOpenApi } from './http/openapi.js';
import { createPaymentWatch } from './http/payment-watch.js';
import type { Authenticate, PaymentsHandler } from './http/types.js';
import { type Logger, silentLogger } from './logger.js';
import { createContextLogger } from './logging/context-logger.js';
import { logKitEvents } from './logging/event-logs.js';
import { createCallbackNotifier } from './notify/notifier.js';
import type { CallbackNotifier } from './notify/types.js';
import { DEFAULT_WEBHOOK_CONFIRM_WINDOW_MS } from './poller/options.js';
import { createPoller } from './poller/poller.js';
import type { Poller } from './poller/types.js';
import { createRetentionJob, type RetentionJob } from './retention/retention.js';
import { routeEvents } from './service/event-routing.js';
import { createPaymentService } from './service/payment-service.js';
import type { PaymentService, PaymentServiceOptions } from './service/types.js';
import type { PaymentStore, StoredEvent } from './store/contract.js';

/** The notification POST may take `callbackTimeoutMs`; the attempt as a whole gets this much more. */
const CALLBACK_ATTEMPT_MARGIN_MS = 5_000;
/** Readiness allows a poller this long (or 10 ticks, if longer) between ticks before calling it stale. */
const MIN_POLLER_STALE_MS = 30_000;

/** Everything an adapter (or a host calling the service directly) needs, wired together. */
export interface ClickPesaPayments {
  /** The framework-neutral route handler adapters mount. */
  readonly handler: PaymentsHandler;
  /** The payment service behind the routes, for hosts that call it directly (jobs, admin tools). */
  readonly service: PaymentService;
  /** One payment's audit entries and events, in order (`service.audit`); NOT_FOUND for other owners' payments. */
  audit: PaymentService['audit'];
  /**
   * Compares our payments with ClickPesa's list for a window (`since`, `until`) and reports what is missing
   * here, or differs in state or amount, as JSON and Markdown; `apply: true` makes the safe corrections
   * (open payments moved to what ClickPesa reports, never a final state). Goes through the provider budget.
   */
  reconcile: PaymentService['reconcileWithProvider'];
  /** The store you passed in (still yours: `close()` leaves it open). */
  readonly store: PaymentStore;
  /**
   * The LIVE bus: lifecycle, webhook, provider and error events, emitted in process right after each commit.
   * Best effort and NOT durable (a crash between commit and listener loses the call): for logs, metrics and
   * live UIs. Fulfil orders in `handlers` instead.
   */
  readonly events: PaymentEvents;
  /** Dead letters, replay, the global event cursor and outbox stats (the durable side of events). */
  readonly outbox: PaymentsOutbox;
  /** The background poller, or null when `poller: false`. */
  readonly poller: Poller | null;
  /** The ClickPesa client in use (built from `clickpesa` options, or the one you injected). */
  readonly client: ClickPesaApi;
  /** The provider budget the built client goes through, or null (`budget: false`, or an injected client). */
  readonly budget: ProviderBudget | null;
  /** Sends status changes to accepted `callback_url`s (through the outbox), or null when `allowedCallbackUrls` is empty. */
  readonly callbacks: CallbackNotifier | null;
  /**
   * The OpenAPI 3.1 document of the payment routes (serve it to Swagger UI or a client generator). Pass the
   * mount point as `prefix` so the paths match your app: `payments.openapi({ prefix: '/api/v1' })`.
   */
  openapi(options?: OpenApiOptions): Record<string, unknown>;
  /** Starts the poller, the event dispatcher and retention (idempotent). Called for you unless `autoStart: false`. */
  start(): void;
  /**
   * Graceful shutdown: stops the poller (in-flight checks finish within its grace period, leases are released)
   * and the event dispatcher (no new claims; running handlers and notifications get its grace period, then
   * their signals are aborted and their deliveries are retried later, by this or another instance: nothing
   * pending is lost, it lives in the store), stops retention and closes the HTTP agents built here. Does NOT
   * close the store (the host owns it) or an injected client. Idempotent.
   */
  close(): Promise<void>;
}

/**
 * The one factory every adapter calls: validates the configuration (failing fast, naming options and
 * environment variables but never their values), then wires client → budget, poller → service and the
 * route handler onto one event bus.
 */
export function createClickPesaPayments<Raw = unknown>(
  options: ClickPesaPaymentsOptions<Raw>,
): ClickPesaPayments {
  assertValidOptions(options);
  const {
    store,
    authenticate,
    clickpesa,
    client: injectedClient,
    poller: pollerOption,
    autoStart = true,
    budget: budgetOption,
    bodyLimit,
    bodyReadTimeoutMs,
    webhookRateLimit,
    webhookPathSecret,
    push: pushOption,
    instances: _instances,
    clock = systemClock,
    logger: hostLogger = silentLogger,
    health: healthOption,
    events = new PaymentEvents(),
    checksumKey: _checksumKey,
    callbackSecret,
    callbackTimeoutMs,
    callbackRetryDelaysMs,
    handlers,
    dispatcher: dispatcherOption,
    retention: retentionOption,
    ...paymentRules
  } = options;
  assertOutboxSupport(store, dispatcherOption !== false, retentionOption !== false);
  if (handlers !== undefined && dispatcherOption === false) {
    throw new ClickPesaKitError('CONFIG_INVALID', {
      message: 'handlers need the event dispatcher: remove dispatcher: false or the handlers',
    });
  }

  const checksumKeys = resolveWebhookChecksumKeys(options);
  // every part logs through this: secrets out, phones masked, the request's id on each line
  const logger = createContextLogger(hostLogger, collectSecrets(options, checksumKeys));
  if (paymentRules.trustSignedWebhooks && checksumKeys.length === 0) {
    throw new ClickPesaKitError('CONFIG_INVALID', {
      message:
        'trustSignedWebhooks needs a checksum key: set CLICKPESA_CHECKSUM_KEY or clickpesa.checksumKey',
    });
  }
  warnAboutRisks(store, logger);
  const liveWarning = liveWithoutChecksumWarning(options, checksumKeys);
  if (liveWarning !== null) logger.warn({}, liveWarning);

  const budget =
    injectedClient || budgetOption === false
      ? null
      : createProviderBudget({ clock, logger, shared: store.budget, ...budgetOption });
  const ownClient = injectedClient ? null : buildClient(clickpesa ?? {}, { budget, events, logger, clock });
  const client: ClickPesaApi = injectedClient ?? (ownClient as ClickPesaClient);

  const pollerOptions = pollerOption === false ? null : (pollerOption ?? {});
  // the service computes next poll times and the poller follows them: both must use one schedule
  const schedule = paymentRules.schedule ?? pollerOptions?.schedule;
  const random = paymentRules.random ?? pollerOptions?.random;

  const serviceOptions: PaymentServiceOptions = { ...paymentRules, checksumKey: checksumKeys };
  if (schedule) serviceOptions.schedule = schedule;
  if (random) serviceOptions.random = random;
  serviceOptions.checksumMethod ??= clickpesa?.checksumMethod;
  // the service hands webhook confirmations to the poller by moving nextPollAt; it never calls the poller
  if (pollerOptions)
    serviceOptions.confirmWithinMs =
      pollerOptions.webhookConfirmWindowMs ?? DEFAULT_WEBHOOK_CONFIRM_WINDOW_MS;
  const allowedCallbackUrls = paymentRules.allowedCallbackUrls ?? [];
  const callbacksOn = allowedCallbackUrls.length > 0 && callbackSecret !== undefined;
  serviceOptions.callbackNotifications = callbacksOn;
  const dispatchers: { handlers?: EventDispatcher; callback?: EventDispatcher } = {};
  const service = createPaymentService({
    store,
    client,
    events,
    clock,
    logger,
    options: serviceOptions,
    // fast path: a commit that stored events is delivered at once, not at the next poll
    onEventsStored: (stored) => wakeDispatchers(dispatchers, stored),
    // a check moved forward (webhook, status reader) is claimed then, not at the next tick
    onCheckDue: (at) => poller?.wake(at),
  });

  let poller: Poller | null = null;
  if (pollerOptions) {
    const withShared = { ...pollerOptions };
    if (schedule) withShared.schedule = schedule;
    if (random) withShared.random = random;
    // the poller drives the service through its narrow Reconciler side
    poller = createPoller(
      {
        store,
        client,
        reconciler: service,
        events,
        clock,
        logger,
        routeEvents: (payment, newEvents) => routeEvents(newEvents, payment, callbacksOn),
        onEventsStored: (stored) => wakeDispatchers(dispatchers, stored),
        ...(budget ? { budget } : {}),
      },
      withShared,
    );
  }

  const callbacks = callbacksOn
    ? createCallbackNotifier({
        store,
        secret: callbackSecret as string,
        allowedUrls: allowedCallbackUrls,
        clock,
        logger,
        ...(callbackTimeoutMs === undefined ? {} : { timeoutMs: callbackTimeoutMs }),
        ...(callbackRetryDelaysMs === undefined ? {} : { retryDelaysMs: callbackRetryDelaysMs }),
      })
    : null;

  if (dispatcherOption !== false) {
    const dispatcherOptions = resolveDispatcherOptions(dispatcherOption);
    const owner = pollerOptions?.instanceId ?? `kit-${randomUUID()}`;
    const onError = (error: Error) => events.safeEmit('error', error);
    const onSettled = (
      outcome: 'delivered' | 'dead_lettered',
      { consumer, type, attempt }: { consumer: string; type: string; attempt: number },
    ) =>
      events.safeEmit(outcome === 'delivered' ? 'outbox.delivered' : 'outbox.dead_lettered', {
        consumer,
        type,
        attempt,
      });
    dispatchers.handlers = createEventDispatcher({
      store,
      clock,
      logger,
      owner,
      onError,
      onSettled,
      consumer: createHandlersConsumer(handlers, store),
      options: dispatcherOptions,
    });
    if (callbacks) {
      dispatchers.callback = createEventDispatcher({
        store,
        clock,
        logger,
        owner,
        onError,
        onSettled,
        consumer: callbacks.consumer,
        // the retry schedule is callbackRetryDelaysMs (the consumer says when); this only bounds one attempt
        options: { ...dispatcherOptions, handlerTimeoutMs: callbacks.timeoutMs + CALLBACK_ATTEMPT_MARGIN_MS },
      });
    }
  }
  const retention: RetentionJob | null =
    retentionOption === false
      ? null
      : createRetentionJob({
          store,
          clock,
          logger,
          ...(retentionOption ? { options: retentionOption } : {}),
        });
  const outbox = createOutboxApi(
    store,
    () => {
      dispatchers.handlers?.wake();
      dispatchers.callback?.wake();
    },
    () => clock.now(),
  );

  const health: HealthChecks | undefined = healthOption
    ? createHealthChecks(
        {
          store,
          pollerHeartbeat: poller ? () => (poller as Poller).heartbeat() : null,
          pollerStaleAfterMs: Math.max(MIN_POLLER_STALE_MS, 10 * (pollerOptions?.tickMs ?? 1_000)),
          budget: budget ? () => (budget as ProviderBudget).state() : null,
          dispatching: dispatcherOption !== false,
          now: () => clock.now(),
        },
        healthOption === true ? {} : healthOption,
      )
    : undefined;
  const detachEventLogs = logKitEvents(events, logger);

  // the push routes hear of changes from this process's bus and, with a shared store, from other instances
  const watch = createPaymentWatch({
    events,
    store,
    logger,
    clock,
    ...(pushOption?.watchIntervalMs === undefined ? {} : { intervalMs: pushOption.watchIntervalMs }),
  });
  const handler = createPaymentsHandler({
    service,
    // the adapter that built these options hands the handler its own `Raw` request, and only that
    authenticate: authenticate as Authenticate,
    events,
    logger,
    secrets: collectSecrets(options, checksumKeys),
    ...(bodyLimit === undefined ? {} : { bodyLimit }),
    ...(bodyReadTimeoutMs === undefined ? {} : { bodyReadTimeoutMs }),
    ...(webhookRateLimit === undefined ? {} : { webhookRateLimit }),
    ...(webhookPathSecret === undefined ? {} : { webhookPathSecret }),
    now: () => clock.now(),
    ...(health === undefined ? {} : { health }),
    watch,
    ...(pushOption === undefined ? {} : { push: pushOption }),
    clock,
  });

  let started = false;
  let closing: Promise<void> | null = null;
  const kit: ClickPesaPayments = {
    handler,
    service,
    audit: (ownerId, paymentId) => service.audit(ownerId, paymentId),
    reconcile: (reconcileOptions) => service.reconcileWithProvider(reconcileOptions),
    store,
    events,
    outbox,
    poller,
    client,
    budget,
    callbacks,
    openapi: (openApiOptions) => paymentsOpenApi(openApiOptions),
    start() {
      if (started || closing) return;
      started = true;
      poller?.start();
      dispatchers.handlers?.start();
      dispatchers.callback?.start();
      retention?.start();
    },
    close() {
      closing ??= (async () => {
        // open event streams end and long polls answer now, so servers can close their connections
        watch.close();
        try {
          await Promise.all([
            poller?.stop(),
            dispatchers.handlers?.stop(),
            dispatchers.callback?.stop(),
            retention?.stop(),
          ]);
        } finally {
          detachEventLogs();
          await Promise.all([ownClient?.close(), callbacks?.close()]);
        }
      })();
      return closing;
    },
  };
  if (autoStart) kit.start();
  return kit;
}

/** A store written before the event outbox cannot run handlers or retention: say so at startup, not every second. */
function assertOutboxSupport(store: PaymentStore, dispatcher: boolean, retention: boolean): void {
  const needed = [
    ...(dispatcher ? (['claimEventDeliveries', 'completeEventDelivery', 'failEventDelivery'] as const) : []),
    ...(retention ? (['pruneRecords', 'pruneIdempotency'] as const) : []),
  ];
  const missing = needed.filter((method) => typeof store[method] !== 'function');
  if (missing.length === 0) return;
  throw new ClickPesaKitError('CONFIG_INVALID', {
    message:
      `The ${store.kind} store does not implement ${missing.join(', ')} (the event outbox): update it, ` +
      'or turn off what needs it (dispatcher: false, retention: false)',
  });
}

/** Wakes the dispatchers that have something new: handlers always, callbacks for status changes with a URL. */
function wakeDispatchers(
  dispatchers: { handlers?: EventDispatcher; callback?: EventDispatcher },
  stored: readonly StoredEvent[],
): void {
  dispatchers.handlers?.wake();
  if (stored.some((event) => event.type === 'payment.status_changed' && event.payment?.callbackUrl)) {
    dispatchers.callback?.wake();
  }
}

function buildClient(
  settings: ClickPesaClientOptions,
  wiring: { budget: ProviderBudget | null; events: PaymentEvents; logger: Logger; clock: { now(): Date } },
): ClickPesaClient {
  const { budget, events, logger, clock } = wiring;
  const { onRequest, onResponse } = settings;
  const clientOptions: ClickPesaClientOptions = {
    ...settings,
    logger: settings.logger ?? logger,
    now: settings.now ?? (() => clock.now().getTime()),
    onRequest: (event) => {
      events.safeEmit('provider.request', event);
      onRequest?.(event);
    },
    onResponse: (event) => {
      events.safeEmit('provider.response', event);
      onResponse?.(event);
    },
  };
  const gate = settings.gate ?? budget;
  if (gate) clientOptions.gate = gate;
  return createClickPesaClient(clientOptions);
}

/** Loud warnings for setups that work but should not reach production (POLL-14, SEC-13). */
function warnAboutRisks(store: PaymentStore, logger: Logger): void {
  if (store.shared === false) {
    logger.warn(
      { store: store.kind },
      'payment store is single-process and not crash-durable: fine for development, not for production',
    );
  }
  if (process.env.NODE_TLS_REJECT_UNAUTHORIZED === '0') {
    logger.warn({}, 'NODE_TLS_REJECT_UNAUTHORIZED=0 disables TLS verification of ClickPesa calls');
  }
}
