import { ClickPesaKitError } from '../errors.js';
import { silentLogger } from '../logger.js';
import { createAuditRecorder } from './audit.js';
import { cancelPayment } from './cancel.js';
import { getOwnedPayment, type ServiceContext } from './context.js';
import { initiatePayment } from './initiate.js';
import type { OwnerId } from './initiate-input.js';
import { listPayments } from './list-payments.js';
import { resolveServiceOptions } from './options.js';
import { readPaymentAudit } from './payment-audit.js';
import { reconcileWithProvider } from './provider-reconciliation.js';
import { createPushLimits } from './push-limits.js';
import { createReconciler } from './reconcile.js';
import { reconciliationMarkdown } from './reconciliation-markdown.js';
import { createConfirmer, refreshStatus } from './refresh.js';
import { retryPayment } from './retry.js';
import { readStatusFromStore } from './status-read.js';
import type { PaymentService, PaymentServiceDeps } from './types.js';
import { handleWebhook } from './webhook.js';

/**
 * The payment service behind the routes and the poller: initiate, status, retry, cancel, webhooks and
 * reconciliation, all writing through the one transition function with compare-and-set.
 */
export function createPaymentService(deps: PaymentServiceDeps): PaymentService {
  const { store, client, events, clock } = deps;
  const logger = deps.logger ?? silentLogger;
  const options = resolveServiceOptions(deps.options);
  if (options.trustSignedWebhooks && options.checksumKeys.length === 0) {
    logger.warn(
      {},
      'trustSignedWebhooks has no effect without a checksum key: every webhook is confirmed by query',
    );
  }
  const ctx: ServiceContext = {
    store,
    client,
    events,
    clock,
    logger,
    options,
    audit: createAuditRecorder(store, logger, options.checksumKeys, () => clock.now()),
    onEventsStored: deps.onEventsStored ?? (() => undefined),
    onCheckDue: deps.onCheckDue ?? (() => undefined),
    pushLimits: createPushLimits({ option: deps.options?.rateLimits, shared: store.budget, clock, logger }),
  };
  const confirmer = createConfirmer(ctx);
  const reconciler = createReconciler(ctx);

  return {
    initiate: (ownerId, body, callOptions) =>
      initiatePayment(ctx, confirmer, owner(ownerId), body, callOptions),
    getPayment: (ownerId, paymentId) => getOwnedPayment(ctx, owner(ownerId), paymentId),
    listPayments: (ownerId, query) => listPayments(ctx, owner(ownerId), query),
    // with a poller, the status route reads the store and leaves the ClickPesa call to the poller
    refreshStatus: (ownerId, paymentId) =>
      options.confirmWithinMs === undefined
        ? refreshStatus(ctx, confirmer, owner(ownerId), paymentId)
        : readStatusFromStore(ctx, owner(ownerId), paymentId),
    retry: (ownerId, paymentId, callOptions) =>
      retryPayment(ctx, confirmer, owner(ownerId), paymentId, callOptions),
    cancel: (ownerId, paymentId) => cancelPayment(ctx, owner(ownerId), paymentId),
    handleWebhook: (input) => handleWebhook(ctx, confirmer, input),
    audit: (ownerId, paymentId) => readPaymentAudit(ctx, owner(ownerId), paymentId),
    reconcileWithProvider: async (reconcileOptions) => {
      const report = await reconcileWithProvider(ctx, reconcileOptions);
      return { report, markdown: reconciliationMarkdown(report) };
    },
    reconcile: reconciler.reconcile,
    applyListed: reconciler.applyListed,
    applyObserved: reconciler.applyObserved,
    applyUnchanged: reconciler.applyUnchanged,
    checkBy: reconciler.checkBy,
  };
}

/** Every operation is scoped by its owner; numbers become their decimal string, an empty owner matches nothing. */
function owner(ownerId: OwnerId): string {
  if (typeof ownerId === 'number' && Number.isFinite(ownerId)) return String(ownerId);
  if (typeof ownerId !== 'string' || ownerId.length === 0) throw new ClickPesaKitError('UNAUTHORIZED');
  return ownerId;
}
