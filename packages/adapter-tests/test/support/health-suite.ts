import { createMemoryStore } from '@clickpesa-kit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOST_NOT_FOUND_BODY, type HostVariant, prefixOf, type RunningHost } from './host-conventions.js';

/**
 * The health probes and request ids through each adapter, with no adapter code of their own: on with the
 * `health` option (no credentials, mounted with the other routes), the host's own paths when off.
 */
export function runHealthSuite(variants: HostVariant[]): void {
  describe.each(variants)('$name: health probes and request ids', (variant) => {
    describe.each(['/', '/api/v1'] as const)('mounted at %s', (mount) => {
      let on: RunningHost;
      let off: RunningHost;
      beforeAll(async () => {
        const options = {
          store: createMemoryStore(),
          poller: false as const,
          clickpesa: { clientId: 'id', apiKey: 'key', env: {} },
        };
        on = await variant.start({ mount, options: { ...options, health: true } });
        off = await variant.start({ mount, options: { ...options, store: createMemoryStore() } });
      });
      afterAll(async () => {
        await on?.close();
        await off?.close();
      });

      it('answers /health/live and /health/ready without credentials', async () => {
        const live = await fetch(`${on.base}/health/live`);
        expect(live.status).toBe(200);
        expect(await live.json()).toMatchObject({ success: true, status: 'alive' });
        const ready = await fetch(`${on.base}/health/ready`);
        expect(ready.status).toBe(200);
        expect(await ready.json()).toMatchObject({
          status: 'ready',
          checks: { store: { ok: true }, poller: { ok: true, enabled: false } },
        });
        expect((await fetch(`${on.base}/health/ready/`)).status).toBe(200);
      });

      it('leaves the paths to the host when the option is off', async () => {
        const answer = await fetch(`${off.origin}${prefixOf(mount)}/health/ready`);
        expect(answer.status).toBe(404);
        expect(await answer.json()).toEqual(HOST_NOT_FOUND_BODY);
      });

      it("echoes the caller's X-Request-Id, and makes one when it is missing or unusable", async () => {
        const given = await fetch(`${on.base}/health/live`, { headers: { 'x-request-id': 'lb-probe-7' } });
        expect(given.headers.get('x-request-id')).toBe('lb-probe-7');
        const made = await fetch(`${on.base}/payments`, { headers: { 'x-request-id': 'a'.repeat(500) } });
        expect(made.status).toBe(401);
        expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
      });
    });
  });
}
