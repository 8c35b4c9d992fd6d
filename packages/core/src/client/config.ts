import { setTimeout as delay } from 'node:timers/promises';
import { ClickPesaKitError } from '../errors.js';
import { type Logger, silentLogger } from '../logger.js';
import type { ChecksumMethod } from '../shared/checksum.js';
import type { ClickPesaClientOptions } from './types.js';

export const DEFAULT_BASE_URL = 'https://api.clickpesa.com/third-parties';

export const CLIENT_DEFAULTS = Object.freeze({
  tokenTimeoutMs: 10_000,
  initiateTimeoutMs: 30_000,
  queryTimeoutMs: 15_000,
  /** ClickPesa tokens live 60 min; refreshing at 55 leaves a margin for clock skew and slow calls. */
  tokenTtlMs: 55 * 60_000,
  maxRetries: 2,
  maxRetryAfterMs: 30_000,
  retryBaseDelayMs: 500,
  retryMaxDelayMs: 8_000,
});

/** Options after env fallback and defaults; secrets stay in here and never leave the client. */
export interface ResolvedClientConfig {
  clientId: string;
  apiKey: string;
  checksumKey: string | undefined;
  checksumMethod: ChecksumMethod;
  /** No trailing slash. */
  baseUrl: string;
  timeouts: { tokenMs: number; initiateMs: number; queryMs: number };
  tokenTtlMs: number;
  maxRetries: number;
  maxRetryAfterMs: number;
  retryBaseDelayMs: number;
  retryMaxDelayMs: number;
  logger: Logger;
  now: () => number;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  random: () => number;
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

function positiveNumber(
  name: string,
  value: number | undefined,
  fallback: number,
  allowZero = false,
): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new ClickPesaKitError('CONFIG_INVALID', { message: `Invalid ClickPesa client option ${name}` });
  }
  return value;
}

function resolveBaseUrl(raw: string | undefined): string {
  const value = raw ?? DEFAULT_BASE_URL;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ClickPesaKitError('CONFIG_INVALID', {
      message: 'CLICKPESA_BASE_URL (or options.baseUrl) is not a URL',
    });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ClickPesaKitError('CONFIG_INVALID', { message: 'CLICKPESA_BASE_URL must be an http(s) URL' });
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new ClickPesaKitError('CONFIG_INVALID', {
      message: 'CLICKPESA_BASE_URL must not carry credentials, a query or a fragment',
    });
  }
  return url.href.replace(/\/+$/, '');
}

/** A ref'd timer on purpose: a script awaiting a retried call must not exit mid-wait. */
const defaultSleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  delay(ms, undefined, signal ? { signal } : {}).catch((error: unknown) => {
    throw signal?.aborted ? signal.reason : error;
  });

/** Options first, then the environment (CLICKPESA_*), then defaults. Fails fast on missing credentials. */
export function resolveClientConfig(options: ClickPesaClientOptions): ResolvedClientConfig {
  const env = options.env ?? process.env;
  const clientId = nonEmpty(options.clientId) ?? nonEmpty(env.CLICKPESA_CLIENT_ID);
  const apiKey = nonEmpty(options.apiKey) ?? nonEmpty(env.CLICKPESA_API_KEY);
  const missing: string[] = [];
  if (!clientId) missing.push('CLICKPESA_CLIENT_ID (or options.clientId)');
  if (!apiKey) missing.push('CLICKPESA_API_KEY (or options.apiKey)');
  if (!clientId || !apiKey) {
    throw new ClickPesaKitError('MISSING_CREDENTIALS', { message: `Missing ${missing.join(' and ')}` });
  }

  const checksumMethod = options.checksumMethod ?? 'canonical';
  if (checksumMethod !== 'canonical' && checksumMethod !== 'legacy') {
    throw new ClickPesaKitError('CONFIG_INVALID', {
      message: 'checksumMethod must be "canonical" or "legacy"',
    });
  }

  return {
    clientId,
    apiKey,
    checksumKey: nonEmpty(options.checksumKey) ?? nonEmpty(env.CLICKPESA_CHECKSUM_KEY),
    checksumMethod,
    baseUrl: resolveBaseUrl(nonEmpty(options.baseUrl) ?? nonEmpty(env.CLICKPESA_BASE_URL)),
    timeouts: {
      tokenMs: positiveNumber('timeouts.tokenMs', options.timeouts?.tokenMs, CLIENT_DEFAULTS.tokenTimeoutMs),
      initiateMs: positiveNumber(
        'timeouts.initiateMs',
        options.timeouts?.initiateMs,
        CLIENT_DEFAULTS.initiateTimeoutMs,
      ),
      queryMs: positiveNumber('timeouts.queryMs', options.timeouts?.queryMs, CLIENT_DEFAULTS.queryTimeoutMs),
    },
    tokenTtlMs: positiveNumber('tokenTtlMs', options.tokenTtlMs, CLIENT_DEFAULTS.tokenTtlMs),
    maxRetries: Math.floor(
      positiveNumber('maxRetries', options.maxRetries, CLIENT_DEFAULTS.maxRetries, true),
    ),
    maxRetryAfterMs: positiveNumber(
      'maxRetryAfterMs',
      options.maxRetryAfterMs,
      CLIENT_DEFAULTS.maxRetryAfterMs,
      true,
    ),
    retryBaseDelayMs: positiveNumber(
      'retryBaseDelayMs',
      options.retryBaseDelayMs,
      CLIENT_DEFAULTS.retryBaseDelayMs,
      true,
    ),
    retryMaxDelayMs: positiveNumber(
      'retryMaxDelayMs',
      options.retryMaxDelayMs,
      CLIENT_DEFAULTS.retryMaxDelayMs,
      true,
    ),
    logger: options.logger ?? silentLogger,
    now: options.now ?? Date.now,
    sleep: options.sleep ?? defaultSleep,
    random: options.random ?? Math.random,
  };
}
