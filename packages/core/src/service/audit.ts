import { randomUUID } from 'node:crypto';
import { type ClickPesaKitError, isClickPesaKitError, isClickPesaProviderError } from '../errors.js';
import type { ProviderEndpoint } from '../events.js';
import type { Logger } from '../logger.js';
import { SecretRedactor } from '../shared/redact.js';
import type { AuditEntry, PaymentStore } from '../store/contract.js';

/**
 * Every ClickPesa call made for a payment is recorded in its audit log,
 * request and response, redacted (secrets replaced, phone numbers masked). The entries travel with the state
 * change they caused (same atomic write); when there is none, they are appended on their own.
 */
export interface AuditRecorder {
  /**
   * Makes one ClickPesa call and returns its result with the audit entries describing it. When the call
   * throws, the entries are appended right away (best effort) and the error is rethrown.
   */
  call<T>(input: ProviderCall<T>): Promise<{ result: T; entries: AuditEntry[] }>;
  /** Best-effort append: an audit gap is logged, never allowed to fail a payment operation. */
  append(entries: AuditEntry[]): Promise<void>;
}

export interface ProviderCall<T> {
  paymentId: string;
  endpoint: ProviderEndpoint;
  orderReference: string;
  request?: unknown;
  run: () => Promise<T>;
  /** What to keep of the result (e.g. ClickPesa's raw body and our reading of it). */
  describe: (result: T) => Record<string, unknown>;
}

export function createAuditRecorder(
  store: PaymentStore,
  logger: Logger,
  secrets: readonly string[],
  now: () => Date,
): AuditRecorder {
  const redactor = new SecretRedactor([...secrets]);
  const redact = (data: Record<string, unknown>) => redactor.redact(data) as Record<string, unknown>;

  const append = async (entries: AuditEntry[]): Promise<void> => {
    if (entries.length === 0) return;
    try {
      await store.appendAudit(entries);
    } catch (error) {
      logger.warn({ err: describeError(error), count: entries.length }, 'could not append audit entries');
    }
  };

  return {
    append,
    async call(input) {
      const requestId = randomUUID();
      const startedAt = now();
      const requestEntry: AuditEntry = {
        paymentId: input.paymentId,
        at: startedAt,
        kind: 'provider_request',
        data: redact({
          requestId,
          endpoint: input.endpoint,
          orderReference: input.orderReference,
          ...(input.request === undefined ? {} : { body: input.request }),
        }),
      };
      const responseEntry = (data: Record<string, unknown>): AuditEntry => {
        const at = now();
        return {
          paymentId: input.paymentId,
          at,
          kind: 'provider_response',
          data: redact({
            requestId,
            endpoint: input.endpoint,
            orderReference: input.orderReference,
            durationMs: at.getTime() - startedAt.getTime(),
            ...data,
          }),
        };
      };
      try {
        const result = await input.run();
        return { result, entries: [requestEntry, responseEntry(input.describe(result))] };
      } catch (error) {
        await append([requestEntry, responseEntry({ outcome: 'error', error: describeError(error) })]);
        throw error;
      }
    },
  };
}

function providerFields(error: ClickPesaKitError): Record<string, unknown> {
  if (!isClickPesaProviderError(error)) return {};
  return {
    ...(error.providerStatus === undefined ? {} : { providerStatus: error.providerStatus }),
    ...(error.providerMessage === undefined ? {} : { providerMessage: error.providerMessage }),
  };
}

/** A secret-free description of an error for logs and audit entries. */
export function describeError(error: unknown): Record<string, unknown> {
  if (isClickPesaKitError(error)) {
    return {
      code: error.code,
      message: error.message,
      ...providerFields(error),
    };
  }
  return { message: error instanceof Error ? error.message : String(error) };
}
