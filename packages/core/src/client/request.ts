import { randomUUID } from 'node:crypto';
import pRetry from 'p-retry';
import type { Dispatcher } from 'undici';
import type { ProviderEndpoint, ProviderResponseEvent } from '../events.js';
import type { SecretRedactor } from '../shared/redact.js';
import type { ResolvedClientConfig } from './config.js';
import { type HttpAnswer, type ParsedBody, sendHttp, TransportError } from './http.js';
import { isRetryableProviderError, normaliseProviderMessage, transportError } from './provider-error.js';
import {
  exponentialCeiling,
  fullJitterBackoff,
  parseCooldownMessage,
  parseRetryAfter,
} from './retry-after.js';
import type { TokenManager } from './token-manager.js';
import type { ClickPesaClientOptions, GateOutcome } from './types.js';

/**
 * The request pipeline shared by every resource: gate → events → HTTP (one attempt), the 401 → refresh →
 * retry-once wrapper, and the retry loop for safe calls (token, query, list). Initiate uses the first two only.
 */

export interface ExchangeSpec {
  endpoint: ProviderEndpoint;
  method: 'GET' | 'POST';
  /** Relative to the base URL, starting with "/"; may carry a query string. */
  path: string;
  /** Sent as JSON; already carries `checksum` when one is configured. */
  body?: Record<string, unknown>;
  orderReference?: string;
  timeoutMs: number;
  priority: 'user' | 'background';
  signal?: AbortSignal;
  /** Passed to the gate, which takes turns between owners. */
  owner?: string;
  headers?: Record<string, string>;
  /** 0 for the first try; used to size the pause announced to the gate when Retry-After is missing. */
  retry?: number;
}

/** An HTTP answer plus what we read from it. */
export interface ProviderAnswer extends HttpAnswer {
  /** ClickPesa's normalised, scrubbed message (error bodies). */
  providerMessage?: string;
  /** Retry-After header or "retry after N seconds" message, capped by maxRetryAfterMs. */
  retryAfterMs?: number;
}

export interface TransportDeps {
  config: ResolvedClientConfig;
  dispatcher: Dispatcher;
  redactor: SecretRedactor;
  hooks: Pick<ClickPesaClientOptions, 'gate' | 'onRequest' | 'onResponse'>;
}

export class ProviderTransport {
  readonly #deps: TransportDeps;
  /** Errors whose retries are already spent (a token failure inside a query): never retried again outside. */
  readonly #exhausted = new WeakSet<object>();

  constructor(deps: TransportDeps) {
    this.#deps = deps;
  }

