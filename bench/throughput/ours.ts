import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createClickPesaPayments, createMemoryStore, PaymentEvents } from '@clickpesa-kit/core';
import { createSeededRandom as seededRandom } from '@clickpesa-kit/core/testing';
import { type RequestLogEntry, startSandbox } from '@clickpesa-kit/sandbox';
import { BROWSER_WATCHERS, pushFallbacks } from './browsers.js';
import { type RunResult, summarise } from './metrics.js';
import { bearerOwner, type PushHost, servePushHost } from './push-host.js';
import { createScaledClock } from './scaled-clock.js';
import { customerApproves, offerLoad, type PaymentTrace, phoneFor, type Scenario } from './scenario.js';

/** Made up for the benchmark: the sandbox signs with it, the kit verifies with it. */
const BENCH_CHECKSUM_KEY = 'bench-checksum-key-not-a-secret';

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
    maxPageSize: scenario.pageSize,
    ...(scenario.signedWebhooks ? { checksumKey: BENCH_CHECKSUM_KEY } : {}),
    webhookUrl: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/callback`,
  });

  const events = new PaymentEvents();
  const kit = createClickPesaPayments({
    store: createMemoryStore(),
    authenticate: bearerOwner('bench'),
    clickpesa: {
      baseUrl: sb.url,
      clientId: sb.clientId,
      apiKey: sb.apiKey,
      env: {},
      now,
      sleep: (ms, signal) => clock.sleep(ms, signal),
      ...(scenario.signedWebhooks ? { checksumKey: BENCH_CHECKSUM_KEY } : {}),
    },
    ...(scenario.signedWebhooks ? { trustSignedWebhooks: true } : {}),
    budget: { requestsPerMinute: scenario.budgetPerMinute },
    poller: { listPageSize: scenario.pageSize },
    // one merchant pushing for many customers: the abuse limits are not what this measures
    rateLimits: false,
    // the same account stands for every customer: each checkout page may hold its stream
    push: { maxConnectionsPerOwner: 100_000 },
    clock,
    events,
    random: seededRandom(scenario.seed + 2),
  });
  deliver = async (rawBody, headers) => (await kit.service.handleWebhook({ rawBody, headers })).status;

  const traces = new Map<string, PaymentTrace>();
  events.on('payment.succeeded', (event) => {
    const trace = traces.get(event.payment.orderReference);
    if (trace && trace.succeededAt === null) {
      trace.succeededAt = event.occurredAt.getTime();
      // without pages, the server knowing is what is measured
      if (scenario.browsers === 'none') trace.knownAt = trace.succeededAt;
    }
  });
  const watch = scenario.browsers === 'none' ? null : BROWSER_WATCHERS[scenario.browsers];
  if (watch === undefined) throw new Error(`no page behaviour registered for browsers=${scenario.browsers}`);
  // pages on the push route reach the kit over real HTTP
  const host: PushHost | undefined =
    scenario.browsers === 'push' ? await servePushHost(kit.handler) : undefined;
  const fallbacksBefore = pushFallbacks.count;

  const start = now();
  if (process.env.BENCH_DEBUG) {
    events.on('poller.error', ({ error }) => console.error(`poller.error: ${error.message}`));
  }
  // BENCH_DEBUG=1 prints progress every 30 simulated seconds (calls, completions, budget queues) and, at the
  // end, pages per change-feed read; BENCH_DEBUG=2 also every list call
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
          knownAt: null,
        };
        traces.set(payment.orderReference, trace);
        customerApproves(clock, scenario, random, trace, (reference) => sb.approve(reference));
        if (watch) {
          const known = (at: number) => {
            trace.knownAt ??= at;
          };
          const page = { kit, ownerId: 'bench', paymentId: payment.id, clock, known };
          void watch(host ? { ...page, host } : page).catch(() => undefined);
        }
      })
      .catch(() => undefined);
  });
  await clock.sleep(scenario.drainMinutes * 60_000);
  if (monitor) clearInterval(monitor);

  const pages = { none: 'no pages', polling: 'pages poll /status', push: 'pages on the push route' };
  const result = summarise(
    `clickpesa-kit, ${pages[scenario.browsers]}, page size ${scenario.pageSize}${scenario.signedWebhooks ? ', signed webhooks trusted' : ''}`,
    scenario,
    [...traces.values()],
    sb.requests,
    start,
  );
  if (process.env.BENCH_DEBUG) printFeedReads(sb.requests, start, process.env.BENCH_DEBUG === '2');
  if (host) {
    console.error(`push row: ${pushFallbacks.count - fallbacksBefore} pages fell back to polling`);
    await host.close();
  }
  await kit.close();
  await sb.close();
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
  return result;
}

/** How the change feed read: pages per read (a read begins with the newest page), and with `each` every list call. */
function printFeedReads(requests: readonly RequestLogEntry[], start: number, each: boolean): void {
  const lists = requests.filter((r) => r.endpoint === 'list');
  if (each)
    for (const r of lists)
      console.error(`list ${((r.at - start) / 1000).toFixed(1)} s ${r.url.split('?')[1]}`);
  const reads: number[] = [];
  for (const r of lists.filter((x) => x.url.includes('sortBy=updatedAt'))) {
    if (r.url.includes('orderBy=DESC')) reads.push(1);
    else if (reads.length > 0) reads[reads.length - 1]! += 1;
  }
  const perRead = new Map<number, number>();
  for (const pages of reads) perRead.set(pages, (perRead.get(pages) ?? 0) + 1);
  const histogram = [...perRead].sort((x, y) => x[0] - y[0]).map(([pages, n]) => `${pages}: ${n}`);
  console.error(`feed reads: ${reads.length}; reads by pages: ${histogram.join(', ')}`);
}
