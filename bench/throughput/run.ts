import { parseArgs } from 'node:util';
import { runBaseline } from './baseline.js';
import { BROWSER_WATCHERS } from './browsers.js';
import type { RunResult } from './metrics.js';
import { runOurs } from './ours.js';
import type { BrowserMode, Scenario } from './scenario.js';

/**
 * Throughput at ClickPesa's rate limit: our toolkit and the guide's polling, measured in one run against
 * the sandbox with its rate limit on, on a scaled clock (every rate is per simulated minute). Our rows: each
 * page behaviour (`--browsers`) at each list page size (`--page-sizes`), the same load for every row.
 *
 *   pnpm --filter @clickpesa-kit/bench throughput [--rate 105] [--minutes 10] [--scale 5] [--loss 0.2]
 *     [--browsers none,polling] [--page-sizes 100,20] [--browser-polls] [--only ours|baseline]
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
    // page behaviours for our rows: none, polling (the status route, as waitForPayment does), push
    browsers: { type: 'string', default: 'none,polling,push' },
    // shorthand for --browsers none,polling
    'browser-polls': { type: 'boolean', default: false },
    'page-sizes': { type: 'string', default: '100,20' },
    // ClickPesa signs webhooks and the kit applies verified ones without a confirming call
    signed: { type: 'boolean', default: false },
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
  browsers: 'none',
  pageSize: 100,
  signedWebhooks: values.signed ?? false,
  scale: Number(values.scale),
  seed: Number(values.seed),
};
const browserModes = (values['browser-polls'] ? 'none,polling' : values.browsers)
  .split(',')
  .map((mode) => mode.trim()) as BrowserMode[];
const pageSizes = values['page-sizes'].split(',').map(Number);

const results: { rate: number; result: RunResult }[] = [];
const skipped: string[] = [];
if (values.only !== 'baseline') {
  for (const browsers of browserModes) {
    if (browsers !== 'none' && BROWSER_WATCHERS[browsers] === undefined) {
      skipped.push(`browsers=${browsers} (no page behaviour registered in browsers.ts)`);
      continue;
    }
    for (const pageSize of pageSizes) {
      results.push({
        rate: scenario.ratePerMinute,
        result: await runOurs({ ...scenario, browsers, pageSize }),
      });
    }
  }
}
if (values.only !== 'ours')
  results.push({ rate: scenario.ratePerMinute, result: await runBaseline(scenario) });
if (values['baseline-rate']) {
  const rate = Number(values['baseline-rate']);
  results.push({ rate, result: await runBaseline({ ...scenario, ratePerMinute: rate }) });
}

const fmt = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : '–');
const times = (l: RunResult['latency']) => `${fmt(l.p50, 1)} / ${fmt(l.p95, 1)} / ${fmt(l.max, 1)}`;
console.log(
  `\nOffered ${scenario.ratePerMinute}/min for ${scenario.offerMinutes} simulated min (+${scenario.drainMinutes} min drain), ` +
    `budget and sandbox limit ${scenario.budgetPerMinute}/min, approvals after ${scenario.approveDelayMs[0] / 1000}–` +
    `${scenario.approveDelayMs[1] / 1000} s, ${scenario.webhookLoss * 100}% of webhooks lost, clock ×${scenario.scale}.\n`,
);
console.log(
  '| run | offered / min | completed / min (after warm-up) | provider calls / completed payment | approval → page knows p50 / p95 / max (s) | approval → server knows p50 / p95 / max (s) | unresolved | offered / completed | calls (by endpoint) | peak calls in 60 s | 429s |',
);
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|');
for (const { rate, result: r } of results) {
  const byEndpoint = Object.entries(r.callsByEndpoint)
    .map(([endpoint, count]) => `${endpoint} ${count}`)
    .join(', ');
  console.log(
    `| ${r.name} | ${rate} | ${fmt(r.completedPerMinute, 1)} | ${fmt(r.callsPerCompleted)} | ${times(r.latency)} | ${times(r.serverLatency)} | ${r.unresolved} | ${r.offered} / ${r.completed} | ${byEndpoint} | ${r.peakPerMinute} | ${r.rateLimited} |`,
  );
}
if (skipped.length > 0) console.log(`\nnot run: ${skipped.join('; ')}`);
console.log('');
for (const { result: ours } of results.filter(({ result }) => result.name.startsWith('clickpesa-kit'))) {
  const checks = [
    [`completed/min ≥ 100`, ours.completedPerMinute >= 100],
    [`calls/payment ≤ 1.2`, ours.callsPerCompleted <= 1.2],
    [`no payment left unresolved`, ours.unresolved === 0],
    [`never above the limit`, ours.peakPerMinute <= scenario.budgetPerMinute],
    [`page knows p50 ≤ 2 s`, ours.latency.p50 <= 2],
    [`page knows p95 ≤ 10 s`, ours.latency.p95 <= 10],
  ] as const;
  console.log(`${ours.name}: ${checks.map(([label, ok]) => `${ok ? 'PASS' : 'FAIL'} ${label}`).join('; ')}`);
}
// the sandbox's webhook retries and the kit's timers are closed, but a keep-alive socket may linger: the table
// is printed, so the process ends here rather than waiting on it
process.exit(0);
