// @clickpesa-kit/core for hosts: the kit, its options and events, errors, the client for direct use,
// webhook verification and the few domain helpers a host needs. Store authors: `@clickpesa-kit/core/store`;
// adapter authors: `@clickpesa-kit/core/adapter`; tests: `@clickpesa-kit/core/testing`.
// Every name here is public API: the API report test (test/api/) shows each change in review.

export { createProviderBudget } from './budget/budget.js';
export type { ProviderBudget, ProviderBudgetOptions } from './budget/types.js';
export { type ClickPesaClient, createClickPesaClient } from './client/clickpesa-client.js';
export type { ClickPesaApi, ClickPesaClientOptions } from './client/types.js';
export type { Clock } from './clock.js';
export type { ClickPesaPaymentsOptions } from './config.js';
// the rest of the dispatcher's types are reachable as ClickPesaPaymentsOptions['dispatcher'] and
// ClickPesaPayments['outbox']; FINAL_STATUSES lives in ./store (the entry point stays at 60 names)
export type { DeliveredEvent, EventHandlers } from './dispatch/types.js';
export { parseAmount } from './domain/amount.js';
export { normaliseMsisdn } from './domain/msisdn.js';
export { generateOrderReference } from './domain/order-reference.js';
export {
  type FailureReason,
  type Operator,
  PAYMENT_STATUSES,
  type PaymentRecord,
  type PaymentStatus,
  type ProviderPayment,
} from './domain/payment.js';
export type { PollSchedule } from './domain/schedule.js';
export {
  ClickPesaKitError,
  ClickPesaProviderError,
  ERROR_CODES,
  type ErrorCode,
  type ErrorDetail,
  isClickPesaKitError,
  isClickPesaProviderError,
  StoreConflictError,
  StoreUnavailableError,
} from './errors.js';
export {
  PAYMENT_EVENT_TYPES,
  type PaymentEvent,
  PaymentEvents,
  type PaymentEventType,
  type ProviderRequestEvent,
  type ProviderResponseEvent,
  type ToolkitEvents,
  type WebhookEvent,
  type WebhookRejectedEvent,
} from './events.js';
export type { PublicPayment, PublicProviderStatus } from './http/public-payment.js';
export type { Authenticate, PaymentsHandler } from './http/types.js';
export { type ClickPesaPayments, createClickPesaPayments } from './kit.js';
export { type Logger, silentLogger } from './logger.js';
export type { Poller, PollerOptions } from './poller/types.js';
export type { InitiatePaymentInput } from './service/initiate-input.js';
export type {
  PaymentService,
  PushResult,
  StatusResult,
  WebhookInput,
  WebhookResult,
} from './service/types.js';
export type { PaymentStore } from './store/contract.js';
export { createMemoryStore, type MemoryStore } from './store/memory-store.js';
export { verifyClickPesaWebhook, type WebhookVerification } from './webhook/verify.js';
