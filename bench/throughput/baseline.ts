import { randomBytes } from 'node:crypto';
import { createClickPesaClient, createProviderBudget } from '@clickpesa-kit/core';
import { createSeededRandom as seededRandom } from '@clickpesa-kit/core/testing';
import { startSandbox } from '@clickpesa-kit/sandbox';
// an internal rule (which of several ClickPesa records counts), read from the source: the baseline needs it too
import { pickAuthoritative } from '../../packages/core/src/domain/status-map.js';
import { type RunResult, summarise } from './metrics.js';
import { createScaledClock } from './scaled-clock.js';
import { customerApproves, offerLoad, type PaymentTrace, phoneFor, type Scenario } from './scenario.js';

/** The guide's attempts: first check after 15 s, then every 10 s, "timeout" after ~90 s. */
const FIRST_CHECK_MS = 15_000;
const INTERVAL_MS = 10_000;
const MAX_ATTEMPTS = 8;

/**
 * The usual initiate-then-poll integration: initiate, then poll `GET /payments/{orderReference}` for each
 * payment at 15 s and every 10 s until it is final. It gets the same 120/min limiter (first come, first served) so it is
 * throttled rather than answered 429; webhooks are not used (it only polls).
 */
export async function runBaseline(scenario: Scenario): Promise<RunResult> {
  const clock = createScaledClock(scenario.scale);
  const now = () => clock.now().getTime();
  const random = seededRandom(scenario.seed);
  const sb = await startSandbox({ now, rateLimit: { limit: scenario.budgetPerMinute, windowMs: 60_000 } });
  const gate = createProviderBudget({
    clock,
    requestsPerMinute: scenario.budgetPerMinute,
    backgroundShare: 0,
    userMaxWaitMs: Number.POSITIVE_INFINITY,
  });
  const client = createClickPesaClient({
    baseUrl: sb.url,
    clientId: sb.clientId,
    apiKey: sb.apiKey,
    env: {},
    gate,
    now,
    sleep: (ms, signal) => clock.sleep(ms, signal),
  });

  const traces: PaymentTrace[] = [];
  const payOne = async (index: number) => {
    const orderReference = `PAY${randomBytes(6).toString('hex').toUpperCase()}`;
    const trace: PaymentTrace = {
      orderReference,
      offeredAt: now(),
      approvedAt: null,
      succeededAt: null,
      knownAt: null,
    };
    traces.push(trace);
    const initiated = await client.initiateUssdPush(
      { amount: '1000', currency: 'TZS', orderReference, phoneNumber: phoneFor(index) },
      { priority: 'user' },
    );
    if (initiated.kind !== 'accepted') return;
    customerApproves(clock, scenario, random, trace, (reference) => sb.approve(reference));
    await clock.sleep(FIRST_CHECK_MS);
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const answer = await client.queryPayment(orderReference, { priority: 'user' }).catch(() => null);
      const record = answer?.kind === 'found' ? pickAuthoritative(answer.payments) : null;
      if (record?.status === 'SUCCESS' || record?.status === 'SETTLED') {
        trace.succeededAt = now();
        trace.knownAt = trace.succeededAt;
        return;
      }
      if (record?.status === 'FAILED') return;
      if (attempt < MAX_ATTEMPTS) await clock.sleep(INTERVAL_MS);
    }
  };

  const start = now();
  const running: Promise<void>[] = [];
  await offerLoad(clock, scenario, (index) => running.push(payOne(index).catch(() => undefined)));
  await Promise.race([Promise.all(running), clock.sleep(scenario.drainMinutes * 60_000)]);

  const result = summarise(
    'baseline: the guide (poll each reference at 15 s, then every 10 s)',
    scenario,
    traces,
    sb.requests,
    start,
  );
  await client.close();
  await sb.close();
  return result;
}
