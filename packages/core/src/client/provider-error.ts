import { ClickPesaProviderError, type ErrorCode, isClickPesaKitError } from '../errors.js';
import type { ProviderEndpoint } from '../events.js';
import type { SecretRedactor } from '../shared/redact.js';
import { parseCooldownMessage } from './retry-after.js';

/**
 * Turns ClickPesa answers and transport failures into ClickPesaProviderError with catalog codes.
 * Provider bodies never pass through (SEC-12): only the normalised, scrubbed `message` of a JSON body is kept.
 */

const MAX_PROVIDER_MESSAGE = 300;

/** Codes worth retrying for safe calls (token, query, list). */
const RETRYABLE_CODES: ReadonlySet<ErrorCode> = new Set([
  'PROVIDER_UNAVAILABLE',
  'PROVIDER_TIMEOUT',
  'PROVIDER_BAD_RESPONSE',
  'PROVIDER_RATE_LIMITED',
]);

export function isRetryableProviderError(error: unknown): error is ClickPesaProviderError {
  return isClickPesaKitError(error) && RETRYABLE_CODES.has(error.code);
}

/**
 * ClickPesa's message from `{ message: string }` (documented) or NestJS's `{ statusCode, message: string[],
 * error }` (observed). Non-JSON bodies (an HTML error page) give undefined: they are never passed on.
 */
export function normaliseProviderMessage(body: unknown, redactor?: SecretRedactor): string | undefined {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return undefined;
  const { message, error } = body as { message?: unknown; error?: unknown };
  let text: string | undefined;
  if (typeof message === 'string') text = message;
  else if (Array.isArray(message)) {
    const parts = message.filter((part): part is string => typeof part === 'string');
    if (parts.length > 0) text = parts.join('; ');
  }
  if (text === undefined && typeof error === 'string') text = error;
  if (text === undefined) return undefined;
  const trimmed = text.trim().slice(0, MAX_PROVIDER_MESSAGE);
  if (trimmed === '') return undefined;
  return redactor ? redactor.scrub(trimmed) : trimmed;
}

/** The catalog code for a ClickPesa HTTP status on a given endpoint. */
export function codeForStatus(
  endpoint: ProviderEndpoint,
  status: number,
  providerMessage?: string,
): ErrorCode {
  if (status === 429) return 'PROVIDER_RATE_LIMITED';
  if (status >= 500) return 'PROVIDER_UNAVAILABLE';
  if (endpoint === 'token' && (status === 401 || status === 403)) return 'PROVIDER_CREDENTIALS_REJECTED';
  if (status === 401 || status === 403) return 'PROVIDER_UNAUTHORIZED';
  if (status === 404) return 'PROVIDER_NOT_FOUND';
  if (status === 409) return 'PROVIDER_CONFLICT';
  if (status === 400 && parseCooldownMessage(providerMessage) !== undefined) return 'PROVIDER_RATE_LIMITED';
  if (status >= 400) return 'PROVIDER_VALIDATION';
  return 'PROVIDER_BAD_RESPONSE';
}

const ENDPOINT_LABEL: Record<ProviderEndpoint, string> = {
  token: 'generate-token',
  preview: 'preview-ussd-push-request',
  initiate: 'initiate-ussd-push-request',
  query: 'payment query',
  list: 'payments list',
};

export interface ProviderResponseErrorInput {
  endpoint: ProviderEndpoint;
  status: number;
  providerMessage?: string;
  retryAfterMs?: number;
}

/** An error for a ClickPesa HTTP answer. The message is ours, plus ClickPesa's (scrubbed) message if any. */
export function providerResponseError(input: ProviderResponseErrorInput): ClickPesaProviderError {
  const code = codeForStatus(input.endpoint, input.status, input.providerMessage);
  const base = `ClickPesa ${ENDPOINT_LABEL[input.endpoint]} failed with HTTP ${input.status}`;
  return new ClickPesaProviderError(code, {
    message: input.providerMessage ? `${base}: ${input.providerMessage}` : base,
    providerStatus: input.status,
    ...(input.providerMessage !== undefined ? { providerMessage: input.providerMessage } : {}),
    ...(input.retryAfterMs !== undefined ? { retryAfterMs: input.retryAfterMs } : {}),
  });
}

/** A 2xx (or error) body we could not read: malformed, truncated, HTML, empty or off-schema. */
export function badResponseError(
  endpoint: ProviderEndpoint,
  status: number,
  problem: string,
): ClickPesaProviderError {
  return new ClickPesaProviderError('PROVIDER_BAD_RESPONSE', {
    message: `ClickPesa ${ENDPOINT_LABEL[endpoint]} returned an unreadable response (HTTP ${status}): ${problem}`,
    providerStatus: status,
  });
}

export type TransportFailure = 'timeout' | 'network' | 'aborted';

/** No HTTP answer at all: timeout, connection refused/reset, or the caller aborted. */
export function transportError(
  endpoint: ProviderEndpoint,
  failure: TransportFailure,
  detail: string,
  cause?: unknown,
): ClickPesaProviderError {
  const code: ErrorCode = failure === 'timeout' ? 'PROVIDER_TIMEOUT' : 'PROVIDER_UNAVAILABLE';
  const what =
    failure === 'timeout' ? 'timed out' : failure === 'aborted' ? 'was aborted' : `failed (${detail})`;
  return new ClickPesaProviderError(code, {
    message: `ClickPesa ${ENDPOINT_LABEL[endpoint]} ${what}`,
    ...(cause !== undefined ? { cause } : {}),
  });
}
