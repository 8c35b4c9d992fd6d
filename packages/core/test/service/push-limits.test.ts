import { describe, expect, it } from 'vitest';
import { isClickPesaKitError } from '../../src/errors.js';
import { createPaymentService } from '../../src/service/payment-service.js';
import type { PushAttempt } from '../../src/service/types.js';
import { createLocalTokenBuckets } from '../../src/shared/token-buckets.js';
import type { SharedBudget } from '../../src/store/contract.js';
import { OTHER_OWNER, OWNER, paymentBody, useHarness } from './harness.js';

/** A payment body for a fixed phone number 2557599900<n>7 (the sandbox's customer never answers). */
function toPhone(n: number, msisdn = `2557599900${n}7`) {
  return { ...paymentBody(7), msisdn };
}

/** The error a refused push throws, or null when it went through. */
async function refusal(push: Promise<unknown>): Promise<{ code: string; retryAfterMs?: number } | null> {
  try {
    await push;
    return null;
  } catch (error) {
    if (!isClickPesaKitError(error)) throw error;
    return {
      code: error.code,
      ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }),
    };
  }
}

describe('push rate limits (SEC-16)', () => {
  const h = useHarness();

  it('stops the fourth prompt to one phone within 10 minutes: 429 data, nothing written, no push', async () => {
    const service = h.serviceWith({ rateLimits: {}, exclusivePushPerMsisdn: false });
    for (let i = 0; i < 3; i++) expect(await refusal(service.initiate(OWNER, toPhone(1)))).toBeNull();
    const initiates = h.calls('initiate');
    const created = h.emitted.length;

    const refused = await refusal(service.initiate(OWNER, toPhone(1, '0759 990 017')));
    expect(refused).toMatchObject({ code: 'RATE_LIMITED' });
    // one token back every 200 s (3 per 10 minutes)
    expect(refused?.retryAfterMs).toBeGreaterThan(190_000);
    expect(refused?.retryAfterMs).toBeLessThanOrEqual(200_000);
    expect(h.calls('initiate')).toBe(initiates);
    expect(h.emitted.length).toBe(created);

    // another phone of the same owner is not affected; after 200 s the first phone gets one more prompt
    expect(await refusal(service.initiate(OWNER, toPhone(2)))).toBeNull();
    h.clock.advance(200_000);
    expect(await refusal(service.initiate(OWNER, toPhone(1)))).toBeNull();
    expect(await refusal(service.initiate(OWNER, toPhone(1)))).toMatchObject({ code: 'RATE_LIMITED' });
  });

  it('counts every push of one owner, and of one client IP across owners', async () => {
    const service = h.serviceWith({
      rateLimits: { perOwner: { max: 4, windowMs: 60_000 }, perIp: { max: 6, windowMs: 60_000 } },
      exclusivePushPerMsisdn: false,
    });
    const ip = { clientIp: '203.0.113.9' };
    for (let i = 0; i < 4; i++) expect(await refusal(service.initiate(OWNER, paymentBody(i), ip))).toBeNull();
    expect(await refusal(service.initiate(OWNER, toPhone(5), ip))).toMatchObject({ code: 'RATE_LIMITED' });
    // the IP had counted that fifth request too (IP is checked first): one more from it, for someone else
    expect(await refusal(service.initiate(OTHER_OWNER, toPhone(6), ip))).toBeNull();
    expect(await refusal(service.initiate(OTHER_OWNER, toPhone(7), ip))).toMatchObject({
      code: 'RATE_LIMITED',
    });
    // without a client IP (a host calling the service) only owner and phone count
    expect(await refusal(service.initiate(OTHER_OWNER, toPhone(7)))).toBeNull();
  });

  it('limits retries too, before the confirming query', async () => {
    const service = h.serviceWith({ rateLimits: { perPhone: { max: 1, windowMs: 600_000 } } });
    const { payment } = await service.initiate(OWNER, toPhone(3));
    h.sb.reject(payment.orderReference);
    h.clock.advance(2_500);
    expect((await service.refreshStatus(OWNER, payment.id)).payment.status).toBe('failed');
    const queries = h.calls('query');
    const initiates = h.calls('initiate');
    expect(await refusal(service.retry(OWNER, payment.id))).toMatchObject({ code: 'RATE_LIMITED' });
    expect(h.calls('query')).toBe(queries);
    expect(h.calls('initiate')).toBe(initiates);
    const stored = await service.getPayment(OWNER, payment.id);
    expect(stored).toMatchObject({ status: 'failed', attempts: 1, orderReference: payment.orderReference });
  });

  it("hands the host's own limiter the normalised attempt and honours its answer", async () => {
    const seen: PushAttempt[] = [];
    const service = h.serviceWith({
      rateLimits: (attempt) => {
        seen.push(attempt);
        return seen.length > 1 ? { retryAfterMs: 42_000 } : null;
      },
    });
    expect(await refusal(service.initiate(OWNER, toPhone(4, '+255 759 990 047')))).toBeNull();
    const refused = await refusal(service.initiate(OWNER, toPhone(5), { clientIp: '198.51.100.1' }));
    expect(refused).toEqual({ code: 'RATE_LIMITED', retryAfterMs: 42_000 });
    expect(seen).toEqual([
      { route: 'initiate', ownerId: OWNER, msisdn: '255759990047' },
      { route: 'initiate', ownerId: OWNER, msisdn: '255759990057', clientIp: '198.51.100.1' },
    ]);
  });

  it('does not count an idempotent replay', async () => {
    const service = h.serviceWith({ rateLimits: { perPhone: { max: 1, windowMs: 600_000 } } });
    const body = toPhone(0, '255759991117');
    const first = await service.initiate(OWNER, body, { idempotencyKey: 'replay-key-1' });
    const again = await service.initiate(OWNER, body, { idempotencyKey: 'replay-key-1' });
    expect(again.replayed).toBe(true);
    expect(again.payment.id).toBe(first.payment.id);
  });

  it("counts in the store's shared buckets, so two instances share one limit", async () => {
    const buckets = createLocalTokenBuckets();
    const takes: string[] = [];
    const shared: SharedBudget = {
      take: async (name, capacity, intervalMs, now) => {
        takes.push(name);
        return buckets.take(name, capacity, intervalMs, now);
      },
    };
    Object.assign(h.store, { budget: shared });
    try {
      const options = { rateLimits: {}, exclusivePushPerMsisdn: false };
      const [a, b] = [h.serviceWith(options), h.serviceWith(options)];
      expect(await refusal(a.initiate(OWNER, toPhone(9)))).toBeNull();
      expect(await refusal(b.initiate(OWNER, toPhone(9)))).toBeNull();
      expect(await refusal(a.initiate(OWNER, toPhone(9)))).toBeNull();
      expect(await refusal(b.initiate(OWNER, toPhone(9)))).toMatchObject({ code: 'RATE_LIMITED' });
      expect(takes).toContain('limit:phone:255759990097');
      expect(takes).toContain(`limit:owner:${OWNER}`);
    } finally {
      Object.assign(h.store, { budget: undefined });
    }
  });

  it("counts in this process when the store's bucket cannot be reached, and logs why", async () => {
    const warnings: string[] = [];
    const shared: SharedBudget = {
      take: async () => {
        throw new Error('connection refused');
      },
    };
    Object.assign(h.store, { budget: shared });
    try {
      const service = createPaymentService({
        store: h.store,
        client: h.client,
        events: h.events,
        clock: h.clock,
        logger: {
          debug() {},
          info() {},
          error() {},
          warn: (_fields, message) => warnings.push(String(message)),
        },
        options: { rateLimits: { perPhone: { max: 1, windowMs: 600_000 } }, exclusivePushPerMsisdn: false },
      });
      expect(await refusal(service.initiate(OWNER, toPhone(0, '255759992227')))).toBeNull();
      expect(await refusal(service.initiate(OWNER, toPhone(0, '255759992227')))).toMatchObject({
        code: 'RATE_LIMITED',
      });
      // owner and phone of each request (no client IP given)
      expect(warnings.filter((message) => message.includes('shared rate limit unavailable')).length).toBe(4);
    } finally {
      Object.assign(h.store, { budget: undefined });
    }
  });
});
