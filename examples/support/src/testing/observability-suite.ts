/// <reference path="./prometheus-text.d.ts" />
import parsePrometheusTextFormat, { type PrometheusFamily } from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StartShop } from '../shop.js';
import { eventually, startTestShop, type TestShop } from './test-shop.js';

const ALICE = 'alice-token';

/**
 * The example as an on-call engineer sees it: the health probes (no credentials) and `/metrics` scraped and
 * read with a Prometheus text parser, while the sandbox stages a ClickPesa outage. Readiness must go 503
 * while the circuit is open and 200 again once ClickPesa answers; the metrics must count what happened.
 */
export function describeExampleObservability(framework: string, startShop: StartShop): void {
  describe(`${framework} example: health and metrics`, () => {
    let app: TestShop;
    beforeAll(async () => {
      app = await startTestShop(startShop);
    });
    afterAll(() => app?.stop());

    it('serves the health probes without credentials, and no id or secret in them', async () => {
      const live = await app.request('/api/v1/health/live');
      expect(live.status).toBe(200);
      expect(live.json).toMatchObject({ status: 'alive' });
      await eventually(
        async () => (await app.request('/api/v1/health/ready')).status === 200,
        'the app to be ready',
      );
      const ready = await app.request('/api/v1/health/ready');
      expect(ready.json).toMatchObject({
        status: 'ready',
        checks: {
          store: { ok: true },
          poller: { ok: true, running: true },
          circuit: { ok: true, state: 'closed' },
          outbox: { ok: true },
        },
      });
      const { apiKey, checksumKey, clientId } = app.shop.clickpesa;
      for (const secret of [apiKey, checksumKey, clientId]) expect(ready.text).not.toContain(secret);
      expect(ready.headers.get('x-request-id')).toBeTruthy();
    });

    it('counts a paid order in /metrics, read with a Prometheus text parser', async () => {
      const order = await orderOf(app, '1500');
      const initiated = await app.request('/api/v1/payments', {
        token: ALICE,
        body: { msisdn: '0712345671', external_order_id: order.id },
      });
      expect(initiated.status).toBe(201);
      const payment = initiated.json.data;
      app.sandbox.approve(payment.reference);
      await eventually(async () => {
        const answer = await app.request(`/shop/orders/${order.id}`, { token: ALICE });
        return answer.json?.data?.status === 'paid';
      }, 'the order to be paid');
      await app.sandbox.webhooksIdle();

      const scraped = await app.request('/metrics');
      expect(scraped.status).toBe(200);
      expect(scraped.headers.get('content-type')).toMatch(/^text\/plain/);
      const families = parsePrometheusTextFormat(scraped.text);
      expect(sum(families, 'clickpesa_pushes_sent_total', { result: 'accepted' })).toBe(1);
      expect(sum(families, 'clickpesa_payment_outcomes_total', { status: 'success', reason: 'none' })).toBe(
        1,
      );
      expect(sum(families, 'clickpesa_webhooks_total', { result: 'verified' })).toBe(1);
      expect(
        sum(families, 'clickpesa_provider_calls_total', { endpoint: 'initiate', status_class: '2xx' }),
      ).toBe(1);
      // the parser folds a histogram's samples together: their counts are read from the `_count` lines
      const histogram = (name: string, labels?: string) => countLine(scraped.text, name, labels);
      expect(histogram('clickpesa_provider_request_duration_seconds', 'endpoint="initiate"')).toBe(1);
      expect(histogram('clickpesa_payment_time_to_final_seconds', 'status="success"')).toBe(1);
      expect(histogram('clickpesa_webhook_ack_duration_seconds')).toBe(1);
      expect(families.find((family) => family.name === 'clickpesa_webhook_ack_duration_seconds')?.type).toBe(
        'HISTOGRAM',
      );
      expect(
        sum(families, 'clickpesa_events_delivered_total', {
          consumer: 'handlers',
          type: 'payment.succeeded',
        }),
      ).toBe(1);
      expect(sum(families, 'clickpesa_outbox_dead_letters')).toBe(0);
      // bounded labels: the payment's id, reference and phone number are nowhere in the scrape
      for (const text of [payment.id, payment.reference, '712345671'])
        expect(scraped.text).not.toContain(text);
    });

    it('goes 503 while the sandbox fails ClickPesa calls and the circuit opens, and 200 once they succeed', async () => {
      app.sandbox.fault({ endpoint: '*', kind: 'status', status: 503, times: 1_000 });
      // five failed pushes in a row open the circuit
      for (let n = 0; n < 5; n++) {
        const order = await orderOf(app, '1000');
        await app.request('/api/v1/payments', {
          token: ALICE,
          body: { msisdn: `071234560${n}`, external_order_id: order.id },
        });
      }
      await eventually(
        async () => (await app.request('/api/v1/health/ready')).status === 503,
        'readiness to fail',
      );
      const notReady = await app.request('/api/v1/health/ready');
      expect(notReady.json).toMatchObject({
        status: 'not_ready',
        checks: { circuit: { ok: false, state: 'open' }, store: { ok: true } },
      });
      const during = parsePrometheusTextFormat((await app.request('/metrics')).text);
      expect(sum(during, 'clickpesa_provider_circuit_state', { state: 'open' })).toBe(1);
      expect(
        sum(during, 'clickpesa_provider_calls_total', { endpoint: 'initiate', status_class: '5xx' }),
      ).toBe(5);
      expect(sum(during, 'clickpesa_pushes_sent_total', { result: 'failed' })).toBe(5);

      // ClickPesa is back: the breaker's probe call (after 2 s in sandbox mode) closes the circuit
      app.sandbox.clearFaults();
      await eventually(
        async () => {
          const order = await orderOf(app, '1000');
          await app.request('/api/v1/payments', {
            token: ALICE,
            body: { msisdn: '0712345689', external_order_id: order.id },
          });
          return (await app.request('/api/v1/health/ready')).status === 200;
        },
        'readiness to recover',
        15_000,
      );
      const order = await orderOf(app, '1000');
      const pushed = await app.request('/api/v1/payments', {
        token: ALICE,
        body: { msisdn: '0712345693', external_order_id: order.id },
      });
      expect(pushed.status).toBe(201);
      const after = parsePrometheusTextFormat((await app.request('/metrics')).text);
      expect(sum(after, 'clickpesa_provider_circuit_state', { state: 'closed' })).toBe(1);
      expect(sum(after, 'clickpesa_pushes_sent_total', { result: 'accepted' })).toBeGreaterThanOrEqual(2);
    }, 30_000);

    it('goes 503 when the poller stops, and 200 when it runs again', async () => {
      const { poller } = app.running.payments;
      await poller?.stop();
      const stopped = await app.request('/api/v1/health/ready');
      expect(stopped.status).toBe(503);
      expect(stopped.json).toMatchObject({ checks: { poller: { ok: false, running: false } } });
      poller?.start();
      await eventually(
        async () => (await app.request('/api/v1/health/ready')).status === 200,
        'readiness after the poller restarts',
      );
    });
  });
}

async function orderOf(app: TestShop, amount: string) {
  const created = await app.request('/shop/orders', { token: ALICE, body: { amount } });
  if (created.status !== 201) throw new Error(`creating the order answered ${created.status}`);
  return created.json.data;
}

function samplesOf(families: PrometheusFamily[], name: string, labels: Record<string, string>) {
  const family = families.find((candidate) => candidate.name === name);
  if (!family) throw new Error(`no metric ${name} in the scrape`);
  return family.metrics.filter((sample) =>
    Object.entries(labels).every(([key, wanted]) => sample.labels?.[key] === wanted),
  );
}

/** A counter's or gauge's value summed over the samples with these labels. */
function sum(families: PrometheusFamily[], name: string, labels: Record<string, string> = {}): number {
  return samplesOf(families, name, labels).reduce((total, sample) => total + Number(sample.value), 0);
}

/** A histogram's `_count` sample for exactly these labels (`endpoint="initiate"`, or none), or 0. */
function countLine(text: string, name: string, labels = ''): number {
  const prefix = labels === '' ? `${name}_count ` : `${name}_count{${labels}} `;
  const line = text.split('\n').find((candidate) => candidate.startsWith(prefix));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}
