import { isPaymentsApiError, type PaymentsApiError } from './errors.js';
import type { CallOptions } from './http.js';
import { DEFAULT_FIRST_LOOK_MS, DEFAULT_INTERVAL_MS, nextLookMs } from './poll-timing.js';
import type { Payment, PaymentResponse, PaymentStatus, ProviderStatus } from './types.js';

/** Statuses that end the customer-facing wait (reconciliation on the server may still move failed/cancelled). */
export const FINAL_STATUSES: readonly PaymentStatus[] = Object.freeze([
  'success',
  'failed',
  'cancelled',
  'reversed',
]);

export function isFinalStatus(status: PaymentStatus): boolean {
  return FINAL_STATUSES.includes(status);
}

export interface WaitProgress {
  /** 1-based number of the status check. */
  attempt: number;
  maxAttempts: number;
  providerStatus: ProviderStatus | null;
  /** True when the update came on the push route (an event, not a status check). */
  live?: boolean;
}

export interface WaitOptions {
  /** Before the first check. Default 2 000 (the guide says 15 000; a server answering from its store is cheap to ask). */
  initialDelayMs?: number;
  /**
   * Between checks, when the server's answer says nothing about when to ask again (`poll_after_ms` or
   * `Retry-After`; this toolkit's server always says). Default 10 000 (the guide). A 429's `Retry-After`
   * stretches it (up to a minute).
   */
  intervalMs?: number;
  /** Status checks before giving up with outcome `timeout`. Failed checks (network, 5xx) count. Default 60. */
  maxAttempts?: number;
  /** Longest wait before giving up with outcome `timeout`, whatever the attempts. Default 120 000 (2 min). */
  maxWaitMs?: number;
  /**
   * Listen on the push route (`GET /payments/:id/events`) first, when the client knows the server (the
   * `waitForPayment` method of `createPaymentsClient`); without it, or when the server has no such route,
   * the wait polls. The stream waits as long as the checks would. Default true.
   */
  push?: boolean;
  /** Aborting rejects with the signal's reason and stops all checks. */
  signal?: AbortSignal;
  /** After every status answer, final or not (drive a spinner, an aria-live message...). */
  onUpdate?: (payment: Payment, progress: WaitProgress) => void;
  /** After a check that failed in a way worth retrying (network error, 5xx, 429); the wait goes on. */
  onRetryableError?: (error: PaymentsApiError, progress: Omit<WaitProgress, 'providerStatus'>) => void;
}

export type FinalOutcome = 'success' | 'failed' | 'cancelled' | 'reversed';

export type WaitResult =
  | {
      outcome: FinalOutcome;
      payment: Payment;
      providerStatus: ProviderStatus | null;
      /** Status checks made. */
      attempts: number;
      message: string;
    }
  | {
      /**
       * We stopped waiting, the payment did not: the customer may still approve, and the server keeps
       * reconciling. Also the outcome when the server itself reports `failed` with `failure_reason: 'timeout'`.
       */
      outcome: 'timeout';
      /** The last payment seen, or null when no check got an answer. */
      payment: Payment | null;
      providerStatus: ProviderStatus | null;
      attempts: number;
      message: string;
      /** The error of the last check, when it failed. */
      lastError?: PaymentsApiError;
    };

export const TIMEOUT_MESSAGE = 'Timed out — the payment may still succeed';

const MAX_RETRY_AFTER_MS = 60_000;
const DEFAULT_MAX_ATTEMPTS = 60;
const DEFAULT_MAX_WAIT_MS = 120_000;

type GetStatus = (paymentId: string, options: CallOptions) => Promise<PaymentResponse>;

/**
 * The polling strategy: a first look after `initialDelayMs`, then whenever the server's answer says a new read
 * may tell more (poll-timing.ts), until the payment is final or the attempts or `maxWaitMs` run out. Running out resolves with outcome `timeout` instead of throwing, because
 * "handle timeouts gracefully — payment might still succeed later". Network errors, 5xx and 429 use up an
 * attempt and the wait goes on; other errors (401, 404, ...) will not fix themselves and reject at once.
 */
export async function waitForPayment(
  getStatus: GetStatus,
  paymentId: string,
  options: WaitOptions = {},
): Promise<WaitResult> {
  const initialDelayMs = nonNegative('initialDelayMs', options.initialDelayMs ?? DEFAULT_FIRST_LOOK_MS);
  const intervalMs = nonNegative('intervalMs', options.intervalMs ?? DEFAULT_INTERVAL_MS);
  const maxWaitMs = nonNegative('maxWaitMs', options.maxWaitMs ?? DEFAULT_MAX_WAIT_MS);
  const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    throw new RangeError('maxAttempts must be a positive integer');
  }
  const { signal } = options;
  const callOptions: CallOptions = signal ? { signal } : {};

  let last: PaymentResponse | null = null;
  let lastError: PaymentsApiError | undefined;
  let delayMs = initialDelayMs;
  const giveUpAt = Date.now() + maxWaitMs;
  let attempts = 0;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    // the last look goes out when the wait would end anyway
    await sleep(attempt === 1 ? delayMs : Math.min(delayMs, Math.max(0, giveUpAt - Date.now())), signal);
    attempts = attempt;
    delayMs = intervalMs;
    try {
      last = await getStatus(paymentId, callOptions);
      lastError = undefined;
    } catch (error) {
      if (signal?.aborted || !isPaymentsApiError(error) || !error.transient) throw error;
      lastError = error;
      if (error.retryAfterMs !== undefined) {
        delayMs = Math.max(intervalMs, Math.min(error.retryAfterMs, MAX_RETRY_AFTER_MS));
      }
      options.onRetryableError?.(error, { attempt, maxAttempts });
      if (Date.now() >= giveUpAt) break;
      continue;
    }
    const { payment, providerStatus } = last;
    options.onUpdate?.(payment, { attempt, maxAttempts, providerStatus });
    if (isFinalStatus(payment.status)) return finalResult(last, attempt);
    if (Date.now() >= giveUpAt) break;
    delayMs = nextLookMs(last, intervalMs);
  }
  const timedOut: WaitResult = {
    outcome: 'timeout',
    payment: last?.payment ?? null,
    providerStatus: last?.providerStatus ?? null,
    attempts,
    message: TIMEOUT_MESSAGE,
  };
  if (lastError) timedOut.lastError = lastError;
  return timedOut;
}

/** The result for a payment in a final status (`failed` by the server's own timeout is `timeout`). */
export function finalResult(
  { payment, providerStatus }: Pick<PaymentResponse, 'payment' | 'providerStatus'>,
  attempts: number,
): WaitResult {
  // the server's own active window ran out: not a failure the customer caused, and it may still succeed
  if (payment.status === 'failed' && payment.failure_reason === 'timeout') {
    return { outcome: 'timeout', payment, providerStatus, attempts, message: TIMEOUT_MESSAGE };
  }
  const outcome = payment.status as FinalOutcome;
  const messages: Record<FinalOutcome, string> = {
    success: 'Payment completed',
    failed: payment.error_message ?? 'Payment failed',
    cancelled: 'Payment cancelled',
    reversed: 'Payment reversed',
  };
  return { outcome, payment, providerStatus, attempts, message: messages[outcome] };
}

function nonNegative(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`${name} must be a non-negative number`);
  return value;
}

/** setTimeout as a promise that an abort rejects (with the signal's reason, like fetch does). */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortReason(signal));
    if (ms <= 0) return resolve();
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortReason(signal as AbortSignal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The wait was aborted', 'AbortError');
}
