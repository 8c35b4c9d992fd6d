import type { Dispatcher } from 'undici';
import type { ClickPesaProviderError } from '../errors.js';
import { computeChecksum } from '../shared/checksum.js';
import { SecretRedactor } from '../shared/redact.js';
import { type ResolvedClientConfig, resolveClientConfig } from './config.js';
import { createDefaultAgent, TransportError } from './http.js';
import { badResponseError, providerResponseError, transportError } from './provider-error.js';
import { type ProviderAnswer, ProviderTransport } from './request.js';
import { parseInitiateBody, parseListBody, parsePreviewBody, parseQueryBody } from './responses.js';
import { TokenManager, type TokenState, toAuthorizationValue } from './token-manager.js';
import type {
  CallOptions,
  ClickPesaApi,
  ClickPesaClientOptions,
  InitiateResult,
  ListPaymentsFilters,
  ListPaymentsResult,
  PreviewResult,
  QueryResult,
  UssdPushRequest,
} from './types.js';

export interface ClickPesaClient extends ClickPesaApi {
  /** The resolved base URL (no trailing slash). */
  readonly baseUrl: string;
  /** Token cache view, for health checks and tests. */
  readonly tokens: {
    state(): TokenState;
    /** Forget the cached token (e.g. after toggling the checksum setting, which kills tokens). */
    invalidate(): void;
  };
  /** Closes the keep-alive agent the client created (an injected dispatcher is left to its owner). */
  close(): Promise<void>;
}

const PATHS = {
  token: '/generate-token',
  preview: '/payments/preview-ussd-push-request',
  initiate: '/payments/initiate-ussd-push-request',
  list: '/payments/all',
  query: (orderReference: string) => `/payments/${encodeURIComponent(orderReference)}`,
} as const;

/**
 * The ClickPesa third-parties API client:
 * cached single-flight tokens with one refresh on 401, checksummed POST bodies, retries only for safe calls,
 * and an initiate that is never retried and says what is known instead (accepted/rejected/exists/ambiguous).
 */
export function createClickPesaClient(options: ClickPesaClientOptions = {}): ClickPesaClient {
  const config = resolveClientConfig(options);
  const ownAgent = options.dispatcher ? undefined : createDefaultAgent(config.timeouts.tokenMs);
  const dispatcher: Dispatcher = options.dispatcher ?? (ownAgent as Dispatcher);
  const redactor = new SecretRedactor([config.apiKey, config.checksumKey, config.clientId]);
  const transport = new ProviderTransport({
    config,
    dispatcher,
    redactor,
    hooks: { gate: options.gate, onRequest: options.onRequest, onResponse: options.onResponse },
  });
  const tokens = new TokenManager({
    fetchToken: () => fetchToken(transport, config),
    ttlMs: config.tokenTtlMs,
    now: config.now,
    onIssued: (token) => {
      redactor.addSecret(token);
      config.logger.info({ endpoint: 'token' }, 'clickpesa token issued');
    },
  });

  /** The POST body exactly as sent; with a checksum key, `checksum` covers exactly these fields. */
  const signedBody = (request: UssdPushRequest): Record<string, unknown> => {
    const body: Record<string, unknown> = {
      amount: request.amount,
      currency: request.currency,
      orderReference: request.orderReference,
      phoneNumber: request.phoneNumber,
    };
    if (!config.checksumKey) return body;
    if (config.checksumMethod === 'legacy') body.checksumMethod = 'legacy';
    body.checksum = computeChecksum(body, config.checksumKey, config.checksumMethod);
    return body;
  };

  const pushSpec = (
    endpoint: 'preview' | 'initiate',
    request: UssdPushRequest,
    callOptions: CallOptions,
  ) => ({
    endpoint,
    method: 'POST' as const,
    path: PATHS[endpoint],
    body: signedBody(request),
    orderReference: request.orderReference,
    timeoutMs: endpoint === 'initiate' ? config.timeouts.initiateMs : config.timeouts.queryMs,
    priority: callOptions.priority ?? 'user',
    ...(callOptions.signal ? { signal: callOptions.signal } : {}),
    ...(callOptions.owner === undefined ? {} : { owner: callOptions.owner }),
  });

  return {
    baseUrl: config.baseUrl,
    tokens: { state: () => tokens.state(), invalidate: () => tokens.invalidate() },
    close: async () => {
      await ownAgent?.close();
    },

    async previewUssdPush(request, callOptions = {}): Promise<PreviewResult> {
      let answer: ProviderAnswer;
      try {
        answer = await transport.authorized(tokens, pushSpec('preview', request, callOptions));
      } catch (error) {
        if (callOptions.signal?.aborted) throw callOptions.signal.reason;
        if (error instanceof TransportError)
          throw transportError('preview', error.failure, error.detail, error);
        throw error;
      }
      if (!isSuccess(answer.status)) throw errorFor('preview', answer);
      const preview = answer.body.kind === 'json' ? parsePreviewBody(answer.body.value) : undefined;
      if (!preview) throw badResponseError('preview', answer.status, describeProblem(answer));
      return preview;
    },

    async initiateUssdPush(request, callOptions = {}): Promise<InitiateResult> {
      let answer: ProviderAnswer;
      try {
        answer = await transport.authorized(tokens, pushSpec('initiate', request, callOptions));
      } catch (error) {
        // the request may have reached ClickPesa: only a query can tell (docs/decisions.md, decision c)
        if (error instanceof TransportError) {
          return { kind: 'ambiguous', error: transportError('initiate', error.failure, error.detail, error) };
        }
        throw error;
      }
      return classifyInitiate(answer, request.orderReference, config);
    },

    async queryPayment(orderReference, callOptions = {}): Promise<QueryResult> {
      return transport.withRetries('query', callOptions.signal, async (retry) => {
        const answer = await transport.authorized(tokens, {
          endpoint: 'query',
          method: 'GET',
          path: PATHS.query(orderReference),
          orderReference,
          timeoutMs: config.timeouts.queryMs,
          priority: callOptions.priority ?? 'background',
          retry,
          ...(callOptions.signal ? { signal: callOptions.signal } : {}),
        });
        // ClickPesa's 404 is JSON ("Invalid or missing payment: …"); an HTML 404 means a wrong base URL
        if (answer.status === 404 && answer.body.kind !== 'unreadable') return { kind: 'not_found' };
        if (!isSuccess(answer.status)) throw errorFor('query', answer);
        const payments =
          answer.body.kind === 'json' ? parseQueryBody(answer.body.value, orderReference) : undefined;
        if (!payments) throw badResponseError('query', answer.status, describeProblem(answer));
        if (payments.length === 0) return { kind: 'not_found' };
        return { kind: 'found', payments, raw: answer.body.kind === 'json' ? answer.body.value : undefined };
      });
    },

    async listPayments(filters: ListPaymentsFilters = {}, callOptions = {}): Promise<ListPaymentsResult> {
      const query = new URLSearchParams();
      for (const [key, value] of Object.entries(filters)) {
        if (value !== undefined && value !== null && value !== '') query.set(key, String(value));
      }
      const path = query.size > 0 ? `${PATHS.list}?${query.toString()}` : PATHS.list;
      return transport.withRetries('list', callOptions.signal, async (retry) => {
        const answer = await transport.authorized(tokens, {
          endpoint: 'list',
          method: 'GET',
          path,
          timeoutMs: config.timeouts.queryMs,
          priority: callOptions.priority ?? 'background',
          retry,
          ...(callOptions.signal ? { signal: callOptions.signal } : {}),
        });
        if (!isSuccess(answer.status)) throw errorFor('list', answer);
        const list = answer.body.kind === 'json' ? parseListBody(answer.body.value) : undefined;
        if (!list) throw badResponseError('list', answer.status, describeProblem(answer));
        return list;
      });
    },
  };
}

