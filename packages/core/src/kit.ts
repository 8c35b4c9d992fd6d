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
  validateKitOptions,
} from './config.js';
import { assertValidOptions } from './config-schema.js';
import { ClickPesaKitError } from './errors.js';
import { PaymentEvents } from './events.js';
import { createPaymentsHandler } from './http/handler.js';
import { type OpenApiOptions, paymentsOpenApi } from './http/openapi.js';
import type { Authenticate, PaymentsHandler } from './http/types.js';
import { type Logger, silentLogger } from './logger.js';
import { createCallbackNotifier } from './notify/notifier.js';
import type { CallbackNotifier } from './notify/types.js';
import { DEFAULT_WEBHOOK_CONFIRM_WINDOW_MS } from './poller/options.js';
import { createPoller } from './poller/poller.js';
import type { Poller } from './poller/types.js';
import { createPaymentService } from './service/payment-service.js';
import type { PaymentService, PaymentServiceOptions } from './service/types.js';
import type { PaymentStore } from './store/contract.js';

/** Everything an adapter (or a host calling the service directly) needs, wired together. */
export interface ClickPesaPayments {
  /** The framework-neutral route handler adapters mount. */
  readonly handler: PaymentsHandler;
  /** The payment service behind the routes, for hosts that call it directly (jobs, admin tools). */
  readonly service: PaymentService;
  /** The store you passed in (still yours: `close()` leaves it open). */
  readonly store: PaymentStore;
  /** Lifecycle, webhook, provider and error events. */
  readonly events: PaymentEvents;
  /** The background poller, or null when `poller: false`. */
  readonly poller: Poller | null;
  /** The ClickPesa client in use (built from `clickpesa` options, or the one you injected). */
  readonly client: ClickPesaApi;
  /** The provider budget the built client goes through, or null (`budget: false`, or an injected client). */
  readonly budget: ProviderBudget | null;
  /** Sends status changes to accepted `callback_url`s, or null when `allowedCallbackUrls` is empty. */
  readonly callbacks: CallbackNotifier | null;
  /**
   * The OpenAPI 3.1 document of the payment routes (serve it to Swagger UI or a client generator). Pass the
   * mount point as `prefix` so the paths match your app: `payments.openapi({ prefix: '/api/v1' })`.
   */
  openapi(options?: OpenApiOptions): Record<string, unknown>;
  /** Starts the poller (idempotent; a no-op without one). Called for you unless `autoStart: false`. */
  start(): void;
  /**
   * Graceful shutdown: stops the poller (in-flight checks finish within its grace period, leases are released),
   * stops callback_url notifications (pending retries are dropped: they live in memory only) and closes the
   * HTTP agent of a client built here. Does NOT close the store (the host owns it) or an
   * injected client. Idempotent.
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
  validateKitOptions(options);
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
    instances: _instances,
    clock = systemClock,
    logger = silentLogger,
    events = new PaymentEvents(),
    checksumKey: _checksumKey,
    callbackSecret,
    callbackTimeoutMs,
    callbackRetryDelaysMs,
    ...paymentRules
  } = options;

  const checksumKeys = resolveWebhookChecksumKeys(options);
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
  const service = createPaymentService({ store, client, events, clock, logger, options: serviceOptions });

  let poller: Poller | null = null;
  if (pollerOptions) {
    const withShared = { ...pollerOptions };
    if (schedule) withShared.schedule = schedule;
    if (random) withShared.random = random;
    // the poller drives the service through its narrow Reconciler side
    poller = createPoller({ store, client, reconciler: service, events, clock, logger }, withShared);
  }

  const allowedCallbackUrls = paymentRules.allowedCallbackUrls ?? [];
  const callbacks =
    allowedCallbackUrls.length > 0 && callbackSecret !== undefined
      ? createCallbackNotifier({
          events,
          secret: callbackSecret,
          allowedUrls: allowedCallbackUrls,
          clock,
          logger,
          ...(callbackTimeoutMs === undefined ? {} : { timeoutMs: callbackTimeoutMs }),
          ...(callbackRetryDelaysMs === undefined ? {} : { retryDelaysMs: callbackRetryDelaysMs }),
        })
      : null;

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
  });

  let started = false;
  let closing: Promise<void> | null = null;
  const kit: ClickPesaPayments = {
    handler,
    service,
    store,
    events,
    poller,
    client,
    budget,
    callbacks,
    openapi: (openApiOptions) => paymentsOpenApi(openApiOptions),
    start() {
      if (started || closing || !poller) return;
      started = true;
      poller.start();
    },
    close() {
      closing ??= (async () => {
        try {
          await poller?.stop();
        } finally {
          await Promise.all([ownClient?.close(), callbacks?.close()]);
        }
      })();
      return closing;
    },
  };
  if (autoStart) kit.start();
  return kit;
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
