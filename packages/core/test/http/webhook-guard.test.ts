import { describe, expect, it } from 'vitest';
import { splitPath } from '../../src/http/routes.js';
import { createWebhookGuard, DEFAULT_WEBHOOK_RATE_LIMIT } from '../../src/http/webhook-guard.js';
import { createManualClock } from '../../src/testing/manual-clock.js';

const SECRET = 'abcdefghijklmnop_0123';

describe('webhook guard', () => {
  it('without a secret: /callback is the webhook, /callback/<anything> is not ours', () => {
    const guard = createWebhookGuard();
    expect(guard.route(splitPath('/callback'))).toBe('webhook');
    expect(guard.route(splitPath('/callback/'))).toBe('webhook');
    expect(guard.route(splitPath(`/callback/${SECRET}`))).toBe('other');
    expect(guard.route(splitPath('/payments'))).toBe('other');
  });

  it('with a secret: only /callback/<secret> is the webhook; /callback and wrong secrets are 404', () => {
    const guard = createWebhookGuard({ pathSecret: SECRET });
    expect(guard.route(splitPath(`/callback/${SECRET}`))).toBe('webhook');
    expect(guard.route(splitPath(`/callback/${SECRET}/`))).toBe('webhook');
    expect(guard.route(splitPath('/callback'))).toBe('not_found');
    expect(guard.route(splitPath(`/callback/${SECRET}x`))).toBe('not_found');
    expect(guard.route(splitPath(`/callback/${SECRET.slice(0, -1)}`))).toBe('not_found');
    expect(guard.route(splitPath(`/callback/${SECRET}/more`))).toBe('other');
  });

  it('refuses a short or odd secret at startup', () => {
    expect(() => createWebhookGuard({ pathSecret: 'short' })).toThrow(/webhookPathSecret/);
    expect(() => createWebhookGuard({ pathSecret: 'with spaces in it, long enough' })).toThrow(
      /webhookPathSecret/,
    );
  });

  it('limits per IP with a token bucket on the given clock; no IP is not limited', async () => {
    const clock = createManualClock();
    const guard = createWebhookGuard({ rateLimit: { max: 2, windowMs: 60_000 }, now: () => clock.now() });
    expect([guard.waitMs('10.0.0.1'), guard.waitMs('10.0.0.1'), guard.waitMs('10.0.0.1')]).toEqual([
      0, 0, 30_000,
    ]);
    expect(guard.waitMs('10.0.0.2')).toBe(0);
    expect(guard.waitMs(undefined)).toBe(0);
    await clock.advance(30_000);
    expect(guard.waitMs('10.0.0.1')).toBe(0);
    expect(DEFAULT_WEBHOOK_RATE_LIMIT).toEqual({ max: 300, windowMs: 60_000 });
  });
});
