import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createClickPesaPayments, createMemoryStore, PaymentEvents } from '@clickpesa-kit/core';
import { createSeededRandom as seededRandom } from '@clickpesa-kit/core/testing';
import { startSandbox } from '@clickpesa-kit/sandbox';
import { type RunResult, summarise } from './metrics.js';
import { createScaledClock } from './scaled-clock.js';
import { customerApproves, offerLoad, type PaymentTrace, phoneFor, type Scenario } from './scenario.js';

/**
 * Our toolkit: the kit with its defaults (provider budget, poller with list sweeps, webhook confirmations
 * batched by the poller). Webhooks reach it through a lossy hop; customers approve after random delays.
 */
export async function runOurs(scenario: Scenario): Promise<RunResult> {
  const clock = createScaledClock(scenario.scale);
  const now = () => clock.now().getTime();
  const random = seededRandom(scenario.seed);
  const loss = seededRandom(scenario.seed + 1);

  let deliver: (rawBody: string, headers: Record<string, string | string[] | undefined>) => Promise<number> =
    async () => 503;
  const receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      // a lost webhook: ClickPesa believes it was delivered, we never see it
      if (loss() < scenario.webhookLoss) return void res.writeHead(200).end();
      void deliver(Buffer.concat(chunks).toString('utf8'), req.headers).then((status) =>
        res.writeHead(status).end(),
      );
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const sb = await startSandbox({
    now,
    rateLimit: { limit: scenario.budgetPerMinute, windowMs: 60_000 },
    webhookUrl: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/callback`,
  });

  const events = new PaymentEvents();
  const kit = createClickPesaPayments({
    store: createMemoryStore(),
    authenticate: () => ({ id: 'bench' }),
    clickpesa: {
      baseUrl: sb.url,
      clientId: sb.clientId,
      apiKey: sb.apiKey,
      env: {},
      now,
      sleep: (ms, signal) => clock.sleep(ms, signal),
    },
    budget: { requestsPerMinute: scenario.budgetPerMinute },
    // one merchant pushing for many customers: the abuse limits are not what this measures
    rateLimits: false,
    clock,
    events,
    random: seededRandom(scenario.seed + 2),
  });
  deliver = async (rawBody, headers) => (await kit.service.handleWebhook({ rawBody, headers })).status;

  const traces = new Map<string, PaymentTrace>();
  events.on('payment.succeeded', (event) => {
    const trace = traces.get(event.payment.orderReference);
    if (trace && trace.succeededAt === null) trace.succeededAt = event.occurredAt.getTime();
  });

  /** The checkout page, as the guide's client does it: GET /status at 15 s, then every 10 s, 6 times. */
  const browserPolls = async (paymentId: string) => {
    await clock.sleep(15_000);
    for (let attempt = 1; attempt <= 6; attempt++) {
      const { payment } = await kit.service
        .refreshStatus('bench', paymentId)
        .catch(() => ({ payment: null }));
      if (payment && payment.status !== 'pending' && payment.status !== 'processing') return;
      await clock.sleep(10_000);
    }
  };

  const start = now();
  // BENCH_DEBUG=1 prints progress every 30 simulated seconds (calls, completions, budget queues)
  const monitor = process.env.BENCH_DEBUG
    ? setInterval(() => {
        const t = ((now() - start) / 1000).toFixed(0);
        const state = kit.budget?.state();
        const done = [...traces.values()].filter((x) => x.succeededAt !== null).length;
        const count = (e: string) => sb.requests.filter((r) => r.endpoint === e).length;
        console.error(
          `t=${t}s initiate=${count('initiate')} list=${count('list')} query=${count('query')} done=${done} ` +
            `waiting=${JSON.stringify(state?.waiting)} inflight=${kit.poller?.heartbeat().inFlight}`,
        );
      }, 30_000 / scenario.scale)
    : null;
  await offerLoad(clock, scenario, (index) => {
    const offeredAt = now();
    void kit.service
      .initiate('bench', { amount: 1000, currency: 'TZS', msisdn: phoneFor(index) })
      .then(({ payment }) => {
        const trace: PaymentTrace = {
          orderReference: payment.orderReference,
          offeredAt,
          approvedAt: null,
          succeededAt: null,
        };
        traces.set(payment.orderReference, trace);
        customerApproves(clock, scenario, random, trace, (reference) => sb.approve(reference));
        if (scenario.browserPolls) void browserPolls(payment.id);
      })
      .catch(() => undefined);
  });
  await clock.sleep(scenario.drainMinutes * 60_000);
  if (monitor) clearInterval(monitor);

  const result = summarise(
    'clickpesa-kit (poller + list sweeps + batched webhook confirmation)',
    scenario,
    [...traces.values()],
    sb.requests,
    start,
  );
  await kit.close();
  await sb.close();
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
  return result;
}
