import { connect } from 'node:net';
import type { Sandbox } from '@clickpesa-kit/sandbox';
import { expect, it } from 'vitest';
import type { HostVariant, RunningHost } from './host-conventions.js';
import type { StoreKind } from './stores.js';
import { clickpesaOf, describeHosts, type HostPlan, hostPerTest, useSandbox } from './suite-kit.js';

const CHECKSUM_KEY = 'limits-suite-checksum-key';
const PATH_SECRET = 'hook-0123456789abcdef';
/** The sandbox's customer never answers a number ending in 7: each push stays open. */
const BOMBED_PHONE = '255759000017';

/**
 * The push rate limits over real HTTP on each framework and store (they are counted in the store): a push-bomb
 * stops at the per-phone limit, the per-user and per-IP limits answer 429 + Retry-After with nothing sent, and
 * the client IP comes from the framework, not from a spoofable header.
 */
export function runPushLimitsSuite(variants: HostVariant[], stores: StoreKind[]): void {
  const sandbox = useSandbox({ checksumKey: CHECKSUM_KEY, approveDelayMs: 60_000 });

  describeHosts('push limits', variants, stores, (variant, kind) => {
    const { start, push, initiates } = limitsHost(variant, kind, sandbox);

    it('stops a push-bomb: 1,000 pushes to one phone reach ClickPesa 3 times; the rest are 429 RATE_LIMITED', async () => {
      const running = await start();
      const before = initiates();
      const statuses: number[] = [];
      let limited: Response | undefined;
      for (let batch = 0; batch < 20; batch++) {
        const answers = await Promise.all(Array.from({ length: 50 }, () => push(running, BOMBED_PHONE)));
        for (const answer of answers) {
          statuses.push(answer.status);
          if (answer.status === 429 && !limited) limited = answer;
          else await answer.arrayBuffer();
        }
      }
      expect(statuses.filter((status) => status === 201)).toHaveLength(3);
      expect(statuses.filter((status) => status === 429)).toHaveLength(997);
      expect(initiates() - before).toBe(3);
      const retryAfter = Number(limited?.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(600);
      expect(await limited?.json()).toMatchObject({ success: false, error: { code: 'RATE_LIMITED' } });
      // nothing was written for the refused ones
      const created: number[] = [];
      running.payments.events.on('payment.created', () => created.push(1));
      expect((await push(running, BOMBED_PHONE)).status).toBe(429);
      expect(created).toHaveLength(0);
    });

    it('takes the client IP from the framework, not from a spoofed X-Forwarded-For (trust proxy off)', async () => {
      const seen: (string | undefined)[] = [];
      const running = await start({
        rateLimits: (attempt) => {
          seen.push(attempt.clientIp);
          return null;
        },
      });
      await (await push(running, '255759000027', { 'x-forwarded-for': '198.51.100.7' })).arrayBuffer();
      expect(seen).toHaveLength(1);
      expect(seen[0]).toMatch(/^(::ffff:)?127\.0\.0\.1$/);
    });

    it('counts one IP whatever X-Forwarded-For says', async () => {
      const running = await start({
        rateLimits: { perIp: { max: 2, windowMs: 600_000 }, perOwner: false, perPhone: false },
      });
      const spoofed = (n: number) =>
        push(running, `25575900${n}037`, { 'x-forwarded-for': `203.0.113.${n}` });
      expect((await spoofed(1)).status).toBe(201);
      expect((await spoofed(2)).status).toBe(201);
      await expectRateLimited(await spoofed(3), 600);
    });

    it('limits pushes per user across phone numbers: 429 RATE_LIMITED with Retry-After, nothing sent', async () => {
      const running = await start({
        rateLimits: { perOwner: { max: 2, windowMs: 600_000 }, perPhone: false, perIp: false },
      });
      const before = initiates();
      expect((await push(running, '255759001017')).status).toBe(201);
      expect((await push(running, '255759001027')).status).toBe(201);
      await expectRateLimited(await push(running, '255759001037'), 600);
      expect(initiates() - before).toBe(2);
      // another user is counted on their own
      expect((await push(running, '255759001047', { authorization: 'Bearer bob-token' })).status).toBe(201);
    });
  });
}

/**
 * The webhook route's guards over real HTTP on each framework: the per-IP limit, the secret path, the slow-body
 * cut-off and a forged flood that costs no ClickPesa call.
 */
export function runWebhookGuardsSuite(variants: HostVariant[], stores: StoreKind[]): void {
  const sandbox = useSandbox({ checksumKey: CHECKSUM_KEY, approveDelayMs: 60_000 });

  describeHosts('webhook guards', variants, stores, (variant, kind) => {
    const { start, push } = limitsHost(variant, kind, sandbox);

    const webhook = (running: RunningHost, path: string, body: unknown = forgedBody(0)) =>
      fetch(`${running.base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });

    it('serves the webhook only at /callback/<secret>: a missing or wrong secret is 404 with no work done', async () => {
      const running = await start({ webhookPathSecret: PATH_SECRET });
      const received: unknown[] = [];
      const rejected: unknown[] = [];
      running.payments.events.on('webhook.received', (event) => received.push(event));
      running.payments.events.on('webhook.rejected', (event) => rejected.push(event));
      expect((await webhook(running, '/callback')).status).toBe(404);
      expect((await webhook(running, '/callback/hook-0123456789abcdeX')).status).toBe(404);
      expect((await webhook(running, '/callback/short')).status).toBe(404);
      expect(received).toHaveLength(0);
      expect(rejected).toHaveLength(0);
      // the right path reaches verification (this body carries no checksum: 401)
      expect((await webhook(running, `/callback/${PATH_SECRET}`)).status).toBe(401);
      expect(rejected).toHaveLength(1);
    });

    it('limits webhooks per source IP before any verification (429 + Retry-After)', async () => {
      const running = await start({ webhookRateLimit: { max: 5, windowMs: 60_000 } });
      const rejected: unknown[] = [];
      running.payments.events.on('webhook.rejected', (event) => rejected.push(event));
      const statuses: number[] = [];
      let limited: Response | undefined;
      for (let i = 0; i < 8; i++) {
        const answer = await webhook(running, '/callback');
        statuses.push(answer.status);
        if (answer.status === 429) limited = answer;
      }
      expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429, 429]);
      expect(rejected).toHaveLength(5);
      expect(Number(limited?.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await limited?.json()).toMatchObject({ error: { code: 'RATE_LIMITED' } });
    });

    // with the host's own body parser (express.json(), @koa/bodyparser), or a fetch runtime reading the body,
    // the host owns the read time (see docs/security.md): the test exists only where the toolkit reads it
    const toolkitReadsBody = !variant.parserAnswersBodyErrors && !variant.name.includes('fetch');
    (toolkitReadsBody ? it : () => {})(
      'cuts off a client that trickles its webhook body (bodyReadTimeoutMs)',
      async () => {
        const running = await start({ bodyReadTimeoutMs: 500 });
        const url = new URL(`${running.base}/callback`);
        const started = Date.now();
        const closedAfterMs = await new Promise<number>((resolve, reject) => {
          const socket = connect(Number(url.port), url.hostname, () => {
            socket.write(
              `POST ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{`,
            );
          });
          const trickle = setInterval(() => socket.write(' '), 100);
          const giveUp = setTimeout(() => {
            clearInterval(trickle);
            socket.destroy();
            reject(new Error('the slow client was never cut off'));
          }, 15_000);
          socket.on('error', () => undefined);
          socket.on('close', () => {
            clearInterval(trickle);
            clearTimeout(giveUp);
            resolve(Date.now() - started);
          });
          socket.resume();
        });
        expect(closedAfterMs).toBeGreaterThanOrEqual(400);
        expect(closedAfterMs).toBeLessThan(10_000);
      },
    );

    it('stays responsive under 2,000 forged webhooks and spends no ClickPesa call on them', async () => {
      const running = await start({ rateLimits: false });
      const created = await push(running, '255759000047');
      expect(created.status).toBe(201);
      const { data } = (await created.json()) as { data: { id: string; reference: string } };
      const upstream = sandbox().requests.length;

      const statuses = new Map<number, number>();
      const slowestGet = { ms: 0 };
      let flooding = true;
      const reads = (async () => {
        while (flooding) {
          const t0 = Date.now();
          const answer = await fetch(`${running.base}/payments/${data.id}`, {
            headers: { authorization: 'Bearer alice-token' },
          });
          expect(answer.status).toBe(200);
          await answer.arrayBuffer();
          slowestGet.ms = Math.max(slowestGet.ms, Date.now() - t0);
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      })();
      for (let batch = 0; batch < 40; batch++) {
        const answers = await Promise.all(
          Array.from({ length: 50 }, (_, i) =>
            webhook(running, '/callback', forgedBody(batch * 50 + i, data.reference)),
          ),
        );
        for (const answer of answers) {
          statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
          await answer.arrayBuffer();
        }
      }
      flooding = false;
      await reads;
      // forged (no valid checksum): 401 until the per-IP limit, then 429; none reaches ClickPesa
      expect((statuses.get(401) ?? 0) + (statuses.get(429) ?? 0)).toBe(2_000);
      expect(statuses.get(429)).toBeGreaterThan(1_000);
      expect(sandbox().requests.length).toBe(upstream);
      // generous for a loaded machine; a starved event loop would take seconds
      expect(slowestGet.ms).toBeLessThan(2_000);
      const stored = await running.payments.store.listWebhookReceipts({ orderReference: data.reference });
      expect(stored).toHaveLength(0);
    });
  });
}

/** Starts a host per test on a fresh database (the limits are counted in the store) and pushes through it. */
function limitsHost(variant: HostVariant, kind: StoreKind, sandbox: () => Sandbox) {
  const startHost = hostPerTest(variant, kind);
  return {
    start: (options: Partial<HostPlan['options']> = {}) =>
      startHost({
        mount: '/api/v1',
        options: {
          clickpesa: clickpesaOf(sandbox(), CHECKSUM_KEY),
          poller: false,
          budget: false,
          // every push reaches ClickPesa unless a limit stops it
          exclusivePushPerMsisdn: false,
          ...options,
        },
      }),
    initiates: () => sandbox().count('initiate'),
    push: (running: RunningHost, msisdn: string, headers: Record<string, string> = {}) =>
      fetch(`${running.base}/payments`, {
        method: 'POST',
        headers: { authorization: 'Bearer alice-token', 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ amount: 1500, currency: 'TZS', msisdn, customer_name: 'Asha' }),
      }),
  };
}

async function expectRateLimited(answer: Response, maxRetryAfterS: number): Promise<void> {
  expect(answer.status).toBe(429);
  const retryAfter = Number(answer.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThan(0);
  expect(retryAfter).toBeLessThanOrEqual(maxRetryAfterS);
  expect(await answer.json()).toMatchObject({ success: false, error: { code: 'RATE_LIMITED' } });
}

function forgedBody(n: number, orderReference = 'FORGED0001') {
  return {
    event: 'PAYMENT RECEIVED',
    data: { orderReference, status: 'SUCCESS', updatedAt: new Date(1_700_000_000_000 + n).toISOString() },
  };
}
