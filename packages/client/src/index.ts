// Public API of @clickpesa-kit/client: browser-safe (fetch and Web Crypto only, no Node built-ins).
export {
  createPaymentsClient,
  type PaymentsClient,
  type PaymentsClientOptions,
  type PushCallOptions,
} from './client.js';
export { isPaymentsApiError, PaymentsApiError, type PaymentsApiErrorInit } from './errors.js';
export type { CallOptions, FetchLike, TokenSource } from './http.js';
export { newIdempotencyKey } from './idempotency-key.js';
export type {
  Envelope,
  ErrorDetail,
  ErrorEnvelope,
  FailureReason,
  InitiatePaymentInput,
  ListEnvelope,
  ListPaymentsQuery,
  Operator,
  Payment,
  PaymentPage,
  PaymentResponse,
  PaymentStatus,
  PaymentsErrorCode,
  ProviderStatus,
  ServerErrorCode,
  SuccessEnvelope,
} from './types.js';
export {
  FINAL_STATUSES,
  type FinalOutcome,
  isFinalStatus,
  TIMEOUT_MESSAGE,
  type WaitOptions,
  type WaitProgress,
  type WaitResult,
} from './wait.js';