function isSuccess(status: number): boolean {
  return status >= 200 && status < 300;
}

function errorFor(endpoint: 'token' | 'preview' | 'initiate' | 'query' | 'list', answer: ProviderAnswer) {
  return providerResponseError({
    endpoint,
    status: answer.status,
    ...(answer.providerMessage !== undefined ? { providerMessage: answer.providerMessage } : {}),
    ...(answer.retryAfterMs !== undefined ? { retryAfterMs: answer.retryAfterMs } : {}),
  });
}

function describeProblem(answer: ProviderAnswer): string {
  if (answer.body.kind === 'empty') return 'empty body';
  if (answer.body.kind === 'unreadable') {
    return `not JSON (${answer.body.bytes} bytes${answer.body.contentType ? `, ${answer.body.contentType}` : ''})`;
  }
  return isSuccess(answer.status) ? 'unexpected shape' : 'unexpected status';
}

function classifyInitiate(
  answer: ProviderAnswer,
  orderReference: string,
  config: ResolvedClientConfig,
): InitiateResult {
  const { status } = answer;
  if (isSuccess(status)) {
    const payment =
      answer.body.kind === 'json' ? parseInitiateBody(answer.body.value, orderReference) : undefined;
    if (payment)
      return { kind: 'accepted', payment, raw: answer.body.kind === 'json' ? answer.body.value : undefined };
    config.logger.warn(
      { endpoint: 'initiate', orderReference },
      'clickpesa initiate answered 2xx with an unreadable body',
    );
    return { kind: 'ambiguous', error: badResponseError('initiate', status, describeProblem(answer)) };
  }
  const error: ClickPesaProviderError = errorFor('initiate', answer);
  if (status === 409) return { kind: 'exists', error };
  // 5xx: ClickPesa may have created the push before failing (e.g. "Error validating fee")
  if (status >= 500 || status < 400) return { kind: 'ambiguous', error };
  return { kind: 'rejected', error };
}

/** POST /generate-token with the credentials in headers and no body; retried like any safe call. */
function fetchToken(transport: ProviderTransport, config: ResolvedClientConfig): Promise<string> {
  return transport.withRetries('token', undefined, async (retry) => {
    const answer = await transport.exchange({
      endpoint: 'token',
      method: 'POST',
      path: PATHS.token,
      timeoutMs: config.timeouts.tokenMs,
      priority: 'user',
      headers: { 'client-id': config.clientId, 'api-key': config.apiKey },
      retry,
    });
    if (!isSuccess(answer.status)) throw errorFor('token', answer);
    const token =
      answer.body.kind === 'json' && answer.body.value !== null && typeof answer.body.value === 'object'
        ? (answer.body.value as { token?: unknown }).token
        : undefined;
    if (typeof token !== 'string' || token.trim() === '') {
      throw badResponseError(
        'token',
        answer.status,
        answer.body.kind === 'json' ? 'no token field' : describeProblem(answer),
      );
    }
    return toAuthorizationValue(token);
  });
}