  /** One HTTP attempt through the gate, reported to the hooks. Throws TransportError when nothing came back. */
  async exchange(spec: ExchangeSpec): Promise<ProviderAnswer> {
    const { config, redactor, hooks } = this.#deps;
    await hooks.gate?.acquire(spec.endpoint, {
      priority: spec.priority,
      ...(spec.signal ? { signal: spec.signal } : {}),
      ...(spec.owner === undefined ? {} : { owner: spec.owner }),
    });

    const requestEvent = {
      requestId: randomUUID(),
      endpoint: spec.endpoint,
      method: spec.method,
      path: spec.path,
      ...(spec.orderReference !== undefined ? { orderReference: spec.orderReference } : {}),
      ...(spec.body !== undefined ? { body: redactor.redact(spec.body) } : {}),
    };
    this.#notify(() => hooks.onRequest?.(requestEvent));

    const startedAt = performance.now();
    const finish = (fields: Pick<ProviderResponseEvent, 'status' | 'response' | 'error'>) => {
      const event: ProviderResponseEvent = {
        ...requestEvent,
        ...fields,
        durationMs: Math.round(performance.now() - startedAt),
      };
      this.#notify(() => hooks.onResponse?.(event));
      config.logger.debug(
        {
          // not `requestId`: that names the incoming request a line was written for
          providerRequestId: event.requestId,
          endpoint: event.endpoint,
          ...(event.orderReference === undefined ? {} : { orderReference: event.orderReference }),
          method: event.method,
          path: event.path,
          status: event.status,
          durationMs: event.durationMs,
          ...(event.error ? { error: event.error } : {}),
        },
        'clickpesa call',
      );
    };

    let answer: HttpAnswer;
    try {
      answer = await sendHttp({
        method: spec.method,
        url: config.baseUrl + spec.path,
        headers: {
          accept: 'application/json',
          ...(spec.body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...spec.headers,
        },
        ...(spec.body !== undefined ? { body: JSON.stringify(spec.body) } : {}),
        timeoutMs: spec.timeoutMs,
        ...(spec.signal ? { signal: spec.signal } : {}),
        dispatcher: this.#deps.dispatcher,
      });
    } catch (error) {
      const failure = error instanceof TransportError ? error.failure : 'network';
      const detail = error instanceof TransportError ? error.detail : 'unexpected error';
      finish({ status: null, error: `${failure}: ${detail}` });
      this.#report(spec.endpoint, failure === 'aborted' ? { kind: 'client_error' } : { kind: 'failure' });
      throw error instanceof TransportError ? error : new TransportError('network', detail, error);
    }

    const read = this.#read(answer);
    finish({ status: read.status, response: describeBody(read.body, redactor) });
    this.#report(spec.endpoint, this.#gateOutcome(read, spec.retry ?? 0));
    return read;
  }

  /**
   * `exchange` with a bearer token. A 401 invalidates that token, fetches a fresh one (shared with concurrent
   * callers) and repeats the call exactly once; a 401 means ClickPesa rejected it, so this is safe for initiate.
   */
  async authorized(tokens: TokenManager, spec: ExchangeSpec): Promise<ProviderAnswer> {
    const token = await withAbort(tokens.get(), spec.signal);
    const answer = await this.exchange({ ...spec, headers: { ...spec.headers, authorization: token } });
    if (answer.status !== 401) return answer;

    this.#deps.config.logger.info({ endpoint: spec.endpoint }, 'clickpesa token rejected; refreshing once');
    tokens.invalidate(token);
    const fresh = await withAbort(tokens.get(), spec.signal);
    return this.exchange({ ...spec, headers: { ...spec.headers, authorization: fresh } });
  }

  /**
   * Runs a safe (side-effect-free) call with retries on network errors, timeouts, 5xx, 429 and unreadable
   * bodies: the wait is Retry-After / ClickPesa's cooldown when given (capped), else full-jitter backoff.
   * `attempt` must throw ClickPesaKitError; TransportErrors are converted here.
   */
  async withRetries<T>(
    endpoint: ProviderEndpoint,
    signal: AbortSignal | undefined,
    attempt: (retry: number) => Promise<T>,
  ): Promise<T> {
    const { config } = this.#deps;
    const run = pRetry(
      async (attemptNumber) => {
        try {
          return await attempt(attemptNumber - 1);
        } catch (error) {
          if (signal?.aborted) throw signal.reason;
          if (error instanceof TransportError)
            throw transportError(endpoint, error.failure, error.detail, error);
          throw error;
        }
      },
      {
        retries: config.maxRetries,
        minTimeout: 0,
        factor: 1,
        ...(signal ? { signal } : {}),
        shouldRetry: async ({ error, retriesConsumed }) => {
          if (!isRetryableProviderError(error) || this.#exhausted.has(error) || signal?.aborted) return false;
          const delayMs =
            error.retryAfterMs ??
            fullJitterBackoff(retriesConsumed, {
              baseMs: config.retryBaseDelayMs,
              capMs: config.retryMaxDelayMs,
              random: config.random,
            });
          config.logger.warn(
            {
              endpoint,
              code: error.code,
              providerStatus: error.providerStatus,
              retry: retriesConsumed + 1,
              delayMs,
            },
            'clickpesa call failed; retrying',
          );
          await config.sleep(delayMs, signal);
          return true;
        },
      },
    );
    return run.catch((error: unknown) => {
      if (error !== null && typeof error === 'object') this.#exhausted.add(error);
      throw error;
    });
  }

  #read(answer: HttpAnswer): ProviderAnswer {
    const { config, redactor } = this.#deps;
    const read: ProviderAnswer = { ...answer };
    if (answer.body.kind === 'json' && answer.status >= 400) {
      const message = normaliseProviderMessage(answer.body.value, redactor);
      if (message !== undefined) read.providerMessage = message;
    }
    const header = answer.headers['retry-after'];
    let waitMs =
      answer.status === 429 || answer.status >= 500 ? parseRetryAfter(header, config.now()) : undefined;
    if (waitMs === undefined && answer.status === 400) waitMs = parseCooldownMessage(read.providerMessage);
    if (waitMs !== undefined) read.retryAfterMs = Math.min(waitMs, config.maxRetryAfterMs);
    return read;
  }

  #gateOutcome(answer: ProviderAnswer, retry: number): GateOutcome {
    const { status } = answer;
    const { config } = this.#deps;
    if (status === 429 || (status === 400 && answer.retryAfterMs !== undefined)) {
      return {
        kind: 'rate_limited',
        retryAfterMs:
          answer.retryAfterMs ??
          exponentialCeiling(retry, { baseMs: config.retryBaseDelayMs, capMs: config.retryMaxDelayMs }),
      };
    }
    if (status >= 500) {
      return answer.retryAfterMs !== undefined
        ? { kind: 'rate_limited', retryAfterMs: answer.retryAfterMs }
        : { kind: 'failure' };
    }
    if (status >= 400) return { kind: 'client_error' };
    if (status >= 200 && status < 300)
      return answer.body.kind === 'json' ? { kind: 'ok' } : { kind: 'failure' };
    return { kind: 'failure' };
  }

  #report(endpoint: ProviderEndpoint, outcome: GateOutcome): void {
    this.#notify(() => this.#deps.hooks.gate?.report(endpoint, outcome));
  }

  /** A throwing listener must never break a payment call. */
  #notify(callback: () => void): void {
    try {
      callback();
    } catch (error) {
      this.#deps.config.logger.warn(
        { error: this.#deps.redactor.scrub(error instanceof Error ? error.message : String(error)) },
        'clickpesa client hook threw',
      );
    }
  }
}

function describeBody(body: ParsedBody, redactor: SecretRedactor): unknown {
  if (body.kind === 'json') return redactor.redact(body.value);
  if (body.kind === 'empty') return undefined;
  // never pass an HTML error page (it may echo credentials) or garbage through (SEC-12)
  return { unreadable: true, bytes: body.bytes, contentType: body.contentType ?? null };
}

/** Stops waiting (not the shared work) when the caller's signal fires. */
function withAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
