import { createHash, timingSafeEqual } from 'node:crypto';
import { ClickPesaKitError } from '../errors.js';
import type { RateLimit } from '../service/types.js';
import { createLocalTokenBuckets } from '../shared/token-buckets.js';

/**
 * Default per-IP limit of the webhook route. ClickPesa's webhooks follow our pushes, which the provider
 * budget caps at 120 a minute, so even its busiest sender stays under this; a flood from one address is
 * answered 429 before any verification or storage work.
 */
export const DEFAULT_WEBHOOK_RATE_LIMIT: Readonly<RateLimit> = Object.freeze({ max: 300, windowMs: 60_000 });

export interface WebhookGuardOptions {
  /** Per source IP, counted in this process [DEFAULT_WEBHOOK_RATE_LIMIT]; false turns it off. */
  rateLimit?: RateLimit | false;
  /** When set, the webhook lives at /callback/<secret> only; anything else there is 404. */
  pathSecret?: string;
  now?: () => Date;
}

export interface WebhookGuard {
  /** For the split path: the webhook route, a 404 of ours, or not a webhook path at all. */
  route(segments: readonly string[] | null): 'webhook' | 'not_found' | 'other';
  /** 0 when a webhook from `ip` may be handled, else the ms until one may (no IP: not limited). */
  waitMs(ip: string | undefined): number;
}

const CALLBACK = 'callback';

export function createWebhookGuard(options: WebhookGuardOptions = {}): WebhookGuard {
  const limit = options.rateLimit === undefined ? DEFAULT_WEBHOOK_RATE_LIMIT : options.rateLimit;
  const now = options.now ?? (() => new Date());
  const secret = options.pathSecret;
  if (secret !== undefined && (typeof secret !== 'string' || !/^[A-Za-z0-9_-]{16,}$/.test(secret))) {
    throw new ClickPesaKitError('CONFIG_INVALID', {
      message: 'webhookPathSecret must be at least 16 characters of A-Z, a-z, 0-9, "_" and "-"',
    });
  }
  const expected = secret === undefined ? null : digest(secret);
  const buckets = createLocalTokenBuckets();

  return {
    route(segments) {
      if (segments === null || segments[0] !== CALLBACK || segments.length > 2) return 'other';
      if (expected === null) return segments.length === 1 ? 'webhook' : 'other';
      if (segments.length === 1) return 'not_found';
      // compared as fixed-length digests in constant time: the answer time says nothing about the secret
      return timingSafeEqual(digest(segments[1]!), expected) ? 'webhook' : 'not_found';
    },
    waitMs(ip) {
      if (limit === false || ip === undefined || ip === '') return 0;
      return buckets.take(ip, limit.max, limit.windowMs, now());
    },
  };
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
