import type { PaymentRecord, ProviderPayment } from '../domain/payment.js';
import type { Reconciler } from '../poller/types.js';

/**
 * The payment service: all business logic behind the routes. Input validation lives here too (zod, in
 * service/validation.ts), so hosts that call the service directly get the same rules as the HTTP routes.
 * Failures are thrown as ClickPesaKitError with a catalog code (VALIDATION_ERROR with `details`, NOT_FOUND,
 * PUSH_IN_PROGRESS, IDEMPOTENCY_KEY_IN_USE/REUSED, RETRY_NOT_ALLOWED, ALREADY_PAID, CANCEL_NOT_ALLOWED,
 * STORE_UNAVAILABLE, ...). A provider rejection is NOT thrown: it is an outcome with the failed payment.
 */
export interface PaymentService extends Reconciler {
  initiate(ownerId: string, body: unknown, options?: { idempotencyKey?: string }): Promise<PushResult>;
  /** Stored details; no upstream call. NOT_FOUND for unknown ids and other owners' payments. */
  getPayment(ownerId: string, paymentId: string): Promise<PaymentRecord>;
  /** The status route: refresh from ClickPesa when not final and stale (coalesced), then return. */
  refreshStatus(ownerId: string, paymentId: string): Promise<StatusResult>;
  retry(ownerId: string, paymentId: string, options?: { idempotencyKey?: string }): Promise<PushResult>;
  cancel(ownerId: string, paymentId: string): Promise<PaymentRecord>;
  /** The ClickPesa webhook. Never throws: every outcome is an HTTP status for ClickPesa. */
  handleWebhook(input: WebhookInput): Promise<WebhookResult>;
}

export interface PushResult {
  payment: PaymentRecord;
  /** accepted: push sent (or already terminal); pending: outcome unknown, reconciling; rejected: ClickPesa refused. */
  outcome: 'accepted' | 'pending' | 'rejected';
  /** True when an Idempotency-Key replay returned an earlier request's payment. */
  replayed: boolean;
}

export interface StatusResult {
  payment: PaymentRecord;
  /** ClickPesa's record for the current reference (fresh, or the last one stored). */
  providerStatus: ProviderPayment | null;
}

export interface WebhookInput {
  /** The body bytes, when the adapter has them (preferred). */
  rawBody?: Buffer | string;
  /** The parsed body, when a host parser already consumed the stream. */
  body?: unknown;
  headers: Record<string, string | string[] | undefined>;
}

export interface WebhookResult {
  status: 200 | 400 | 401 | 503;
  /** Short, secret-free reason: "accepted", "duplicate", "orphan", "bad checksum", ... */
  message: string;
}
