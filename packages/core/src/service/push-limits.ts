import type { Clock } from '../clock.js';
import { ClickPesaKitError } from '../errors.js';
import type { Logger } from '../logger.js';
import { createLocalTokenBuckets } from '../shared/token-buckets.js';
import type { SharedBudget } from '../store/contract.js';
import type { PushAttempt, PushRateLimitOptions, RateLimit } from './types.js';

/**
 * Defaults (docs/security.md explains the choice): a customer who retries a failed prompt twice stays well
 * inside them; a script pushing to one phone stops after the third prompt.
 */
export const DEFAULT_PUSH_RATE_LIMITS: Readonly<Record<'perPhone' | 'perOwner' | 'perIp', RateLimit>> =
  Object.freeze({
    perPhone: Object.freeze({ max: 3, windowMs: 10 * 60_000 }),
    perOwner: Object.freeze({ max: 20, windowMs: 10 * 60_000 }),
    perIp: Object.freeze({ max: 30, windowMs: 10 * 60_000 }),
  });

/** Checks one push (initiate or retry) before anything is written; throws RATE_LIMITED (429) when limited. */
export type PushLimits = (attempt: PushAttempt) => Promise<void>;

const MESSAGES = {
  ip: 'Too many payment requests from this address; try again later',
  owner: 'Too many payment requests for this account; try again later',
  phone: 'Too many payment prompts to this phone number; try again later',
} as const;

/**
 * The push rate limits (SEC-16). Counted in the store's shared token buckets when it has them (so they hold
 * across instances), else in this process. Buckets are taken in order IP → owner → phone and the first one
 * empty refuses, leaving the later ones untouched.
 */
export function createPushLimits(deps: {
  option: PushRateLimitOptions | undefined;
  shared: SharedBudget | undefined;
  clock: Clock;
  logger: Logger;
}): PushLimits {
  const { option, shared, clock, logger } = deps;
  if (option === false) return async () => undefined;
  if (typeof option === 'function') {
    return async (attempt) => {
      const verdict = await option(attempt);
      if (verdict === null || verdict === undefined) return;
      throw limited('The request was refused by the rate limit; try again later', verdict.retryAfterMs);
    };
  }
  const limits = {
    ip: pick(option?.perIp, DEFAULT_PUSH_RATE_LIMITS.perIp),
    owner: pick(option?.perOwner, DEFAULT_PUSH_RATE_LIMITS.perOwner),
    phone: pick(option?.perPhone, DEFAULT_PUSH_RATE_LIMITS.perPhone),
  };
  const local = createLocalTokenBuckets();

  const take = async (kind: string, name: string, limit: RateLimit): Promise<number> => {
    const now = clock.now();
    if (!shared) return local.take(name, limit.max, limit.windowMs, now);
    try {
      return await shared.take(name, limit.max, limit.windowMs, now);
    } catch {
      // the store's bucket is unreachable: this process's own count still stops a push-bomb
      logger.warn({ limit: kind }, 'shared rate limit unavailable; counting locally');
      return local.take(name, limit.max, limit.windowMs, now);
    }
  };

  return async ({ route, ownerId, msisdn, clientIp }) => {
    const checks: [keyof typeof MESSAGES, string | undefined][] = [
      ['ip', clientIp],
      ['owner', ownerId],
      ['phone', msisdn],
    ];
    for (const [kind, key] of checks) {
      const limit = limits[kind];
      if (limit === null || key === undefined || key === '') continue;
      const waitMs = await take(kind, `limit:${kind}:${key}`, limit);
      if (waitMs > 0) {
        // which limit and route only: the phone number, owner and address stay out of the log
        logger.info({ limit: kind, route, retryAfterMs: waitMs }, 'push refused by a rate limit');
        throw limited(MESSAGES[kind], waitMs);
      }
    }
  };
}

function pick(value: RateLimit | false | undefined, fallback: RateLimit): RateLimit | null {
  if (value === false) return null;
  return value ?? fallback;
}

function limited(message: string, retryAfterMs: number): ClickPesaKitError {
  const ms = Number.isFinite(retryAfterMs) && retryAfterMs > 0 ? retryAfterMs : 1_000;
  return new ClickPesaKitError('RATE_LIMITED', { message, retryAfterMs: ms });
}
