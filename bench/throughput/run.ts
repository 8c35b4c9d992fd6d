import { parseArgs } from 'node:util';
import { runBaseline } from './baseline.js';
import type { RunResult } from './metrics.js';
import { runOurs } from './ours.js';
import type { Scenario } from './scenario.js';

/**
 * Throughput at ClickPesa's rate limit: our toolkit and the guide's polling, measured in one run against
 * the sandbox with its rate limit on, on a scaled clock (every rate is per simulated minute).
 *
 *   pnpm --filter @clickpesa-kit/bench throughput [--rate 105] [--minutes 10] [--scale 5] [--loss 0.2]
 */
const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '105' },
    minutes: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    drain: { type: 'string', default: '4' },
    budget: { type: 'string', default: '120' },
    loss: { type: 'string', default: '0.2' },
    scale: { type: 'string', default: '5' },
    seed: { type: 'string', default: '2026' },
    only: { type: 'string' },
    'browser-polls': { type: 'boolean', default: false },
    // an extra baseline row at a rate the guide can sustain, for its calls per payment when not throttled
    'baseline-rate': { type: 'string' },
  },
});

const scenario: Scenario = {
  ratePerMinute: Number(values.rate),
  offerMinutes: Number(values.minutes),
  warmupMinutes: Number(values.warmup),
  drainMinutes: Number(values.drain),
  budgetPerMinute: Number(values.budget),
  approveDelayMs: [5_000, 60_000],
  webhookLoss: Number(values.loss),
  browserPolls: values['browser-polls'] ?? false,
  scale: Number(values.scale),
  seed: Number(values.seed),
};

const results: { rate: number; result: RunResult }[] = [];
if (values.only !== 'baseline')
  results.push({ rate: scenario.ratePerMinute, result: await runOurs(scenario) });
if (values.only !== 'ours')
  results.push({ rate: scenario.ratePerMinute, result: await runBaseline(scenario) });
if (values['baseline-rate']) {
  const rate = Number(values['baseline-rate']);
  results.push({ rate, result: await runBaseline({ ...scenario, ratePerMinute: rate }) });
}

const fmt = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : '–');
console.log(
  `\nOffered ${scenario.ratePerMinute}/min for ${scenario.offerMinutes} simulated min (+${scenario.drainMinutes} min drain), ` +
    `budget and sandbox limit ${scenario.budgetPerMinute}/min, approvals after ${scenario.approveDelayMs[0] / 1000}–` +
    `${scenario.approveDelayMs[1] / 1000} s, ${scenario.webhookLoss * 100}% of webhooks lost, clock ×${scenario.scale}.\n`,
);
console.log(
  '| run | offered / min | completed / min (after warm-up) | provider calls / completed payment | approval → success p50 / p95 / max (s) | unresolved | offered / completed | calls (by endpoint) | peak calls in 60 s | 429s |',
);
console.log('|---|---:|---:|---:|---:|---:|---:|---|---:|---:|');
for (const { rate, result: r } of results) {
  const byEndpoint = Object.entries(r.callsByEndpoint)
    .map(([endpoint, count]) => `${endpoint} ${count}`)
    .join(', ');
  console.log(
    `| ${r.name} | ${rate} | ${fmt(r.completedPerMinute, 1)} | ${fmt(r.callsPerCompleted)} | ${fmt(r.latency.p50, 1)} / ${fmt(r.latency.p95, 1)} / ${fmt(r.latency.max, 1)} | ${r.unresolved} | ${r.offered} / ${r.completed} | ${byEndpoint} | ${r.peakPerMinute} | ${r.rateLimited} |`,
  );
}
const ours = results.find(({ result }) => result.name.startsWith('clickpesa-kit'))?.result;
if (ours) {
  const checks = [
    [`completed/min ≥ 100`, ours.completedPerMinute >= 100],
    [`calls/payment ≤ 1.2`, ours.callsPerCompleted <= 1.2],
    [`no payment left unresolved`, ours.unresolved === 0],
    [`never above the limit`, ours.peakPerMinute <= scenario.budgetPerMinute],
  ] as const;
  console.log(`\ntargets: ${checks.map(([label, ok]) => `${ok ? 'PASS' : 'FAIL'} ${label}`).join('; ')}`);
}
