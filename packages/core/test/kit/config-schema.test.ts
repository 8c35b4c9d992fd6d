import { describe, expect, it } from 'vitest';
import { closestKey } from '../../src/config-schema.js';
import { ClickPesaKitError } from '../../src/errors.js';
import { createClickPesaPayments } from '../../src/kit.js';
import { createMemoryStore } from '../../src/store/memory-store.js';
import { serveHandler } from './http-harness.js';

const base = {
  store: createMemoryStore(),
  authenticate: () => ({ id: 'alice' }),
  clickpesa: { clientId: 'id', apiKey: 'key', env: {} },
  poller: false as const,
  autoStart: false,
};

/** Builds the kit with `options` (checked at run time, whatever their type) and returns the startup error. */
function startupError(options: Record<string, unknown>): ClickPesaKitError {
  try {
    void createClickPesaPayments({ ...base, ...options } as typeof base).close();
  } catch (error) {
    expect(error).toBeInstanceOf(ClickPesaKitError);
    expect((error as ClickPesaKitError).code).toBe('CONFIG_INVALID');
    return error as ClickPesaKitError;
  }
  throw new Error('expected a startup error');
}

describe('options are checked once, when the kit is built', () => {
  it.each([
    [{ minAmount: 'abc' }, '`minAmount` must be a positive amount'],
    [{ minAmount: 5000, maxAmount: 100 }, '`minAmount` must not be more than maxAmount'],
    [{ schedule: { firstCheckMs: 'soon' } }, '`schedule.firstCheckMs` must be a number'],
    [{ poller: { tickMs: -5 } }, '`poller.tickMs` must be a positive number of ms'],
    [{ poller: { schedule: { intervalMs: Number.POSITIVE_INFINITY } } }, '`poller.schedule.intervalMs`'],
    [{ budget: { backgroundShare: 2 } }, '`budget.backgroundShare` must be between 0 and 1'],
    [{ bodyLimit: 1.5 }, '`bodyLimit` must be a whole number'],
    [{ statusRefreshMs: '2s' }, '`statusRefreshMs` must be a number'],
    [{ requireIdempotencyKey: 'yes' }, '`requireIdempotencyKey` must be a boolean'],
    [
      { rateLimits: { perPhone: { max: 0, windowMs: 600_000 } } },
      '`rateLimits.perPhone.max` must be at least 1',
    ],
    [{ rateLimits: { perIp: { max: 5 } } }, '`rateLimits.perIp.windowMs`'],
    [{ rateLimits: { perDevice: false } }, 'perDevice'],
    [{ rateLimits: true }, '`rateLimits`'],
    [
      { webhookRateLimit: { max: 10, windowMs: -1 } },
      '`webhookRateLimit.windowMs` must be a positive number of ms',
    ],
    [{ webhookPathSecret: 'short' }, '`webhookPathSecret` must be at least 16 characters'],
    [{ bodyReadTimeoutMs: 0 }, '`bodyReadTimeoutMs` must be a positive number of ms'],
    [
      { idempotencyTtlMs: 1_000, idempotencyLockMs: 5_000 },
      '`idempotencyTtlMs` must be at least idempotencyLockMs',
    ],
    [
      { schedule: { backoffBaseMs: 10_000, backoffCapMs: 5_000 } },
      '`schedule.backoffCapMs` must be at least',
    ],
    [
      { clickpesa: { timeouts: { queryMs: 0 } } },
      '`clickpesa.timeouts.queryMs` must be a positive number of ms',
    ],
  ])('%o fails naming the option', (options, expected) => {
    expect(startupError(options).message).toContain(expected);
  });

  it.each([
    [{ pollr: {} }, 'unknown option `pollr`: did you mean `poller`?'],
    [{ poller: { tickms: 100 } }, 'unknown option `poller.tickms`: did you mean `poller.tickMs`?'],
    [{ clickpesa: { apikey: 'k' } }, 'did you mean `clickpesa.apiKey`?'],
    [{ schedule: { firstCheck: 1 } }, 'did you mean `schedule.firstCheckMs`?'],
    [{ somethingElse: true }, 'unknown option `somethingElse`'],
  ])('refuses the unknown key in %o with a suggestion', (options, expected) => {
    const error = startupError(options);
    expect(error.message).toContain(expected);
  });

  it('names options, never their values', () => {
    const error = startupError({ clickpesa: { apiKey: 12345678901 } });
    expect(error.message).toContain('`clickpesa.apiKey`');
    expect(error.message).not.toContain('12345678901');
  });

  it('lists every problem at once, each with its option path in details', () => {
    const error = startupError({ minAmount: 'abc', poller: { tickMs: 0 } });
    expect(error.details?.map((detail) => detail.field)).toEqual(['minAmount', 'poller.tickMs']);
  });

  it('accepts what the docs show, including number-or-string amounts and poller: false', () => {
    const kit = createClickPesaPayments({
      ...base,
      minAmount: 500,
      maxAmount: '3000000',
      statusRefreshMs: 0,
      schedule: { firstCheckMs: 5_000 },
      rateLimits: { perPhone: { max: 5, windowMs: 600_000 }, perIp: false },
      webhookRateLimit: false,
      webhookPathSecret: 'abcdefghijklmnop-0123',
      bodyReadTimeoutMs: 5_000,
      budget: { requestsPerMinute: 60, breaker: { failureThreshold: 3 } },
    });
    expect(kit.handler).toBeDefined();
    void kit.close();
  });

  it('accepts Infinity for poller.listBatchThreshold (list sweeps off), and no other non-count', () => {
    const kit = createClickPesaPayments({
      ...base,
      poller: { listBatchThreshold: Number.POSITIVE_INFINITY },
    } as unknown as typeof base);
    void kit.close();
    expect(startupError({ poller: { listBatchThreshold: 0 } }).message).toContain(
      '`poller.listBatchThreshold`',
    );
  });

  it('no option mistake reaches a customer: a bad amount limit never answers a request', async () => {
    expect(() => createClickPesaPayments({ ...base, minAmount: 'abc' })).toThrow(/minAmount/);
    // the same limits, valid, answer the customer's mistake with a 400 that names the field
    const kit = createClickPesaPayments({ ...base, minAmount: 500 });
    const server = await serveHandler(kit.handler);
    try {
      const response = await fetch(`${server.url}/payments`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer alice-token' },
        body: JSON.stringify({ amount: 100, msisdn: '0712345671' }),
      });
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: { code: 'VALIDATION_ERROR' } });
    } finally {
      await server.close();
      await kit.close();
    }
  });
});

describe('did-you-mean', () => {
  it('suggests the nearest known key, ignoring case, only when it is near', () => {
    expect(closestKey('pollr', ['poller', 'budget'])).toBe('poller');
    expect(closestKey('TICKMS', ['tickMs', 'leaseMs'])).toBe('tickMs');
    expect(closestKey('zzzzzz', ['poller', 'budget'])).toBeUndefined();
  });
});
