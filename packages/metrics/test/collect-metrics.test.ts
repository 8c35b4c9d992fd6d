import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type ClickPesaPayments,
  createClickPesaPayments,
  createMemoryStore,
  type EventHandlers,
} from '@clickpesa-kit/core';
import { type Sandbox, startSandbox } from '@clickpesa-kit/sandbox';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { collectMetrics, type PaymentsMetrics } from '../src/index.js';

/**
 * The metrics of a real kit (memory store, real budget and dispatcher) talking to the sandbox over real HTTP,
 * with the webhook route served by node:http: each counter, histogram and gauge moves with what happened,
 * and no label carries an id, a phone number or a reference.
 */

const CHECKSUM_KEY = 'metrics-test-checksum-key';

interface Setup {
  sandbox: Sandbox;
  kit: ClickPesaPayments;
  metrics: PaymentsMetrics;
  server: Server;
}
let setup: Setup | undefined;
afterEach(async () => {
  if (!setup) return;
  setup.metrics.stop();
  await setup.kit.close();
  await new Promise((resolve) => setup?.server.close(resolve));
  await setup.sandbox.close();
  setup = undefined;
});

async function start(
  handlers?: EventHandlers,
  budget = { requestsPerMinute: 60_000, burst: 1_000 },
): Promise<Setup> {
  const sandbox = await startSandbox({
    approveDelayMs: 30,
    webhookRetryDelaysMs: [],
    checksumKey: CHECKSUM_KEY,
  });
  const kit = createClickPesaPayments({
    store: createMemoryStore(),
    authenticate: () => ({ id: 'owner' }),
    clickpesa: {
      baseUrl: sandbox.url,
      clientId: 'sandbox-client',
      apiKey: 'sandbox-key',
      checksumKey: CHECKSUM_KEY,
      env: {},
    },
    poller: false,
    rateLimits: false,
    statusRefreshMs: 0,
    budget,
    ...(handlers ? { handlers, dispatcher: { retryBaseMs: 5, maxAttempts: 2 } } : {}),
  });
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const answer = await kit.handler.handle({
      method: req.method ?? 'POST',
      path: req.url ?? '/',
      headers: req.headers,
      rawBody: Buffer.concat(chunks),
      raw: req,
    });
    res.writeHead(answer.status, answer.headers).end(JSON.stringify(answer.body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  sandbox.configure({ webhookUrl: `http://127.0.0.1:${port}/callback` });
  const metrics = collectMetrics(kit, { registry: new Registry() });
  setup = { sandbox, kit, metrics, server };
  return setup;
}

type Sample = { value: number; labels: Record<string, string | number>; metricName?: string };
/** The samples of a metric; histogram parts (`_count`, `_sum`, `_bucket`) by their own names. */
async function samples(metrics: PaymentsMetrics, name: string): Promise<Sample[]> {
  const all = await metrics.registry.getMetricsAsJSON();
  return all
    .flatMap((metric) => (metric.values as Sample[]).map((sample) => ({ ...sample, of: metric.name })))
    .filter((sample) => (sample.metricName ?? sample.of) === name)
    .map((sample) => ({ value: sample.value, labels: { ...sample.labels } }));
}
async function value(metrics: PaymentsMetrics, name: string, labels: Record<string, string> = {}) {
  const found = (await samples(metrics, name)).filter((sample) =>
    Object.entries(labels).every(([key, wanted]) => sample.labels[key] === wanted),
  );
  return found.reduce((sum, sample) => sum + sample.value, 0);
}
async function until(check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const input = (msisdn: string) => ({ amount: 1000, currency: 'TZS' as const, msisdn, customer_name: 'Test' });

describe('collectMetrics', () => {
  it('counts pushes, outcomes, webhooks, provider calls and latencies with bounded labels', async () => {
    const { kit, metrics, sandbox } = await start();
    const paid = await kit.service.initiate('owner', input('255712340010'));
    const rejected = await kit.service.initiate('owner', input('255712340015'));
    await until(async () => (await value(metrics, 'clickpesa_payment_outcomes_total')) === 2);

    expect(await value(metrics, 'clickpesa_pushes_sent_total', { result: 'accepted' })).toBe(2);
    expect(
      await value(metrics, 'clickpesa_payment_outcomes_total', { status: 'success', reason: 'none' }),
    ).toBe(1);
    expect(
      await value(metrics, 'clickpesa_payment_outcomes_total', {
        status: 'failed',
        reason: 'provider_failed',
      }),
    ).toBe(1);
    expect(await value(metrics, 'clickpesa_webhooks_total', { result: 'verified' })).toBeGreaterThanOrEqual(
      1,
    );
    expect(
      await value(metrics, 'clickpesa_provider_calls_total', { endpoint: 'initiate', status_class: '2xx' }),
    ).toBe(2);
    expect(
      await value(metrics, 'clickpesa_provider_request_duration_seconds_count', { endpoint: 'initiate' }),
    ).toBe(2);
    expect(await value(metrics, 'clickpesa_payment_time_to_final_seconds_count')).toBe(2);
    expect(await value(metrics, 'clickpesa_webhook_ack_duration_seconds_count')).toBeGreaterThanOrEqual(2);
    expect(await value(metrics, 'clickpesa_events_delivered_total')).toBeGreaterThan(0);
    expect(await value(metrics, 'clickpesa_provider_circuit_state', { state: 'closed' })).toBe(1);
    expect(await value(metrics, 'clickpesa_payments_active')).toBe(0);
    // a customer who has not answered yet (the sandbox waits on numbers ending 7)
    await kit.service.initiate('owner', input('255712340017'));
    expect(await value(metrics, 'clickpesa_payments_active', { status: 'processing' })).toBe(1);
    expect(await value(metrics, 'clickpesa_payments_active', { status: 'pending' })).toBe(0);

    // a 500 and a 429 from ClickPesa
    sandbox.fault({ endpoint: 'initiate', kind: 'status', status: 500, times: 5 });
    const unsure = await kit.service.initiate('owner', input('255712340020'));
    expect(
      await value(metrics, 'clickpesa_provider_calls_total', { endpoint: 'initiate', status_class: '5xx' }),
    ).toBeGreaterThanOrEqual(1);
    expect(await value(metrics, 'clickpesa_pushes_sent_total', { result: 'failed' })).toBeGreaterThanOrEqual(
      1,
    );
    sandbox.clearFaults();
    sandbox.fault({ endpoint: 'query', kind: 'status', status: 429, headers: { 'retry-after': '0' } });
    await kit.service.refreshStatus('owner', unsure.payment.id).catch(() => undefined);
    expect(await value(metrics, 'clickpesa_provider_rate_limited_total', { endpoint: 'query' })).toBe(1);

    // an unsigned, malformed webhook is rejected
    await kit.handler.handle({
      method: 'POST',
      path: '/callback',
      headers: { 'content-type': 'application/json' },
      rawBody: '{',
      raw: {},
    });
    expect(
      await value(metrics, 'clickpesa_webhooks_total', { result: 'rejected', reason: 'malformed' }),
    ).toBe(1);

    // no label value names a payment, a reference or a phone number
    const text = await metrics.registry.metrics();
    for (const secret of [
      paid.payment.id,
      paid.payment.orderReference,
      rejected.payment.id,
      '255712340010',
      '712340010',
    ]) {
      expect(text).not.toContain(secret);
    }
  });

  it('reads the outbox and the budget on scrape: lag, dead letters, waits', async () => {
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const { kit, metrics } = await start(
      {
        'payment.created': (event) => {
          if (event.payment.msisdn.endsWith('30')) throw new Error('the shop database is down');
        },
        // the shop is slow: this payment's events wait behind it
        'payment.processing': (event) => (event.payment.msisdn.endsWith('41') ? held : undefined),
      },
      // one call every 100 ms: the second call in a row waits
      { requestsPerMinute: 600, burst: 1 },
    );
    await kit.service.initiate('owner', input('255712340030'));
    await until(async () => (await value(metrics, 'clickpesa_events_dead_lettered_total')) === 1);
    expect(
      await value(metrics, 'clickpesa_events_dead_lettered_total', {
        consumer: 'handlers',
        type: 'payment.created',
      }),
    ).toBe(1);
    expect(await value(metrics, 'clickpesa_outbox_dead_letters')).toBe(1);
    expect(await value(metrics, 'clickpesa_budget_waits_total')).toBeGreaterThanOrEqual(1);
    expect(await samples(metrics, 'clickpesa_budget_waiting_calls')).toHaveLength(2);

    await kit.service.initiate('owner', input('255712340041'));
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect(await value(metrics, 'clickpesa_outbox_pending_events')).toBeGreaterThanOrEqual(1);
    expect(await value(metrics, 'clickpesa_outbox_lag_seconds')).toBeGreaterThanOrEqual(1);
    release();
    await until(async () => (await value(metrics, 'clickpesa_outbox_lag_seconds')) === 0);
  });

  it('stop() detaches from the events and unregisters the metrics', async () => {
    const { kit, metrics } = await start();
    metrics.stop();
    await kit.service.initiate('owner', input('255712340040'));
    expect(await metrics.registry.getMetricsAsJSON()).toEqual([]);
  });
});
