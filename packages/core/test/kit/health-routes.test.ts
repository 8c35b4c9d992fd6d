import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryStore } from '../../src/store/memory-store.js';
import { eventually, type KitFixture, SENTINELS, startKit } from './fixture.js';

/**
 * The opt-in health probes through the kit, the real service and the sandbox over real HTTP: off by default,
 * unauthenticated when on, readiness flipping with the store, the circuit and the poller, and never slower
 * than its timeout when the store hangs.
 */

let f: KitFixture | undefined;
afterEach(async () => {
  await f?.close();
  f = undefined;
});

const ready = async (fixture: KitFixture) => fixture.call('GET', '/health/ready', { token: null });

describe('health probes', () => {
  it('are off by default: the paths are not ours (the host may serve its own)', async () => {
    f = await startKit();
    expect(f.kit.handler.matches('/health/ready')).toBe(false);
    expect(f.kit.handler.matches('/health/live')).toBe(false);
    expect((await ready(f)).status).toBe(404);
  });

  it('answer without credentials, with every check, and show no id or secret', async () => {
    f = await startKit({ health: true });
    expect(f.kit.handler.matches('/health/live')).toBe(true);
    const live = await f.call('GET', '/health/live', { token: null });
    expect(live.status).toBe(200);
    expect(live.body).toMatchObject({ success: true, status: 'alive' });

    const created = await f.call('POST', '/payments', {
      json: { amount: 1000, currency: 'TZS', msisdn: '255712345670', customer_name: 'Test' },
    });
    expect(created.status).toBe(201);
    const payment = created.body.data as { id: string; reference: string };

    const answer = await ready(f);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      success: true,
      status: 'ready',
      checks: {
        store: { ok: true },
        poller: { ok: true, enabled: false },
        circuit: { ok: true, state: 'closed' },
        budget: { ok: true, pausedForMs: 0 },
        outbox: { ok: true, deadLetters: 0 },
      },
    });
    expect(answer.text).not.toContain(payment.id);
    expect(answer.text).not.toContain(payment.reference);
    expect(answer.headers.get('x-request-id')).toBeTruthy();
    const seen = [answer.text, live.text, ...f.captured.logs].join('\n');
    for (const sentinel of Object.values(SENTINELS)) expect(seen).not.toContain(sentinel);
    // POST is not a probe
    expect((await f.call('POST', '/health/ready', { token: null })).status).toBe(405);
  });

  it('is 503 while the store is down and 200 again once it is back', async () => {
    f = await startKit({ health: true });
    f.store.setAvailable(false);
    const down = await ready(f);
    expect(down.status).toBe(503);
    expect(down.body).toMatchObject({
      success: false,
      status: 'not_ready',
      checks: { store: { ok: false, problem: 'unreachable' } },
    });
    f.store.setAvailable(true);
    expect((await ready(f)).status).toBe(200);
  });

  it('answers within its timeout when the store hangs', async () => {
    const memory = createMemoryStore();
    const hanging = new Proxy(memory, {
      get: (target, key, receiver) =>
        key === 'ping' ? () => new Promise<void>(() => {}) : Reflect.get(target, key, receiver),
    });
    f = await startKit({ store: hanging, health: { timeoutMs: 150 } });
    const started = Date.now();
    const [first, second] = await Promise.all([ready(f), ready(f)]);
    expect(Date.now() - started).toBeLessThan(1_500);
    for (const answer of [first, second]) {
      expect(answer.status).toBe(503);
      expect(answer.body).toMatchObject({ checks: { store: { ok: false, problem: 'timeout' } } });
    }
  });

  it('is 503 while the ClickPesa circuit is open, 200 once a probe call succeeds', async () => {
    f = await startKit({
      health: true,
      budget: {
        requestsPerMinute: 60_000,
        burst: 1_000,
        breaker: { failureThreshold: 2, probeIntervalMs: 200 },
      },
    });
    const fixture = f;
    fixture.sandbox.fault({ endpoint: '*', kind: 'status', status: 503, times: 20 });
    const pushes = [0, 1].map((n) =>
      fixture.call('POST', '/payments', {
        json: { amount: 1000, currency: 'TZS', msisdn: `25571234567${n}`, customer_name: 'Test' },
      }),
    );
    await Promise.all(pushes);
    expect(fixture.kit.budget?.state().circuit).toBe('open');
    const open = await ready(fixture);
    expect(open.status).toBe(503);
    expect(open.body).toMatchObject({ checks: { circuit: { ok: false, state: 'open' } } });

    fixture.sandbox.clearFaults();
    await new Promise((resolve) => setTimeout(resolve, 250));
    const probe = await fixture.call('POST', '/payments', {
      json: { amount: 1000, currency: 'TZS', msisdn: '255712345682', customer_name: 'Test' },
    });
    expect(probe.status).toBe(201);
    await eventually(async () => (await ready(fixture)).status === 200);
  });

  it('is 503 while the poller is not running, and once its heartbeat goes stale', async () => {
    f = await startKit({ health: { pollerStaleAfterMs: 300 }, poller: { tickMs: 50 }, autoStart: false });
    const stopped = await ready(f);
    expect(stopped.status).toBe(503);
    expect(stopped.body).toMatchObject({ checks: { poller: { ok: false, running: false } } });
    f.kit.start();
    const fixture = f;
    await eventually(async () => (await ready(fixture)).status === 200);
    await f.kit.poller?.stop();
    const stale = await ready(f);
    expect(stale.status).toBe(503);
    expect(stale.body).toMatchObject({ checks: { poller: { ok: false } } });
  });
});
